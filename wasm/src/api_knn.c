/* api_knn.c — flat export for web/lib/umap.js (kNN graphs for tests, the page's neighbour list). */
#include "api.h"
#include "knn.h"

/* idx_out (n, k) int32, dist_out (n, k) float; metric 0 euclidean / 1 cosine; method 0 auto /
 * 1 exact / 2 approx. */
ES_EXPORT int es_knn(const float *x, int n, int d, int k, int metric, int method, double seed, int32_t *idx_out,
                     float *dist_out) {
    es_error *err = es_api_begin();
    knn_params p = knn_default_params();
    p.k = k;
    p.metric = (knn_metric)metric;
    p.method = (knn_method)method;
    p.seed = seed >= 0 ? (uint64_t)seed : 0;
    return es_api_return(knn_search(x, n, d, &p, idx_out, dist_out, err));
}
