/* api_umap.c — flat exports for web/lib/umap.js: create a context (from the data or from a kNN),
 * step it, read the embedding, the graph and the kNN; build a graph alone. */
#include <stdlib.h>

#include "api.h"
#include "umap.h"

/* Option slots of es_umap_create's `opts` (float64); a NaN slot keeps the default. */
enum {
    UMAP_OPT_N_NEIGHBORS, UMAP_OPT_N_COMPONENTS, UMAP_OPT_MIN_DIST, UMAP_OPT_SPREAD, UMAP_OPT_METRIC,
    UMAP_OPT_N_EPOCHS, UMAP_OPT_INIT, UMAP_OPT_LEARNING_RATE, UMAP_OPT_NEGATIVE_SAMPLE_RATE,
    UMAP_OPT_LOCAL_CONNECTIVITY, UMAP_OPT_SET_OP_MIX_RATIO, UMAP_OPT_REPULSION_STRENGTH, UMAP_OPT_A, UMAP_OPT_B,
    UMAP_OPT_SEED, UMAP_OPT_KNN_METHOD, UMAP_OPT_KNN_EXACT_MAX_N, UMAP_OPT_COUNT
};

static umap_params params_from_opts(const double *opts, int n_opts) {
    umap_params p = umap_default_params();
#define OPT(slot) (n_opts > (slot) && opts[slot] == opts[slot])
    if (OPT(UMAP_OPT_N_NEIGHBORS)) p.n_neighbors = (int)opts[UMAP_OPT_N_NEIGHBORS];
    if (OPT(UMAP_OPT_N_COMPONENTS)) p.n_components = (int)opts[UMAP_OPT_N_COMPONENTS];
    if (OPT(UMAP_OPT_MIN_DIST)) p.min_dist = (float)opts[UMAP_OPT_MIN_DIST];
    if (OPT(UMAP_OPT_SPREAD)) p.spread = (float)opts[UMAP_OPT_SPREAD];
    if (OPT(UMAP_OPT_METRIC)) p.metric = (knn_metric)(int)opts[UMAP_OPT_METRIC];
    if (OPT(UMAP_OPT_N_EPOCHS)) p.n_epochs = (int)opts[UMAP_OPT_N_EPOCHS];
    if (OPT(UMAP_OPT_INIT)) p.init = (umap_init)(int)opts[UMAP_OPT_INIT];
    if (OPT(UMAP_OPT_LEARNING_RATE)) p.learning_rate = (float)opts[UMAP_OPT_LEARNING_RATE];
    if (OPT(UMAP_OPT_NEGATIVE_SAMPLE_RATE)) p.negative_sample_rate = (int)opts[UMAP_OPT_NEGATIVE_SAMPLE_RATE];
    if (OPT(UMAP_OPT_LOCAL_CONNECTIVITY)) p.local_connectivity = (float)opts[UMAP_OPT_LOCAL_CONNECTIVITY];
    if (OPT(UMAP_OPT_SET_OP_MIX_RATIO)) p.set_op_mix_ratio = (float)opts[UMAP_OPT_SET_OP_MIX_RATIO];
    if (OPT(UMAP_OPT_REPULSION_STRENGTH)) p.repulsion_strength = (float)opts[UMAP_OPT_REPULSION_STRENGTH];
    if (OPT(UMAP_OPT_A)) p.a = (float)opts[UMAP_OPT_A];
    if (OPT(UMAP_OPT_B)) p.b = (float)opts[UMAP_OPT_B];
    if (OPT(UMAP_OPT_SEED)) p.seed = opts[UMAP_OPT_SEED] >= 0 ? (uint64_t)opts[UMAP_OPT_SEED] : 0;
    if (OPT(UMAP_OPT_KNN_METHOD)) p.knn_method = (knn_method)(int)opts[UMAP_OPT_KNN_METHOD];
    if (OPT(UMAP_OPT_KNN_EXACT_MAX_N)) p.knn_exact_max_n = (int)opts[UMAP_OPT_KNN_EXACT_MAX_N];
#undef OPT
    return p;
}

