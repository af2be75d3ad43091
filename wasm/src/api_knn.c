/* api_knn.c — flat exports for web/lib/umap.js: kNN graphs (tests, the page's neighbour list, UMAP)
 * and the same search in parts for several engine instances (knn_build in knn.h). */
#include "api.h"
#include "knn.h"

static knn_params params_of(int k, int metric, int method, double seed) {
    knn_params p = knn_default_params();
    p.k = k;
    p.metric = (knn_metric)metric;
    p.method = (knn_method)method;
    p.seed = seed >= 0 ? (uint64_t)seed : 0;
    return p;
}

/* idx_out (n, k) int32, dist_out (n, k) float; metric 0 euclidean / 1 cosine; method 0 auto /
 * 1 exact / 2 approx. */
ES_EXPORT int es_knn(const float *x, int n, int d, int k, int metric, int method, double seed, int32_t *idx_out,
                     float *dist_out) {
    es_error *err = es_api_begin();
    knn_params p = params_of(k, metric, method, seed);
    return es_api_return(knn_search(x, n, d, &p, idx_out, dist_out, err));
}

/* x (n, d) must stay allocated until es_knn_build_free (the euclidean search reads it in place);
 * exact_max_n <= 0 keeps the default. *kb_out freed with es_knn_build_free. */
ES_EXPORT int es_knn_build_create(const float *x, int n, int d, int k, int metric, int method, double seed,
                                  int exact_max_n, knn_build **kb_out) {
    es_error *err = es_api_begin();
    knn_params p = params_of(k, metric, method, seed);
    if (exact_max_n > 0) p.exact_max_n = exact_max_n;
    return es_api_return(knn_build_create(x, n, d, &p, kb_out, err));
}

ES_EXPORT void es_knn_build_free(knn_build *kb) { knn_build_free(kb); }

/* out (9 float64): method (1 exact / 2 approx), n, entries per row (k - 1), parts of the exact,
 * forest and descent phases, rounds done, most rounds, entries the last round added */
ES_EXPORT void es_knn_build_info(const knn_build *kb, double *out) {
    out[0] = knn_build_method(kb);
    out[1] = knn_build_n_rows(kb);
    out[2] = knn_build_row_size(kb);
    out[3] = knn_build_n_parts(kb, KNN_PHASE_EXACT);
    out[4] = knn_build_n_parts(kb, KNN_PHASE_FOREST);
    out[5] = knn_build_n_parts(kb, KNN_PHASE_DESCENT);
    out[6] = knn_build_rounds(kb);
    out[7] = knn_build_max_rounds(kb);
    out[8] = (double)knn_build_last_changes(kb);
}

/* phase 0 exact / 1 forest / 2 descent */
ES_EXPORT int es_knn_build_run_part(knn_build *kb, int phase, int part) {
    es_error *err = es_api_begin();
    return es_api_return(knn_build_run_part(kb, (knn_phase)phase, part, err));
}

/* out (3 pointers): the state's indices (n, k-1) int32, distances float, flags uint8; owned by kb */
ES_EXPORT void es_knn_build_state(const knn_build *kb, const void **out) {
    const int32_t *i;
    const float *d;
    const uint8_t *f;
    knn_build_state(kb, &i, &d, &f);
    out[0] = i;
    out[1] = d;
    out[2] = f;
}

ES_EXPORT int es_knn_build_merge(knn_build *kb, const int32_t *idx, const float *dist, const uint8_t *flag) {
    es_error *err = es_api_begin();
    return es_api_return(knn_build_merge(kb, idx, dist, flag, err));
}

ES_EXPORT int es_knn_build_import(knn_build *kb, const int32_t *idx, const float *dist, const uint8_t *flag, int rounds) {
    es_error *err = es_api_begin();
    return es_api_return(knn_build_import(kb, idx, dist, flag, rounds, err));
}

ES_EXPORT void es_knn_build_forest_done(knn_build *kb) { knn_build_forest_done(kb); }

/* 1 if another round is due */
ES_EXPORT int es_knn_build_round_done(knn_build *kb) { return knn_build_round_done(kb); }

/* idx_out (n, k) int32, dist_out (n, k) float, as es_knn writes them */
ES_EXPORT int es_knn_build_finish(const knn_build *kb, int32_t *idx_out, float *dist_out) {
    es_error *err = es_api_begin();
    return es_api_return(knn_build_finish(kb, idx_out, dist_out, err));
}

