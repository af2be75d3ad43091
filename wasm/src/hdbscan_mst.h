/* hdbscan_mst.h — core distances and the minimum spanning tree of the mutual reachability graph, as
 * the library's hdbscan_.py (_hdbscan_prims, _hdbscan_prims_kdtree, _hdbscan_boruvka_kdtree) and
 * _hdbscan_linkage.pyx (mst_linkage_core_vector) compute them. Internal to hdbscan.c.
 *
 * Basic usage:
 *     hdbscan_neighbors_build(x, n, dim, k, 16, &nb, err);                     // hdbscan_neighbors.h
 *     hdbscan_mst_from_neighbors(nb, min_samples, HDBSCAN_ALGORITHM_PRIMS_KDTREE, core, ea, eb, ew, &used, err);
 *     hdbscan_label(ea, eb, ew, &slt, &weight_sum, err);                       // hdbscan_tree.h
 *
 * Mutual reachability of a and b = max(core_a, core_b, |a - b|), float64, with |a - b| from
 * hdbscan_sqdist_rows (the same bits on every path, so values tie exactly when the library's do).
 */
#ifndef EMBEDSCAPE_HDBSCAN_MST_H
#define EMBEDSCAPE_HDBSCAN_MST_H

#include <stdint.h>

#include "hdbscan.h"
#include "hdbscan_neighbors.h"
#include "status.h"

/* Every function below writes the n - 1 edges (ea[i], eb[i], ew[i]) in the order single linkage merges
 * them: numpy's argsort of Prim's edges for PRIMS / PRIMS_KDTREE (the library's order), (weight,
 * smaller row, larger row) for BORUVKA_KDTREE. */

/* PRIMS: the library's Prim over all pairs of x (n, dim), n >= 2, min_samples in 1..n-1. core (n) is
 * read when have_core, else computed over all pairs. */
es_status hdbscan_mst_all_pairs(const float *x, int n, int dim, int min_samples, int have_core, double *core,
                                int32_t *ea, int32_t *eb, double *ew, es_error *err);

/* core (n, by input row) and core_pos (n_unique, by tree position) for min_samples in
 * 1..min(k_max, n - 1). */
void hdbscan_mst_core(const hdbscan_neighbors *nb, int min_samples, double *core_pos, double *core);

/* PRIMS_KDTREE or BORUVKA_KDTREE from the neighbours (n >= 2, min_samples in 1..min(k_max, n - 1)):
 * Borůvka over the distinct points, then (PRIMS_KDTREE) the library's Prim over the core-ball graph
 * and Borůvka's tree, every copy a row of its own. Writes core (n) and the edges; *algo_used_out is
 * BORUVKA_KDTREE when PRIMS_KDTREE fell back to Borůvka's tree (core balls too full to hold). */
es_status hdbscan_mst_from_neighbors(const hdbscan_neighbors *nb, int min_samples, hdbscan_algorithm algo,
                                     double *core, int32_t *ea, int32_t *eb, double *ew,
                                     hdbscan_algorithm *algo_used_out, es_error *err);

#endif
