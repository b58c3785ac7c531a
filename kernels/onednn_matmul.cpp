#include "kernels/onednn_matmul.h"

#include <stdexcept>
#include <string>
#include <unordered_map>

namespace embed::kernels {
namespace {

using dnnl::memory;

dnnl::primitive_attr epilogue_attr(const LinearEpilogue& epilogue) {
  dnnl::post_ops ops;
  switch (epilogue.activation) {
    case Activation::GeluErf:
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_erf, 0.0f, 0.0f);
      break;
    case Activation::GeluTanh:
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_gelu_tanh, 0.0f, 0.0f);
      break;
    case Activation::Relu:
      ops.append_eltwise(1.0f, dnnl::algorithm::eltwise_relu, 0.0f, 0.0f);
      break;
    case Activation::None:
      break;
  }
  // After the activation, so that y = act(x·wᵀ + b) + y.
  if (epilogue.accumulate) ops.append_sum(1.0f);
  dnnl::primitive_attr attr;
  attr.set_post_ops(ops);
  return attr;
}

const char* type_name(memory::data_type type) {
  switch (type) {
    case memory::data_type::f32:
      return "f32";
    case memory::data_type::bf16:
      return "bf16";
    case memory::data_type::s8:
      return "s8";
    case memory::data_type::u8:
      return "u8";
    default:
      return "?";
  }
}

}  // namespace

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

memory::dims matrix_dims(size_t rows, size_t cols) {
  return {static_cast<memory::dim>(rows), static_cast<memory::dim>(cols)};
}

void run_matmul(memory::data_type src_type, const void* src, size_t m, const memory& weights,
                float* y, const LinearEpilogue& epilogue) {
  const memory::desc weights_md = weights.get_desc();
  const memory::dim k = weights_md.dims()[0], n = weights_md.dims()[1];
  const memory::desc src_md({static_cast<memory::dim>(m), k}, src_type, memory::format_tag::ab);
  const memory::desc bias_md({1, n}, memory::data_type::f32, memory::format_tag::ab);
  const memory::desc dst_md({static_cast<memory::dim>(m), n}, memory::data_type::f32,
                            memory::format_tag::ab);
  try {
    dnnl::engine& engine = cpu_engine();
    const auto desc = epilogue.bias ? dnnl::matmul::desc(src_md, weights_md, bias_md, dst_md)
                                    : dnnl::matmul::desc(src_md, weights_md, dst_md);
    const dnnl::matmul matmul(dnnl::matmul::primitive_desc(desc, epilogue_attr(epilogue), engine));
    // oneDNN takes non-const handles but does not write to inputs.
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, memory(src_md, engine, const_cast<void*>(src))},
        {DNNL_ARG_WEIGHTS, weights},
        {DNNL_ARG_DST, memory(dst_md, engine, y)}};
    if (epilogue.bias)
      args.emplace(DNNL_ARG_BIAS, memory(bias_md, engine, const_cast<float*>(epilogue.bias)));
    // A per-call stream keeps concurrent calls independent (oneDNN is built with concurrent
    // execution, so a shared primitive's scratchpad is per thread).
    dnnl::stream stream(engine);
    matmul.execute(stream, args);
    stream.wait();
  } catch (const dnnl::error& e) {
    throw std::runtime_error("matmul [" + std::to_string(m) + "x" + std::to_string(k) + " " +
                             type_name(src_type) + "] x [" + std::to_string(k) + "x" +
                             std::to_string(n) + " " + type_name(weights_md.data_type()) +
                             "]: oneDNN failed: " + e.what());
  }
}

memory::desc preferred_weights_desc(memory::data_type src_type, memory::data_type weights_type,
                                    size_t k, size_t n) {
  // A few hundred rows: a typical batch, and large enough that oneDNN picks its blocked GEMM.
  constexpr size_t kRepresentativeRows = 256;
  const memory::desc src_md(matrix_dims(kRepresentativeRows, k), src_type, memory::format_tag::ab);
  const memory::desc weights_md(matrix_dims(k, n), weights_type, memory::format_tag::any);
  const memory::desc dst_md(matrix_dims(kRepresentativeRows, n), memory::data_type::f32,
                            memory::format_tag::ab);
  try {
    return dnnl::matmul::primitive_desc(dnnl::matmul::desc(src_md, weights_md, dst_md),
                                        cpu_engine())
        .weights_desc();
  } catch (const dnnl::error& e) {
    throw std::runtime_error("matmul weights [" + std::to_string(k) + "x" + std::to_string(n) +
                             " " + type_name(weights_type) + "] with " + type_name(src_type) +
                             " activations: oneDNN has no implementation: " + e.what());
  }
}

}  // namespace embed::kernels
