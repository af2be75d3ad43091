/* umap_graph.h — the fuzzy k-nearest-neighbour graph UMAP builds (umap-learn's umap_.py):
 *   kNN distances -> smooth_knn_dist (rho, sigma per point) -> compute_membership_strengths (one
 *   directed weight per kNN entry) -> fuzzy_simplicial_set (the fuzzy union of the directed graph
 *   and its transpose, mixed with the intersection by set_op_mix_ratio) -> prune what the SGD would
 *   never sample -> make_epochs_per_sample (the sampling schedule of every edge).
 *
 * Basic usage (umap.c does this; transform builds a bipartite graph the same way):
 *     umap_graph g = {0};
 *     st = umap_fuzzy_simplicial_set(knn_idx, knn_dist, n, k, 1.f, 1.f, &g, &err);  // (n, n), symmetric
 *     umap_graph_prune(&g, umap_graph_max(&g) / n_epochs);
 *     umap_make_epochs_per_sample(g.val, g.nnz, n_epochs, epochs_per_sample);
 *     umap_graph_free(&g);
 */
#ifndef EMBEDSCAPE_UMAP_GRAPH_H
#define EMBEDSCAPE_UMAP_GRAPH_H

#include <stdint.h>

#include "status.h"

/* A sparse matrix in CSR form: row i's entries are col[ptr[i] .. ptr[i+1]) with weights val[...],
 * columns ascending within a row. The fit's graph is square and symmetric; transform's is
 * (new points, training points). Owned by whoever filled it: release with umap_graph_free. */
typedef struct umap_graph {
    int n_rows, n_cols;
    long nnz;
    long *ptr;    /* (n_rows + 1) */
    int32_t *col; /* (nnz) */
    float *val;   /* (nnz), membership strengths in (0, 1] */
} umap_graph;

/* Frees the arrays and zeroes *g (safe on a zeroed graph). */
void umap_graph_free(umap_graph *g);

/* Largest weight (0 for an empty graph). */
float umap_graph_max(const umap_graph *g);

/* Drops every entry with weight below `threshold` (umap-learn: graph.data[graph.data < max /
 * n_epochs] = 0; eliminate_zeros()), keeping the order of the rest. Arrays are not shrunk. */
void umap_graph_prune(umap_graph *g, float threshold);

/* rho and sigma of every row of knn_dist (n, k), rows ascending: rho = distance to the
 * local_connectivity-th nearest non-zero neighbour (interpolated), sigma found by binary search so
 * that sum over j >= 1 of exp(-max(0, d_j - rho) / sigma) = log2(k). sigma_out, rho_out (n). */
es_status umap_smooth_knn_dist(const float *knn_dist, int n, int k, float local_connectivity, float *sigma_out,
                               float *rho_out, es_error *err);

/* vals_out (n, k): exp(-max(0, d - rho_i) / sigma_i), 1 where d <= rho_i or sigma_i = 0, 0 for a
 * missing neighbour (index -1) and, unless bipartite, for the point itself. knn_idx, knn_dist (n, k). */
void umap_compute_membership_strengths(const int32_t *knn_idx, const float *knn_dist, int n, int k, const float *sigma,
                                       const float *rho, int bipartite, float *vals_out);

/* The symmetric fuzzy graph of a kNN: R = membership strengths of (knn_idx, knn_dist) (n, k), self
 * first in each row; result = mix (R + R^T - R o R^T) + (1 - mix) R o R^T without zeros.
 * *graph_out (n, n) is filled here and owned by the caller. */
es_status umap_fuzzy_simplicial_set(const int32_t *knn_idx, const float *knn_dist, int n, int k,
                                    float local_connectivity, float set_op_mix_ratio, umap_graph *graph_out,
                                    es_error *err);

/* out (n): n_epochs / (n_epochs * w / max w) per weight, -1 where a weight is 0 (never sampled). */
void umap_make_epochs_per_sample(const float *weights, long n, int n_epochs, double *out);

/* Connected components of a square graph: label_out (n_rows) numbered 0.. in order of each
 * component's lowest vertex (as scipy's connected_components numbers them). */
es_status umap_connected_components(const umap_graph *g, int32_t *label_out, int *count_out, es_error *err);

#endif
