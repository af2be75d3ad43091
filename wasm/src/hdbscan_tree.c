/* hdbscan_tree.c — see hdbscan_tree.h. One function per function of the library's
 * _hdbscan_linkage.pyx / _hdbscan_tree.pyx, with the same arithmetic in the same order. */
#include "hdbscan_tree.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ====================================================================== label (single linkage) */

es_status hdbscan_label(const int32_t *ea, const int32_t *eb, const double *ew, hdbscan_slt *slt,
                        double *weight_sum_out, es_error *err) {
    int n = slt->n;
    int32_t *parent = malloc((size_t)(2 * n - 1) * sizeof *parent);
    int32_t *size = malloc((size_t)(2 * n - 1) * sizeof *size);
    if (!parent || !size) {
        free(parent);
        free(size);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the single-linkage tree");
    }
    for (int i = 0; i < 2 * n - 1; i++) {
        parent[i] = -1;
        size[i] = i < n ? 1 : 0;
    }
    int next = n;
    double sum = 0.0;
    for (int i = 0; i < n - 1; i++) {
        int a = ea[i], b = eb[i];
        while (parent[a] != -1) a = parent[a];
        while (parent[b] != -1) b = parent[b];
        /* compress the two paths */
        for (int p = ea[i]; parent[p] != -1 && parent[p] != a;) { int q = parent[p]; parent[p] = a; p = q; }
        for (int p = eb[i]; parent[p] != -1 && parent[p] != b;) { int q = parent[p]; parent[p] = b; p = q; }
        if (a == b) {
            free(parent);
            free(size);
            return es_fail(err, ES_ERR_INTERNAL, "the spanning tree has a cycle at edge %d", i);
        }
        slt->left[i] = a;
        slt->right[i] = b;
        slt->dist[i] = ew[i];
        slt->size[i] = size[a] + size[b];
        parent[a] = parent[b] = next;
        size[next] = size[a] + size[b];
        next++;
        sum += ew[i];
    }
    *weight_sum_out = sum;
    free(parent);
    free(size);
    return ES_OK;
}

/* ====================================================================== condense_tree */

void hdbscan_condensed_free(hdbscan_condensed *ct) {
    if (!ct) return;
    free(ct->parent);
    free(ct->child);
    free(ct->child_size);
    free(ct->lambda);
    memset(ct, 0, sizeof *ct);
}

/* The points of a fallen-out subtree are listed breadth-first, as the library's bfs_from_hierarchy. */
es_status hdbscan_condense_tree(const hdbscan_slt *slt, int mcs, hdbscan_condensed *ct, es_error *err) {
    int n = slt->n, total = 2 * n - 1, root = 2 * n - 2;
    int cap = 3 * n; /* n point rows + two rows per split */
    memset(ct, 0, sizeof *ct);
    ct->n = n;
    ct->parent = malloc((size_t)cap * sizeof(int32_t));
    ct->child = malloc((size_t)cap * sizeof(int32_t));
    ct->child_size = malloc((size_t)cap * sizeof(int32_t));
    ct->lambda = malloc((size_t)cap * sizeof(double));
    int32_t *relabel = malloc((size_t)total * sizeof *relabel);
    int32_t *queue = malloc((size_t)total * sizeof *queue);
    int32_t *sub = malloc((size_t)total * sizeof *sub);
    if (!ct->parent || !ct->child || !ct->child_size || !ct->lambda || !relabel || !queue || !sub) {
        free(relabel); free(queue); free(sub);
        hdbscan_condensed_free(ct);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the condensed tree");
    }
    int rows = 0, qh = 0, qt = 0, next_label = n + 1;
    relabel[root] = n;
    queue[qt++] = root;
#define EMIT(par, chi, lam, sz) do { ct->parent[rows] = (par); ct->child[rows] = (chi); \
        ct->lambda[rows] = (lam); ct->child_size[rows] = (sz); rows++; } while (0)
    while (qh < qt) {
        int node = queue[qh++];
        int i = node - n;
        int left = slt->left[i], right = slt->right[i];
        double d = slt->dist[i];
        double lambda = d > 0.0 ? 1.0 / d : INFINITY;
        int lc = left >= n ? slt->size[left - n] : 1;
        int rc = right >= n ? slt->size[right - n] : 1;
        int par = relabel[node];
        int fall[2], n_fall = 0;
        if (lc >= mcs && rc >= mcs) {
            relabel[left] = next_label++;
            EMIT(par, relabel[left], lambda, lc);
            relabel[right] = next_label++;
            EMIT(par, relabel[right], lambda, rc);
            queue[qt++] = left; /* both are clusters of >= 2 points: internal nodes */
            queue[qt++] = right;
        } else if (lc < mcs && rc < mcs) {
            fall[n_fall++] = left;
            fall[n_fall++] = right;
        } else if (lc < mcs) {
            relabel[right] = par;
            fall[n_fall++] = left;
            queue[qt++] = right;
        } else {
            relabel[left] = par;
            fall[n_fall++] = right;
            queue[qt++] = left;
        }
        for (int f = 0; f < n_fall; f++) {
            int sh = 0, st = 0;
            sub[st++] = fall[f];
            while (sh < st) {
                int s = sub[sh++];
                if (s < n) EMIT(par, s, lambda, 1);
                else {
                    sub[st++] = slt->left[s - n];
                    sub[st++] = slt->right[s - n];
                }
            }
        }
    }