/* x (n, d); opts (n_opts float64, see the enum); *ctx_out freed with es_umap_free. */
ES_EXPORT int es_umap_create(const float *x, int n, int d, const double *opts, int n_opts, umap_ctx **ctx_out) {
    es_error *err = es_api_begin();
    umap_params p = params_from_opts(opts, n_opts);
    return es_api_return(umap_create(x, n, d, &p, ctx_out, err));
}

/* x (n, d); knn_idx (n, k_stride) int32, knn_dist (n, k_stride) float as es_knn writes them; opts as
 * es_umap_create; *ctx_out freed with es_umap_free. */
ES_EXPORT int es_umap_create_from_knn(const float *x, int n, int d, const int32_t *knn_idx, const float *knn_dist,
                                      int k_stride, const double *opts, int n_opts, umap_ctx **ctx_out) {
    es_error *err = es_api_begin();
    umap_params p = params_from_opts(opts, n_opts);
    return es_api_return(umap_create_from_knn(x, n, d, knn_idx, knn_dist, k_stride, &p, ctx_out, err));
}

/* The pruned fuzzy graph alone, from knn_idx, knn_dist (n, k_stride); opts as es_umap_create (uses
 * n_neighbors, local_connectivity, set_op_mix_ratio, n_epochs). *graph_out freed with es_umap_graph_free. */
ES_EXPORT int es_umap_graph_from_knn(const int32_t *knn_idx, const float *knn_dist, int n, int k_stride,
                                     const double *opts, int n_opts, umap_graph **graph_out) {
    es_error *err = es_api_begin();
    *graph_out = NULL;
    umap_params p = params_from_opts(opts, n_opts);
    umap_graph *g = malloc(sizeof *g);
    if (!g) return es_api_return(es_fail(err, ES_ERR_NOMEM, "out of memory"));
    es_status st = umap_graph_from_knn(knn_idx, knn_dist, n, k_stride, &p, g, err);
    if (st) free(g);
    else *graph_out = g;
    return es_api_return(st);
}

/* Only for graphs from es_umap_graph_from_knn (a context's graph is freed with the context). */
ES_EXPORT void es_umap_graph_free(umap_graph *g) {
    umap_graph_free(g);
    free(g);
}

/* The graph the context's SGD samples, owned by ctx. */
ES_EXPORT const umap_graph *es_umap_get_graph(const umap_ctx *ctx) { return umap_get_graph(ctx); }

/* out (3 float64): n_rows, n_cols, nnz */
ES_EXPORT void es_umap_graph_shape(const umap_graph *g, double *out) {
    out[0] = g->n_rows;
    out[1] = g->n_cols;
    out[2] = (double)g->nnz;
}

/* CSR copy: indptr_out (n_rows + 1) int32, indices_out (nnz) int32, weights_out (nnz) float. */
ES_EXPORT void es_umap_graph_copy(const umap_graph *g, int32_t *indptr_out, int32_t *indices_out, float *weights_out) {
    for (int i = 0; i <= g->n_rows; i++) indptr_out[i] = g->ptr ? (int32_t)g->ptr[i] : 0;
    for (long e = 0; e < g->nnz; e++) {
        indices_out[e] = g->col[e];
        weights_out[e] = g->val[e];
    }
}

/* The kNN the context's graph was built from: idx_out (n, k) int32, dist_out (n, k) float with k =
 * the n_neighbors of es_umap_info. Fails for n = 1 (no neighbours). */
ES_EXPORT int es_umap_knn_copy(const umap_ctx *ctx, int32_t *idx_out, float *dist_out) {
    es_error *err = es_api_begin();
    const int32_t *idx = umap_knn_indices(ctx);
    const float *dist = umap_knn_distances(ctx);
    if (!idx) return es_api_return(es_fail(err, ES_ERR_ARG, "a UMAP of one point has no neighbour list"));
    size_t m = (size_t)umap_n(ctx) * umap_get_info(ctx).n_neighbors;
    for (size_t q = 0; q < m; q++) {
        idx_out[q] = idx[q];
        dist_out[q] = dist[q];
    }
    return ES_OK;
}

