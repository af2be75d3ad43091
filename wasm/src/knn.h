/* knn.h — k nearest neighbours of every row of a matrix, euclidean or cosine, the way UMAP needs
 * them: row i lists itself first (distance 0), then its k-1 nearest other rows, nearest first.
 *
 * Two methods with the same output:
 *   exact  — blocked brute force (4x2 SIMD tiles over the upper triangle, both rows' heaps updated);
 *   approx — pynndescent's method: random-projection-tree leaves seed the lists, then NN-descent
 *            (new/old candidate lists, reverse neighbours, early stop at delta * k * n updates), with
 *            umap-learn's settings (60 candidates, n_trees and n_iters from n) and leaves of 30.
 * KNN_AUTO uses exact up to params.exact_max_n rows and approx above. Both are deterministic for a
 * given seed (single-threaded; the RNG state is explicit).
 *
 * Basic usage:
 *     knn_params p = knn_default_params();
 *     p.k = 15; p.metric = KNN_METRIC_COSINE;
 *     int32_t *idx = malloc(sizeof(int32_t) * n * p.k); float *dist = malloc(sizeof(float) * n * p.k);
 *     es_status st = knn_search(x, n, d, &p, idx, dist, &err);
 *
 * Distances: euclidean = sqrt(sum (a-b)^2); cosine = 1 - cos(a, b) (a zero row is at distance 1
 * from everything), as pynndescent / umap-learn define them.
 */
#ifndef EMBEDSCAPE_KNN_H
#define EMBEDSCAPE_KNN_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef enum knn_metric { KNN_METRIC_EUCLIDEAN = 0, KNN_METRIC_COSINE = 1 } knn_metric;
typedef enum knn_method { KNN_METHOD_AUTO = 0, KNN_METHOD_EXACT = 1, KNN_METHOD_APPROX = 2 } knn_method;

typedef struct knn_params {
    int k;              /* neighbours per row including the row itself; 2 <= k <= n */
    knn_metric metric;
    knn_method method;
    int exact_max_n;    /* KNN_METHOD_AUTO: exact when n <= this (default 8192) */
    uint64_t seed;      /* approx only */
    int n_trees;        /* approx: random-projection trees; 0 = umap-learn's min(64, 5 + round(sqrt(n)/20)) */
    int leaf_size;      /* approx: 0 = max(30, k) */
    int n_iters;        /* approx: NN-descent rounds at most; 0 = max(5, round(log2 n)) */
    float delta;        /* approx: stop when a round updates fewer than delta * k * n entries (0.001) */
    int max_candidates; /* approx: NN-descent candidates per point and round; 0 = 60 (umap-learn's) */
} knn_params;

knn_params knn_default_params(void);

/* x is (n, d) float32, finite (checked: ES_ERR_NUMERIC otherwise). idx_out (n, k) and dist_out
 * (n, k) are caller-allocated; row i: idx_out[i*k] = i, dist 0, then ascending distance (ties by
 * index). Allocates its own scratch and frees it before returning. */
es_status knn_search(const float *x, int n, int d, const knn_params *params, int32_t *idx_out, float *dist_out,
                     es_error *err);

/* The k rows of x (n, d) nearest to each query row of q (m, d), exactly (brute force): idx_out (m, k),
 * dist_out (m, k), ascending (ties by index); a query equal to a row is at distance 0 from it. The
 * same distances as knn_search. For cosine, allocates normalised copies of q and of 256 rows at a
 * time. */
es_status knn_query(const float *x, int n, int d, const float *q, int m, int k, knn_metric metric, int32_t *idx_out,
                    float *dist_out, es_error *err);

/* The method KNN_METHOD_AUTO resolves to for n rows. */
knn_method knn_resolve_method(const knn_params *params, int n);

/* A small explicit RNG (splitmix64) shared by knn.c and umap.c: same seed, same stream, every platform. */
typedef struct knn_rng { uint64_t s; } knn_rng;
static inline uint64_t knn_rng_next(knn_rng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* uniform in [0, 1) with 24 bits */
static inline float knn_rng_float(knn_rng *r) { return (float)(knn_rng_next(r) >> 40) * (1.0f / 16777216.0f); }
/* uniform integer in [0, m), m > 0 */
static inline uint32_t knn_rng_below(knn_rng *r, uint32_t m) { return (uint32_t)(((knn_rng_next(r) >> 32) * (uint64_t)m) >> 32); }

#endif
