/* hdbscan.c — see hdbscan.h. The handle's lifecycle: hdbscan_create runs the spanning-tree phase
 * (hdbscan_mst.c) and the single-linkage step, hdbscan_select the condensed tree and the selection
 * (hdbscan_tree.c), in the library's order. */
#include "hdbscan.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hdbscan_mst.h"
#include "hdbscan_neighbors.h"
#include "hdbscan_tree.h"

struct hdbscan {
    int n, dim, min_samples;
    hdbscan_algorithm algorithm;
    double *core;                 /* (n) */
    hdbscan_slt slt;              /* n - 1 rows (arrays of at least one entry) */
    double mst_weight_sum;
    /* results of the last select */
    int n_clusters;
    hdbscan_condensed ct;
    int32_t *labels;              /* (n) */
    double *prob, *outlier;       /* (n) */
    int32_t *cluster_nodes;       /* (n_clusters) */
    double *cluster_stab;
};

hdbscan_tree_params hdbscan_tree_default_params(void) {
    hdbscan_tree_params p;
    p.min_samples = 5;
    p.algorithm = HDBSCAN_ALGORITHM_AUTO;
    p.leaf_size = 16;
    return p;
}

hdbscan_select_params hdbscan_select_default_params(void) {
    hdbscan_select_params p;
    p.min_cluster_size = 5;
    p.method = HDBSCAN_METHOD_EOM;
    p.allow_single_cluster = 0;
    p.cluster_selection_epsilon = 0.0;
    p.max_cluster_size = 0;
    return p;
}

static void free_results(hdbscan *h) {
    free(h->labels); free(h->prob); free(h->outlier);
    free(h->cluster_nodes); free(h->cluster_stab);
    hdbscan_condensed_free(&h->ct);
    h->labels = NULL; h->prob = h->outlier = NULL;
    h->cluster_nodes = NULL; h->cluster_stab = NULL;
    h->n_clusters = 0;
}

void hdbscan_free(hdbscan *h) {
    if (!h) return;
    free_results(h);
    free(h->core);
    free(h->slt.left); free(h->slt.right); free(h->slt.size); free(h->slt.dist);
    free(h);
}

/* ====================================================================== create */

static es_status check_tree_params(const hdbscan_tree_params *p, es_error *err) {
    if (p->min_samples < 1) return es_fail(err, ES_ERR_ARG, "min_samples must be >= 1, got %d", p->min_samples);
    if (p->algorithm < HDBSCAN_ALGORITHM_AUTO || p->algorithm > HDBSCAN_ALGORITHM_PRIMS_KDTREE)
        return es_fail(err, ES_ERR_ARG, "unknown HDBSCAN algorithm %d", (int)p->algorithm);
    return ES_OK;
}

/* A handle for n points with room for the tree; min_samples clamped as the library does. */
static hdbscan *handle_new(int n, int dim, const hdbscan_tree_params *p, es_error *err) {
    hdbscan *h = calloc(1, sizeof *h);
    if (!h) {
        es_fail(err, ES_ERR_NOMEM, "out of memory");
        return NULL;
    }
    h->n = n;
    h->dim = dim;
    /* the library: min_samples = min(n - 1, min_samples), and at least 1 */
    h->min_samples = p->min_samples < n - 1 ? p->min_samples : n - 1;
    if (h->min_samples < 1) h->min_samples = 1;
    h->core = calloc((size_t)n, sizeof *h->core);
    int m = n > 1 ? n - 1 : 1;
    h->slt.n = n;
    h->slt.left = malloc((size_t)m * sizeof(int32_t));
    h->slt.right = malloc((size_t)m * sizeof(int32_t));
    h->slt.size = malloc((size_t)m * sizeof(int32_t));
    h->slt.dist = malloc((size_t)m * sizeof(double));
    if (!h->core || !h->slt.left || !h->slt.right || !h->slt.size || !h->slt.dist) {
        hdbscan_free(h);
        es_fail(err, ES_ERR_NOMEM, "out of memory for %d points", n);
        return NULL;
    }
    hdbscan_algorithm algo = p->algorithm;
    if (algo == HDBSCAN_ALGORITHM_AUTO)
        algo = dim > HDBSCAN_KDTREE_MAX_DIM ? HDBSCAN_ALGORITHM_PRIMS : HDBSCAN_ALGORITHM_PRIMS_KDTREE;
    h->algorithm = algo;
    return h;
}

