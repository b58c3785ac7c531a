#pragma once
#include <cstddef>
#include <cstdint>

namespace embed::kernels {

// Multi-head scaled dot-product attention over packed sequences (no padding, no mask).
// Sequence s owns rows [seq_offsets[s], seq_offsets[s+1]) of q, k, v and out. Row r of head h
// starts at q + r*ld_qkv + h*head_dim (same for k, v), so q/k/v may be three views into one
// fused [tokens][3*hidden] buffer. out has row stride ld_out. Work is split with OpenMP; each
// sequence attends only to its own tokens. Memory is bounded by a tile of query rows times the
// sequence length per thread (F32) or by the quantized Q, K, V (INT8: ~3 bytes per token and
// hidden unit): the full L×L score matrix is never held.
struct AttentionShape {
  size_t num_heads;
  size_t head_dim;
  size_t ld_qkv;
  size_t ld_out;
  float scale;
};

// How the scores and the weighted sum of values are computed. F32: f32 products and softmax (our
// AVX-512 or AVX2 tiles for head sizes 32 and 64, oneDNN's sgemm otherwise). Int8: for quantized
// models, Q·Kᵀ on u8·s8 dot products (Q and K quantized per row and head), f32 softmax, and P·V on
// u8 probabilities times s8 values (per channel); ~3x the F32 speed on AVX-512 VNNI (kernels_bench
// BM_Attention: ~400 against 110-150 GOP/s), with output errors of ~1e-3 of the values' range
// (see tests/kernels/attention_test.cpp). Without VNNI, on AVX2, the u8 operands keep 7 bits
// (vpmaddubsw's int16 sums must not saturate; kernels/attention_int8_avx2.h). Int8 needs VNNI or
// AVX2 (int8_attention_available()); elsewhere it runs F32.
enum class AttentionPrecision { F32, Int8 };

// With query_rows, only row query_rows[s] of each sequence s (an index within it) attends, and
// its result goes to out's row s; the other rows' results are not computed. A row's result is the
// one it gets among all rows (bit for bit on our AVX-512 and INT8 kernels).
void packed_attention(const float* q, const float* k, const float* v, float* out,
                      const size_t* seq_offsets, size_t num_seqs, const AttentionShape& shape,
                      AttentionPrecision precision, const size_t* query_rows = nullptr);

// Whether AttentionPrecision::Int8 runs in integers on this CPU.
bool int8_attention_available();

// Int8 attention over Q, K, V held in bf16 (uint16_t bits, as PreparedLinear::apply_bf16 writes
// them): exactly packed_attention's Int8 result on the widened values, reading half the bytes.
// Throws std::logic_error unless vnni_active() (only VNNI GEMMs write bf16 rows).
void packed_int8_attention(const uint16_t* q, const uint16_t* k, const uint16_t* v, float* out,
                           const size_t* seq_offsets, size_t num_seqs, const AttentionShape& shape,
                           const size_t* query_rows = nullptr);

}  // namespace embed::kernels
