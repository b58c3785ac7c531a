#pragma once
// Internal to kernels/: INT8 attention for CPUs whose widest ISA is AVX2 (no VNNI); attention.cpp
// drives it as it drives attention_vnni.h. attention_int8_avx2.cpp is compiled with the AVX2
// flags, so call these only when AVX2 is the active ISA.
//
// The algorithm and the buffers are the VNNI kernel's (vnni::Int8Qkv: online softmax in base 2
// over blocks of kKeyBlock keys, dithered u8 probabilities, per-channel value scales), with two
// differences. Without VNNI, four u8·s8 products take vpmaddubsw (pairs into int16, saturating
// above 32767), vpmaddwd by ones and an add, so the u8 operands keep 7 bits, as the AVX2 GEMM's
// activations do: queries are round(q · 63 / max|q|) + 64 (the keys' offsets remove 64 · Σ k) and
// probabilities floor(127 · 2^x + dither). And a group's keys are packed in key order: key j's
// channels 4c..4c+3 are the dword at byte 4j + 4c · kKeyGroup.
#include <cstddef>

#include "kernels/attention_vnni.h"

namespace embed::kernels::avx2 {

// vnni::pack_block's contract, for f32 rows.
void pack_attention_block(const float* q, const float* k, const float* v, size_t ld, size_t rows,
                          float factor, size_t token, size_t key, const vnni::Int8Qkv& out);

// The working memory attend() needs for up to `rows` query rows (any alignment).
size_t attend_scratch_bytes(size_t rows, size_t head_dim);

// vnni::attend's contract.
void attend(const vnni::Int8Qkv& qkv, size_t head, size_t token, size_t rows, size_t key,
            size_t len, float* out, size_t ld_out, void* scratch);

}  // namespace embed::kernels::avx2