#undef EMIT
    ct->n_rows = rows;
    free(relabel); free(queue); free(sub);
    return ES_OK;
}

/* ====================================================================== compute_stability */

void hdbscan_cluster_tree_free(hdbscan_cluster_tree *t) {
    if (!t) return;
    free(t->parent); free(t->ch0); free(t->ch1); free(t->size);
    free(t->birth); free(t->death); free(t->stability);
    memset(t, 0, sizeof *t);
}

es_status hdbscan_compute_stability(const hdbscan_condensed *ct, hdbscan_cluster_tree *t, es_error *err) {
    int n = ct->n, rows = ct->n_rows;
    const int32_t *par = ct->parent, *chi = ct->child, *csz = ct->child_size;
    const double *lam = ct->lambda;
    int m = 1;
    for (int r = 0; r < rows; r++)
        if (chi[r] >= n && chi[r] - n + 1 > m) m = chi[r] - n + 1;
    memset(t, 0, sizeof *t);
    t->n_nodes = m;
    t->parent = malloc((size_t)m * sizeof(int32_t));
    t->ch0 = malloc((size_t)m * sizeof(int32_t));
    t->ch1 = malloc((size_t)m * sizeof(int32_t));
    t->size = malloc((size_t)m * sizeof(int32_t));
    t->birth = malloc((size_t)m * sizeof(double));
    t->death = calloc((size_t)m, sizeof(double));
    t->stability = calloc((size_t)m, sizeof(double));
    if (!t->parent || !t->ch0 || !t->ch1 || !t->size || !t->birth || !t->death || !t->stability) {
        hdbscan_cluster_tree_free(t);
        return es_fail(err, ES_ERR_NOMEM, "out of memory selecting clusters");
    }
    for (int c = 0; c < m; c++) { t->parent[c] = -1; t->ch0[c] = t->ch1[c] = -1; t->birth[c] = 0.0; t->size[c] = 0; }
    for (int r = 0; r < rows; r++) {
        int pc = par[r] - n;
        if (lam[r] > t->death[pc]) t->death[pc] = lam[r];
        if (chi[r] >= n) {
            int c = chi[r] - n;
            t->parent[c] = pc;
            t->birth[c] = lam[r];
            t->size[c] = csz[r];
            if (t->ch0[pc] < 0) t->ch0[pc] = c; else t->ch1[pc] = c;
        }
    }
    /* rows in order, (lambda - birth of the parent) * child_size */
    for (int r = 0; r < rows; r++) {
        int pc = par[r] - n;
        t->stability[pc] += (lam[r] - t->birth[pc]) * (double)csz[r];
    }
    /* root's size for max_cluster_size: its cluster children's sizes */
    if (t->ch0[0] >= 0) t->size[0] = t->size[t->ch0[0]] + (t->ch1[0] >= 0 ? t->size[t->ch1[0]] : 0);
    return ES_OK;
}

/* ====================================================================== get_clusters */

/* traverse_upwards: from a cluster whose birth is below epsilon, climb to the first ancestor born
 * above epsilon (or stop under the root). */
static int traverse_upwards(const hdbscan_cluster_tree *t, int leaf, double eps, int allow_single) {
    for (;;) {
        int parent = t->parent[leaf];
        if (parent == 0) return allow_single ? 0 : leaf;
        double parent_eps = 1.0 / t->birth[parent];
        if (parent_eps > eps) return parent;
        leaf = parent;
    }
}

