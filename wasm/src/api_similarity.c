/* api_similarity.c — flat exports for web/lib/similarity.js. Buffers are allocated and freed by JS. */
#include "api.h"
#include "similarity.h"

/* out (n, n) */
ES_EXPORT int es_similarity_matrix(const float *x, int n, int d, float *out) {
    es_error *err = es_api_begin();
    return es_api_return(similarity_cosine_matrix(x, n, d, out, err));
}

/* out (n): similarity of q (d) to every row */
ES_EXPORT int es_similarity_to(const float *x, int n, int d, const float *q, float *out) {
    es_error *err = es_api_begin();
    return es_api_return(similarity_cosine_to(x, n, d, q, out, err));
}

/* idx_out, score_out (k); count_out (1 int) */
ES_EXPORT int es_similarity_top_k(const float *x, int n, int d, const float *q, int exclude, int k, int32_t *idx_out,
                                  float *score_out, int *count_out) {
    es_error *err = es_api_begin();
    return es_api_return(similarity_top_k(x, n, d, q, exclude, k, idx_out, score_out, count_out, err));
}

