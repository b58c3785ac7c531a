// The C API (engine/embed.h) over embed::Model: handles own C++ objects, and every entry point
// turns exceptions into a status plus a thread-local message.
#include "engine/embed.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <memory>
#include <new>
#include <stdexcept>
#include <string>
#include <vector>

#include "engine/model.h"
#include "engine/scores.h"

struct embed_model {
  embed::Model model;
  std::string info_json;
};

struct embed_result {
  std::vector<embed::Embedding> embeddings;
  // Sparse weights as parallel arrays, the layout foreign callers (numpy, ctypes) read directly.
  std::vector<std::vector<int32_t>> sparse_ids;
  std::vector<std::vector<float>> sparse_weights;
};

namespace {

thread_local std::string last_error;

// A caller mistake found here (NULL pointer, bad index or option): EMBED_ERROR_INVALID_ARGUMENT.
struct ArgumentError : std::logic_error {
  using std::logic_error::logic_error;
};

void require(bool ok, const char* what) {
  if (!ok) throw ArgumentError(what);
}

embed_status fail(embed_status status, const char* message) noexcept {
  try {
    last_error = message;
  } catch (...) {
    last_error.clear();  // out of memory for the message itself
  }
  return status;
}

// Runs `body`. The engine reports bad models and bad inputs as std::runtime_error; those become
// `failure` (the call's own error kind). Anything else is internal.
template <class Body>
embed_status guarded(embed_status failure, Body&& body) noexcept {
  try {
    body();
    return EMBED_OK;
  } catch (const ArgumentError& e) {
    return fail(EMBED_ERROR_INVALID_ARGUMENT, e.what());
  } catch (const std::bad_alloc&) {
    return fail(EMBED_ERROR_INTERNAL, "out of memory");
  } catch (const std::runtime_error& e) {
    return fail(failure, e.what());
  } catch (const std::exception& e) {
    return fail(EMBED_ERROR_INTERNAL, e.what());
  } catch (...) {
    return fail(EMBED_ERROR_INTERNAL, "unknown error");
  }
}

// options.compute as the integer the caller stored: C lets any int sit in an enum, while C++ may
// not even load an embed_compute_type outside its enumerators' range (UBSan flags it).
embed::ComputeType compute_type(const embed_load_options& options) {
  static_assert(sizeof(embed_compute_type) == sizeof(int32_t));
  int32_t raw;
  std::memcpy(&raw, &options.compute, sizeof raw);
  switch (raw) {
    case EMBED_COMPUTE_AUTO:
      return embed::ComputeType::Auto;
    case EMBED_COMPUTE_F32:
      return embed::ComputeType::F32;
    case EMBED_COMPUTE_BF16:
      return embed::ComputeType::BF16;
  }
  throw ArgumentError("embed_model_load: unknown compute type " + std::to_string(raw));
}

// The texts as std::strings (Model::encode's input); `function` names the caller in errors.
std::vector<std::string> text_vector(const char* const* texts, size_t n, const char* function) {
  if (!texts && n > 0) throw ArgumentError(std::string(function) + ": texts is NULL");
  std::vector<std::string> strings;
  strings.reserve(n);
  for (size_t i = 0; i < n; ++i) {
    if (!texts[i])
      throw ArgumentError(std::string(function) + ": texts[" + std::to_string(i) + "] is NULL");
    strings.emplace_back(texts[i]);
  }
  return strings;
}

const embed::Embedding* embedding_at(const embed_result* result, size_t i) {
  return result && i < result->embeddings.size() ? &result->embeddings[i] : nullptr;
}

// The matrix's data and shape, or NULL and zeros when it is empty (not requested).
const float* matrix_out(const embed::Matrix* m, size_t* rows, size_t* cols) {
  const bool present = m && !m->values.empty();
  if (rows) *rows = present ? m->rows : 0;
  if (cols) *cols = present ? m->cols : 0;
  return present ? m->values.data() : nullptr;
}

}  // namespace