ES_EXPORT int es_umap_run_epochs(umap_ctx *ctx, int k) {
    es_error *err = es_api_begin();
    return es_api_return(umap_run_epochs(ctx, k, err));
}

ES_EXPORT int es_umap_epoch(const umap_ctx *ctx) { return umap_epoch(ctx); }
/* (n, n_components) float32, owned by ctx */
ES_EXPORT const float *es_umap_embedding(const umap_ctx *ctx) { return umap_embedding(ctx); }

/* out (8 float64): n_neighbors, init (0 spectral / 1 random), knn method (1 exact / 2 approx),
 * graph components, edges, a, b, n_epochs */
ES_EXPORT void es_umap_info(const umap_ctx *ctx, double *out) {
    umap_info i = umap_get_info(ctx);
    out[0] = i.n_neighbors;
    out[1] = i.init;
    out[2] = i.knn;
    out[3] = i.n_graph_components;
    out[4] = (double)i.n_edges;
    out[5] = i.a;
    out[6] = i.b;
    out[7] = umap_n_epochs(ctx);
}

ES_EXPORT void es_umap_free(umap_ctx *ctx) { umap_free(ctx); }

/* out (2 float): a, b */
ES_EXPORT int es_umap_find_ab(float spread, float min_dist, float *out) {
    es_error *err = es_api_begin();
    return es_api_return(umap_find_ab(spread, min_dist, &out[0], &out[1], err));
}


/* New points on a fitted map (umap_transform): x_train (n, d) the fitted rows, x_new (m, d);
 * opts (n_opts float64): [0] n_epochs (0 or NaN = umap-learn's rule), [1] seed (NaN = 42).
 * y_out (m, n_components) float; idx_out (m, n_neighbors) int32 and w_out (m, n_neighbors) float may
 * be 0. */
static umap_transform_params transform_params_from_opts(const double *opts, int n_opts) {
    umap_transform_params p = umap_transform_default_params();
    if (n_opts > 0 && opts[0] == opts[0]) p.n_epochs = (int)opts[0];
    if (n_opts > 1 && opts[1] == opts[1]) p.seed = opts[1] >= 0 ? (uint64_t)opts[1] : 0;
    return p;
}

ES_EXPORT int es_umap_transform(const umap_ctx *ctx, const float *x_train, int n, int d, const float *x_new, int m,
                                const double *opts, int n_opts, float *y_out, int32_t *idx_out, float *w_out) {
    es_error *err = es_api_begin();
    umap_transform_params p = transform_params_from_opts(opts, n_opts);
    return es_api_return(umap_transform(ctx, x_train, n, d, x_new, m, &p, y_out, idx_out, w_out, err));
}

/* New points on a map made elsewhere (umap_transform_onto): x_train (n, d) the map's rows, emb (n,
 * dim) their positions, opts (n_opts float64) the fit's options in es_umap_create's slots (its
 * n_components is dim), topts (n_topts) as es_umap_transform's opts; outputs as es_umap_transform. */
ES_EXPORT int es_umap_transform_onto(const float *x_train, int n, int d, const float *emb, int dim, const double *opts,
                                     int n_opts, const double *topts, int n_topts, const float *x_new, int m,
                                     float *y_out, int32_t *idx_out, float *w_out) {
    es_error *err = es_api_begin();
    umap_params p = params_from_opts(opts, n_opts);
    p.n_components = dim;
    umap_transform_params tp = transform_params_from_opts(topts, n_topts);
    return es_api_return(umap_transform_onto(x_train, n, d, emb, &p, x_new, m, &tp, y_out, idx_out, w_out, err));
}
