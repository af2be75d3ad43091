/* knn.h — k nearest neighbours of every row of a matrix, euclidean or cosine, the way UMAP needs
 * them: row i lists itself first (distance 0), then its k-1 nearest other rows, nearest first.
 *
 * Two methods with the same output:
 *   exact  — blocked brute force (4x2 SIMD tiles over the upper triangle, both rows' heaps updated);
 *   approx — pynndescent's method: random-projection-tree leaves seed the lists, then NN-descent
 *            (new/old candidate lists, reverse neighbours, early stop when a round keeps fewer than
 *            delta * k * n new entries), with umap-learn's settings (60 candidates, n_trees and n_iters
 *            from n) and leaves of 30.
 * KNN_AUTO uses exact up to params.exact_max_n rows and approx above. Both are deterministic for a
 * given seed (explicit RNG state).
 *
 * A search can also be split into parts run by several engine instances, each with its own copy of
 * the rows, whose lists are merged between phases (knn_build below); the result is the same bytes
 * as knn_search whatever the number of instances and however the parts are shared out.
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

/* ------------------------------------------------------------------------------------------------
 * knn_search in parts. Every instance creates a build on the same rows and params; then
 *   exact:  run the KNN_PHASE_EXACT parts (any instance any part), merge every instance's state into
 *           one (knn_build_merge), knn_build_finish there;
 *   approx: run the KNN_PHASE_FOREST parts, merge into one instance, knn_build_forest_done there and
 *           import its state into the others (knn_build_import, rounds 0); then per round: run the
 *           KNN_PHASE_DESCENT parts, merge into one, knn_build_round_done there (0 = stop), import its
 *           state (with knn_build_rounds) into the others; finally knn_build_finish.
 * The state is three (n, k-1) arrays (knn_build_state): indices (int32, -1 = empty), internal
 * distances (float) and flags (uint8); merges and imports take arrays of that shape. Parts may run
 * in any order. Progress and cancellation belong between parts. knn_search is this with one
 * instance. */
typedef struct knn_build knn_build;
typedef enum knn_phase { KNN_PHASE_EXACT = 0, KNN_PHASE_FOREST = 1, KNN_PHASE_DESCENT = 2 } knn_phase;

/* x (n, d), finite (checked), must stay valid until knn_build_free for the euclidean metric (cosine
 * keeps a normalised copy). *kb_out is owned by the caller. */
es_status knn_build_create(const float *x, int n, int d, const knn_params *params, knn_build **kb_out, es_error *err);
void knn_build_free(knn_build *kb);
knn_method knn_build_method(const knn_build *kb); /* what runs: exact or approx */
int knn_build_n_rows(const knn_build *kb);
int knn_build_row_size(const knn_build *kb);      /* k - 1: entries per row of the state */
/* Parts of a phase (0 when the phase does not apply to this build's method). */
int knn_build_n_parts(const knn_build *kb, knn_phase phase);
es_status knn_build_run_part(knn_build *kb, knn_phase phase, int part, es_error *err);
/* The state, owned by kb (valid until the next call that changes it). */
void knn_build_state(const knn_build *kb, const int32_t **idx_out, const float **dist_out, const uint8_t **flag_out);
/* kb's state := per row the best k-1 of (kb's state united with another instance's). */
es_status knn_build_merge(knn_build *kb, const int32_t *idx, const float *dist, const uint8_t *flag, es_error *err);
/* kb's state := the given state, after `rounds` NN-descent rounds (the merged instance's). */
es_status knn_build_import(knn_build *kb, const int32_t *idx, const float *dist, const uint8_t *flag, int rounds,
                           es_error *err);
void knn_build_forest_done(knn_build *kb);
/* Ends a round on the merged state; returns 1 if another round is due, 0 to stop. */
int knn_build_round_done(knn_build *kb);
int knn_build_rounds(const knn_build *kb);
int knn_build_max_rounds(const knn_build *kb);
long knn_build_last_changes(const knn_build *kb); /* entries the last round added and kept */
/* idx_out, dist_out (n, k): the lists as knn_search writes them. */
es_status knn_build_finish(const knn_build *kb, int32_t *idx_out, float *dist_out, es_error *err);

/* Checks knn_dist_f32.h's kernels where they run: SIMD against the scalar twin, a pair in a tile
 * against the pair alone and swapped, the margins against dot_f32; *mismatches_out counts the
 * results whose bits differ (0 expected). */
es_status knn_kernel_selftest(int *mismatches_out, es_error *err);

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