/* The spanning tree (from x, from nb, or both) and its single-linkage tree; frees h on failure. */
static es_status build_tree(hdbscan *h, const float *x, const hdbscan_neighbors *nb, hdbscan **out, es_error *err) {
    int n = h->n;
    es_status st = ES_OK;
    if (n > 1) {
        int32_t *ea = malloc((size_t)(n - 1) * sizeof *ea);
        int32_t *eb = malloc((size_t)(n - 1) * sizeof *eb);
        double *ew = malloc((size_t)(n - 1) * sizeof *ew);
        if (!ea || !eb || !ew) st = es_fail(err, ES_ERR_NOMEM, "out of memory for the spanning tree");
        else if (h->algorithm == HDBSCAN_ALGORITHM_PRIMS) {
            if (nb) { /* core distances from the neighbours: the same numbers, without the n^2 pass */
                double *core_pos = malloc((size_t)nb->n_unique * sizeof *core_pos);
                if (!core_pos) st = es_fail(err, ES_ERR_NOMEM, "out of memory for core distances");
                else hdbscan_mst_core(nb, h->min_samples, core_pos, h->core);
                free(core_pos);
            }
            if (st == ES_OK) st = hdbscan_mst_all_pairs(x, n, h->dim, h->min_samples, nb != NULL, h->core, ea, eb, ew, err);
        } else {
            st = hdbscan_mst_from_neighbors(nb, h->min_samples, h->algorithm, h->core, ea, eb, ew, &h->algorithm, err);
        }
        if (st == ES_OK) st = hdbscan_label(ea, eb, ew, &h->slt, &h->mst_weight_sum, err);
        free(ea); free(eb); free(ew);
    }
    if (st != ES_OK) {
        hdbscan_free(h);
        return st;
    }
    *out = h;
    return ES_OK;
}

es_status hdbscan_create(const float *x, int n, int dim, const hdbscan_tree_params *params, hdbscan **out,
                         es_error *err) {
    if (!out) return es_fail(err, ES_ERR_ARG, "hdbscan_create: out is NULL");
    *out = NULL;
    hdbscan_tree_params p = params ? *params : hdbscan_tree_default_params();
    es_status st = hdbscan_check_points(x, n, dim, err);
    if (st == ES_OK) st = check_tree_params(&p, err);
    if (st != ES_OK) return st;
    if (p.leaf_size < 2) p.leaf_size = 2;
    hdbscan *h = handle_new(n, dim, &p, err);
    if (!h) return err ? err->status : ES_ERR_NOMEM;
    /* all pairs need no neighbours above HDBSCAN_KDTREE_MAX_DIM (core distances come with them) */
    hdbscan_neighbors *nb = NULL;
    if (n > 1 && (h->algorithm != HDBSCAN_ALGORITHM_PRIMS || dim <= HDBSCAN_KDTREE_MAX_DIM)) {
        st = hdbscan_neighbors_build(x, n, dim, h->min_samples, p.leaf_size, &nb, err);
        if (st != ES_OK) {
            hdbscan_free(h);
            return st;
        }
    }
    st = build_tree(h, x, nb, out, err);
    hdbscan_neighbors_free(nb);
    return st;
}

es_status hdbscan_neighbors_create(const float *x, int n, int dim, int k_max, hdbscan_neighbors **out, es_error *err) {
    if (!out) return es_fail(err, ES_ERR_ARG, "hdbscan_neighbors_create: out is NULL");
    *out = NULL;
    es_status st = hdbscan_check_points(x, n, dim, err);
    if (st != ES_OK) return st;
    if (k_max < 1) return es_fail(err, ES_ERR_ARG, "k_max must be >= 1, got %d", k_max);
    return hdbscan_neighbors_build(x, n, dim, k_max, hdbscan_tree_default_params().leaf_size, out, err);
}

es_status hdbscan_create_from_neighbors(const hdbscan_neighbors *nb, const hdbscan_tree_params *params, hdbscan **out,
                                        es_error *err) {
    if (!out) return es_fail(err, ES_ERR_ARG, "hdbscan_create_from_neighbors: out is NULL");
    *out = NULL;
    if (!nb) return es_fail(err, ES_ERR_ARG, "hdbscan_create_from_neighbors: no neighbours");
    hdbscan_tree_params p = params ? *params : hdbscan_tree_default_params();
    es_status st = check_tree_params(&p, err);
    if (st != ES_OK) return st;
    hdbscan *h = handle_new(nb->n, nb->dim, &p, err);
    if (!h) return err ? err->status : ES_ERR_NOMEM;
    if (h->min_samples > nb->k_max) {
        hdbscan_free(h);
        return es_fail(err, ES_ERR_ARG, "min_samples %d is larger than the %d neighbours computed (k_max)", p.min_samples,
                       nb->k_max);
    }
    float *x = NULL;
    if (h->algorithm == HDBSCAN_ALGORITHM_PRIMS && nb->n > 1) { /* the all-pairs reference needs the rows */
        x = malloc((size_t)nb->n * nb->dim * sizeof *x);
        if (!x) {
            hdbscan_free(h);
            return es_fail(err, ES_ERR_NOMEM, "out of memory for %d points", nb->n);
        }
        hdbscan_neighbors_points(nb, x);
    }
    st = build_tree(h, x, nb, out, err);
    free(x);
    return st;
}

