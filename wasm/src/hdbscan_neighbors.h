/* hdbscan_neighbors.h — what every kd-tree path of HDBSCAN starts from, computed once per point set:
 * exact duplicates collapsed, a kd-tree over the distinct points, and each distinct point's nearest
 * other distinct points, nearest first. From it, for any min_samples up to k_max: core distances (a
 * lookup) and the pairs inside core balls (a walk down each list). Internal to hdbscan.c; the public
 * handle is hdbscan_neighbors in hdbscan.h.
 *
 * Basic usage:
 *     hdbscan_neighbors *nb;
 *     hdbscan_neighbors_build(x, n, dim, 100, 16, &nb, err);       // kd-tree + 100 neighbours each
 *     hdbscan_neighbors_core(nb, 15, core_pos);                    // by tree position
 *     hdbscan_neighbors_free(nb);
 *
 * Duplicates. A point with m - 1 exact copies (equal coordinates, -0 == +0) is one distinct point of
 * multiplicity m. Its copies have the same distances to everything, so the same core distance: the
 * (min_samples + 1)-th smallest distance counting the point itself is 0 when m > min_samples, else
 * the distance at which the neighbours' multiplicities add up to min_samples + 1 - m. Nothing else
 * in the spanning-tree phase needs the copies one by one (see hdbscan_mst.c), which is what keeps it
 * O(n log n) on masses of duplicates.
 */
#ifndef EMBEDSCAPE_HDBSCAN_NEIGHBORS_H
#define EMBEDSCAPE_HDBSCAN_NEIGHBORS_H

#include <stddef.h>
#include <stdint.h>
#include <math.h>

#include "hdbscan.h"
#include "hdbscan_kdtree.h"
#include "status.h"

/* Neighbours kept beyond k_max: a list that reaches past the largest core ball needs no kd-tree search
 * for ties at the ball's edge, and settles most of Borůvka's rounds without one. */
#define HDBSCAN_NEIGHBORS_EXTRA 8

struct hdbscan_neighbors {
    int n, dim;            /* input points */
    int k_max;             /* the largest min_samples this serves */
    int n_unique;          /* distinct points: ids 0.. in order of first occurrence */
    int k;                 /* neighbours kept per distinct point: min(k_max + HDBSCAN_NEIGHBORS_EXTRA, n_unique - 1) */
    hdbscan_kdtree tree;   /* over the distinct points; tree.index[pos] = distinct id */
    int32_t *pos_of;       /* (n_unique) distinct id -> tree position */
    int32_t *mult;         /* (n_unique) multiplicity, by tree position */
    int32_t *copy_start;   /* (n_unique + 1) copies[copy_start[u] .. copy_start[u+1]) are the input */
    int32_t *copies;       /* (n)            rows of distinct point u, ascending (the first is u's first occurrence) */
    int32_t *nbr;          /* (n_unique, k)  tree positions of the k nearest other distinct points, nearest first */
};

/* Checks x (n, dim): NULL, sizes, and the first NaN/Inf (ES_ERR_NUMERIC naming row and column). */
es_status hdbscan_check_points(const float *x, int n, int dim, es_error *err);

void hdbscan_neighbors_free(hdbscan_neighbors *nb);

/* Builds the neighbours of x (n, dim) (already checked), k_max >= 1. */
es_status hdbscan_neighbors_build(const float *x, int n, int dim, int k_max, int leaf_size, hdbscan_neighbors **out,
                                  es_error *err);

/* core_pos (n_unique): the core distance of every distinct point, by tree position, for
 * min_samples in 1..min(k_max, n - 1). */
void hdbscan_neighbors_core(const hdbscan_neighbors *nb, int min_samples, double *core_pos);

/* Euclidean distance between the distinct points at tree positions a and b (hdbscan_sqdist_rows). */
double hdbscan_neighbors_dist(const hdbscan_neighbors *nb, int a, int b);

/* |a - b| <= r for the squared distance sq, decided as every path decides it: on the distance
 * itself; the squared test only skips the square root where it cannot change the answer. */
static inline int hdbscan_in_ball(double sq, double r) {
    double r2 = r * r;
    if (sq < r2 * (1.0 - 1e-12)) return 1;
    if (sq > r2 * (1.0 + 1e-12)) return 0;
    return sqrt(sq) <= r;
}

/* Every pair of distinct points with one inside the other's core ball (|a - b| <= core), once, as
 * tree positions (u_out[i], v_out[i]) in arrays the function allocates (free both). Returns ES_OK with
 * *count_out = -1 (nothing allocated) when there would be more than `limit` pairs (or no memory for
 * them): masses of ties at equal distances. */
es_status hdbscan_neighbors_ball_pairs(const hdbscan_neighbors *nb, const double *core_pos, size_t limit,
                                       int32_t **u_out, int32_t **v_out, long long *count_out, es_error *err);

/* x_out (n, dim): the input rows again, from the distinct points and their copies. */
void hdbscan_neighbors_points(const hdbscan_neighbors *nb, float *x_out);

#endif
