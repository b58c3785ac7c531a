# Installation: the static libraries, the public headers under include/embedcpp (with the
# repository's include paths, so `#include "engine/model.h"` works unchanged), the `embed` CLI,
# a CMake package (find_package(embedcpp) → embedcpp::embedcpp) and a pkg-config file.
include(GNUInstallDirs)
include(CMakePackageConfigHelpers)

# The installed headers use C++20 (std::span); consumers get the standard with the target.
target_compile_features(embedcpp PUBLIC cxx_std_20)
# The same name inside this build, for projects that add_subdirectory() embed.cpp.
add_library(embedcpp::embedcpp ALIAS embedcpp)

set(embed_cmake_dir ${CMAKE_INSTALL_LIBDIR}/cmake/embedcpp)

install(TARGETS embedcpp embed_loaders embed_tokenizer embed_kernels EXPORT embedcppTargets
  ARCHIVE DESTINATION ${CMAKE_INSTALL_LIBDIR})
install(TARGETS embed RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})

# The headers users include, and every repository header they include in turn (found by reading
# the #include "..." lines, so a new include is installed without editing this list).
set(embed_pending_headers
  engine/embed.h engine/model.h engine/model_path.h engine/scores.h engine/tokenizer.h)
set(embed_public_headers "")
while(embed_pending_headers)
  list(POP_FRONT embed_pending_headers header)
  if(header IN_LIST embed_public_headers)
    continue()
  endif()
  list(APPEND embed_public_headers ${header})
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/${header})
  file(STRINGS ${PROJECT_SOURCE_DIR}/${header} include_lines REGEX "^#include \"")
  foreach(line ${include_lines})
    string(REGEX REPLACE "^#include \"([^\"]+)\".*" "\\1" included "${line}")
    list(APPEND embed_pending_headers ${included})
  endforeach()
endwhile()
foreach(header ${embed_public_headers})
  get_filename_component(subdir ${header} DIRECTORY)
  install(FILES ${header} DESTINATION ${CMAKE_INSTALL_INCLUDEDIR}/embedcpp/${subdir})
endforeach()

install(EXPORT embedcppTargets NAMESPACE embedcpp:: DESTINATION ${embed_cmake_dir})
configure_package_config_file(cmake/embedcppConfig.cmake.in
  ${PROJECT_BINARY_DIR}/embedcppConfig.cmake INSTALL_DESTINATION ${embed_cmake_dir})
# 0.x: minor versions may break the API.
write_basic_package_version_file(${PROJECT_BINARY_DIR}/embedcppConfigVersion.cmake
  COMPATIBILITY SameMinorVersion)
install(FILES ${PROJECT_BINARY_DIR}/embedcppConfig.cmake
  ${PROJECT_BINARY_DIR}/embedcppConfigVersion.cmake DESTINATION ${embed_cmake_dir})

# pkg-config: the prefix is found relative to the .pc file, so an install moved elsewhere (or made
# with `cmake --install --prefix`) still works.
file(RELATIVE_PATH embed_pc_prefix /${CMAKE_INSTALL_LIBDIR}/pkgconfig /)
configure_file(cmake/embedcpp.pc.in ${PROJECT_BINARY_DIR}/embedcpp.pc @ONLY)
install(FILES ${PROJECT_BINARY_DIR}/embedcpp.pc DESTINATION ${CMAKE_INSTALL_LIBDIR}/pkgconfig)

# Not with EMBED_SANITIZE: the consumer would link the instrumented library without the sanitizer
# runtime.
if(EMBED_BUILD_TESTS AND NOT EMBED_SANITIZE)
  add_test(NAME install_consumer COMMAND ${CMAKE_COMMAND}
    -DBUILD_DIR=${PROJECT_BINARY_DIR} -DCONFIG=$<CONFIG>
    -DSOURCE_DIR=${PROJECT_SOURCE_DIR}/tests/consumer
    -DWORK_DIR=${PROJECT_BINARY_DIR}/install_consumer
    "-DGENERATOR=${CMAKE_GENERATOR}"
    -DC_COMPILER=${CMAKE_C_COMPILER} -DCXX_COMPILER=${CMAKE_CXX_COMPILER}
    -DPKG_CONFIG=${PKG_CONFIG_EXECUTABLE} -DLIBDIR=${CMAKE_INSTALL_LIBDIR}
    -DMODEL_DIR=${PROJECT_SOURCE_DIR}/../shared/fixtures/models/tiny-bge-m3
    -P ${PROJECT_SOURCE_DIR}/tests/consumer/install_consumer.cmake)
  set_tests_properties(install_consumer PROPERTIES LABELS install TIMEOUT 600)
endif()
