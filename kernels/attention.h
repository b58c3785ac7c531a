#pragma once
#include <cstddef>

namespace embed::kernels {

// Multi-head scaled dot-product attention over packed sequences (no padding, no mask).
// Sequence s owns rows [seq_offsets[s], seq_offsets[s+1]) of q, k, v and out. Row r of head h
// starts at q + r*ld_qkv + h*head_dim (same for k, v), so q/k/v may be three views into one
// fused [tokens][3*hidden] buffer. out has row stride ld_out. Work is split over (sequence, head)
// pairs with OpenMP; each sequence attends only to its own tokens. Memory is bounded by a tile of
// query rows times the sequence length per thread: the full L×L score matrix is never held.
struct AttentionShape {
  size_t num_heads;
  size_t head_dim;
  size_t ld_qkv;
  size_t ld_out;
  float scale;
};

void packed_attention(const float* q, const float* k, const float* v, float* out,
                      const size_t* seq_offsets, size_t num_seqs, const AttentionShape& shape);

}  // namespace embed::kernels
