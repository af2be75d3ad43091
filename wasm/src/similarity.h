/* similarity.h — cosine similarity between embedding rows, as scikit-learn's cosine_similarity
 * computes it: rows are L2-normalised first (a zero row stays zero, so its similarity to anything
 * is 0), then dot products.
 *
 * Basic usage:
 *     float *s = malloc(sizeof(float) * n * n);          // caller owns every buffer
 *     es_status st = similarity_cosine_matrix(x, n, d, s, &err);
 *     int32_t idx[10]; float score[10]; int got;
 *     st = similarity_top_k(x, n, d, x + (size_t)q * d, q, 10, idx, score, &got, &err);
 *
 * Inputs containing NaN or Inf fail with ES_ERR_NUMERIC naming the first bad row and column.
 */
#ifndef EMBEDSCAPE_SIMILARITY_H
#define EMBEDSCAPE_SIMILARITY_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

/* Fails with ES_ERR_NUMERIC if x (n, d) holds a NaN or an infinity; `what` names the input in the
 * message ("input vectors", "query vector"). */
es_status similarity_check_finite(const float *x, int n, int d, const char *what, es_error *err);

/* out (n, d) = x (n, d) with each row divided by its L2 norm (zero rows stay zero). out may be x.
 * Does not check for NaN/Inf (see similarity_check_finite). */
es_status similarity_normalize_rows(const float *x, int n, int d, float *out, es_error *err);

/* out (n, n) = cosine similarity of every pair of rows of x (n, d). Symmetric; allocates a
 * normalised copy of x (n*d floats) for the duration of the call. */
es_status similarity_cosine_matrix(const float *x, int n, int d, float *out, es_error *err);

/* out (n) = cosine similarity of q (d) to every row of x (n, d). */
es_status similarity_cosine_to(const float *x, int n, int d, const float *q, float *out, es_error *err);

/* The k rows of x (n, d) most similar to q (d), best first (ties: lower index first); row `exclude`
 * is left out (pass -1 to keep every row; pass the query's own index to skip it). idx_out and
 * score_out hold k entries; *count_out = min(k, rows available). */
es_status similarity_top_k(const float *x, int n, int d, const float *q, int exclude, int k, int32_t *idx_out,
                           float *score_out, int *count_out, es_error *err);

/* Runs every dot/sqdist kernel in both its SIMD and its generic form on pseudo-random rows of many
 * lengths (0..67, 384) and reports the largest relative difference. In a build without SIMD both are
 * the generic kernel and the difference is 0. */
es_status similarity_kernel_selftest(float *max_rel_diff_out, es_error *err);

#endif
