#include "kernels/attention.h"

#include <omp.h>
#include <oneapi/dnnl/dnnl.h>

#include <algorithm>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "kernels/attention_f32.h"
#include "kernels/attention_int8_avx2.h"
#include "kernels/attention_vnni.h"
#include "kernels/grown_buffer.h"
#include "kernels/isa.h"
#include "kernels/kernel_table.h"

namespace embed::kernels {
namespace {

// Query rows per tile of the sgemm path (and the most our tiles take). Larger tiles
// amortise the GEMM's packing of K and V over more rows (256 measured ~1.4x faster than 64 at
// L = 2048); memory stays 256 × L floats per thread (2 MB at 2k).
constexpr size_t kQueryTile = 256;

// Query rows per work item of the INT8 path: enough to reuse each block of packed keys and values
// many times from L1, small enough that one sequence yields work for every thread.
constexpr size_t kInt8QueryTile = 64;

// Per-thread working memory of one sequence and head (a score tile; on our tiles also
// copies of its keys, values and queries), grown to the largest seen and reused across calls.
float* thread_scratch(size_t floats) {
  thread_local AlignedVector<float> scratch;
  return grown(scratch, floats);
}

// rows × cols floats at stride ld into a contiguous block.
void copy_rows(const float* from, size_t ld, size_t rows, size_t cols, float* to) {
  for (size_t r = 0; r < rows; ++r) std::copy_n(from + r * ld, cols, to + r * cols);
}

// Row-major C = alpha · A · op(B). Called inside our parallel region, where oneDNN runs it on the
// calling thread. Returns false on failure: exceptions must not escape an OpenMP region.
bool sgemm(char transb, size_t m, size_t n, size_t k, float alpha, const float* a, size_t lda,
           const float* b, size_t ldb, float* c, size_t ldc) {
  const auto dim = [](size_t v) { return static_cast<dnnl_dim_t>(v); };
  return dnnl_sgemm('N', transb, dim(m), dim(n), dim(k), alpha, a, dim(lda), b, dim(ldb), 0.0f, c,
                    dim(ldc)) == dnnl_success;
}

// Query rows [row0, row0 + rows) of one sequence of `len` tokens and one head: the rows' results
// go to os's first `rows` rows.
struct QueryRows {
  size_t row0, rows;
};

// One sequence and head on our tiles, in tiles of query rows.
void attend_head_tiles(const F32AttentionKernels& kernels, const float* qs, const float* ks,
                       const float* vs, size_t ld, size_t len, QueryRows wanted, size_t d,
                       float scale, float* os, size_t ld_out) {
  // Query rows per tile: scores of 256 KB (as fast as 256 rows, measured at 512 and 2048 tokens,
  // and 8x less memory at 8192), at least 32 rows.
  const size_t tile = std::clamp<size_t>((size_t{64} << 10) / len, 32, kQueryTile);
  // Contiguous copies: rows at the fused QKV stride would make every row a new page, which the
  // hardware prefetchers do not cross (measured 1.5x slower).
  const size_t key_floats = packed_keys_floats(len, d);
  float* keys =
      thread_scratch(key_floats + (len + tile) * d + 2 * tile + std::min(len, tile) * len);
  float* values = keys + key_floats;
  float* queries = values + len * d;
  float* row_max = queries + tile * d;
  float* inverse_sums = row_max + tile;
  float* scores = inverse_sums + tile;
  kernels.pack_keys(ks, ld, len, d, keys);
  copy_rows(vs, ld, len, d, values);
  const size_t end = wanted.row0 + wanted.rows;
  for (size_t row = wanted.row0; row < end; row += tile) {
    const size_t rows = std::min(tile, end - row);
    copy_rows(qs + row * ld, ld, rows, d, queries);
    kernels.scores(queries, d, rows, keys, len, d, scale, scores, len, row_max);
    kernels.exponentiate_rows(scores, len, rows, len, row_max, inverse_sums);
    kernels.weighted_values(scores, len, rows, values, d, len, d, inverse_sums,
                            os + (row - wanted.row0) * ld_out, ld_out);
  }
}

// One sequence and head on oneDNN's sgemm; false if it fails.
bool attend_head_sgemm(const float* qs, const float* ks, const float* vs, size_t ld, size_t len,
                       QueryRows wanted, size_t d, float scale, float* os, size_t ld_out) {
  const KernelTable& table = kernel_table();
  float* scores = thread_scratch(std::min(wanted.rows, kQueryTile) * len);
  const size_t end = wanted.row0 + wanted.rows;
  for (size_t row = wanted.row0; row < end; row += kQueryTile) {
    const size_t rows = std::min(kQueryTile, end - row);
    if (!sgemm('T', rows, len, d, scale, qs + row * ld, ld, ks, ld, scores, len)) return false;
    table.softmax_rows(scores, rows, len);
    if (!sgemm('N', rows, d, len, 1.0f, scores, len, vs, ld, os + (row - wanted.row0) * ld_out,
               ld_out))
      return false;
  }
  return true;
}

void f32_attention(const float* q, const float* k, const float* v, float* out,
                   const size_t* seq_offsets, size_t num_seqs, const AttentionShape& shape,
                   const size_t* query_rows) {
  const size_t heads = shape.num_heads;
  const size_t d = shape.head_dim;
  const size_t ld = shape.ld_qkv;
  const ptrdiff_t pairs = static_cast<ptrdiff_t>(num_seqs * heads);
  // Our tiles on AVX-512 and AVX2, oneDNN's sgemm elsewhere and for other head sizes.
  const Isa isa = active_isa();
  const F32AttentionKernels* tiles = !f32_attention_supports_head_dim(d) ? nullptr
                                     : isa == Isa::Avx512                ? &avx512::kF32Attention
                                     : isa == Isa::Avx2                  ? &avx2::kF32Attention
                                                                         : nullptr;
  std::atomic<bool> failed{false};

  // Dynamic scheduling: the cost of a pair grows with L², and sequence lengths differ.
#pragma omp parallel for schedule(dynamic)
  for (ptrdiff_t pair = 0; pair < pairs; ++pair) {
    const size_t s = static_cast<size_t>(pair) / heads;
    const size_t h = static_cast<size_t>(pair) % heads;
    const size_t first = seq_offsets[s];
    const size_t len = seq_offsets[s + 1] - first;
    if (len == 0) continue;
    const size_t at = first * ld + h * d;
    const QueryRows wanted = query_rows ? QueryRows{query_rows[s], 1} : QueryRows{0, len};
    float* os = out + (query_rows ? s : first) * shape.ld_out + h * d;
    if (tiles)
      attend_head_tiles(*tiles, q + at, k + at, v + at, ld, len, wanted, d, shape.scale, os,
                        shape.ld_out);
    else if (!attend_head_sgemm(q + at, k + at, v + at, ld, len, wanted, d, shape.scale, os,
                                shape.ld_out))
      failed.store(true, std::memory_order_relaxed);
  }
  if (failed.load())
    throw std::runtime_error("packed_attention: oneDNN sgemm failed (heads=" +
                             std::to_string(heads) + ", head_dim=" + std::to_string(d) + ")");
}

// The INT8 path's quantized Q, K and V of every head (vnni::Int8Qkv) and per-thread working
// memory: O(tokens · hidden) bytes, grown on demand and reused across calls (and layers).
struct Int8Buffers {
  struct Item {
    size_t seq, row;  // a sequence and a row in it: a block of keys, or a tile of queries
  };
  std::vector<Item> blocks, tiles;
  std::vector<size_t> key_offsets;  // sequence starts in the padded keys
  AlignedVector<uint8_t> q;
  AlignedVector<int8_t> k, v;
  AlignedVector<float> q_scale, k_scale, k_offset, v_scale;
  AlignedVector<uint8_t> scratch;  // per-thread attend() memory
};

template <class Element>  // f32, or bf16 bits
void int8_attention(const Element* q, const Element* k, const Element* v, float* out,
                    const size_t* seq_offsets, size_t num_seqs, const AttentionShape& shape,
                    const size_t* query_rows) {
  // The calling thread's buffers: inside the parallel region below, `b` would name each worker's
  // own (empty) instance, so the region uses only the pointers taken here.
  thread_local Int8Buffers b;
  const size_t heads = shape.num_heads, d = shape.head_dim, ld = shape.ld_qkv;
  const size_t dp = vnni::padded_head_dim(d);
  const size_t tokens = seq_offsets[num_seqs];
  b.key_offsets.assign(1, 0);
  b.blocks.clear();
  b.tiles.clear();
  size_t longest = 0;
  for (size_t s = 0; s < num_seqs; ++s) {
    const size_t len = seq_offsets[s + 1] - seq_offsets[s];
    longest = len > longest ? len : longest;
    b.key_offsets.push_back(b.key_offsets.back() +
                            (len + vnni::kKeyGroup - 1) / vnni::kKeyGroup * vnni::kKeyGroup);
    for (size_t row = 0; row < len; row += vnni::kKeyBlock) b.blocks.push_back({s, row});
    if (query_rows)
      b.tiles.push_back({s, query_rows[s]});
    else
      for (size_t row = 0; row < len; row += kInt8QueryTile) b.tiles.push_back({s, row});
  }
  const size_t q_rows = tokens + vnni::kRowGroup, keys = b.key_offsets.back();
  const vnni::Int8Qkv qkv{.heads = heads,
                          .head_dim = d,
                          .q_rows = q_rows,
                          .keys = keys,
                          .q = grown(b.q, heads * q_rows * dp),
                          .q_scale = grown(b.q_scale, heads * q_rows),
                          .k = grown(b.k, heads * keys * dp),
                          .k_scale = grown(b.k_scale, heads * keys),
                          .k_offset = grown(b.k_offset, heads * keys),
                          .v = grown(b.v, heads * keys * dp),
                          .v_scale = grown(b.v_scale, heads * keys / vnni::kKeyGroup * dp)};
  // Without VNNI (f32 rows only: bf16 ones come from VNNI GEMMs), the AVX2 kernels.
  constexpr bool kF32 = std::is_same_v<Element, float>;
  const bool on_avx2 = kF32 && !vnni_active();
  const size_t tile_rows = longest < kInt8QueryTile ? longest : kInt8QueryTile;
  const size_t scratch_bytes =
      on_avx2 ? avx2::attend_scratch_bytes(tile_rows, d) : vnni::attend_scratch_bytes(tile_rows, d);
  uint8_t* scratch = grown(b.scratch, scratch_bytes * static_cast<size_t>(omp_get_max_threads()));
  const size_t* key_offsets = b.key_offsets.data();
  const Int8Buffers::Item* blocks = b.blocks.data();
  const Int8Buffers::Item* tiles = b.tiles.data();
  const ptrdiff_t num_blocks = static_cast<ptrdiff_t>(b.blocks.size());
  const ptrdiff_t num_tiles = static_cast<ptrdiff_t>(b.tiles.size()) * ptrdiff_t(heads);
  // Softmax runs in base 2: the query scales carry scale · log2(e).
  const float factor = shape.scale * std::numbers::log2e_v<float>;

#pragma omp parallel
  {
#pragma omp for schedule(dynamic)
    for (ptrdiff_t i = 0; i < num_blocks; ++i) {
      const Int8Buffers::Item& block = blocks[i];
      const size_t first = seq_offsets[block.seq] + block.row;
      const size_t rows = seq_offsets[block.seq + 1] - first;
      const size_t block_rows = rows < vnni::kKeyBlock ? rows : vnni::kKeyBlock;
      const size_t key = key_offsets[block.seq] + block.row;
      if constexpr (kF32) {
        if (on_avx2) {
          avx2::pack_attention_block(q + first * ld, k + first * ld, v + first * ld, ld, block_rows,
                                     factor, first, key, qkv);
          continue;
        }
      }
      vnni::pack_block(q + first * ld, k + first * ld, v + first * ld, ld, block_rows, factor,
                       first, key, qkv);
    }
    // After the loop's implicit barrier every block is packed.
    void* mine = scratch + scratch_bytes * static_cast<size_t>(omp_get_thread_num());
#pragma omp for schedule(dynamic)
    for (ptrdiff_t i = 0; i < num_tiles; ++i) {
      const Int8Buffers::Item& tile = tiles[static_cast<size_t>(i) / heads];
      const size_t h = static_cast<size_t>(i) % heads;
      const size_t first = seq_offsets[tile.seq], len = seq_offsets[tile.seq + 1] - first;
      const size_t rows = query_rows ? 1 : std::min(kInt8QueryTile, len - tile.row);
      const size_t out_row = query_rows ? tile.seq : first + tile.row;
      (on_avx2 ? avx2::attend : vnni::attend)(qkv, h, first + tile.row, rows, key_offsets[tile.seq],
                                              len, out + out_row * shape.ld_out + h * d,
                                              shape.ld_out, mine);
    }
  }
}

}  // namespace

void packed_attention(const float* q, const float* k, const float* v, float* out,
                      const size_t* seq_offsets, size_t num_seqs, const AttentionShape& shape,
                      AttentionPrecision precision, const size_t* query_rows) {
  if (precision == AttentionPrecision::Int8 && int8_attention_available())
    return int8_attention(q, k, v, out, seq_offsets, num_seqs, shape, query_rows);
  f32_attention(q, k, v, out, seq_offsets, num_seqs, shape, query_rows);
}

bool int8_attention_available() {
  return vnni_active() || active_isa() == Isa::Avx2;
}

void packed_int8_attention(const uint16_t* q, const uint16_t* k, const uint16_t* v, float* out,
                           const size_t* seq_offsets, size_t num_seqs, const AttentionShape& shape,
                           const size_t* query_rows) {
  if (!vnni_active())
    throw std::logic_error("packed_int8_attention on bf16 rows needs AVX-512 VNNI");
  int8_attention(q, k, v, out, seq_offsets, num_seqs, shape, query_rows);
}

}  // namespace embed::kernels