int hdbscan_neighbors_n(const hdbscan_neighbors *nb) { return nb->n; }
int hdbscan_neighbors_k_max(const hdbscan_neighbors *nb) { return nb->k_max; }
int hdbscan_neighbors_n_distinct(const hdbscan_neighbors *nb) { return nb->n_unique; }

size_t hdbscan_neighbors_bytes(const hdbscan_neighbors *nb) {
    const hdbscan_kdtree *t = &nb->tree;
    size_t tree = (size_t)t->n * (sizeof(int32_t) + (size_t)t->dim * sizeof(float)) +
                  (size_t)t->n_nodes * (4 * sizeof(int32_t) + 2 * (size_t)t->dim * sizeof(float));
    return sizeof *nb + tree + (size_t)nb->n_unique * 3 * sizeof(int32_t) + (size_t)nb->n * sizeof(int32_t) +
           (size_t)nb->n_unique * nb->k * sizeof(int32_t);
}

size_t hdbscan_bytes(const hdbscan *h) {
    size_t m = h->n > 1 ? (size_t)h->n - 1 : 1, b = sizeof *h + (size_t)h->n * sizeof(double);
    b += m * (3 * sizeof(int32_t) + sizeof(double)); /* single-linkage tree */
    if (h->labels) b += (size_t)h->n * (sizeof(int32_t) + 2 * sizeof(double));
    b += (size_t)h->ct.n_rows * (3 * sizeof(int32_t) + sizeof(double));
    b += (size_t)h->n_clusters * (sizeof(int32_t) + sizeof(double));
    return b;
}

/* ====================================================================== select */

/* One point: one noise row-less result (accessors still return valid pointers). */
static es_status select_single_point(hdbscan *h, es_error *err) {
    h->cluster_nodes = malloc(sizeof(int32_t));
    h->cluster_stab = malloc(sizeof(double));
    h->ct.n = 1;
    h->ct.parent = malloc(sizeof(int32_t)); h->ct.child = malloc(sizeof(int32_t));
    h->ct.child_size = malloc(sizeof(int32_t)); h->ct.lambda = malloc(sizeof(double));
    if (!h->cluster_nodes || !h->cluster_stab || !h->ct.parent || !h->ct.child || !h->ct.child_size || !h->ct.lambda)
        return es_fail(err, ES_ERR_NOMEM, "out of memory");
    h->labels[0] = -1;
    h->prob[0] = 0.0;
    h->outlier[0] = 0.0;
    return ES_OK;
}

/* condense_tree -> compute_stability -> get_clusters -> do_labelling -> get_probabilities ->
 * outlier_scores, as the library's _tree_to_labels followed by outlier_scores. */
static es_status tree_to_labels(hdbscan *h, const hdbscan_select_params *p, es_error *err) {
    hdbscan_cluster_tree t;
    memset(&t, 0, sizeof t);
    uint8_t *selected = NULL;
    int32_t *label_of = NULL;
    es_status st = hdbscan_condense_tree(&h->slt, p->min_cluster_size, &h->ct, err);
    if (st == ES_OK) st = hdbscan_compute_stability(&h->ct, &t, err);
    if (st == ES_OK) {
        selected = calloc((size_t)t.n_nodes, 1);
        label_of = malloc((size_t)t.n_nodes * sizeof *label_of);
        if (!selected || !label_of) st = es_fail(err, ES_ERR_NOMEM, "out of memory selecting clusters");
    }
    if (st == ES_OK) st = hdbscan_get_clusters(&t, p, selected, err);
    if (st == ES_OK) {
        int k = hdbscan_cluster_map(&t, selected, h->n, label_of, NULL);
        h->n_clusters = k;
        h->cluster_nodes = malloc((size_t)(k > 0 ? k : 1) * sizeof(int32_t));
        h->cluster_stab = malloc((size_t)(k > 0 ? k : 1) * sizeof(double));
        if (!h->cluster_nodes || !h->cluster_stab) st = es_fail(err, ES_ERR_NOMEM, "out of memory labelling clusters");
    }
    if (st == ES_OK) {
        hdbscan_cluster_map(&t, selected, h->n, label_of, h->cluster_nodes);
        for (int i = 0; i < h->n_clusters; i++) h->cluster_stab[i] = t.stability[h->cluster_nodes[i] - h->n];
        st = hdbscan_do_labelling(&h->ct, &t, selected, label_of, h->n_clusters, p, h->labels, err);
    }
    if (st == ES_OK) {
        hdbscan_get_probabilities(&h->ct, &t, h->labels, h->cluster_nodes, h->prob);
        st = hdbscan_glosh_outlier_scores(&h->ct, &t, h->outlier, err);
    }
    free(selected);
    free(label_of);
    hdbscan_cluster_tree_free(&t);
    return st;
}

