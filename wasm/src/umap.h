/* umap.h — UMAP with umap-learn's defaults and meaning (umap_.py, layouts.py, spectral.py):
 *   kNN (knn.h) -> fuzzy_simplicial_set (smooth_knn_dist, compute_membership_strengths, fuzzy
 *   union; umap_graph.h) -> prune weights below max/n_epochs -> spectral initialisation (or random,
 *   umap_spectral.h) scaled to [0, 10] -> make_epochs_per_sample -> optimize_layout_euclidean one
 *   epoch at a time (umap_layout.h), driven by umap_run_epochs.
 *
 * Basic usage:
 *     umap_params p = umap_default_params();      // n_neighbors 15, min_dist 0.1, 2-D, ...
 *     p.metric = KNN_METRIC_COSINE; p.seed = 42;
 *     umap_ctx *u;
 *     if (umap_create(x, n, d, &p, &u, &err) != ES_OK) ...;   // x (n, d) float32, not kept
 *     while (umap_epoch(u) < umap_n_epochs(u)) umap_run_epochs(u, 10, &err);  // step, draw, repeat
 *     const float *y = umap_embedding(u);         // (n, n_components), owned by u
 *     umap_free(u);
 *
 * Reproducible: the same input, params and seed give the same bytes (one thread, explicit RNG).
 * Edge cases: n = 1 gives the origin; n_neighbors is clamped to n - 1 (at least 2, i.e. every other
 * point when n <= 3); a disconnected graph gets umap-learn's multi-component layout (components
 * placed by their centroids, each laid out spectrally, tiny ones randomly; more than 256 components
 * start from the random layout instead); inputs too small for a
 * spectral layout (n <= n_components + 1) or whose eigen-solve fails use the random initialisation
 * (umap_get_info reports which one ran); NaN or Inf in x fails with ES_ERR_NUMERIC.
 *
 * The context keeps the kNN it was built from and the pruned graph the SGD samples (umap_get_graph),
 * for a page to draw; umap_graph_from_knn builds the same graph without a layout (cheap when only
 * n_neighbors changes: pass the kNN of the largest n_neighbors). Memory kept: the embedding, the
 * kNN (n * k * 8 bytes), the graph (12 bytes per edge) and the SGD schedules (32 bytes per edge).
 *
 * See umap_layout.h for the one deliberate difference from umap-learn's SGD. Quality is checked
 * against umap-learn in tests/umap_quality.test.mjs.
 */
#ifndef EMBEDSCAPE_UMAP_H
#define EMBEDSCAPE_UMAP_H

#include <stdint.h>

#include "knn.h"
#include "status.h"
#include "umap_graph.h"

typedef enum umap_init { UMAP_INIT_SPECTRAL = 0, UMAP_INIT_RANDOM = 1 } umap_init;

typedef struct umap_params {
    int n_neighbors;          /* 15; counts the point itself, as umap-learn does; values below 2 act as 2 */
    int n_components;         /* 2; any small number (1..64) */
    float min_dist;           /* 0.1 */
    float spread;             /* 1.0 */
    knn_metric metric;        /* euclidean (umap-learn's default); the map uses cosine */
    int n_epochs;             /* 0 = 500 for n <= 10000, else 200 */
    umap_init init;           /* spectral */
    float learning_rate;      /* 1.0 */
    int negative_sample_rate; /* 5 */
    float local_connectivity; /* 1.0 */
    float set_op_mix_ratio;   /* 1.0 (pure fuzzy union) */
    float repulsion_strength; /* 1.0 (gamma) */
    float a, b;               /* 0 = fitted from min_dist and spread (find_ab_params) */
    uint64_t seed;            /* 42 */
    knn_method knn_method;    /* auto: exact up to knn_exact_max_n points, NN-descent above */
    int knn_exact_max_n;      /* 8192 */
} umap_params;

typedef struct umap_ctx umap_ctx;

typedef struct umap_info {
    int n_neighbors;      /* after clamping */
    umap_init init;       /* the initialisation actually used */
    knn_method knn;       /* the kNN method actually used */
    int n_graph_components;
    long n_edges;         /* directed edges sampled by the SGD (both directions of each pair) */
    float a, b;
} umap_info;

umap_params umap_default_params(void);

/* ES_ERR_ARG naming the first parameter out of its range (umap_create checks the same). */
es_status umap_check_params(const umap_params *p, es_error *err);

/* Fits a and b of 1 / (1 + a d^(2b)) to the min_dist / spread curve by least squares over 300
 * points on [0, 3 spread] (Levenberg-Marquardt, as scipy's curve_fit in find_ab_params). */
es_status umap_find_ab(float spread, float min_dist, float *a_out, float *b_out, es_error *err);

/* Builds the graph and the initial layout. x (n, d) is only read during the call. *ctx_out is owned
 * by the caller: free it with umap_free. */
es_status umap_create(const float *x, int n, int d, const umap_params *params, umap_ctx **ctx_out, es_error *err);

