#include "engine/encoder.h"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <string>

#include "engine/input_error.h"
#include "kernels/attention.h"
#include "kernels/elementwise.h"
#include "kernels/gemm.h"
#include "kernels/grown_buffer.h"
#include "kernels/layer_norm.h"

namespace embed {
namespace {

kernels::Activation kernel_activation(HiddenActivation act) {
  switch (act) {
    case HiddenActivation::GeluErf:
      return kernels::Activation::GeluErf;
    case HiddenActivation::GeluTanh:
      return kernels::Activation::GeluTanh;
    case HiddenActivation::Relu:
      return kernels::Activation::Relu;
  }
  return kernels::Activation::None;
}

// Below this many tokens a sequence's attention runs faster in FP32: the INT8 path's packing and
// quantizing outweigh its faster products (16 tokens: 2.5x, 32: 1.45x; equal at 64, alternating
// in one process with BGE-M3's 16 heads).
constexpr size_t kMinTokensForInt8Attention = 64;

kernels::AttentionPrecision attention_precision(bool int8_model, size_t length) {
  // INT8 models get integer attention too: its error is of the order of their linears', and at
  // long lengths attention is most of the time. Chosen per sequence, so that a text's result does
  // not depend on what it is batched with.
  return int8_model && length >= kMinTokensForInt8Attention ? kernels::AttentionPrecision::Int8
                                                            : kernels::AttentionPrecision::F32;
}

}  // namespace

void Encoder::check_input(std::span<const int32_t> ids, size_t input_index) const {
  if (ids.empty()) throw InputError(input_index, "empty token sequence");
  if (ids.size() > static_cast<size_t>(config_.max_tokens()))
    throw InputError(input_index,
                     std::to_string(ids.size()) + " tokens exceed the model's maximum of " +
                         std::to_string(config_.max_tokens()) + " (max_position_embeddings " +
                         std::to_string(config_.max_position_embeddings) + ")");
  for (size_t t = 0; t < ids.size(); ++t) {
    if (ids[t] < 0 || ids[t] >= config_.vocab_size)
      throw InputError(input_index, "token id " + std::to_string(ids[t]) + " at position " +
                                        std::to_string(t) +
                                        " is outside the vocabulary (vocab_size " +
                                        std::to_string(config_.vocab_size) + ")");
  }
}

void Encoder::embed_tokens(const PackedBatch& batch, EncoderWorkspace& ws) const {
  const size_t hidden = config_.hidden_size;
  const size_t tokens = batch.num_tokens();
  ws.positions.resize(tokens);
  for (size_t s = 0; s < batch.num_sequences(); ++s) {
    // XLM-R (HF create_position_ids_from_input_ids): pad + running count of non-pad tokens, and
    // pad itself for pad tokens. BERT: 0..L-1.
    int32_t non_pad = 0;
    for (size_t t = batch.offsets[s]; t < batch.offsets[s + 1]; ++t) {
      if (config_.architecture == Architecture::XlmRoberta) {
        const bool is_pad = batch.token_ids[t] == config_.pad_token_id;
        non_pad += is_pad ? 0 : 1;
        ws.positions[t] = is_pad ? config_.pad_token_id : config_.pad_token_id + non_pad;
      } else {
        ws.positions[t] = static_cast<int32_t>(t - batch.offsets[s]);
      }
    }
  }
#pragma omp parallel for schedule(static) if (tokens * hidden > 65536)
  for (size_t t = 0; t < tokens; ++t) {
    float* row = ws.hidden.data() + t * hidden;
    weights_.word_embeddings.copy_row(size_t(batch.token_ids[t]), row);
    kernels::add(row, weights_.position_embeddings + size_t(ws.positions[t]) * hidden, hidden);
    kernels::add(row, weights_.token_type_embeddings, hidden);  // type 0: single texts
  }
  kernels::layer_norm(ws.hidden.data(), weights_.embedding_norm.gamma, weights_.embedding_norm.beta,
                      config_.layer_norm_eps, ws.hidden.data(), tokens, hidden);
}

void Encoder::run_layer(const EncoderLayerWeights& layer, const PackedBatch& batch,
                        EncoderWorkspace& ws, const size_t* query_rows) const {
  const size_t tokens = batch.num_tokens();
  const size_t hidden = config_.hidden_size;
  const kernels::AttentionShape shape{
      .num_heads = size_t(config_.num_attention_heads),
      .head_dim = size_t(config_.head_dim()),
      .ld_qkv = 3 * hidden,
      .ld_out = hidden,
      .scale = 1.0f / std::sqrt(static_cast<float>(config_.head_dim())),
  };
  // Q|K|V side by side in each row, [tokens][3·hidden], computed and attended per run of
  // sequences that share a precision: batches come longest first, so there are at most two. Runs
  // on INT8 attention get them in bf16, since they only feed its quantizers: half the bytes to
  // store and reread (per run, so that a text's result does not depend on its batch).
  const bool bf16_capable = layer.qkv.op.has_bf16_output() && kernels::int8_attention_available();
  const size_t sequences = batch.num_sequences();
  for (size_t first = 0; first < sequences;) {
    const auto precision = attention_precision(weights_.int8, batch.length(first));
    size_t end = first + 1;
    while (end < sequences && attention_precision(weights_.int8, batch.length(end)) == precision)
      ++end;
    const size_t row0 = batch.offsets[first], rows = batch.offsets[end] - row0;
    const float* x = ws.hidden.data() + row0 * hidden;
    const size_t* offsets = batch.offsets.data() + first;
    const kernels::LinearEpilogue bias = {.bias = layer.qkv.bias};
    // Every row's context at its token's row; with query_rows, each sequence's at its own row.
    float* context = ws.context.data() + (query_rows ? first * hidden : 0);
    const size_t* queries = query_rows ? query_rows + first : nullptr;
    if (precision == kernels::AttentionPrecision::Int8 && bf16_capable) {
      uint16_t* q = kernels::grown(ws.qkv_bf16, 3 * tokens * hidden);
      layer.qkv.op.apply_bf16(x, rows, q + row0 * 3 * hidden, bias);
      kernels::packed_int8_attention(q, q + hidden, q + 2 * hidden, context, offsets, end - first,
                                     shape, queries);
    } else {
      float* q = kernels::grown(ws.qkv, 3 * tokens * hidden);
      layer.qkv.op.apply(x, rows, q + row0 * 3 * hidden, bias);
      kernels::packed_attention(q, q + hidden, q + 2 * hidden, context, offsets, end - first, shape,
                                precision, queries);
    }
    first = end;
  }

  // Post-LN: h = LN(h + W_o·context), then h = LN(h + W_2·act(W_1·h)). The linears add their
  // results to h in their epilogues, where h's lines are being written anyway, so each LayerNorm
  // reads one array rather than two.
  // With query_rows, only those rows go on: gathered, finished here, and put back.
  size_t rows = tokens;
  float* h = ws.hidden.data();
  if (query_rows) {
    rows = sequences;
    h = kernels::grown(ws.query_states, rows * hidden);
    for (size_t s = 0; s < sequences; ++s)
      std::copy_n(ws.hidden.data() + (batch.offsets[s] + query_rows[s]) * hidden, hidden,
                  h + s * hidden);
  }
  layer.attention_output.op.apply(ws.context.data(), rows, h,
                                  {.bias = layer.attention_output.bias, .accumulate = true});
  kernels::layer_norm(h, layer.attention_norm.gamma, layer.attention_norm.beta,
                      config_.layer_norm_eps, h, rows, hidden);
  // The feed-forward pair in one call, which may keep its wide intermediate narrower than f32.
  layer.intermediate.op.apply_then(
      h, rows,
      {.bias = layer.intermediate.bias, .activation = kernel_activation(config_.hidden_act)},
      layer.output.op, {.bias = layer.output.bias, .accumulate = true}, h);
  kernels::layer_norm(h, layer.output_norm.gamma, layer.output_norm.beta, config_.layer_norm_eps, h,
                      rows, hidden);
  if (query_rows)
    for (size_t s = 0; s < sequences; ++s)
      std::copy_n(h + s * hidden, hidden,
                  ws.hidden.data() + (batch.offsets[s] + query_rows[s]) * hidden);
}

void Encoder::forward(const PackedBatch& batch, EncoderWorkspace& ws, FinalStates wanted) const {
  const size_t tokens = batch.num_tokens();
  const size_t hidden = config_.hidden_size;
  // resize() keeps capacity, so buffers are allocated once per largest batch and then reused.
  for (auto* buffer : {&ws.hidden, &ws.context}) buffer->resize(tokens * hidden);

  // The last layer's other rows feed nothing the caller reads: a row's final state needs its own
  // attention and feed-forward, and only the previous layer's keys and values of the others.
  ws.query_rows.clear();
  for (size_t s = 0; s < batch.num_sequences() && wanted != FinalStates::All; ++s)
    ws.query_rows.push_back(wanted == FinalStates::First ? 0 : batch.length(s) - 1);

  embed_tokens(batch, ws);
  for (size_t l = 0; l < weights_.layers.size(); ++l) {
    const bool last = l + 1 == weights_.layers.size();
    run_layer(weights_.layers[l], batch, ws,
              last && !ws.query_rows.empty() ? ws.query_rows.data() : nullptr);
  }
}

}  // namespace embed
