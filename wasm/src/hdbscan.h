/* hdbscan.h — HDBSCAN clustering with the meaning of the Python `hdbscan` library (0.8.40).
 *
 * Basic usage:
 *     hdbscan_tree_params tp = hdbscan_tree_default_params();
 *     tp.min_samples = 5;
 *     hdbscan *h = NULL;
 *     if (hdbscan_create(x, n, dim, &tp, &h, &err) != ES_OK) ...;      // core distances, MST, tree
 *     hdbscan_select_params sp = hdbscan_select_default_params();
 *     sp.min_cluster_size = 15;
 *     if (hdbscan_select(h, &sp, &err) != ES_OK) ...;                  // condense, select, label
 *     const int32_t *labels = hdbscan_labels(h);                       // n labels, -1 = noise
 *     sp.min_cluster_size = 30; hdbscan_select(h, &sp, &err);          // cheap: reuses the tree
 *     hdbscan_free(h);
 *
 * The pipeline follows the library's own split (hdbscan_.py, _hdbscan_linkage.pyx, _hdbscan_tree.pyx):
 *   1. core distance of each point = Euclidean distance to its min_samples-th nearest OTHER point
 *      (the library's code; its docstring says "counting the point itself"). min_samples is clamped to
 *      n - 1 as the library does.
 *   2. minimum spanning tree of the mutual reachability graph, max(core_a, core_b, |a - b|), float64;
 *   3. edges sorted by weight, single-linkage tree by union-find (scipy linkage format);
 *   4. hdbscan_select: condensed tree for min_cluster_size, stabilities, excess-of-mass or leaf
 *      selection (allow_single_cluster, cluster_selection_epsilon, max_cluster_size), labels numbered
 *      in condensed-tree order, membership probabilities and GLOSH outlier scores.
 * Steps 1-3 depend only on min_samples and are kept in the handle; step 4 is O(n).
 * Files: hdbscan_neighbors.c (duplicates, neighbour lists, core distances), hdbscan_mst.c (steps
 * 1-2), npsort.c (numpy's argsort, step 3), hdbscan_tree.c (union-find labelling and step 4),
 * hdbscan_kdtree.c (the kd-tree), hdbscan.c (this lifecycle).
 *
 * Duplicates. The kd-tree paths collapse exact copies to one point with a multiplicity: the core
 * distances count every copy (0 once a point has min_samples copies), Borůvka and the core-ball graph
 * run over distinct points, and Prim still adds every row one by one with the library's rules (copies
 * share their key, so they join in row order). The spanning tree, its edge order and so the labels
 * are the all-pairs ones, in O(n log n) however many copies there are. PRIMS alone works on all rows.
 *
 * Ties. Mutual reachability distances are very often equal (the max of two core distances), and the
 * order in which equal-weight merges happen decides some splits of the condensed tree. The library
 * runs Prim's algorithm from point 0 (its own tie rules) and sorts the edges with numpy's unstable
 * introsort. PRIMS and PRIMS_KDTREE reproduce both — the same MST, the same edge order — so the
 * labels are the library's own, not just an equally valid variant. (PRIMS_KDTREE's one gap: two
 * different point pairs at exactly the same distance, larger than all four core distances, can
 * resolve differently; the tree is still a minimum spanning tree.) BORUVKA_KDTREE alone breaks ties by
 * (weight, smaller index, larger index): an equally valid hierarchy that can differ where ties decide.
 *
 * Deviations from the library, all on inputs where it fails or returns non-numbers: NaN/Inf input is
 * an error; n = 1 gives one noise point; a GLOSH score whose cluster contains exact duplicates
 * (infinite density) is 1 where the library returns NaN.
 */
#ifndef EMBEDSCAPE_HDBSCAN_H
#define EMBEDSCAPE_HDBSCAN_H

#include <stdint.h>

#include "status.h"

typedef enum hdbscan_method {
    HDBSCAN_METHOD_EOM = 0,  /* excess of mass (the library's default) */
    HDBSCAN_METHOD_LEAF = 1  /* the leaves of the condensed tree */
} hdbscan_method;

typedef enum hdbscan_algorithm {
    HDBSCAN_ALGORITHM_AUTO = 0,           /* PRIMS_KDTREE up to HDBSCAN_KDTREE_MAX_DIM dimensions, else PRIMS */
    HDBSCAN_ALGORITHM_PRIMS = 1,          /* the library's Prim over all pairs: O(n^2 d) */
    HDBSCAN_ALGORITHM_BORUVKA_KDTREE = 2, /* Borůvka with neighbour lists and kd-tree queries; ties by
                                             (weight, indices); a point's copies hang from its first row */
    HDBSCAN_ALGORITHM_PRIMS_KDTREE = 3    /* Borůvka, then the library's Prim on the core-ball graph:
                                             the same tree and edge order as PRIMS, near Borůvka's speed */
} hdbscan_algorithm;

/* Above this dimension a kd-tree does not pay: core distances and Prim run over all pairs (SIMD). */
#define HDBSCAN_KDTREE_MAX_DIM 16

typedef struct hdbscan_tree_params {
    int min_samples;              /* >= 1; the library's min_samples (defaults to min_cluster_size there) */
    hdbscan_algorithm algorithm;
    int leaf_size;                /* kd-tree leaf size, >= 2 */
} hdbscan_tree_params;

typedef struct hdbscan_select_params {
    int min_cluster_size;             /* >= 2 */
    hdbscan_method method;
    int allow_single_cluster;         /* 0/1 */
    double cluster_selection_epsilon; /* >= 0; 0 = off */
    int max_cluster_size;             /* 0 = no limit (excess of mass only) */
} hdbscan_select_params;

