/* hdbscan_kdtree.h — a KD-tree over low-dimensional float32 points, for HDBSCAN's neighbour lists
 * (k nearest neighbours of every point), core-ball searches and its Borůvka minimum spanning tree.
 *
 * Basic usage:
 *     hdbscan_kdtree t;
 *     if (hdbscan_kdtree_build(x, n, dim, 16, &t, err) != ES_OK) return ...;
 *     hdbscan_kdtree_knn_sorted(&t, k, nbr, err);         // per tree position, nearest first
 *     hdbscan_kdtree_free(&t);
 *
 * The tree keeps its own copy of the points in tree order (position p holds input row index[p]);
 * every per-point array the tree functions read or write is indexed by tree position. Splits are at
 * the median of the widest dimension, so every leaf holds between leaf_size/2 and leaf_size points.
 * Distances are hdbscan_sqdist_rows (squared, float64), the numbers every HDBSCAN path uses.
 */
#ifndef EMBEDSCAPE_HDBSCAN_KDTREE_H
#define EMBEDSCAPE_HDBSCAN_KDTREE_H

#include <stdint.h>

#include "hdbscan_sqdist.h"
#include "status.h"

typedef struct hdbscan_kdtree {
    int n, dim, n_nodes;
    int32_t *index;          /* (n) tree position -> input row */
    float *pts;              /* (n, dim) the points in tree order */
    int32_t *start, *end;    /* (n_nodes) points [start, end) of each node */
    int32_t *left, *right;   /* (n_nodes) children; -1 for a leaf. Children have larger ids than parents. */
    float *lo, *hi;          /* (n_nodes, dim) bounding box of each node */
} hdbscan_kdtree;

/* Builds the tree over x (n, dim), row-major. n >= 1, dim >= 1, leaf_size >= 2. On failure t is left
 * empty (safe to free). The caller frees with hdbscan_kdtree_free. */
es_status hdbscan_kdtree_build(const float *x, int n, int dim, int leaf_size, hdbscan_kdtree *t, es_error *err);

void hdbscan_kdtree_free(hdbscan_kdtree *t);

/* Squared distance between the points at tree positions a and b. */
static inline double hdbscan_kdtree_sqdist(const hdbscan_kdtree *t, int a, int b) {
    return hdbscan_sqdist_rows(t->pts + (size_t)a * t->dim, t->pts + (size_t)b * t->dim, t->dim);
}

/* Squared distance from point q (dim floats) to the box of node `node` (0 inside). */
static inline double hdbscan_kdtree_box_sqdist(const hdbscan_kdtree *t, int node, const float *q) {
    const float *lo = t->lo + (size_t)node * t->dim, *hi = t->hi + (size_t)node * t->dim;
    double s = 0.0;
    for (int k = 0; k < t->dim; k++) {
        double v = q[k], d = 0.0;
        if (v < lo[k]) d = (double)lo[k] - v;
        else if (v > hi[k]) d = v - (double)hi[k];
        s += d * d;
    }
    return s;
}

/* For every point (tree position p): nbr_out (n, k) receives the tree positions of its k nearest OTHER
 * points, nearest first (equal distances in a fixed order). The points must be distinct (no two at
 * distance 0). 0 <= k <= n - 1. */
es_status hdbscan_kdtree_knn_sorted(const hdbscan_kdtree *t, int k, int32_t *nbr_out, es_error *err);

#endif
