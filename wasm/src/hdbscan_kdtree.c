/* hdbscan_kdtree.c — see hdbscan_kdtree.h. */
#include "hdbscan_kdtree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hdbscan_sqdist.h"

/* the distance shared by every HDBSCAN path (see hdbscan_sqdist.h) */
static inline double sqdist_rows(const float *a, const float *b, int dim) { return hdbscan_sqdist_rows(a, b, dim); }

void hdbscan_kdtree_free(hdbscan_kdtree *t) {
    if (!t) return;
    free(t->index);
    free(t->pts);
    free(t->start);
    free(t->end);
    free(t->left);
    free(t->right);
    free(t->lo);
    free(t->hi);
    memset(t, 0, sizeof *t);
}

/* Reorders perm[lo..hi) so that perm[m] holds the point whose coordinate `axis` would be m-th in
 * sorted order, smaller-or-equal ones before it, larger-or-equal after (deterministic quickselect). */
static void select_median(int32_t *perm, int lo, int hi, int m, const float *x, int dim, int axis) {
    hi--; /* inclusive */
    while (hi > lo) {
        int mid = lo + (hi - lo) / 2;
        /* median of three as the pivot */
        float a = x[(size_t)perm[lo] * dim + axis], b = x[(size_t)perm[mid] * dim + axis],
              c = x[(size_t)perm[hi] * dim + axis];
        float pv = (a < b) ? ((b < c) ? b : (a < c ? c : a)) : ((a < c) ? a : (b < c ? c : b));
        int i = lo, j = hi;
        while (i <= j) {
            while (x[(size_t)perm[i] * dim + axis] < pv) i++;
            while (x[(size_t)perm[j] * dim + axis] > pv) j--;
            if (i <= j) {
                int32_t tmp = perm[i];
                perm[i] = perm[j];
                perm[j] = tmp;
                i++;
                j--;
            }
        }
        if (m <= j) hi = j;
        else if (m >= i) lo = i;
        else return;
    }
}

es_status hdbscan_kdtree_build(const float *x, int n, int dim, int leaf_size, hdbscan_kdtree *t, es_error *err) {
    memset(t, 0, sizeof *t);
    if (!x || n < 1 || dim < 1) return es_fail(err, ES_ERR_ARG, "kd-tree needs at least one point of dimension >= 1");
    if (leaf_size < 2) leaf_size = 2;
    /* median splits leave every leaf with >= leaf_size/2 points, so this many nodes suffice */
    int half = leaf_size / 2;
    long max_nodes = 2L * ((long)n / half + 1) + 1;
    t->n = n;
    t->dim = dim;
    t->index = malloc((size_t)n * sizeof *t->index);
    t->pts = malloc((size_t)n * dim * sizeof *t->pts);
    t->start = malloc((size_t)max_nodes * sizeof *t->start);
    t->end = malloc((size_t)max_nodes * sizeof *t->end);
    t->left = malloc((size_t)max_nodes * sizeof *t->left);
    t->right = malloc((size_t)max_nodes * sizeof *t->right);
    t->lo = malloc((size_t)max_nodes * dim * sizeof *t->lo);
    t->hi = malloc((size_t)max_nodes * dim * sizeof *t->hi);
    int32_t *stack = malloc((size_t)max_nodes * sizeof *stack);
    if (!t->index || !t->pts || !t->start || !t->end || !t->left || !t->right || !t->lo || !t->hi || !stack) {
        free(stack);
        hdbscan_kdtree_free(t);
        return es_fail(err, ES_ERR_NOMEM, "out of memory building a kd-tree over %d points", n);
    }
    for (int i = 0; i < n; i++) t->index[i] = i;

    /* depth-first (preorder): a node's children get larger ids than the node */
    int n_nodes = 1, sp = 0;
    t->start[0] = 0;
    t->end[0] = n;
    stack[sp++] = 0;
    while (sp > 0) {
        int node = stack[--sp];
        int s = t->start[node], e = t->end[node];
        float *lo = t->lo + (size_t)node * dim, *hi = t->hi + (size_t)node * dim;
        for (int k = 0; k < dim; k++) lo[k] = hi[k] = x[(size_t)t->index[s] * dim + k];
        for (int p = s + 1; p < e; p++) {
            const float *r = x + (size_t)t->index[p] * dim;
            for (int k = 0; k < dim; k++) {
                if (r[k] < lo[k]) lo[k] = r[k];
                if (r[k] > hi[k]) hi[k] = r[k];
            }
        }
        t->left[node] = t->right[node] = -1;
        if (e - s <= leaf_size) continue;
        int axis = 0;
        float widest = hi[0] - lo[0];
        for (int k = 1; k < dim; k++)
            if (hi[k] - lo[k] > widest) { widest = hi[k] - lo[k]; axis = k; }
        int m = s + (e - s) / 2;
        select_median(t->index, s, e, m, x, dim, axis);
        int l = n_nodes++, r = n_nodes++;
        t->start[l] = s;
        t->end[l] = m;
        t->start[r] = m;
        t->end[r] = e;
        t->left[node] = l;
        t->right[node] = r;
        /* push right first so that the left subtree is numbered first */
        stack[sp++] = r;
        stack[sp++] = l;
    }
    free(stack);
    t->n_nodes = n_nodes;
    for (int p = 0; p < n; p++) memcpy(t->pts + (size_t)p * dim, x + (size_t)t->index[p] * dim, (size_t)dim * sizeof(float));
    return ES_OK;
}

