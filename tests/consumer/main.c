/* Loads a model through the installed C API, encodes one text, prints the vector size. */
#include <stdio.h>
#include <stdlib.h>

#include "engine/embed.h"

int main(int argc, char** argv) {
  const char* texts[] = {"hello world"};
  embed_model* model = NULL;
  float *vector, self = 0;
  size_t dim, k;
  embed_status status;
  if (argc != 2) return fprintf(stderr, "usage: consumer_c MODEL\n"), 2;
  if (embed_model_load(argv[1], NULL, &model) != EMBED_OK)
    return fprintf(stderr, "%s\n", embed_last_error()), 1;
  dim = embed_model_dim(model);
  vector = malloc(dim * sizeof(float));
  status = embed_encode_dense(model, texts, 1, vector); /* a NULL vector fails here */
  if (status == EMBED_OK) {
    for (k = 0; k < dim; ++k) self += vector[k] * vector[k];
    printf("dim %zu self-score %.3f\n", dim, self);
  } else {
    fprintf(stderr, "%s\n", embed_last_error());
  }
  free(vector);
  embed_model_free(model);
  return status == EMBED_OK ? 0 : 1;
}
