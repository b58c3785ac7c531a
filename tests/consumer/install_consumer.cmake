# ctest install_consumer: installs the build tree into a scratch prefix, builds the consumer
# project against it with find_package and the C consumer with pkg-config, and runs them on a
# fixture model (when the fixtures are present). Run with cmake -P; the -D inputs are set by
# cmake/install.cmake.
function(run)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE code OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(NOT code EQUAL 0)
    string(JOIN " " command ${ARGN})
    message(FATAL_ERROR "failed (${code}): ${command}\n${out}")
  endif()
  string(STRIP "${out}" out)
  set(output "${out}" PARENT_SCOPE)
endfunction()

file(REMOVE_RECURSE ${WORK_DIR})
set(prefix ${WORK_DIR}/prefix)
run(${CMAKE_COMMAND} --install ${BUILD_DIR} --prefix ${prefix} --config ${CONFIG})

run(${CMAKE_COMMAND} -S ${SOURCE_DIR} -B ${WORK_DIR}/build -G ${GENERATOR}
  -DCMAKE_BUILD_TYPE=${CONFIG} -DCMAKE_PREFIX_PATH=${prefix}
  -DCMAKE_C_COMPILER=${C_COMPILER} -DCMAKE_CXX_COMPILER=${CXX_COMPILER})
run(${CMAKE_COMMAND} --build ${WORK_DIR}/build --config ${CONFIG})

set(ENV{PKG_CONFIG_PATH} ${prefix}/${LIBDIR}/pkgconfig)
run(${PKG_CONFIG} --cflags --libs embedcpp)
message(STATUS "pkg-config --cflags --libs embedcpp: ${output}")
separate_arguments(pkg_flags UNIX_COMMAND "${output}")
run(${C_COMPILER} -std=c99 -Wall -Wextra -pedantic -Werror ${SOURCE_DIR}/main.c ${pkg_flags}
  -o ${WORK_DIR}/consumer_c_pkgconfig)

if(NOT IS_DIRECTORY ${MODEL_DIR})
  message(STATUS "fixture model ${MODEL_DIR} not found: consumers built, not run")
  return()
endif()
file(GLOB_RECURSE consumers ${WORK_DIR}/build/consumer_c ${WORK_DIR}/build/consumer_cpp)
list(APPEND consumers ${WORK_DIR}/consumer_c_pkgconfig)
list(LENGTH consumers count)
if(NOT count EQUAL 3)
  message(FATAL_ERROR "expected 3 consumer programs, found: ${consumers}")
endif()
foreach(consumer ${consumers})
  run(${consumer} ${MODEL_DIR})
  message(STATUS "${consumer}: ${output}")
  if(NOT output STREQUAL "dim 64 self-score 1.000")
    message(FATAL_ERROR "${consumer}: unexpected output '${output}'")
  endif()
endforeach()
