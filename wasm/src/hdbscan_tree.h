/* hdbscan_tree.h — from a sorted spanning tree to clusters, as the library's _hdbscan_linkage.pyx
 * (label) and _hdbscan_tree.pyx (condense_tree, compute_stability, get_clusters, do_labelling,
 * get_probabilities, outlier_scores) do it. Internal to hdbscan.c; see hdbscan.h for the meaning.
 *
 * Basic usage (what hdbscan_create and hdbscan_select run):
 *     hdbscan_label(ea, eb, ew, &slt, &weight_sum, err);                 // once per spanning tree
 *     hdbscan_condense_tree(&slt, min_cluster_size, &ct, err);           // per min_cluster_size
 *     hdbscan_compute_stability(&ct, n, &clusters, err);
 *     hdbscan_get_clusters(&clusters, &params, selected, err);
 *     k = hdbscan_cluster_map(&clusters, selected, n, label_of, cluster_nodes);
 *     hdbscan_do_labelling(&ct, &clusters, selected, label_of, k, &params, labels);
 *     hdbscan_get_probabilities(&ct, &clusters, labels, cluster_nodes, prob);
 *     hdbscan_glosh_outlier_scores(&ct, &clusters, outlier, err);
 *
 * Node ids follow the library: ids < n are points; in the single-linkage tree n + i is the cluster
 * made by row i; in the condensed tree n is the root and larger ids are clusters in creation order
 * (a child always has a larger id than its parent). Every lambda is 1 / distance, infinite at
 * distance 0 (exact duplicates).
 */
#ifndef EMBEDSCAPE_HDBSCAN_TREE_H
#define EMBEDSCAPE_HDBSCAN_TREE_H

#include <stdint.h>

#include "hdbscan.h"
#include "status.h"

/* The single-linkage tree in scipy's format: n - 1 merges in order. Arrays are owned by whoever
 * allocated them (hdbscan.c keeps them in the handle). */
typedef struct hdbscan_slt {
    int n;                        /* points */
    int32_t *left, *right, *size; /* (n - 1) the merged nodes and the merged size */
    double *dist;                 /* (n - 1) merge distance */
} hdbscan_slt;

/* The condensed tree as the library's condensed_tree_ rows. Owned; freed with hdbscan_condensed_free. */
typedef struct hdbscan_condensed {
    int n;       /* points */
    int n_rows;
    int32_t *parent, *child, *child_size; /* (n_rows) */
    double *lambda;                       /* (n_rows) */
} hdbscan_condensed;

/* The clusters of a condensed tree (index c = node id - n; 0 is the root). Owned; freed with
 * hdbscan_cluster_tree_free. */
typedef struct hdbscan_cluster_tree {
    int n_nodes;
    int32_t *parent;   /* (n_nodes) parent cluster, -1 for the root */
    int32_t *ch0, *ch1;/* (n_nodes) child clusters, -1 when absent */
    int32_t *size;     /* (n_nodes) child_size of the row that made it (root: its children's sum) */
    double *birth;     /* (n_nodes) lambda of that row (0 for the root) */
    double *death;     /* (n_nodes) largest lambda of the rows under it (the library's max_lambdas) */
    double *stability; /* (n_nodes) compute_stability's excess of mass */
} hdbscan_cluster_tree;

/* label(): union-find over the n - 1 edges (ea[i], eb[i], ew[i]) in merge order; row i merges the
 * current clusters of the two ends (ea's on the left) into node n + i. slt->n and its arrays are set
 * by the caller. *weight_sum_out = the sum of ew. ES_ERR_INTERNAL if the edges contain a cycle. */
es_status hdbscan_label(const int32_t *ea, const int32_t *eb, const double *ew, hdbscan_slt *slt,
                        double *weight_sum_out, es_error *err);

/* condense_tree: a breadth-first walk from the root; a split with both sides >= min_cluster_size makes
 * two clusters, a smaller side falls out of its parent point by point. slt->n >= 2. */
es_status hdbscan_condense_tree(const hdbscan_slt *slt, int min_cluster_size, hdbscan_condensed *ct_out,
                                es_error *err);
void hdbscan_condensed_free(hdbscan_condensed *ct);

/* compute_stability, with the cluster tree's links and max_lambdas gathered on the way. */
es_status hdbscan_compute_stability(const hdbscan_condensed *ct, hdbscan_cluster_tree *out, es_error *err);
void hdbscan_cluster_tree_free(hdbscan_cluster_tree *t);

/* get_clusters: excess of mass or leaves, allow_single_cluster, cluster_selection_epsilon,
 * max_cluster_size. selected_out (n_nodes) receives 1 for every selected cluster. */
es_status hdbscan_get_clusters(const hdbscan_cluster_tree *t, const hdbscan_select_params *p, uint8_t *selected_out,
                               es_error *err);

/* The library's cluster_label_map: selected clusters numbered in increasing node order. Writes
 * label_of_out (n_nodes; -1 when not selected) and, when not NULL, nodes_out (node id of each label);
 * returns the number of clusters. */
int hdbscan_cluster_map(const hdbscan_cluster_tree *t, const uint8_t *selected, int n, int32_t *label_of_out,
                        int32_t *nodes_out);

/* do_labelling: every point takes the label of its nearest selected ancestor (-1 = noise); the root
 * as the single cluster keeps only the points that fall out at its deepest lambda (or past epsilon).
 * labels_out (n) is written. */
es_status hdbscan_do_labelling(const hdbscan_condensed *ct, const hdbscan_cluster_tree *t, const uint8_t *selected,
                               const int32_t *label_of, int n_clusters, const hdbscan_select_params *p,
                               int32_t *labels_out, es_error *err);

/* get_probabilities: a point's lambda relative to its cluster's max lambda; 0 for noise, 1 where the
 * lambda is infinite. prob_out (n) is written. */
void hdbscan_get_probabilities(const hdbscan_condensed *ct, const hdbscan_cluster_tree *t, const int32_t *labels,
                               const int32_t *cluster_nodes, double *prob_out);

/* the library's outlier_scores (GLOSH): 1 - lambda / (largest lambda under the point's cluster); 0 where the
 * lambda is infinite, 1 where only the cluster's maximum is (see hdbscan.h). out (n) is written. */
es_status hdbscan_glosh_outlier_scores(const hdbscan_condensed *ct, const hdbscan_cluster_tree *t, double *out,
                                 es_error *err);

#endif
