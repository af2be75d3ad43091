/* api_umap.c — flat exports for web/lib/umap.js: create a context, step it, read the embedding. */
#include "api.h"
#include "umap.h"

/* Option slots of es_umap_create's `opts` (float64); a NaN slot keeps the default. */
enum {
    UMAP_OPT_N_NEIGHBORS, UMAP_OPT_N_COMPONENTS, UMAP_OPT_MIN_DIST, UMAP_OPT_SPREAD, UMAP_OPT_METRIC,
    UMAP_OPT_N_EPOCHS, UMAP_OPT_INIT, UMAP_OPT_LEARNING_RATE, UMAP_OPT_NEGATIVE_SAMPLE_RATE,
    UMAP_OPT_LOCAL_CONNECTIVITY, UMAP_OPT_SET_OP_MIX_RATIO, UMAP_OPT_REPULSION_STRENGTH, UMAP_OPT_A, UMAP_OPT_B,
    UMAP_OPT_SEED, UMAP_OPT_KNN_METHOD, UMAP_OPT_KNN_EXACT_MAX_N, UMAP_OPT_COUNT
};

/* x (n, d); opts (n_opts float64, see the enum); *ctx_out freed with es_umap_free. */
ES_EXPORT int es_umap_create(const float *x, int n, int d, const double *opts, int n_opts, umap_ctx **ctx_out) {
    es_error *err = es_api_begin();
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
    return es_api_return(umap_create(x, n, d, &p, ctx_out, err));
}

ES_EXPORT int es_umap_run_epochs(umap_ctx *ctx, int k) {
    es_error *err = es_api_begin();
    return es_api_return(umap_run_epochs(ctx, k, err));
}

ES_EXPORT int es_umap_epoch(const umap_ctx *ctx) { return umap_epoch(ctx); }
ES_EXPORT int es_umap_n_epochs(const umap_ctx *ctx) { return umap_n_epochs(ctx); }
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

/* SGD kernels: SIMD vs generic and fast power vs libm (see umap_kernel_selftest) */
ES_EXPORT int es_umap_kernel_selftest(float *max_rel_diff_out) {
    es_error *err = es_api_begin();
    return es_api_return(umap_kernel_selftest(max_rel_diff_out, err));
}
