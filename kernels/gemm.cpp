#include "kernels/gemm.h"

#include <oneapi/dnnl/dnnl.hpp>

#include <stdexcept>
#include <string>
#include <unordered_map>

namespace embed::kernels {
namespace {

using dnnl::memory;

dnnl::engine& cpu_engine() {
  static dnnl::engine engine(dnnl::engine::kind::cpu, 0);
  return engine;
}

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

}  // namespace

void linear(const float* x, size_t m, size_t k, const float* w, size_t n, float* y,
            const LinearEpilogue& epilogue) {
  if (m == 0 || n == 0) return;
  const auto dims = [](size_t rows, size_t cols) {
    return memory::dims{static_cast<memory::dim>(rows), static_cast<memory::dim>(cols)};
  };
  // w[n][k] row-major is the {k, n} weight matrix in column-major order ("ba"): no copy needed.
  const memory::desc src_md(dims(m, k), memory::data_type::f32, memory::format_tag::ab);
  const memory::desc weights_md(dims(k, n), memory::data_type::f32, memory::format_tag::ba);
  const memory::desc bias_md(dims(1, n), memory::data_type::f32, memory::format_tag::ab);
  const memory::desc dst_md(dims(m, n), memory::data_type::f32, memory::format_tag::ab);
  try {
    dnnl::engine& engine = cpu_engine();
    // Creating the primitive per call is cheap: oneDNN's primitive cache returns the compiled
    // kernel for a repeated shape. A per-call stream makes concurrent calls independent.
    const auto desc = epilogue.bias ? dnnl::matmul::desc(src_md, weights_md, bias_md, dst_md)
                                    : dnnl::matmul::desc(src_md, weights_md, dst_md);
    const dnnl::matmul matmul(dnnl::matmul::primitive_desc(desc, epilogue_attr(epilogue), engine));
    // oneDNN takes non-const handles but does not write to inputs.
    std::unordered_map<int, memory> args = {
        {DNNL_ARG_SRC, memory(src_md, engine, const_cast<float*>(x))},
        {DNNL_ARG_WEIGHTS, memory(weights_md, engine, const_cast<float*>(w))},
        {DNNL_ARG_DST, memory(dst_md, engine, y)}};
    if (epilogue.bias)
      args.emplace(DNNL_ARG_BIAS, memory(bias_md, engine, const_cast<float*>(epilogue.bias)));
    dnnl::stream stream(engine);
    matmul.execute(stream, args);
    stream.wait();
  } catch (const dnnl::error& e) {
    throw std::runtime_error("linear [" + std::to_string(m) + "x" + std::to_string(k) + "] x [" +
                             std::to_string(n) + "x" + std::to_string(k) +
                             "]^T: oneDNN matmul failed: " + e.what());
  }
}

}  // namespace embed::kernels
