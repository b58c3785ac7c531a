#pragma once
// Internal to kernels/: the AVX-512 VNNI pieces of INT8 attention (attention.cpp drives them).
// attention_vnni.cpp is compiled with the VNNI flags, so call these only when vnni_active().
//
// Per (sequence, head): queries are u8 (symmetric per row, offset by 128), keys s8 per row, values
// s8 per head-dim channel and block of keys. S = Q·Kᵀ runs on vpdpbusd; the offset is removed
// with a per-key compensation, as PreparedLinear does for linears. Softmax is online over blocks
// of keys, in base 2: each block's probabilities are quantized to u8 as 255 · 2^(s - block max),
// rounded with a dither that makes the rounding unbiased, so a block far below the row maximum
// keeps 8-bit precision relative to its own maximum and keys far below their block's maximum
// keep their weight on average; P·V (u8 · s8) accumulates per block in int32 before the f32
// flash-attention rescale.
#include <cstddef>
#include <cstdint>

namespace embed::kernels::vnni {

// Keys are scored and packed in groups of this many; a sequence's keys are padded up to it.
inline constexpr size_t kKeyGroup = 64;
// Keys per online-softmax step, and per value scale: a block's packed keys and values (16 KB at
// head_dim 64) stay in L1 while every row group of a query tile passes over them.
inline constexpr size_t kKeyBlock = 128;
// Query rows sharing each load of keys and values; query buffers must hold one extra group.
inline constexpr size_t kRowGroup = 4;

// Head dimension padded to whole 16-lane int32 vectors; padded channels are zero.
size_t padded_head_dim(size_t head_dim);

// The rounding offset of the u8 probability of key j of a group: p = floor(levels · 2^x + u),
// with u spread evenly over [0, 1) across a group's keys (bit-reversed key index, van der
// Corput), so that rounding is unbiased in aggregate. Rounding to nearest would zero every key
// below half a unit of its block's maximum: next to an attention sink, up to a block's worth of
// keys whose weights together still matter.
constexpr float key_dither(size_t j) {
  size_t reversed = 0;
  for (size_t bit = 1, rev = kKeyGroup / 2; bit < kKeyGroup; bit <<= 1, rev >>= 1)
    if (j & bit) reversed |= rev;
  return (static_cast<float>(reversed) + 0.5f) / kKeyGroup;
}

// The quantized Q, K, V of a batch of packed sequences, every head. Head h's rows follow head
// h-1's; within a head, a sequence's queries are at its token offset and its keys (padded to
// kKeyGroup) at its key offset.
struct Int8Qkv {
  size_t heads, head_dim;
  size_t q_rows;   // per head: tokens + kRowGroup
  size_t keys;     // per head: Σ padded sequence lengths
  uint8_t* q;      // [heads][q_rows][padded head_dim]: round(q · 127 / max|q|) + 128
  float* q_scale;  // [heads][q_rows]: max|q| / 127 times the factor given to pack_block
  int8_t* k;       // [heads][keys][padded head_dim] in groups of kKeyGroup for score_group
  // [heads][keys], in a group's packed key order: max|k| / 127 (0 for padding), and
  // -128 · Σ k · k_scale, which removes the query offset (-inf for padding: masks it out).
  float *k_scale, *k_offset;
  int8_t* v;       // [heads][keys / 4][padded head_dim][4]
  float* v_scale;  // [heads][keys / kKeyGroup][padded head_dim]: a block's at its first group
};

// Quantizes `rows` (≤ kKeyBlock) tokens of one sequence, rows of q, k, v at stride ld, into
// out's rows from `token` (queries) and `key` (keys and values, a block boundary of the
// sequence). A block shorter than kKeyBlock must be the sequence's last: it is padded to
// kKeyGroup.
void pack_block(const float* q, const float* k, const float* v, size_t ld, size_t rows,
                float factor, size_t token, size_t key, const Int8Qkv& out);
// The same from bf16 rows (uint16_t bits), widened exactly.
void pack_block(const uint16_t* q, const uint16_t* k, const uint16_t* v, size_t ld, size_t rows,
                float factor, size_t token, size_t key, const Int8Qkv& out);

// The working memory attend() needs for up to `rows` query rows (any alignment).
size_t attend_scratch_bytes(size_t rows, size_t head_dim);

// Attention of `rows` query rows from `token` of head `head` over a sequence of `len` tokens
// whose keys start at `key`: out[r][0, head_dim) = softmax(scale · q_r · Kᵀ) · V, with out's row
// stride ld_out and the scale (times log2(e)) carried by the query scales (pack_block's factor).
void attend(const Int8Qkv& qkv, size_t head, size_t token, size_t rows, size_t key, size_t len,
            float* out, size_t ld_out, void* scratch);

}  // namespace embed::kernels::vnni