extern "C" {

const char* embed_last_error(void) {
  return last_error.c_str();
}

embed_load_options embed_load_options_default(void) {
  return {EMBED_COMPUTE_AUTO};
}

embed_status embed_model_load(const char* name_or_path, const embed_load_options* options,
                              embed_model** out) {
  return guarded(EMBED_ERROR_MODEL_LOAD, [&] {
    require(out, "embed_model_load: out is NULL");
    *out = nullptr;
    require(name_or_path, "embed_model_load: name_or_path is NULL");
    const embed::LoadOptions load{compute_type(options ? *options : embed_load_options_default())};
    auto model = std::unique_ptr<embed_model>(
        new embed_model{embed::Model::load(name_or_path, load), std::string()});
    model->info_json = embed::info_json(model->model);
    *out = model.release();
  });
}

void embed_model_free(embed_model* model) {
  delete model;
}

size_t embed_model_dim(const embed_model* model) {
  return model ? static_cast<size_t>(model->model.info().output_dim) : 0;
}

const char* embed_model_info_json(const embed_model* model) {
  if (!model) {
    fail(EMBED_ERROR_INVALID_ARGUMENT, "embed_model_info_json: model is NULL");
    return nullptr;
  }
  return model->info_json.c_str();
}

embed_status embed_encode_dense(const embed_model* model, const char* const* texts, size_t n,
                                float* out_vectors) {
  return guarded(EMBED_ERROR_INPUT, [&] {
    require(model, "embed_encode_dense: model is NULL");
    require(out_vectors || n == 0, "embed_encode_dense: out_vectors is NULL");
    const auto strings = text_vector(texts, n, "embed_encode_dense");
    const auto embeddings = model->model.encode(strings);
    const size_t dim = embed_model_dim(model);
    for (size_t i = 0; i < n; ++i) {
      // The caller's buffer holds n × dim floats; anything else would write out of bounds.
      if (embeddings[i].dense.size() != dim)
        throw std::logic_error("embed_encode_dense: dense vector of size " +
                               std::to_string(embeddings[i].dense.size()) + ", expected " +
                               std::to_string(dim));
      std::copy(embeddings[i].dense.begin(), embeddings[i].dense.end(), out_vectors + i * dim);
    }
  });
}

embed_encode_options embed_encode_options_default(void) {
  const embed::EncodeOptions defaults;
  return {defaults.dense,     defaults.sparse,     defaults.colbert,     defaults.tokens,
          defaults.normalize, defaults.max_length, defaults.batch_tokens};
}

embed_status embed_encode(const embed_model* model, const char* const* texts, size_t n,
                          const embed_encode_options* options, embed_result** out) {
  return guarded(EMBED_ERROR_INPUT, [&] {
    require(out, "embed_encode: out is NULL");
    *out = nullptr;
    require(model, "embed_encode: model is NULL");
    const auto strings = text_vector(texts, n, "embed_encode");
    const embed_encode_options o = options ? *options : embed_encode_options_default();
    require(o.batch_tokens > 0, "embed_encode: batch_tokens is 0");
    embed::EncodeOptions encode;
    encode.dense = o.dense;
    encode.sparse = o.sparse;
    encode.colbert = o.colbert;
    encode.tokens = o.tokens;
    encode.normalize = o.normalize;
    encode.max_length = o.max_length;
    encode.batch_tokens = o.batch_tokens;

    auto result = std::make_unique<embed_result>();
    result->embeddings = model->model.encode(strings, encode);
    result->sparse_ids.resize(n);
    result->sparse_weights.resize(n);
    for (size_t i = 0; i < n; ++i)
      for (const embed::SparseWeight& w : result->embeddings[i].sparse) {
        result->sparse_ids[i].push_back(w.token_id);
        result->sparse_weights[i].push_back(w.weight);
      }
    *out = result.release();
  });
}

void embed_result_free(embed_result* result) {
  delete result;
}

size_t embed_result_count(const embed_result* result) {
  return result ? result->embeddings.size() : 0;
}

const float* embed_result_dense(const embed_result* result, size_t i, size_t* dim) {
  const embed::Embedding* e = embedding_at(result, i);
  const bool present = e && !e->dense.empty();
  if (dim) *dim = present ? e->dense.size() : 0;
  return present ? e->dense.data() : nullptr;
}

size_t embed_result_sparse(const embed_result* result, size_t i, const int32_t** token_ids,
                           const float** weights) {
  const bool present = embedding_at(result, i) && !result->sparse_ids[i].empty();
  if (token_ids) *token_ids = present ? result->sparse_ids[i].data() : nullptr;
  if (weights) *weights = present ? result->sparse_weights[i].data() : nullptr;
  return present ? result->sparse_ids[i].size() : 0;
}

const float* embed_result_colbert(const embed_result* result, size_t i, size_t* rows,
                                  size_t* cols) {
  const embed::Embedding* e = embedding_at(result, i);
  return matrix_out(e ? &e->colbert : nullptr, rows, cols);
}

const float* embed_result_tokens(const embed_result* result, size_t i, size_t* rows, size_t* cols) {
  const embed::Embedding* e = embedding_at(result, i);
  return matrix_out(e ? &e->tokens : nullptr, rows, cols);
}

const int32_t* embed_result_token_ids(const embed_result* result, size_t i, size_t* n) {
  const embed::Embedding* e = embedding_at(result, i);
  const bool present = e && !e->ids.empty();
  if (n) *n = present ? e->ids.size() : 0;
  return present ? e->ids.data() : nullptr;
}

embed_status embed_score(const embed_result* query, size_t qi, const embed_result* passage,
                         size_t pi, const float weights[3], embed_scores* out) {
  return guarded(EMBED_ERROR_INPUT, [&] {
    require(out, "embed_score: out is NULL");
    const embed::Embedding* q = embedding_at(query, qi);
    const embed::Embedding* p = embedding_at(passage, pi);
    require(q, "embed_score: no query text at index qi (NULL result or out of range)");
    require(p, "embed_score: no passage text at index pi (NULL result or out of range)");
    embed::ScoreWeights w;
    if (weights) {
      for (size_t k = 0; k < 3; ++k)
        require(std::isfinite(weights[k]) && weights[k] >= 0,
                "embed_score: weights must be finite and >= 0");
      w = {weights[0], weights[1], weights[2]};
    }
    const embed::Scores s = embed::score(*q, *p, w);
    *out = {s.dense, s.sparse, s.colbert, s.combined};
  });
}

}  // extern "C"