hdbscan_tree_params hdbscan_tree_default_params(void);     /* min_samples 5, AUTO, leaf 16 */
hdbscan_select_params hdbscan_select_default_params(void); /* min_cluster_size 5, EOM, no single, eps 0 */

typedef struct hdbscan hdbscan;

/* Computes core distances, the minimum spanning tree and the single-linkage tree of x (n, dim),
 * row-major float32. n >= 1, dim >= 1, every value finite (ES_ERR_NUMERIC names the first bad one).
 * x is not kept. On success *out owns a handle the caller frees with hdbscan_free. */
es_status hdbscan_create(const float *x, int n, int dim, const hdbscan_tree_params *params, hdbscan **out,
                         es_error *err);

/* (Re)runs condensation and selection on h's tree. Results stay valid until the next call or free. */
es_status hdbscan_select(hdbscan *h, const hdbscan_select_params *params, es_error *err);

void hdbscan_free(hdbscan *h);

/* ---- many min_samples on one point set (the min_samples slider)
 *
 *     hdbscan_neighbors *nb = NULL;
 *     hdbscan_neighbors_create(x, n, 2, 100, &nb, &err);                 // once: kd-tree + 100 neighbours
 *     tp.min_samples = 7;  hdbscan_create_from_neighbors(nb, &tp, &h7, &err);   // then a tree per value
 *     tp.min_samples = 30; hdbscan_create_from_neighbors(nb, &tp, &h30, &err);
 *     hdbscan_neighbors_free(nb);                                          // the trees stay valid
 *
 * The trees are the ones hdbscan_create builds from the same points (the same core distances, the
 * same spanning tree and edge order, so the same labels). */
typedef struct hdbscan_neighbors hdbscan_neighbors;

/* Collapses exact duplicates of x (n, dim) (row-major float32, every value finite; x is not kept),
 * builds a kd-tree over the distinct points and keeps each one's k_max + 8 nearest other distinct
 * points (k_max >= 1: the largest min_samples to be asked for). *out owns the result; free it with
 * hdbscan_neighbors_free. Memory: 4 * (k_max + 8) bytes per distinct point plus the tree and 4 per row. */
es_status hdbscan_neighbors_create(const float *x, int n, int dim, int k_max, hdbscan_neighbors **out,
                                   es_error *err);
void hdbscan_neighbors_free(hdbscan_neighbors *nb);
int hdbscan_neighbors_n(const hdbscan_neighbors *nb);
int hdbscan_neighbors_k_max(const hdbscan_neighbors *nb);
int hdbscan_neighbors_n_distinct(const hdbscan_neighbors *nb);  /* points left after collapsing copies */
size_t hdbscan_neighbors_bytes(const hdbscan_neighbors *nb);    /* heap memory it holds */

/* As hdbscan_create on the points nb was made from, for params->min_samples (clamped to n - 1) up to
 * k_max (else ES_ERR_ARG); params->leaf_size is the neighbours' (16). nb is only read and may be freed
 * afterwards. *out is freed with hdbscan_free. */
es_status hdbscan_create_from_neighbors(const hdbscan_neighbors *nb, const hdbscan_tree_params *params, hdbscan **out,
                                        es_error *err);

/* Heap memory held by h: the tree (core distances and single-linkage tree, 28 bytes per point) and
 * the last selection's results (labels, probabilities, scores, condensed tree: about 40 more). */
size_t hdbscan_bytes(const hdbscan *h);

/* ---- what hdbscan_create computed (owned by h) */
int hdbscan_n(const hdbscan *h);
int hdbscan_min_samples_used(const hdbscan *h);       /* after clamping to n - 1 */
hdbscan_algorithm hdbscan_algorithm_used(const hdbscan *h);
const double *hdbscan_core_distances(const hdbscan *h); /* (n) */
/* The single-linkage tree, n - 1 rows in merge order (scipy format): the two merged nodes (ids < n are
 * points, n + i is the cluster made by row i), the merge distance and the merged size. */
const int32_t *hdbscan_slt_left(const hdbscan *h);
const int32_t *hdbscan_slt_right(const hdbscan *h);
const double *hdbscan_slt_distance(const hdbscan *h);
const int32_t *hdbscan_slt_size(const hdbscan *h);
double hdbscan_mst_weight_sum(const hdbscan *h);      /* sum of the MST's edge weights (tie-independent) */

/* ---- what the last hdbscan_select computed (owned by h) */
int hdbscan_n_clusters(const hdbscan *h);
const int32_t *hdbscan_labels(const hdbscan *h);          /* (n) -1 = noise, else 0..n_clusters-1 */
const double *hdbscan_probabilities(const hdbscan *h);    /* (n) in [0, 1]; 0 for noise */
const double *hdbscan_outlier_scores(const hdbscan *h);   /* (n) GLOSH, in [0, 1] */
/* The condensed tree as the library's condensed_tree_: rows (parent, child, lambda, child_size); node
 * ids < n are points, n is the root, larger ids are clusters in creation order. */
int hdbscan_condensed_size(const hdbscan *h);
const int32_t *hdbscan_condensed_parent(const hdbscan *h);
const int32_t *hdbscan_condensed_child(const hdbscan *h);
const double *hdbscan_condensed_lambda(const hdbscan *h);
const int32_t *hdbscan_condensed_child_size(const hdbscan *h);
/* (n_clusters) the condensed-tree node of each label, and its stability (excess of mass). */
const int32_t *hdbscan_cluster_nodes(const hdbscan *h);
const double *hdbscan_cluster_stabilities(const hdbscan *h);

#endif
