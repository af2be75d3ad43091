/* hdbscan_kdtree.h — a KD-tree over low-dimensional float32 points, for HDBSCAN's core distances
 * (k nearest neighbours of every point) and its Borůvka minimum spanning tree.
 *
 * Basic usage:
 *     hdbscan_kdtree t;
 *     if (hdbscan_kdtree_build(x, n, dim, 16, &t, err) != ES_OK) return ...;
 *     hdbscan_kdtree_knn_all(&t, k, kth_sq, nbr, err);   // per tree position
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
double hdbscan_kdtree_sqdist(const hdbscan_kdtree *t, int a, int b);

/* Squared distance from point q (dim floats) to the box of node `node` (0 inside). */
double hdbscan_kdtree_box_sqdist(const hdbscan_kdtree *t, int node, const float *q);

/* For every point (tree position p): kth_sq_out[p] = the k-th smallest squared distance from p to all
 * n points, the point itself included (so k = min_samples + 1 gives hdbscan's core distance, squared).
 * nbr_out, when not NULL, receives (n, k) tree positions: the k nearest (unordered, self included).
 * 1 <= k <= n. */
es_status hdbscan_kdtree_knn_all(const hdbscan_kdtree *t, int k, double *kth_sq_out, int32_t *nbr_out,
                                 es_error *err);

#endif
