#include "kernels/prepared_linear.h"

#include <atomic>
#include <bit>
#include <cmath>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/block_memory.h"
#include "kernels/grown_buffer.h"
#include "kernels/isa.h"
#include "kernels/kernel_table.h"
#include "kernels/onednn_matmul.h"
#include "kernels/panel_gemm.h"
#include "kernels/parallel.h"

namespace embed::kernels {
namespace {

using dnnl::memory;
using Type = memory::data_type;

bool onednn_has(dnnl::cpu_isa isa) {
  // oneDNN's ISA values are bit sets, each including the ones it extends. The effective ISA
  // honours ONEDNN_MAX_CPU_ISA.
  const auto bits = static_cast<unsigned>(isa);
  return (static_cast<unsigned>(dnnl::get_effective_cpu_isa()) & bits) == bits;
}

Bf16Compute default_bf16_compute(const char* forced) {
  if (forced == nullptr || *forced == '\0')
    return onednn_has(dnnl::cpu_isa::avx512_core_bf16) ? Bf16Compute::Bf16
                                                       : Bf16Compute::WidenToF32;
  if (std::string(forced) == "bf16") return Bf16Compute::Bf16;
  if (std::string(forced) == "f32") return Bf16Compute::WidenToF32;
  throw std::runtime_error(std::string("EMBED_BF16_COMPUTE=") + forced +
                           ": unknown choice (expected bf16 or f32)");
}

std::atomic<Bf16Compute>& bf16_choice() {
  static std::atomic<Bf16Compute> choice{default_bf16_compute(std::getenv("EMBED_BF16_COMPUTE"))};
  return choice;
}

// Which build of our panel GEMM serves weights prepared now: the VNNI one, or the AVX2 one where
// AVX2 is the widest ISA (INT8 on a 2-core AMD EPYC, Zen 3: BGE-M3's linears at 16 rows 1.7-2.5x
// oneDNN's AVX2 kernels, 512-4096 rows 1.0-1.2x; a 1x16 INT8 pass 62 -> 35 ms), or none: oneDNN
// (no AVX2; AVX-512 without VNNI, where oneDNN's 512-bit vpmaddubsw kernels are wider than ours).
// FP32 with VNNI uses the panels at few rows only; see kMaxRowsForF32Panels.
enum class PanelGemm { Vnni, Avx2, None };
PanelGemm panel_gemm_build() {
  if (vnni_active()) return PanelGemm::Vnni;
  return active_isa() == Isa::Avx2 ? PanelGemm::Avx2 : PanelGemm::None;
}

// Σ w[i] over k weights, in int32 (|Σ| ≤ 127·k). Summed in 16 lanes, which GCC vectorizes at
// -O2; as a scalar loop these sums were 40% of loading an INT8 BGE-M3.
int32_t weight_sum(const int8_t* w, size_t k) {
  int32_t lanes[16] = {};
  size_t i = 0;
  for (; i + 16 <= k; i += 16)
    for (size_t t = 0; t < 16; ++t) lanes[t] += w[i + t];
  int32_t sum = 0;
  for (int32_t lane : lanes) sum += lane;
  for (; i < k; ++i) sum += w[i];
  return sum;
}

// Up to this many rows f32_panel_gemm streams the weights faster than oneDNN's matmul (1.27x at
// 16 rows, 1.2x at 48; even at 64, alternating in one process with the weights in memory).
constexpr size_t kMaxRowsForF32Panels = 48;
// Up to this many rows bf16_panel_gemm beats widening the weights for oneDNN's matmul. Over
// BGE-M3's 96 linears it took 1.13x oneDNN's time on f32 weights at 64 and 128 rows, 1.18x at 512;
// widening them all costs 78-84 ms a pass, a fifth of oneDNN's time at 128 rows, 6% at 512.
constexpr size_t kMaxRowsForBf16Panels = 128;

// Whether oneDNN's packed {k, n} f32 weights are panels of kPanelWidth columns with k rows each
// (BA16a64b with k a multiple of 16, so no padded rows): f32_panel_gemm's layout.
bool is_panel_layout(const memory::desc& desc, size_t k) {
  const dnnl_blocking_desc_t& blocking = desc.data.format_desc.blocking;
  return desc.data.format_kind == dnnl_blocked && k % 16 == 0 && blocking.inner_nblks == 2 &&
         blocking.inner_blks[0] == 16 && blocking.inner_idxs[0] == 0 &&
         blocking.inner_blks[1] == dnnl_dim_t(kPanelWidth) && blocking.inner_idxs[1] == 1 &&
         blocking.strides[0] == dnnl_dim_t(16 * kPanelWidth) &&
         blocking.strides[1] == dnnl_dim_t(k * kPanelWidth);
}

}  // namespace

struct PreparedLinear::Weights {
  Weights(WeightFormat format, size_t n, size_t k) : format(format), n(n), k(k) {}
  WeightFormat format;
  size_t n, k;
  memory packed;  // F32, BF16, and INT8 without our panel GEMMs: {k, n} in oneDNN's layout
  std::shared_ptr<std::byte[]> packed_storage;  // packed's buffer
  Int8Panels panels;          // INT8 with our panel GEMMs (VNNI or AVX2, per panel_gemm_build)
  bool on_vnni = false;       // our panel GEMMs: the VNNI build rather than the AVX2 one
  bool f32_panels = false;    // F32: `packed` is also f32_panel_gemm's layout
  size_t f32_panel_rows = 0;  // F32: up to this many rows our panel GEMM multiplies
  Bf16Panels bf16_panels;     // BF16 widened to f32 in our GEMMs (on_vnni: the VNNI build's)
  memory::desc widened_desc;  // on_vnni bf16_panels widened: oneDNN's packed f32 layout
  Type src_type = Type::f32;  // what the activations are fed to oneDNN as
  // Int8: u = q + zero_point with q within the levels; col_offsets[j] = zero_point · Σᵢ w[j][i]
  // removes the zero point from the accumulator, col_scales[j] are the weight scales.
  QuantizationLevels levels{};
  std::vector<float> col_offsets, col_scales;