/* The k nearest points of tree position p (itself included), nearest first, in (hd, hix): a sorted
 * array, since most candidates are refused by one comparison with the k-th and an accepted one moves a
 * few slots (cheaper than a heap's unpredictable branches for the k HDBSCAN asks for). Returns the
 * number found (min(k, n)). stack_node / stack_d: 160 entries (see below). */
static int knn_query(const hdbscan_kdtree *t, int p, int k, double *hd, int32_t *hix, int32_t *stack_node,
                     double *stack_d) {
    int dim = t->dim;
    const float *q = t->pts + (size_t)p * dim;
    int cnt = 0, sp = 0;
    stack_node[sp] = 0;
    stack_d[sp++] = 0.0;
    while (sp > 0) {
        sp--;
        int node = stack_node[sp];
        double nd = stack_d[sp];
        if (cnt == k && nd >= hd[k - 1]) continue; /* cannot make the k-th distance smaller */
        if (t->left[node] < 0) {
            for (int b = t->start[node]; b < t->end[node]; b++) {
                double d = sqdist_rows(q, t->pts + (size_t)b * dim, dim);
                if (cnt == k && !(d < hd[k - 1])) continue;
                int i = cnt < k ? cnt++ : k - 1;
                while (i > 0 && hd[i - 1] > d) {
                    hd[i] = hd[i - 1];
                    hix[i] = hix[i - 1];
                    i--;
                }
                hd[i] = d;
                hix[i] = b;
            }
            continue;
        }
        int l = t->left[node], r = t->right[node];
        double dl = hdbscan_kdtree_box_sqdist(t, l, q), dr = hdbscan_kdtree_box_sqdist(t, r, q);
        int near = l, far = r;
        double dn = dl, df = dr;
        if (dr < dl) { near = r; far = l; dn = dr; df = dl; }
        if (!(cnt == k && df >= hd[k - 1])) { stack_node[sp] = far; stack_d[sp++] = df; }
        if (!(cnt == k && dn >= hd[k - 1])) { stack_node[sp] = near; stack_d[sp++] = dn; }
    }
    return cnt;
}

/* depth of a median-split tree is ~log2(n): two stack entries per level, 160 are plenty */
#define KNN_STACK 160

es_status hdbscan_kdtree_knn_sorted(const hdbscan_kdtree *t, int k, int32_t *nbr_out, es_error *err) {
    if (k < 0 || k > t->n - 1) return es_fail(err, ES_ERR_ARG, "k = %d must be in 0..%d", k, t->n - 1);
    if (k == 0) return ES_OK;
    int kk = k + 1; /* the point itself comes first */
    double *hd = malloc((size_t)kk * sizeof *hd);
    int32_t *hix = malloc((size_t)kk * sizeof *hix);
    int32_t stack_node[KNN_STACK];
    double stack_d[KNN_STACK];
    if (!hd || !hix) {
        free(hd);
        free(hix);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the neighbour search");
    }
    for (int p = 0; p < t->n; p++) {
        knn_query(t, p, kk, hd, hix, stack_node, stack_d);
        /* distinct points have distances > 0, so slot 0 is p itself (the caller passes distinct points) */
        int32_t *row = nbr_out + (size_t)p * k;
        int o = 0;
        for (int j = 0; j < kk && o < k; j++)
            if (hix[j] != p) row[o++] = hix[j];
    }
    free(hd);
    free(hix);
    return ES_OK;
}
