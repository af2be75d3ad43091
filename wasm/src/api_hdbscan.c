/* api_hdbscan.c — the flat HDBSCAN functions JS calls (see hdbscan.h for the meaning).
 *
 *   es_hdbscan_create(x, n, dim, min_samples, algorithm, out_handle)  -> status; *out_handle = handle
 *   es_hdbscan_select(h, min_cluster_size, method, allow_single, epsilon, max_cluster_size) -> status
 *   es_hdbscan_*(h) accessors return pointers into the handle (valid until the next select / free)
 *   es_hdbscan_free(h)
 *
 * The min_samples slider: neighbours once, then a tree per min_samples (each its own handle):
 *   es_hdbscan_neighbors_create(x, n, dim, k_max, out_nb)             -> status; *out_nb = neighbours
 *   es_hdbscan_create_from_neighbors(nb, min_samples, algorithm, out_handle) -> status
 *   es_hdbscan_neighbors_free(nb)   (trees made from nb stay valid)
 */
#include "api.h"
#include "hdbscan.h"
#include "hdbscan_sqdist.h"
#include "npsort.h"

#include <stddef.h>
#include <stdint.h>

ES_EXPORT int es_hdbscan_create(const float *x, int n, int dim, int min_samples, int algorithm, hdbscan **out) {
    es_error *err = es_api_begin();
    hdbscan_tree_params p = hdbscan_tree_default_params();
    p.min_samples = min_samples;
    p.algorithm = (hdbscan_algorithm)algorithm;
    return es_api_return(hdbscan_create(x, n, dim, &p, out, err));
}

ES_EXPORT int es_hdbscan_select(hdbscan *h, int min_cluster_size, int method, int allow_single_cluster,
                                double cluster_selection_epsilon, int max_cluster_size) {
    es_error *err = es_api_begin();
    hdbscan_select_params p = hdbscan_select_default_params();
    p.min_cluster_size = min_cluster_size;
    p.method = (hdbscan_method)method;
    p.allow_single_cluster = allow_single_cluster;
    p.cluster_selection_epsilon = cluster_selection_epsilon;
    p.max_cluster_size = max_cluster_size;
    return es_api_return(hdbscan_select(h, &p, err));
}

ES_EXPORT void es_hdbscan_free(hdbscan *h) { hdbscan_free(h); }

/* x (n, dim) float32 row-major, read during the call only; k_max >= 1 = the largest min_samples that
 * es_hdbscan_create_from_neighbors will be asked for. On success *out owns the neighbours (free with
 * es_hdbscan_neighbors_free). */
ES_EXPORT int es_hdbscan_neighbors_create(const float *x, int n, int dim, int k_max, hdbscan_neighbors **out) {
    es_error *err = es_api_begin();
    return es_api_return(hdbscan_neighbors_create(x, n, dim, k_max, out, err));
}

/* As es_hdbscan_create on nb's points, for min_samples (clamped to n - 1) <= k_max; algorithm as
 * es_hdbscan_create. nb is only read. *out is a handle for es_hdbscan_select / es_hdbscan_free. */
ES_EXPORT int es_hdbscan_create_from_neighbors(const hdbscan_neighbors *nb, int min_samples, int algorithm,
                                               hdbscan **out) {
    es_error *err = es_api_begin();
    hdbscan_tree_params p = hdbscan_tree_default_params();
    p.min_samples = min_samples;
    p.algorithm = (hdbscan_algorithm)algorithm;
    return es_api_return(hdbscan_create_from_neighbors(nb, &p, out, err));
}

ES_EXPORT void es_hdbscan_neighbors_free(hdbscan_neighbors *nb) { hdbscan_neighbors_free(nb); }
ES_EXPORT int es_hdbscan_neighbors_n_distinct(const hdbscan_neighbors *nb) { return hdbscan_neighbors_n_distinct(nb); }
/* heap bytes held by the neighbours / by a tree and its last selection's results */
ES_EXPORT double es_hdbscan_neighbors_bytes(const hdbscan_neighbors *nb) { return (double)hdbscan_neighbors_bytes(nb); }
ES_EXPORT double es_hdbscan_bytes(const hdbscan *h) { return (double)hdbscan_bytes(h); }

ES_EXPORT int es_hdbscan_min_samples_used(const hdbscan *h) { return hdbscan_min_samples_used(h); }
ES_EXPORT int es_hdbscan_algorithm_used(const hdbscan *h) { return (int)hdbscan_algorithm_used(h); }
ES_EXPORT const double *es_hdbscan_core_distances(const hdbscan *h) { return hdbscan_core_distances(h); }
ES_EXPORT double es_hdbscan_mst_weight_sum(const hdbscan *h) { return hdbscan_mst_weight_sum(h); }
ES_EXPORT int es_hdbscan_n_clusters(const hdbscan *h) { return hdbscan_n_clusters(h); }
ES_EXPORT const int32_t *es_hdbscan_labels(const hdbscan *h) { return hdbscan_labels(h); }
ES_EXPORT const double *es_hdbscan_probabilities(const hdbscan *h) { return hdbscan_probabilities(h); }
ES_EXPORT const double *es_hdbscan_outlier_scores(const hdbscan *h) { return hdbscan_outlier_scores(h); }
ES_EXPORT int es_hdbscan_condensed_size(const hdbscan *h) { return hdbscan_condensed_size(h); }
ES_EXPORT const int32_t *es_hdbscan_condensed_parent(const hdbscan *h) { return hdbscan_condensed_parent(h); }
ES_EXPORT const int32_t *es_hdbscan_condensed_child(const hdbscan *h) { return hdbscan_condensed_child(h); }
ES_EXPORT const double *es_hdbscan_condensed_lambda(const hdbscan *h) { return hdbscan_condensed_lambda(h); }
ES_EXPORT const int32_t *es_hdbscan_condensed_child_size(const hdbscan *h) { return hdbscan_condensed_child_size(h); }
ES_EXPORT const int32_t *es_hdbscan_cluster_nodes(const hdbscan *h) { return hdbscan_cluster_nodes(h); }
ES_EXPORT const double *es_hdbscan_cluster_stabilities(const hdbscan *h) { return hdbscan_cluster_stabilities(h); }

/* Kernel check for the tests: squared distances of `pairs` row pairs (a[i], b[i] of x (n, dim)) by the
 * SIMD kernel and by its scalar twin; writes both and returns the number of pairs whose bits differ. */
ES_EXPORT int es_hdbscan_sqdist_check(const float *x, int dim, const int32_t *a, const int32_t *b, int pairs,
                                      double *simd_out, double *generic_out) {
    int differ = 0;
    for (int i = 0; i < pairs; i++) {
        const float *ra = x + (size_t)a[i] * dim, *rb = x + (size_t)b[i] * dim;
        double g = hdbscan_sqdist_f64acc_generic(ra, rb, dim);
        double s = hdbscan_sqdist_f64acc(ra, rb, dim);
        simd_out[i] = s;
        generic_out[i] = g;
        if (s != g) differ++;
    }
    return differ;
}

/* numpy's argsort, exposed for the tests (order_out: n int32). */
ES_EXPORT void es_hdbscan_numpy_argsort(const double *v, int n, int32_t *order_out) {
    npsort_argsort_f64(v, n, order_out);
}