/* The same from a kNN computed elsewhere (knn_search, or its parts run by several engine instances):
 * knn_idx, knn_dist (n, k_stride), row i = itself first then ascending distance, as knn_search
 * writes them; the first n_neighbors (clamped) columns are used and copied. x (n, d) is still needed
 * (the layout of a disconnected graph uses centroids). Same result as umap_create when the kNN is
 * the one umap_create would compute. */
es_status umap_create_from_knn(const float *x, int n, int d, const int32_t *knn_idx, const float *knn_dist,
                               int k_stride, const umap_params *params, umap_ctx **ctx_out, es_error *err);

/* Only the graph: the pruned fuzzy graph umap_create_from_knn would sample, from the first
 * n_neighbors (clamped) columns of knn_idx, knn_dist (n, k_stride). Uses n_neighbors,
 * local_connectivity, set_op_mix_ratio and n_epochs of params. *graph_out is filled here and owned
 * by the caller (umap_graph_free). */
es_status umap_graph_from_knn(const int32_t *knn_idx, const float *knn_dist, int n, int k_stride,
                              const umap_params *params, umap_graph *graph_out, es_error *err);

/* Runs up to k more epochs (stops at n_epochs). */
es_status umap_run_epochs(umap_ctx *ctx, int k, es_error *err);

int umap_epoch(const umap_ctx *ctx);    /* epochs done so far */
int umap_n_epochs(const umap_ctx *ctx); /* total */
int umap_n(const umap_ctx *ctx);
int umap_dim(const umap_ctx *ctx);
/* (n, n_components), row-major, owned by ctx, valid until umap_free; changes as epochs run */
const float *umap_embedding(const umap_ctx *ctx);
umap_info umap_get_info(const umap_ctx *ctx);
/* The parameters of the fit, with a and b as used (fitted when 0 was given). */
umap_params umap_get_params(const umap_ctx *ctx);
int umap_input_dim(const umap_ctx *ctx); /* d of the fitted rows */
/* The pruned symmetric graph the SGD samples, (n, n), owned by ctx (empty when n = 1). */
const umap_graph *umap_get_graph(const umap_ctx *ctx);
/* The kNN the graph was built from, (n, info.n_neighbors) each, owned by ctx (NULL when n = 1). */
const int32_t *umap_knn_indices(const umap_ctx *ctx);
const float *umap_knn_distances(const umap_ctx *ctx);

void umap_free(umap_ctx *ctx);

/* ------------------------------------------------------------------------------- transform */
typedef struct umap_transform_params {
    int n_epochs;  /* 0 = umap-learn's rule: n_epochs / 3 of the fit when it was given, else 100 for at
                      most 10000 new points, 30 above */
    uint64_t seed; /* 42, umap-learn's transform_seed */
} umap_transform_params;

umap_transform_params umap_transform_default_params(void);

/* Places m new points x_new (m, d) on the fitted map with umap-learn's UMAP.transform semantics:
 * their n_neighbors nearest rows of x_train under the fit's metric (exact search), smooth_knn_dist
 * with local_connectivity - 1 (at least 0), bipartite membership strengths, initial positions = the
 * strength-weighted mean of the neighbours' positions (a neighbour of strength 1 is copied), then
 * the SGD against the fixed map (only new points move) at learning_rate / 4, edges below max /
 * n_epochs pruned first.
 *
 * x_train (n, d) must be the rows ctx was fitted on: the context does not keep its input (the caller
 * has it anyway), so transform allocates only O(m k) plus a copy of the map (n, n_components).
 * y_out (m, n_components). knn_idx_out and weights_out (m, n_neighbors) may be NULL; they receive
 * each new point's neighbours (training rows, nearest first) and membership strengths. The map in
 * ctx is not changed; the current embedding is used (run the epochs first). */
es_status umap_transform(const umap_ctx *ctx, const float *x_train, int n, int d, const float *x_new, int m,
                         const umap_transform_params *params, float *y_out, int32_t *knn_idx_out, float *weights_out,
                         es_error *err);

/* The same onto a map made elsewhere (a saved map: its rows, positions and parameters, no context):
 * x_train (n, d) the map's rows, embedding (n, params->n_components) their positions, params the
 * fit's (n_neighbors is clamped to n - 1 as the fit clamps it; a and b are fitted from min_dist and
 * spread when 0; n_epochs sets the transform's default as above). With the rows, positions and
 * parameters of a fitted context it gives the bytes umap_transform gives. */
es_status umap_transform_onto(const float *x_train, int n, int d, const float *embedding, const umap_params *params,
                              const float *x_new, int m, const umap_transform_params *tparams, float *y_out,
                              int32_t *knn_idx_out, float *weights_out, es_error *err);

/* Checks the SGD kernels: SIMD vs generic negative-sample pushes, and the fast power against libm;
 * reports the largest relative difference. */
es_status umap_kernel_selftest(float *max_rel_diff_out, es_error *err);

#endif