static void mark_subtree(const hdbscan_cluster_tree *t, int c, uint8_t *flag, int32_t *stack) {
    int sp = 0;
    if (t->ch0[c] >= 0) stack[sp++] = t->ch0[c];
    if (t->ch1[c] >= 0) stack[sp++] = t->ch1[c];
    while (sp > 0) {
        int s = stack[--sp];
        if (flag[s]) continue; /* its whole subtree is already marked */
        flag[s] = 1;
        if (t->ch0[s] >= 0) stack[sp++] = t->ch0[s];
        if (t->ch1[s] >= 0) stack[sp++] = t->ch1[s];
    }
}

/* epsilon_search: starts from the clusters flagged in cand; writes out (n_nodes).
 * processed, list, stack: n_nodes scratch each. */
static void epsilon_search(const hdbscan_cluster_tree *t, const uint8_t *cand, double eps, int allow_single,
                           uint8_t *out, uint8_t *processed, int32_t *list, int32_t *stack) {
    int m = t->n_nodes;
    if (m <= 0) return;
    memset(processed, 0, (size_t)m);
    int cnt = 0;
    for (int c = 0; c < m; c++)
        if (cand[c]) list[cnt++] = c;
    memset(out, 0, (size_t)m);
    for (int i = 0; i < cnt; i++) {
        int leaf = list[i];
        double leaf_eps = 1.0 / t->birth[leaf];
        if (leaf_eps < eps) {
            if (!processed[leaf]) {
                int x = traverse_upwards(t, leaf, eps, allow_single);
                out[x] = 1;
                mark_subtree(t, x, processed, stack);
            }
        } else out[leaf] = 1;
    }
}

/* excess of mass, bottom-up (children have larger ids): keep a node unless its children's summed
 * stability is larger — summed as the library does, in a C float. stab is a working copy. */
static void select_eom(const hdbscan_cluster_tree *t, const hdbscan_select_params *p, double *stab, uint8_t *keep,
                       int32_t *kept_above, uint8_t *selected) {
    int m = t->n_nodes;
    int last = p->allow_single_cluster ? 0 : 1;
    memset(keep, 0, (size_t)m);
    for (int c = m - 1; c >= last; c--) {
        double s = 0.0;
        if (t->ch0[c] >= 0) s += stab[t->ch0[c]];
        if (t->ch1[c] >= 0) s += stab[t->ch1[c]];
        float subtree = (float)s;
        int too_big = p->max_cluster_size > 0 && t->size[c] > p->max_cluster_size;
        if ((double)subtree > stab[c] || too_big) {
            keep[c] = 0;
            stab[c] = (double)subtree;
        } else keep[c] = 1;
    }
    /* a kept node wins over every kept node below it */
    for (int c = 0; c < m; c++) {
        int blocked = c > 0 && (kept_above[t->parent[c]] != 0);
        selected[c] = (uint8_t)((c >= last) && keep[c] && !blocked);
        kept_above[c] = blocked || selected[c];
    }
}

es_status hdbscan_get_clusters(const hdbscan_cluster_tree *t, const hdbscan_select_params *p, uint8_t *selected,
                               es_error *err) {
    int m = t->n_nodes;
    double *stab = malloc((size_t)m * sizeof *stab);
    uint8_t *flag = malloc((size_t)m);
    uint8_t *cand = malloc((size_t)m);
    int32_t *list = malloc((size_t)m * sizeof *list);
    int32_t *stack = malloc((size_t)m * sizeof *stack);
    if (!stab || !flag || !cand || !list || !stack) {
        free(stab); free(flag); free(cand); free(list); free(stack);
        return es_fail(err, ES_ERR_NOMEM, "out of memory selecting clusters");
    }
    int allow = p->allow_single_cluster != 0;
    double eps = p->cluster_selection_epsilon;
    if (p->method == HDBSCAN_METHOD_EOM) {
        memcpy(stab, t->stability, (size_t)m * sizeof *stab);
        select_eom(t, p, stab, flag, list, selected);
        int has_tree = m > 1; /* the cluster tree (rows with child_size > 1) is not empty */
        if (eps != 0.0 && has_tree) {
            int cnt = 0, only = -1;
            for (int c = 0; c < m; c++)
                if (selected[c]) { cnt++; only = c; }
            if (cnt == 1 && only == 0) {
                if (!allow) selected[0] = 0;
            } else {
                memcpy(cand, selected, (size_t)m);
                epsilon_search(t, cand, eps, allow, selected, flag, list, stack);
            }
        }
    } else {
        memset(cand, 0, (size_t)m);
        int n_leaves = 0;
        for (int c = 1; c < m; c++)
            if (t->ch0[c] < 0) { cand[c] = 1; n_leaves++; }
        if (n_leaves == 0) memset(selected, 0, (size_t)m);
        else if (eps != 0.0) epsilon_search(t, cand, eps, allow, selected, flag, list, stack);
        else memcpy(selected, cand, (size_t)m);
    }
    free(stab); free(flag); free(cand); free(list); free(stack);
    return ES_OK;
}