es_status hdbscan_select(hdbscan *h, const hdbscan_select_params *params, es_error *err) {
    if (!h) return es_fail(err, ES_ERR_ARG, "hdbscan_select: no handle");
    hdbscan_select_params p = params ? *params : hdbscan_select_default_params();
    if (p.min_cluster_size < 2)
        return es_fail(err, ES_ERR_ARG, "min_cluster_size must be >= 2, got %d", p.min_cluster_size);
    if (p.method != HDBSCAN_METHOD_EOM && p.method != HDBSCAN_METHOD_LEAF)
        return es_fail(err, ES_ERR_ARG, "unknown cluster selection method %d", (int)p.method);
    if (!(p.cluster_selection_epsilon >= 0.0) || isinf(p.cluster_selection_epsilon))
        return es_fail(err, ES_ERR_ARG, "cluster_selection_epsilon must be a finite number >= 0");
    if (p.max_cluster_size < 0) return es_fail(err, ES_ERR_ARG, "max_cluster_size must be >= 0");
    free_results(h);
    int n = h->n;
    h->labels = malloc((size_t)n * sizeof *h->labels);
    h->prob = malloc((size_t)n * sizeof *h->prob);
    h->outlier = malloc((size_t)n * sizeof *h->outlier);
    es_status st = ES_OK;
    if (!h->labels || !h->prob || !h->outlier) st = es_fail(err, ES_ERR_NOMEM, "out of memory");
    else if (n == 1) st = select_single_point(h, err);
    else st = tree_to_labels(h, &p, err);
    if (st != ES_OK) free_results(h);
    return st;
}

/* ====================================================================== accessors */

int hdbscan_n(const hdbscan *h) { return h->n; }
int hdbscan_min_samples_used(const hdbscan *h) { return h->min_samples; }
hdbscan_algorithm hdbscan_algorithm_used(const hdbscan *h) { return h->algorithm; }
const double *hdbscan_core_distances(const hdbscan *h) { return h->core; }
const int32_t *hdbscan_slt_left(const hdbscan *h) { return h->slt.left; }
const int32_t *hdbscan_slt_right(const hdbscan *h) { return h->slt.right; }
const double *hdbscan_slt_distance(const hdbscan *h) { return h->slt.dist; }
const int32_t *hdbscan_slt_size(const hdbscan *h) { return h->slt.size; }
double hdbscan_mst_weight_sum(const hdbscan *h) { return h->mst_weight_sum; }
int hdbscan_n_clusters(const hdbscan *h) { return h->n_clusters; }
const int32_t *hdbscan_labels(const hdbscan *h) { return h->labels; }
const double *hdbscan_probabilities(const hdbscan *h) { return h->prob; }
const double *hdbscan_outlier_scores(const hdbscan *h) { return h->outlier; }
int hdbscan_condensed_size(const hdbscan *h) { return h->ct.n_rows; }
const int32_t *hdbscan_condensed_parent(const hdbscan *h) { return h->ct.parent; }
const int32_t *hdbscan_condensed_child(const hdbscan *h) { return h->ct.child; }
const double *hdbscan_condensed_lambda(const hdbscan *h) { return h->ct.lambda; }
const int32_t *hdbscan_condensed_child_size(const hdbscan *h) { return h->ct.child_size; }
const int32_t *hdbscan_cluster_nodes(const hdbscan *h) { return h->cluster_nodes; }
const double *hdbscan_cluster_stabilities(const hdbscan *h) { return h->cluster_stab; }