  // Sets `packed` (in packed_storage): the weights held as w[n][k] ("ba") of `type` at `data`,
  // copied into `layout`, by default oneDNN's preferred one for src_type activations, converted to
  // packed_type.
  void pack(const void* data, Type type, Type packed_type, const memory::desc* layout = nullptr) {
    const memory::desc packed_md =
        layout ? *layout : preferred_weights_desc(src_type, packed_type, k, n);
    packed_storage = allocate_shared_block(packed_md.get_size());
    try {
      dnnl::engine& engine = cpu_engine();
      memory plain(memory::desc(matrix_dims(k, n), type, memory::format_tag::ba), engine,
                   const_cast<void*>(data));
      packed = memory(packed_md, engine, packed_storage.get());
      dnnl::stream stream(engine);
      dnnl::reorder(plain, packed).execute(stream, plain, packed);
      stream.wait();
    } catch (const dnnl::error& e) {
      throw std::runtime_error("packing linear weights [" + std::to_string(n) + "x" +
                               std::to_string(k) + "]: oneDNN failed: " + e.what());
    }
  }

  // Whether the weights go into panels for our AVX2 GEMMs, which multiply them at every row
  // count: where AVX2 is the widest ISA, since oneDNN's AVX2 matmul keeps them plain and re-packs
  // them per call (BGE-M3's linears at 16 rows: 57-76 GFLOP/s). Not for k other than a multiple
  // of 16: the f32 panel layout pads k to 16, and bf16 follows it to give the same sums.
  bool avx2_panels() const { return panel_gemm_build() == PanelGemm::Avx2 && k % 16 == 0; }
};

PreparedLinear::PreparedLinear(std::shared_ptr<const Weights> weights)
    : weights_(std::move(weights)) {}

PreparedLinear PreparedLinear::f32(const float* w, size_t n, size_t k) {
  auto weights = std::make_shared<Weights>(WeightFormat::F32, n, k);
  if (weights->avx2_panels()) {
    const memory::desc panels(matrix_dims(k, n), Type::f32, memory::format_tag::BA16a64b);
    weights->pack(w, Type::f32, Type::f32, &panels);
    weights->f32_panels = true;
    weights->f32_panel_rows = SIZE_MAX;
    return PreparedLinear(std::move(weights));
  }
  weights->pack(w, Type::f32, Type::f32);
  weights->on_vnni = panel_gemm_build() == PanelGemm::Vnni;
  weights->f32_panels = weights->on_vnni && is_panel_layout(weights->packed.get_desc(), k);
  weights->f32_panel_rows = kMaxRowsForF32Panels;
  return PreparedLinear(std::move(weights));
}

PreparedLinear PreparedLinear::bf16_bits(const uint16_t* w, size_t n, size_t k) {
  auto weights = std::make_shared<Weights>(WeightFormat::BF16, n, k);
  if (bf16_compute() == Bf16Compute::Bf16) {
    weights->src_type = Type::bf16;
  } else if (vnni_active()) {
    const memory::desc widened = preferred_weights_desc(Type::f32, Type::f32, k, n);
    if (is_panel_layout(widened, k)) {
      weights->bf16_panels = pack_bf16_panels(w, n, k);
      weights->widened_desc = widened;
      weights->on_vnni = true;
      return PreparedLinear(std::move(weights));
    }
  } else if (weights->avx2_panels()) {
    // Kept in bf16: half the bytes to hold and to stream (BGE-M3 1x16 54.8 ms against FP32's
    // 67.6, peak RSS 705 against 1,232 MB).
    weights->bf16_panels = pack_bf16_panels(w, n, k);
    return PreparedLinear(std::move(weights));
  }
  weights->pack(w, Type::bf16, weights->src_type);
  return PreparedLinear(std::move(weights));
}

PreparedLinear PreparedLinear::bf16(const float* w, size_t n, size_t k) {
  std::vector<uint16_t> bits(n * k);
  for (size_t i = 0; i < bits.size(); ++i) {
    const uint32_t u = std::bit_cast<uint32_t>(w[i]);
    // Round half to even on the dropped 16 bits; a NaN stays a (quiet) NaN.
    bits[i] = (u & 0x7fffffffu) > 0x7f800000u ? uint16_t((u >> 16) | 0x40u)
                                              : uint16_t((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
  }
  return bf16_bits(bits.data(), n, k);
}

PreparedLinear PreparedLinear::int8(const int8_t* w, const float* scales, size_t n, size_t k,
                                    Int8Input input) {
  auto weights = std::make_shared<Weights>(WeightFormat::Int8, n, k);
  weights->levels = int8_activation_levels(input);
  weights->src_type = Type::u8;
  weights->col_scales.assign(scales, scales + n);
  for (size_t j = 0; j < n; ++j)
    if (!std::isfinite(scales[j]))
      throw std::runtime_error("int8 linear weights [" + std::to_string(n) + "x" +
                               std::to_string(k) + "]: scale of output " + std::to_string(j) +
                               " is not finite");
  weights->col_offsets.resize(n);
  parallel_ranges(n, k, [&](size_t begin, size_t end) {
    for (size_t j = begin; j < end; ++j)
      weights->col_offsets[j] =
          static_cast<float>(int64_t{weight_sum(w + j * k, k)} * weights->levels.zero_point);
  });
  const PanelGemm build = panel_gemm_build();
  weights->on_vnni = build == PanelGemm::Vnni;
  if (build == PanelGemm::None)
    weights->pack(w, Type::s8, Type::s8);
  else
    weights->panels = pack_int8_panels(
        w, n, k, build == PanelGemm::Vnni ? Int8PanelKernel::Vnni : Int8PanelKernel::Avx2);
  return PreparedLinear(std::move(weights));
}

void PreparedLinear::apply(const float* x, size_t m, float* y,
                           const LinearEpilogue& epilogue) const {
  const Weights& w = *weights_;
  if (m == 0 || w.n == 0) return;
  if (w.format == WeightFormat::Int8) return apply_int8(x, m, y, epilogue);
  if (w.bf16_panels.data) return apply_bf16_panels(x, m, y, epilogue);
  if (w.f32_panels && m <= w.f32_panel_rows)
    return (w.on_vnni ? f32_panel_gemm : avx2::f32_panel_gemm)(
        x, m, w.k, {static_cast<const float*>(w.packed.get_data_handle()), w.n, w.k}, epilogue, y);
  if (w.src_type == Type::f32) return run_matmul(Type::f32, x, m, w.packed, y, epilogue);
  thread_local AlignedVector<uint16_t> x_bf16;
  try {
    const memory::dims dims = matrix_dims(m, w.k);
    memory plain({dims, Type::f32, memory::format_tag::ab}, cpu_engine(), const_cast<float*>(x));
    memory narrow({dims, Type::bf16, memory::format_tag::ab}, cpu_engine(), grown(x_bf16, m * w.k));
    dnnl::stream stream(cpu_engine());
    dnnl::reorder(plain, narrow).execute(stream, plain, narrow);
    stream.wait();
  } catch (const dnnl::error& e) {
    throw std::runtime_error("rounding activations to bf16: oneDNN failed: " +
                             std::string(e.what()));
  }
  run_matmul(Type::bf16, x_bf16.data(), m, w.packed, y, epilogue);
}

void PreparedLinear::apply_bf16_panels(const float* x, size_t m, float* y,
                                       const LinearEpilogue& epilogue) const {
  const Weights& w = *weights_;
  if (!w.on_vnni) return avx2::bf16_panel_gemm(x, m, w.k, w.bf16_panels.view(), epilogue, y);
  if (m <= kMaxRowsForBf16Panels)
    return bf16_panel_gemm(x, m, w.k, w.bf16_panels.view(), epilogue, y);
  thread_local AlignedVector<float> widened;
  float* f32 = grown(widened, w.widened_desc.get_size() / sizeof(float));
  widen_bf16_panels(w.bf16_panels.view(), f32);
  run_matmul(Type::f32, x, m, memory(w.widened_desc, cpu_engine(), f32), y, epilogue);
}

namespace {

// The INT8 path's activations: u8 rows (zero point added) and their scales, in the calling
// thread's scratch, valid until its next quantization.
struct QuantizedRows {
  const uint8_t* data;
  const float* scales;
};

// One scratch per thread for both input types: each instantiation's own thread_locals would keep
// a second buffer alive (BGE-M3 at 8k tokens: 8 MB of f32 inputs' rows beside 32 MB of bf16 ones).
struct QuantizationScratch {
  AlignedVector<uint8_t> rows;
  AlignedVector<float> scales;
};
QuantizationScratch& quantization_scratch() {
  thread_local QuantizationScratch scratch;
  return scratch;
}

template <class Element>  // f32, or bf16 bits
QuantizedRows quantize_activations(const Element* x, size_t m, size_t k,
                                   QuantizationLevels levels) {
  QuantizationScratch& scratch = quantization_scratch();
  uint8_t* qx = grown(scratch.rows, m * k + 3);  // int8_gemm may read 3 bytes past the last row
  float* sx = grown(scratch.scales, m);
  const KernelTable& table = kernel_table();
  parallel_ranges(m, k, [&](size_t begin, size_t end) {
    if constexpr (std::is_same_v<Element, float>)
      table.quantize_rows(x + begin * k, end - begin, k, levels, qx + begin * k, sx + begin);
    else
      table.quantize_bf16_rows(x + begin * k, end - begin, k, levels, qx + begin * k, sx + begin);
  });
  return {qx, sx};
}

}  // namespace

void PreparedLinear::apply_int8(const float* x, size_t m, float* y,
                                const LinearEpilogue& epilogue) const {
  const Weights& w = *weights_;
  const KernelTable& table = kernel_table();
  const QuantizedRows qx = quantize_activations(x, m, w.k, w.levels);
  if (w.panels.data) {
    (w.on_vnni ? int8_gemm : avx2::int8_gemm)(qx.data, m, w.k, w.panels.view(),
                                              int8_epilogue(qx.scales, epilogue), y);
    return;
  }
  // The integer sums land in y itself unless y holds a residual to add to.
  thread_local AlignedVector<float> sums;
  float* acc = epilogue.accumulate ? grown(sums, m * w.n) : y;
  run_matmul(Type::u8, qx.data, m, w.packed, acc, {});
  float* sum_into = epilogue.accumulate ? y : nullptr;
  parallel_ranges(m, w.n, [&](size_t begin, size_t end) {
    table.dequantize_rows(acc + begin * w.n, qx.scales + begin, w.col_offsets.data(),
                          w.col_scales.data(), epilogue.bias, epilogue.activation,
                          sum_into ? sum_into + begin * w.n : nullptr, end - begin, w.n);
  });
}

Int8GemmEpilogue PreparedLinear::int8_epilogue(const float* row_scales,
                                               const LinearEpilogue& epilogue) const {
  const Weights& w = *weights_;
  return {row_scales,    w.col_offsets.data(), w.col_scales.data(),
          epilogue.bias, epilogue.activation,  epilogue.accumulate};
}

bool PreparedLinear::has_bf16_output() const {
  return weights_->panels.data != nullptr && weights_->on_vnni;
}

void PreparedLinear::apply_bf16(const float* x, size_t m, uint16_t* y,
                                const LinearEpilogue& epilogue) const {
  const Weights& w = *weights_;
  if (!has_bf16_output() || epilogue.accumulate)
    throw std::logic_error(
        "PreparedLinear::apply_bf16 needs INT8 weights on the VNNI GEMM and no accumulation");
  if (m == 0 || w.n == 0) return;
  const QuantizedRows qx = quantize_activations(x, m, w.k, w.levels);
  int8_gemm_bf16(qx.data, m, w.k, w.panels.view(), int8_epilogue(qx.scales, epilogue), y);
}

void PreparedLinear::apply_then(const float* x, size_t m, const LinearEpilogue& epilogue,
                                const PreparedLinear& next, const LinearEpilogue& next_epilogue,
                                float* y) const {
  const Weights& w = *weights_;
  const Weights& v = *next.weights_;
  if (w.n != v.k)
    throw std::invalid_argument("chained linears: " + std::to_string(w.n) + " outputs feed " +
                                std::to_string(v.k) + " inputs");
  if (m == 0 || v.n == 0) return;
  if (has_bf16_output() && next.has_bf16_output() && !epilogue.accumulate) {
    thread_local AlignedVector<uint16_t> middle_bf16;
    uint16_t* middle = grown(middle_bf16, m * w.n);
    apply_bf16(x, m, middle, epilogue);
    const QuantizedRows qm = quantize_activations(middle, m, v.k, v.levels);
    int8_gemm(qm.data, m, v.k, v.panels.view(), next.int8_epilogue(qm.scales, next_epilogue), y);
    return;
  }
  thread_local AlignedVector<float> middle_f32;
  float* middle = grown(middle_f32, m * w.n);
  apply(x, m, middle, epilogue);
  next.apply(middle, m, y, next_epilogue);
}

WeightFormat PreparedLinear::format() const {
  return weights_->format;
}

size_t PreparedLinear::out_features() const {
  return weights_->n;
}

size_t PreparedLinear::in_features() const {
  return weights_->k;
}

size_t PreparedLinear::packed_bytes() const {
  const Weights& w = *weights_;
  const size_t packed = w.panels.data        ? w.panels.bytes()
                        : w.bf16_panels.data ? w.bf16_panels.bytes()
                                             : w.packed.get_desc().get_size();
  return packed + (w.col_offsets.size() + w.col_scales.size()) * sizeof(float);
}

Bf16Compute bf16_compute() {
  return bf16_choice().load(std::memory_order_relaxed);
}

void set_bf16_compute_for_testing(Bf16Compute compute) {
  bf16_choice().store(compute, std::memory_order_relaxed);
}

int int8_activation_levels() {
  switch (panel_gemm_build()) {
    case PanelGemm::Vnni:
      return 127;
    case PanelGemm::Avx2:
      return (kAvx2MaxActivation - 1) / 2;  // u8 activations in [1, 2·levels + 1]
    case PanelGemm::None:
      break;
  }
  return onednn_has(dnnl::cpu_isa::avx512_core_vnni) ? 127 : 63;
}

QuantizationLevels int8_activation_levels(Int8Input input) {
  const int levels = int8_activation_levels();
  // GELU's outputs reach down to -0.17: with a twelfth of the levels below zero, the negative side
  // sets the scale only in rows whose largest value is below ~2 (0.17 · 116 / 10 without VNNI).
  const int negative = input == Int8Input::AfterGelu ? 2 * levels / 12 : levels;
  // u8 activations in [1, 2·levels + 1]
  return {2 * levels - negative, negative, negative + 1};
}

}  // namespace embed::kernels