int hdbscan_cluster_map(const hdbscan_cluster_tree *t, const uint8_t *selected, int n, int32_t *label_of,
                        int32_t *nodes_out) {
    int k = 0;
    for (int c = 0; c < t->n_nodes; c++) {
        label_of[c] = -1;
        if (selected[c]) {
            if (nodes_out) nodes_out[k] = n + c;
            label_of[c] = k++;
        }
    }
    return k;
}

/* ====================================================================== do_labelling */

es_status hdbscan_do_labelling(const hdbscan_condensed *ct, const hdbscan_cluster_tree *t, const uint8_t *selected,
                               const int32_t *label_of, int n_clusters, const hdbscan_select_params *p,
                               int32_t *labels, es_error *err) {
    int n = ct->n, m = t->n_nodes, rows = ct->n_rows;
    /* top[c]: the nearest selected ancestor of cluster c (itself included), -1 when none */
    int32_t *top = malloc((size_t)m * sizeof *top);
    if (!top) return es_fail(err, ES_ERR_NOMEM, "out of memory labelling clusters");
    for (int c = 0; c < m; c++) top[c] = selected[c] ? c : (c > 0 ? top[t->parent[c]] : -1);
    for (int i = 0; i < n; i++) labels[i] = -1;
    int single = n_clusters == 1 && p->allow_single_cluster;
    double eps = p->cluster_selection_epsilon, root_max = t->death[0];
    for (int r = 0; r < rows; r++) {
        int pt = ct->child[r];
        if (pt >= n) continue;
        int c = top[ct->parent[r] - n];
        if (c < 0) continue;
        if (c == 0) {
            if (single) {
                double l = ct->lambda[r];
                int ok = eps != 0.0 ? (l >= 1.0 / eps) : (l >= root_max);
                if (ok) labels[pt] = label_of[0];
            }
            continue;
        }
        labels[pt] = label_of[c];
    }
    free(top);
    return ES_OK;
}

/* ====================================================================== get_probabilities */

void hdbscan_get_probabilities(const hdbscan_condensed *ct, const hdbscan_cluster_tree *t, const int32_t *labels,
                               const int32_t *cluster_nodes, double *prob) {
    int n = ct->n;
    for (int i = 0; i < n; i++) prob[i] = 0.0;
    for (int r = 0; r < ct->n_rows; r++) {
        int pt = ct->child[r];
        if (pt >= n || labels[pt] < 0) continue;
        double lam = ct->lambda[r];
        double maxl = t->death[cluster_nodes[labels[pt]] - n];
        if (maxl == 0.0 || !isfinite(lam)) prob[pt] = 1.0;
        else prob[pt] = (lam < maxl ? lam : maxl) / maxl;
    }
}

/* ====================================================================== outlier_scores (GLOSH) */

es_status hdbscan_glosh_outlier_scores(const hdbscan_condensed *ct, const hdbscan_cluster_tree *t, double *out,
                                 es_error *err) {
    int n = ct->n, m = t->n_nodes;
    /* the largest lambda anywhere under each cluster */
    double *sub_death = malloc((size_t)m * sizeof *sub_death);
    if (!sub_death) return es_fail(err, ES_ERR_NOMEM, "out of memory for outlier scores");
    memcpy(sub_death, t->death, (size_t)m * sizeof *sub_death);
    for (int c = m - 1; c >= 1; c--) {
        int pc = t->parent[c];
        if (sub_death[c] > sub_death[pc]) sub_death[pc] = sub_death[c];
    }
    for (int i = 0; i < n; i++) out[i] = 0.0;
    for (int r = 0; r < ct->n_rows; r++) {
        int pt = ct->child[r];
        if (pt >= n) continue;
        double lam = ct->lambda[r], lmax = sub_death[ct->parent[r] - n];
        if (lmax == 0.0 || !isfinite(lam)) out[pt] = 0.0;
        else if (isinf(lmax)) out[pt] = 1.0;
        else out[pt] = (lmax - lam) / lmax;
    }
    free(sub_death);
    return ES_OK;
}
