#ifndef EMBEDCPP_ENGINE_EMBED_H
#define EMBEDCPP_ENGINE_EMBED_H
/* C API of embed.cpp, for C and for other languages' foreign-function interfaces.
 *
 *   embed_model* model;
 *   if (embed_model_load("BAAI/bge-m3", NULL, &model) != EMBED_OK)
 *     fprintf(stderr, "%s\n", embed_last_error());
 *   const char* texts[] = {"What is BGE M3?"};
 *   float* vectors = malloc(embed_model_dim(model) * sizeof(float));
 *   embed_encode_dense(model, texts, 1, vectors);
 *   embed_model_free(model);
 *
 * Every function reports failure through its status (or a NULL / 0 result for accessors) and
 * embed_last_error(); no C++ exception leaves this API. A model serves concurrent encode calls
 * from several threads; results are immutable and may be read from any thread. Texts are
 * NUL-terminated UTF-8. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct embed_model embed_model;
typedef struct embed_result embed_result;

typedef enum embed_status {
  EMBED_OK = 0,
  EMBED_ERROR_INVALID_ARGUMENT = 1, /* a NULL pointer, an index out of range, unknown option */
  EMBED_ERROR_MODEL_LOAD = 2,       /* the model was not found or its files are invalid */
  EMBED_ERROR_INPUT = 3,            /* a text or an output the model cannot encode */
  EMBED_ERROR_INTERNAL = 4          /* out of memory, or a bug */
} embed_status;

/* The message of the last failing call in this thread ("" when none), valid until the next
 * failing call in this thread. Successful calls leave it as it is. */
const char* embed_last_error(void);

/* --- Loading ------------------------------------------------------------------------------ */

typedef enum embed_compute_type {
  EMBED_COMPUTE_AUTO = 0, /* F32, or INT8 for quantized folders */
  EMBED_COMPUTE_F32 = 1,
  EMBED_COMPUTE_BF16 = 2
} embed_compute_type;

typedef struct embed_load_options {
  embed_compute_type compute;
} embed_load_options;

embed_load_options embed_load_options_default(void);

/* `name_or_path`: a model folder, or ORG/NAME found in the local Hugging Face cache. `options`
 * may be NULL (defaults). On success *out owns the model; on failure *out is NULL. */
embed_status embed_model_load(const char* name_or_path, const embed_load_options* options,
                              embed_model** out);
void embed_model_free(embed_model* model); /* NULL is ignored */

/* Dense vector size; 0 for NULL. */
size_t embed_model_dim(const embed_model* model);

/* The model's description as a JSON object: path, architecture, hidden_size, num_layers,
 * num_heads, vocab_size, max_length, output_dim, pooling, normalize, has_sparse, has_colbert,
 * weight_dtype, compute_dtype, parameter_count, space_id, quantized. Owned by the model; NULL
 * (see embed_last_error) for NULL or on failure. */
const char* embed_model_info_json(const embed_model* model);

/* --- Encoding ----------------------------------------------------------------------------- */

/* The model's normalised dense vectors of `n` texts, written row by row to
 * out_vectors[n * embed_model_dim(model)]. */
embed_status embed_encode_dense(const embed_model* model, const char* const* texts, size_t n,
                                float* out_vectors);

typedef struct embed_encode_options {
  bool dense;          /* the sentence vector (default true) */
  bool sparse;         /* BGE-M3 lexical weights (needs the sparse_linear head) */
  bool colbert;        /* BGE-M3 multi-vectors (needs the colbert_linear head) */
  bool tokens;         /* last hidden state of every token */
  bool normalize;      /* apply the model's normalisation to dense vectors (default true) */
  size_t max_length;   /* tokens per text, special tokens included; 0: the model's limit */
  size_t batch_tokens; /* token budget of one forward pass (small models use at most 512) */
} embed_encode_options;

embed_encode_options embed_encode_options_default(void);

/* Encodes `n` texts with `options` (NULL: defaults). On success *out owns the result; on
 * failure *out is NULL. */
embed_status embed_encode(const embed_model* model, const char* const* texts, size_t n,
                          const embed_encode_options* options, embed_result** out);
void embed_result_free(embed_result* result); /* NULL is ignored */

/* Result accessors for text `i`. Arrays are owned by the result. An output that was not
 * requested, or an `i` out of range, gives NULL and zero sizes. Size pointers may be NULL. */
size_t embed_result_count(const embed_result* result);
const float* embed_result_dense(const embed_result* result, size_t i, size_t* dim);
/* Lexical weights sorted by token id, all > 0; returns their number. */
size_t embed_result_sparse(const embed_result* result, size_t i, const int32_t** token_ids,
                           const float** weights);
/* ColBERT vectors, row-major [rows][cols] (one row per token after the first). */
const float* embed_result_colbert(const embed_result* result, size_t i, size_t* rows, size_t* cols);
/* Last hidden state, row-major [rows][cols] (one row per token). */
const float* embed_result_tokens(const embed_result* result, size_t i, size_t* rows, size_t* cols);
/* The token ids that were encoded (special tokens included, after truncation). */
const int32_t* embed_result_token_ids(const embed_result* result, size_t i, size_t* n);

/* --- Scores ------------------------------------------------------------------------------- */

typedef struct embed_scores {
  float dense;    /* dot product of the dense vectors */
  float sparse;   /* lexical matching: sum over shared token ids of w_q * w_p */
  float colbert;  /* mean over query rows of the max dot product over passage rows */
  float combined; /* weighted mean of the three */
} embed_scores;

/* Scores text `qi` of `query` against text `pi` of `passage`, as FlagEmbedding's BGE-M3 does.
 * `weights` = {dense, sparse, colbert} (NULL: {0.4, 0.2, 0.4}); an output missing from either
 * result scores 0 and its weight is dropped from `combined`. */
embed_status embed_score(const embed_result* query, size_t qi, const embed_result* passage,
                         size_t pi, const float weights[3], embed_scores* out);

#ifdef __cplusplus
}
#endif

#endif /* EMBEDCPP_ENGINE_EMBED_H */
