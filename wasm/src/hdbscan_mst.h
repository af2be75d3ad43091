/* hdbscan_mst.h — core distances and the minimum spanning tree of the mutual reachability graph, as
 * the library's hdbscan_.py (_hdbscan_prims, _hdbscan_prims_kdtree, _hdbscan_boruvka_kdtree) and
 * _hdbscan_linkage.pyx (mst_linkage_core_vector) compute them. Internal to hdbscan.c.
 *
 * Basic usage:
 *     hdbscan_algorithm used;
 *     hdbscan_mst_build(x, n, dim, min_samples, HDBSCAN_ALGORITHM_PRIMS_KDTREE, 16, core, ea, eb, ew, &used, err);
 *     hdbscan_label(ea, eb, ew, &slt, &weight_sum, err);   // hdbscan_tree.h
 *
 * Mutual reachability of a and b = max(core_a, core_b, |a - b|), float64, with |a - b| from
 * hdbscan_sqdist_rows (the same bits on every path, so values tie exactly when the library's do).
 */
#ifndef EMBEDSCAPE_HDBSCAN_MST_H
#define EMBEDSCAPE_HDBSCAN_MST_H

#include <stdint.h>

#include "hdbscan.h"
#include "status.h"

/* Core distances and the spanning tree of x (n, dim), n >= 2, every value finite; min_samples in
 * 1..n-1; algo is not AUTO. Writes core (n) and the n - 1 edges (ea[i], eb[i], ew[i]) in the order
 * single linkage merges them: numpy's argsort of Prim's edges for PRIMS / PRIMS_KDTREE (the library's
 * order), (weight, smaller index, larger index) for BORUVKA_KDTREE. *algo_used_out is BORUVKA_KDTREE
 * when PRIMS_KDTREE fell back to Borůvka's tree (core balls too full to hold as a graph). */
es_status hdbscan_mst_build(const float *x, int n, int dim, int min_samples, hdbscan_algorithm algo, int leaf_size,
                            double *core, int32_t *ea, int32_t *eb, double *ew, hdbscan_algorithm *algo_used_out,
                            es_error *err);

#endif
