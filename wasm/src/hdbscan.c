/* hdbscan.c — see hdbscan.h. The functions follow the library's split: core distances, MST (Prim as
 * mst_linkage_core_vector, or Borůvka on a kd-tree), numpy's argsort, label() (union-find single
 * linkage), condense_tree, compute_stability, get_clusters (EOM / leaf / epsilon), do_labelling,
 * get_probabilities, outlier_scores. */
#include "hdbscan.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hdbscan_kdtree.h"
#include "hdbscan_sqdist.h"

struct hdbscan {
    int n, dim, min_samples;
    hdbscan_algorithm algorithm;
    double *core;                 /* (n) */
    int32_t *slt_left, *slt_right, *slt_size; /* (n-1) */
    double *slt_dist;             /* (n-1) */
    double mst_weight_sum;
    /* results of the last select */
    int n_clusters, n_condensed;
    int32_t *labels;              /* (n) */
    double *prob, *outlier;       /* (n) */
    int32_t *ct_parent, *ct_child, *ct_size; /* (n_condensed) */
    double *ct_lambda;
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

/* ====================================================================== numpy's argsort */

/* Tag::less for doubles: NaN sorts last */
static inline int np_less(double a, double b) { return a < b || (b != b && a == a); }

static void np_aheapsort(const double *v, int32_t *tosort, long n) {
    int32_t *a = tosort - 1; /* 1-based */
    long i, j, l;
    int32_t tmp;
    for (l = n >> 1; l > 0; --l) {
        tmp = a[l];
        for (i = l, j = l << 1; j <= n;) {
            if (j < n && np_less(v[a[j]], v[a[j + 1]])) j += 1;
            if (np_less(v[tmp], v[a[j]])) {
                a[i] = a[j];
                i = j;
                j += j;
            } else break;
        }
        a[i] = tmp;
    }
    for (; n > 1;) {
        tmp = a[n];
        a[n] = a[1];
        n -= 1;
        for (i = 1, j = 2; j <= n;) {
            if (j < n && np_less(v[a[j]], v[a[j + 1]])) j++;
            if (np_less(v[tmp], v[a[j]])) {
                a[i] = a[j];
                i = j;
                j += j;
            } else break;
        }
        a[i] = tmp;
    }
}

#define NP_SMALL_QUICKSORT 15
#define NP_PYA_QS_STACK 128
#define NP_SWAP(a, b) do { int32_t t_ = (a); (a) = (b); (b) = t_; } while (0)

void hdbscan_numpy_argsort(const double *v, int n, int32_t *tosort) {
    for (int i = 0; i < n; i++) tosort[i] = i;
    if (n < 2) return;
    double vp;
    int32_t *pl = tosort, *pr = tosort + n - 1;
    int32_t *stack[NP_PYA_QS_STACK], **sptr = stack;
    int32_t *pm, *pi, *pj, *pk, vi;
    int depth[NP_PYA_QS_STACK], *psdepth = depth;
    int cdepth = 0;
    for (unsigned long u = (unsigned long)n; u >>= 1;) cdepth++;
    cdepth *= 2;
    for (;;) {
        if (cdepth < 0) {
            np_aheapsort(v, pl, (long)(pr - pl + 1));
            goto stack_pop;
        }
        while ((pr - pl) > NP_SMALL_QUICKSORT) {
            pm = pl + ((pr - pl) >> 1);
            if (np_less(v[*pm], v[*pl])) NP_SWAP(*pm, *pl);
            if (np_less(v[*pr], v[*pm])) NP_SWAP(*pr, *pm);
            if (np_less(v[*pm], v[*pl])) NP_SWAP(*pm, *pl);
            vp = v[*pm];
            pi = pl;
            pj = pr - 1;
            NP_SWAP(*pm, *pj);
            for (;;) {
                do ++pi; while (np_less(v[*pi], vp));
                do --pj; while (np_less(vp, v[*pj]));
                if (pi >= pj) break;
                NP_SWAP(*pi, *pj);
            }
            pk = pr - 1;
            NP_SWAP(*pi, *pk);
            /* push the larger partition */
            if (pi - pl < pr - pi) {
                *sptr++ = pi + 1;
                *sptr++ = pr;
                pr = pi - 1;
            } else {
                *sptr++ = pl;
                *sptr++ = pi - 1;
                pl = pi + 1;
            }
            *psdepth++ = --cdepth;
        }
        /* insertion sort */
        for (pi = pl + 1; pi <= pr; ++pi) {
            vi = *pi;
            vp = v[vi];
            pj = pi;
            pk = pi - 1;
            while (pj > pl && np_less(vp, v[*pk])) *pj-- = *pk--;
            *pj = vi;
        }
    stack_pop:
        if (sptr == stack) break;
        pr = *(--sptr);
        pl = *(--sptr);
        cdepth = *(--psdepth);
    }
}

/* ====================================================================== distances over all pairs */

/* Distances for the O(n^2) paths: from the input rows, optionally cached as a condensed matrix. */
typedef struct pair_dist {
    const float *x;
    int n, dim;
    double *cache; /* n(n-1)/2 distances (i < j at i*n - i(i+1)/2 + j - i - 1), or NULL */
} pair_dist;

static inline double row_dist(const float *x, int dim, int a, int b) {
    return sqrt(hdbscan_sqdist_rows(x + (size_t)a * dim, x + (size_t)b * dim, dim));
}

static inline size_t cidx(int n, int i, int j) { /* i < j */
    return (size_t)i * n - (size_t)i * (i + 1) / 2 + (size_t)(j - i - 1);
}

static inline double pd_get(const pair_dist *pd, int a, int b) {
    if (pd->cache) return a < b ? pd->cache[cidx(pd->n, a, b)] : pd->cache[cidx(pd->n, b, a)];
    return row_dist(pd->x, pd->dim, a, b);
}

/* Cache all pair distances when they fit in this many bytes. */
#define HDBSCAN_PAIR_CACHE_BYTES (96u << 20)

static void pd_init(pair_dist *pd, const float *x, int n, int dim, int want_cache) {
    pd->x = x;
    pd->n = n;
    pd->dim = dim;
    pd->cache = NULL;
    double bytes = (double)n * (n - 1) / 2 * sizeof(double);
    if (!want_cache || bytes > HDBSCAN_PAIR_CACHE_BYTES || n < 2) return;
    pd->cache = malloc((size_t)n * (n - 1) / 2 * sizeof(double));
    if (!pd->cache) return; /* recompute instead */
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++) pd->cache[cidx(n, i, j)] = row_dist(x, dim, i, j);
}

/* k-th smallest of v[0..m) (1-based k), partially reordering v. */
static double kth_smallest(double *v, int m, int k) {
    int lo = 0, hi = m - 1, want = k - 1;
    while (lo < hi) {
        double a = v[lo], b = v[lo + (hi - lo) / 2], c = v[hi];
        double pv = (a < b) ? ((b < c) ? b : (a < c ? c : a)) : ((a < c) ? a : (b < c ? c : b));
        int i = lo, j = hi;
        while (i <= j) {
            while (v[i] < pv) i++;
            while (v[j] > pv) j--;
            if (i <= j) {
                double t = v[i];
                v[i] = v[j];
                v[j] = t;
                i++;
                j--;
            }
        }
        if (want <= j) hi = j;
        else if (want >= i) lo = i;
        else return v[want];
    }
    return v[want];
}

/* core[i] = min_samples-th smallest distance from i to the other points. */
static es_status core_brute(const pair_dist *pd, int min_samples, double *core, es_error *err) {
    int n = pd->n;
    double *row = malloc((size_t)(n > 1 ? n - 1 : 1) * sizeof *row);
    if (!row) return es_fail(err, ES_ERR_NOMEM, "out of memory for core distances");
    for (int i = 0; i < n; i++) {
        int m = 0;
        for (int j = 0; j < n; j++)
            if (j != i) row[m++] = pd_get(pd, i, j);
        core[i] = kth_smallest(row, m, min_samples);
    }
    free(row);
    return ES_OK;
}

/* ====================================================================== Prim, as the library */

/* mst_linkage_core_vector with alpha = 1: grows the tree from point 0, picking the first index among
 * equal distances; the comparisons are the library's, in its order, so ties resolve the same way.
 * Writes n-1 edges (source, new node, weight) in the order they are added. */
static es_status mst_prim(const pair_dist *pd, const double *core, int32_t *src_out, int32_t *dst_out,
                          double *w_out, es_error *err) {
    int n = pd->n;
    double *cur_d = malloc((size_t)n * sizeof *cur_d);
    int32_t *cur_src = malloc((size_t)n * sizeof *cur_src);
    int32_t *active = malloc((size_t)n * sizeof *active);
    if (!cur_d || !cur_src || !active) {
        free(cur_d);
        free(cur_src);
        free(active);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the minimum spanning tree");
    }
    for (int j = 0; j < n; j++) {
        cur_d[j] = INFINITY;
        cur_src[j] = 1;
        active[j] = j;
    }
    int n_active = n, current = 0;
    const float *x = pd->x;
    int dim = pd->dim;
    for (int i = 1; i < n; i++) {
        double cc = core[current];
        double new_d = DBL_MAX;
        int source = 0, new_node = 0, w = 0;
        const float *rc = x + (size_t)current * dim;
        for (int a = 0; a < n_active; a++) {
            int j = active[a];
            if (j == current) continue; /* joins the tree now: dropped from the list */
            active[w++] = j;
            double right = cur_d[j];
            int right_src = cur_src[j];
            double cj = core[j];
            double left;
            if (cc > right || cj > right) {
                if (right < new_d) { new_d = right; source = right_src; new_node = j; }
                continue;
            }
            if (pd->cache) left = pd_get(pd, current, j);
            else if (dim == 2) {
                const float *rj = x + (size_t)j * 2;
                double d0 = (double)rc[0] - (double)rj[0], d1 = (double)rc[1] - (double)rj[1];
                double sq = d0 * d0 + d1 * d1;
                /* clearly farther than the current best: sqrt is monotone, skip it */
                if (sq > right * right * (1.0 + 1e-12)) {
                    if (right < new_d) { new_d = right; source = right_src; new_node = j; }
                    continue;
                }
                left = sqrt(sq);
            } else left = row_dist(x, dim, current, j);
            if (left > right) {
                if (right < new_d) { new_d = right; source = right_src; new_node = j; }
                continue;
            }
            if (cj > cc) {
                if (cj > left) left = cj;
            } else if (cc > left) left = cc;
            if (left < right) {
                cur_d[j] = left;
                cur_src[j] = current;
                if (left < new_d) { new_d = left; source = current; new_node = j; }
            } else if (right < new_d) {
                new_d = right;
                source = right_src;
                new_node = j;
            }
        }
        n_active = w;
        src_out[i - 1] = source;
        dst_out[i - 1] = new_node;
        w_out[i - 1] = new_d;
        current = new_node;
    }
    free(cur_d);
    free(cur_src);
    free(active);
    return ES_OK;
}

/* ====================================================================== Borůvka on a kd-tree */

static inline int uf_find(int32_t *parent, int x) {
    while (parent[x] != x) {
        parent[x] = parent[parent[x]];
        x = parent[x];
    }
    return x;
}

/* edge order: weight, then smaller input index, then larger input index */
static inline int edge_less(double w, int lo, int hi, double bw, int blo, int bhi) {
    if (w != bw) return w < bw;
    if (lo != blo) return lo < blo;
    return hi < bhi;
}

typedef struct boruvka_best {
    double w;
    int32_t a, b;   /* tree positions */
    int32_t lo, hi; /* input indices, for the tie order */
} boruvka_best;

/* MST of the mutual reachability graph. core_pos is by tree position; knn (n, k) tree positions or
 * NULL. Edges are written with input indices (smaller first). */
static es_status mst_boruvka(const hdbscan_kdtree *t, const double *core_pos, const int32_t *knn, int k,
                             int32_t *ea, int32_t *eb, double *ew, es_error *err) {
    int n = t->n, dim = t->dim, nn = t->n_nodes;
    int32_t *uf = malloc((size_t)n * sizeof *uf);
    int32_t *comp = malloc((size_t)n * sizeof *comp);
    int32_t *node_comp = malloc((size_t)nn * sizeof *node_comp);
    double *node_core = malloc((size_t)nn * sizeof *node_core);
    boruvka_best *best = malloc((size_t)n * sizeof *best);
    int32_t *roots = malloc((size_t)n * sizeof *roots);
    /* lower bound of each point's lightest edge to another component: components only grow, so what
     * a query proved stays true in later rounds and lets most points skip their query */
    double *lb = calloc((size_t)n, sizeof *lb);
    if (!uf || !comp || !node_comp || !node_core || !best || !roots || !lb) {
        free(uf); free(comp); free(node_comp); free(node_core); free(best); free(roots); free(lb);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the minimum spanning tree");
    }
    for (int i = 0; i < n; i++) uf[i] = i;
    /* smallest core distance under each node: a bound no edge from inside can beat */
    for (int node = nn - 1; node >= 0; node--) {
        if (t->left[node] < 0) {
            double m = INFINITY;
            for (int p = t->start[node]; p < t->end[node]; p++)
                if (core_pos[p] < m) m = core_pos[p];
            node_core[node] = m;
        } else {
            double a = node_core[t->left[node]], b = node_core[t->right[node]];
            node_core[node] = a < b ? a : b;
        }
    }
    int n_edges = 0, n_comp = n;
    int32_t stack_node[160];
    double stack_d[160];
    while (n_comp > 1) {
        for (int i = 0; i < n; i++) comp[i] = uf_find(uf, i);
        for (int node = nn - 1; node >= 0; node--) {
            if (t->left[node] < 0) {
                int c = comp[t->start[node]];
                for (int p = t->start[node] + 1; p < t->end[node]; p++)
                    if (comp[p] != c) { c = -1; break; }
                node_comp[node] = c;
            } else {
                int a = node_comp[t->left[node]], b = node_comp[t->right[node]];
                node_comp[node] = (a == b) ? a : -1;
            }
        }
        int n_roots = 0;
        for (int i = 0; i < n; i++)
            if (comp[i] == i) {
                roots[n_roots++] = i;
                best[i].w = INFINITY;
                best[i].a = best[i].b = -1;
                best[i].lo = best[i].hi = 0x7fffffff;
            }
        /* cheap first bounds from each point's nearest neighbours */
        if (knn) {
            for (int p = 0; p < n; p++) {
                int c = comp[p];
                boruvka_best *B = &best[c];
                for (int q = 0; q < k; q++) {
                    int b = knn[(size_t)p * k + q];
                    if (comp[b] == c) continue;
                    double w = core_pos[p] > core_pos[b] ? core_pos[p] : core_pos[b];
                    double d = sqrt(hdbscan_kdtree_sqdist(t, p, b));
                    if (d > w) w = d;
                    int ia = t->index[p], ib = t->index[b];
                    int lo = ia < ib ? ia : ib, hi = ia < ib ? ib : ia;
                    if (edge_less(w, lo, hi, B->w, B->lo, B->hi)) {
                        B->w = w; B->a = p; B->b = b; B->lo = lo; B->hi = hi;
                    }
                }
            }
        }
        /* nearest other component of every point, pruned by its component's best so far */
        for (int p = 0; p < n; p++) {
            int c = comp[p];
            boruvka_best *B = &best[c];
            double cp = core_pos[p];
            if (cp > B->w || lb[p] > B->w) continue;
            const float *q = t->pts + (size_t)p * dim;
            int ia = t->index[p];
            int sp = 0;
            stack_node[sp] = 0;
            stack_d[sp++] = 0.0;
            while (sp > 0) {
                sp--;
                int node = stack_node[sp];
                if (stack_d[sp] > B->w || node_core[node] > B->w || node_comp[node] == c) continue;
                if (t->left[node] < 0) {
                    for (int b = t->start[node]; b < t->end[node]; b++) {
                        if (comp[b] == c) continue;
                        double w = cp > core_pos[b] ? cp : core_pos[b];
                        if (w > B->w) continue;
                        double d = sqrt(hdbscan_kdtree_sqdist(t, p, b));
                        if (d > w) w = d;
                        if (w > B->w) continue;
                        int ib = t->index[b];
                        int lo = ia < ib ? ia : ib, hi = ia < ib ? ib : ia;
                        if (edge_less(w, lo, hi, B->w, B->lo, B->hi)) {
                            B->w = w; B->a = p; B->b = b; B->lo = lo; B->hi = hi;
                        }
                    }
                    continue;
                }
                int l = t->left[node], r = t->right[node];
                double dl = sqrt(hdbscan_kdtree_box_sqdist(t, l, q));
                double dr = sqrt(hdbscan_kdtree_box_sqdist(t, r, q));
                int near = l, far = r;
                double dn = dl, df = dr;
                if (dr < dl) { near = r; far = l; dn = dr; df = dl; }
                if (df <= B->w) { stack_node[sp] = far; stack_d[sp++] = df; }
                if (dn <= B->w) { stack_node[sp] = near; stack_d[sp++] = dn; }
            }
            /* everything left unexplored weighs more than the final bound; what was seen, at least it */
            if (B->w > lb[p]) lb[p] = B->w;
        }
        /* add every component's best edge (two components may pick the same one) */
        int added = 0;
        for (int r = 0; r < n_roots; r++) {
            boruvka_best *B = &best[roots[r]];
            if (B->a < 0) continue;
            int ra = uf_find(uf, B->a), rb = uf_find(uf, B->b);
            if (ra == rb) continue;
            uf[ra] = rb;
            ea[n_edges] = B->lo;
            eb[n_edges] = B->hi;
            ew[n_edges] = B->w;
            n_edges++;
            n_comp--;
            added++;
        }
        if (added == 0) {
            free(uf); free(comp); free(node_comp); free(node_core); free(best); free(roots); free(lb);
            return es_fail(err, ES_ERR_INTERNAL, "Borůvka made no progress with %d components left", n_comp);
        }
    }
    free(uf); free(comp); free(node_comp); free(node_core); free(best); free(roots); free(lb);
    return ES_OK;
}

typedef struct edge_rec {
    double w;
    int32_t a, b;
} edge_rec;

static int edge_rec_cmp(const void *pa, const void *pb) {
    const edge_rec *x = pa, *y = pb;
    if (x->w != y->w) return x->w < y->w ? -1 : 1;
    if (x->a != y->a) return x->a < y->a ? -1 : 1;
    return (x->b > y->b) - (x->b < y->b);
}

/* ====================================================================== Prim on a candidate graph */

/* The library's Prim picks, at every step, among the minimum edges leaving the tree the one whose
 * outside end has the smallest index (and, for that end, the tree point that reached the minimum
 * first). Every minimum edge leaving a tree lies in some minimum spanning tree, so Prim run with the
 * same rules on any graph that contains all such edges makes the same choices. Mutual reachability
 * ties are ties of core distances, and an edge weighing max(core_a, core_b) has one end inside the
 * other's core ball: the candidate graph = every pair inside a core ball + one MST (Borůvka's)
 * contains them, unless two different point pairs lie at exactly the same distance larger than both
 * their core distances (then Prim still returns a minimum spanning tree, tie order aside). */

typedef struct pair_buf {
    int32_t *u, *v;
    size_t n, cap, limit;
} pair_buf;

static int pair_push(pair_buf *b, int32_t u, int32_t v) {
    if (b->n == b->cap) {
        if (b->cap >= b->limit) return 0;
        size_t nc = b->cap ? b->cap * 2 : 4096;
        if (nc > b->limit) nc = b->limit;
        int32_t *nu = realloc(b->u, nc * sizeof *nu);
        if (!nu) return 0;
        b->u = nu;
        int32_t *nv = realloc(b->v, nc * sizeof *nv);
        if (!nv) return 0;
        b->v = nv;
        b->cap = nc;
    }
    b->u[b->n] = u;
    b->v[b->n] = v;
    b->n++;
    return 1;
}

/* Appends (p, b) for every b != p with |p - b| <= core(p), as input indices. 0 = over the limit. */
static int core_ball_pairs(const hdbscan_kdtree *t, const double *core_pos, pair_buf *out) {
    int n = t->n, dim = t->dim;
    int32_t stack[160];
    for (int p = 0; p < n; p++) {
        const float *q = t->pts + (size_t)p * dim;
        double r = core_pos[p], r2 = r * r * (1.0 + 1e-12);
        int ip = t->index[p], sp = 0;
        stack[sp++] = 0;
        while (sp > 0) {
            int node = stack[--sp];
            if (t->left[node] < 0) {
                for (int b = t->start[node]; b < t->end[node]; b++) {
                    if (b == p) continue;
                    double sq = hdbscan_kdtree_sqdist(t, p, b);
                    if (sq > r2 || sqrt(sq) > r) continue;
                    if (!pair_push(out, ip, t->index[b])) return 0;
                }
                continue;
            }
            int l = t->left[node], rr = t->right[node];
            if (sqrt(hdbscan_kdtree_box_sqdist(t, rr, q)) <= r) stack[sp++] = rr;
            if (sqrt(hdbscan_kdtree_box_sqdist(t, l, q)) <= r) stack[sp++] = l;
        }
    }
    return 1;
}

/* binary heap of points keyed by (dist[j], j) */
typedef struct prim_heap {
    int32_t *h, *pos; /* pos[j] = slot of j or -1 */
    int size;
    const double *key;
} prim_heap;

static inline int ph_less(const prim_heap *H, int a, int b) {
    return H->key[a] < H->key[b] || (H->key[a] == H->key[b] && a < b);
}

static void ph_up(prim_heap *H, int i) {
    int x = H->h[i];
    while (i > 0) {
        int par = (i - 1) / 2;
        if (!ph_less(H, x, H->h[par])) break;
        H->h[i] = H->h[par];
        H->pos[H->h[i]] = i;
        i = par;
    }
    H->h[i] = x;
    H->pos[x] = i;
}

static void ph_down(prim_heap *H, int i) {
    int x = H->h[i];
    for (;;) {
        int l = 2 * i + 1, r = l + 1, m = i;
        int best = x;
        if (l < H->size && ph_less(H, H->h[l], best)) { m = l; best = H->h[l]; }
        if (r < H->size && ph_less(H, H->h[r], best)) { m = r; best = H->h[r]; }
        if (m == i) break;
        H->h[i] = H->h[m];
        H->pos[H->h[i]] = i;
        i = m;
    }
    H->h[i] = x;
    H->pos[x] = i;
}

/* Prim from point 0 over the candidate graph (CSR: adj[off[u] .. off[u+1])), the library's rules. */
static es_status mst_prim_graph(const float *x, int n, int dim, const double *core, const int64_t *off,
                                const int32_t *adj, int32_t *src_out, int32_t *dst_out, double *w_out,
                                es_error *err) {
    double *dist = malloc((size_t)n * sizeof *dist);
    int32_t *src = malloc((size_t)n * sizeof *src);
    uint8_t *in_tree = calloc((size_t)n, 1);
    prim_heap H;
    H.h = malloc((size_t)n * sizeof *H.h);
    H.pos = malloc((size_t)n * sizeof *H.pos);
    H.size = 0;
    H.key = dist;
    if (!dist || !src || !in_tree || !H.h || !H.pos) {
        free(dist); free(src); free(in_tree); free(H.h); free(H.pos);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the minimum spanning tree");
    }
    for (int j = 0; j < n; j++) {
        dist[j] = INFINITY;
        src[j] = 1;
        H.pos[j] = -1;
    }
    es_status st = ES_OK;
    int current = 0;
    for (int i = 1; i < n; i++) {
        in_tree[current] = 1;
        double cc = core[current];
        for (int64_t e = off[current]; e < off[current + 1]; e++) {
            int j = adj[e];
            if (in_tree[j]) continue;
            double cj = core[j], left = row_dist(x, dim, current, j);
            if (cj > cc) {
                if (cj > left) left = cj;
            } else if (cc > left) left = cc;
            if (left < dist[j]) {
                dist[j] = left;
                src[j] = current;
                if (H.pos[j] < 0) {
                    H.h[H.size] = j;
                    H.pos[j] = H.size;
                    H.size++;
                }
                ph_up(&H, H.pos[j]);
            }
        }
        if (H.size == 0) {
            st = es_fail(err, ES_ERR_INTERNAL, "candidate graph is not connected (%d of %d points reached)", i, n);
            break;
        }
        int j = H.h[0];
        H.size--;
        H.pos[j] = -1;
        if (H.size > 0) {
            H.h[0] = H.h[H.size];
            H.pos[H.h[0]] = 0;
            ph_down(&H, 0);
        }
        src_out[i - 1] = src[j];
        dst_out[i - 1] = j;
        w_out[i - 1] = dist[j];
        current = j;
    }
    free(dist); free(src); free(in_tree); free(H.h); free(H.pos);
    return st;
}

/* Candidate graph from the core balls and the MST edges (ea, eb: n-1 input-index pairs); then Prim.
 * *fallback_out = 1 (and nothing written) when the core balls hold too many pairs (masses of exact
 * duplicates): the caller keeps Borůvka's tree. */
static es_status mst_prims_kdtree(const hdbscan_kdtree *t, const float *x, const double *core,
                                  const double *core_pos, int k_ball, const int32_t *ea, const int32_t *eb,
                                  int32_t *src_out, int32_t *dst_out, double *w_out, int *fallback_out,
                                  es_error *err) {
    int n = t->n, dim = t->dim;
    *fallback_out = 0;
    pair_buf pb;
    memset(&pb, 0, sizeof pb);
    pb.limit = (size_t)3 * (size_t)k_ball * n + (1u << 20); /* k_ball others per ball, plus ties */
    if (!core_ball_pairs(t, core_pos, &pb)) {
        free(pb.u);
        free(pb.v);
        *fallback_out = 1;
        return ES_OK;
    }
    int64_t *off = calloc((size_t)n + 1, sizeof *off);
    int32_t *adj = malloc((2 * pb.n + 2 * (size_t)(n - 1)) * sizeof *adj);
    if (!off || !adj) {
        free(off); free(adj); free(pb.u); free(pb.v);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the candidate graph");
    }
    for (size_t e = 0; e < pb.n; e++) { off[pb.u[e] + 1]++; off[pb.v[e] + 1]++; }
    for (int e = 0; e < n - 1; e++) { off[ea[e] + 1]++; off[eb[e] + 1]++; }
    for (int u = 0; u < n; u++) off[u + 1] += off[u];
    int64_t *fill = malloc((size_t)n * sizeof *fill);
    if (!fill) {
        free(off); free(adj); free(pb.u); free(pb.v);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the candidate graph");
    }
    memcpy(fill, off, (size_t)n * sizeof *fill);
    for (size_t e = 0; e < pb.n; e++) { adj[fill[pb.u[e]]++] = pb.v[e]; adj[fill[pb.v[e]]++] = pb.u[e]; }
    for (int e = 0; e < n - 1; e++) { adj[fill[ea[e]]++] = eb[e]; adj[fill[eb[e]]++] = ea[e]; }
    free(fill);
    free(pb.u);
    free(pb.v);
    es_status st = mst_prim_graph(x, n, dim, core, off, adj, src_out, dst_out, w_out, err);
    free(off);
    free(adj);
    return st;
}

/* ====================================================================== single linkage (label) */

/* Union-find over sorted edges, as the library's label(): row i merges the current clusters of the
 * edge's two ends (the first end's cluster on the left) into node n + i. */
static es_status single_linkage(hdbscan *h, const int32_t *ea, const int32_t *eb, const double *ew, es_error *err) {
    int n = h->n;
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
        h->slt_left[i] = a;
        h->slt_right[i] = b;
        h->slt_dist[i] = ew[i];
        h->slt_size[i] = size[a] + size[b];
        parent[a] = parent[b] = next;
        size[next] = size[a] + size[b];
        next++;
        sum += ew[i];
    }
    h->mst_weight_sum = sum;
    free(parent);
    free(size);
    return ES_OK;
}

/* ====================================================================== create */

static void free_results(hdbscan *h) {
    free(h->labels); free(h->prob); free(h->outlier);
    free(h->ct_parent); free(h->ct_child); free(h->ct_size); free(h->ct_lambda);
    free(h->cluster_nodes); free(h->cluster_stab);
    h->labels = NULL; h->prob = h->outlier = NULL;
    h->ct_parent = h->ct_child = h->ct_size = NULL; h->ct_lambda = NULL;
    h->cluster_nodes = NULL; h->cluster_stab = NULL;
    h->n_clusters = h->n_condensed = 0;
}

void hdbscan_free(hdbscan *h) {
    if (!h) return;
    free_results(h);
    free(h->core);
    free(h->slt_left); free(h->slt_right); free(h->slt_size); free(h->slt_dist);
    free(h);
}

/* The spanning tree's m edges (src, dst, w) in the order the library sorts them — numpy's unstable
 * argsort of the weights, which decides how tied merges come out — written to ea/eb/ew.
 * order is scratch for m indices. */
static void sort_edges_as_numpy(int m, const int32_t *src, const int32_t *dst, const double *w,
                                int32_t *order, int32_t *ea, int32_t *eb, double *ew) {
    hdbscan_numpy_argsort(w, m, order);
    for (int i = 0; i < m; i++) {
        ea[i] = src[order[i]];
        eb[i] = dst[order[i]];
        ew[i] = w[order[i]];
    }
}

es_status hdbscan_create(const float *x, int n, int dim, const hdbscan_tree_params *params, hdbscan **out,
                         es_error *err) {
    if (!out) return es_fail(err, ES_ERR_ARG, "hdbscan_create: out is NULL");
    *out = NULL;
    hdbscan_tree_params p = params ? *params : hdbscan_tree_default_params();
    if (n < 1) return es_fail(err, ES_ERR_ARG, "HDBSCAN needs at least one point, got %d", n);
    if (dim < 1) return es_fail(err, ES_ERR_ARG, "HDBSCAN needs points of dimension >= 1, got %d", dim);
    if (!x) return es_fail(err, ES_ERR_ARG, "hdbscan_create: x is NULL");
    if ((double)n * dim > 2147483647.0) return es_fail(err, ES_ERR_ARG, "input too large: %d x %d values", n, dim);
    if (n > 1073741823) return es_fail(err, ES_ERR_ARG, "too many points: %d", n);
    if (p.min_samples < 1) return es_fail(err, ES_ERR_ARG, "min_samples must be >= 1, got %d", p.min_samples);
    if (p.algorithm < HDBSCAN_ALGORITHM_AUTO || p.algorithm > HDBSCAN_ALGORITHM_PRIMS_KDTREE)
        return es_fail(err, ES_ERR_ARG, "unknown HDBSCAN algorithm %d", (int)p.algorithm);
    if (p.leaf_size < 2) p.leaf_size = 2;
    for (size_t i = 0; i < (size_t)n * dim; i++)
        if (!isfinite(x[i]))
            return es_fail(err, ES_ERR_NUMERIC, "HDBSCAN input has a %s value at row %d, column %d",
                           isnan(x[i]) ? "NaN" : "infinite", (int)(i / dim), (int)(i % dim));

    hdbscan *h = calloc(1, sizeof *h);
    if (!h) return es_fail(err, ES_ERR_NOMEM, "out of memory");
    h->n = n;
    h->dim = dim;
    /* the library: min_samples = min(n - 1, min_samples), and at least 1 */
    h->min_samples = p.min_samples < n - 1 ? p.min_samples : n - 1;
    if (h->min_samples < 1) h->min_samples = 1;
    h->core = calloc((size_t)n, sizeof *h->core);
    int m = n > 1 ? n - 1 : 1;
    h->slt_left = malloc((size_t)m * sizeof(int32_t));
    h->slt_right = malloc((size_t)m * sizeof(int32_t));
    h->slt_size = malloc((size_t)m * sizeof(int32_t));
    h->slt_dist = malloc((size_t)m * sizeof(double));
    if (!h->core || !h->slt_left || !h->slt_right || !h->slt_size || !h->slt_dist) {
        hdbscan_free(h);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for %d points", n);
    }
    hdbscan_algorithm algo = p.algorithm;
    if (algo == HDBSCAN_ALGORITHM_AUTO)
        algo = dim > HDBSCAN_KDTREE_MAX_DIM ? HDBSCAN_ALGORITHM_PRIMS : HDBSCAN_ALGORITHM_PRIMS_KDTREE;
    h->algorithm = algo;
    if (n == 1) { /* one point: no edges, one noise point */
        *out = h;
        return ES_OK;
    }

    es_status st = ES_OK;
    int32_t *ea = malloc((size_t)(n - 1) * sizeof *ea);
    int32_t *eb = malloc((size_t)(n - 1) * sizeof *eb);
    double *ew = malloc((size_t)(n - 1) * sizeof *ew);
    hdbscan_kdtree tree;
    memset(&tree, 0, sizeof tree);
    pair_dist pd;
    memset(&pd, 0, sizeof pd);
    double *kth = NULL, *core_pos = NULL;
    int32_t *knn = NULL, *order = NULL;
    if (!ea || !eb || !ew) { st = es_fail(err, ES_ERR_NOMEM, "out of memory for the spanning tree"); goto done; }

    int use_tree = dim <= HDBSCAN_KDTREE_MAX_DIM || algo != HDBSCAN_ALGORITHM_PRIMS;
    int k = h->min_samples + 1; /* neighbours counting the point itself */
    if (use_tree) {
        st = hdbscan_kdtree_build(x, n, dim, p.leaf_size, &tree, err);
        if (st != ES_OK) goto done;
        kth = malloc((size_t)n * sizeof *kth);
        if (!kth) { st = es_fail(err, ES_ERR_NOMEM, "out of memory for core distances"); goto done; }
        int keep_knn = algo != HDBSCAN_ALGORITHM_PRIMS && (double)n * k * 4 <= 64.0 * 1048576;
        if (keep_knn) knn = malloc((size_t)n * k * sizeof *knn);
        st = hdbscan_kdtree_knn_all(&tree, k, kth, knn, err);
        if (st != ES_OK) goto done;
        for (int q = 0; q < n; q++) h->core[tree.index[q]] = sqrt(kth[q]);
    } else {
        pd_init(&pd, x, n, dim, 1);
        st = core_brute(&pd, h->min_samples, h->core, err);
        if (st != ES_OK) goto done;
    }

    if (algo == HDBSCAN_ALGORITHM_PRIMS) {
        if (!pd.x) pd_init(&pd, x, n, dim, 0);
        int32_t *src = malloc((size_t)(n - 1) * sizeof *src), *dst = malloc((size_t)(n - 1) * sizeof *dst);
        double *w = malloc((size_t)(n - 1) * sizeof *w);
        order = malloc((size_t)(n - 1) * sizeof *order);
        if (!src || !dst || !w || !order) {
            free(src); free(dst); free(w);
            st = es_fail(err, ES_ERR_NOMEM, "out of memory for the spanning tree");
            goto done;
        }
        st = mst_prim(&pd, h->core, src, dst, w, err);
        if (st == ES_OK) {
            sort_edges_as_numpy(n - 1, src, dst, w, order, ea, eb, ew);
        }
        free(src); free(dst); free(w);
        if (st != ES_OK) goto done;
    } else {
        core_pos = malloc((size_t)n * sizeof *core_pos);
        if (!core_pos) { st = es_fail(err, ES_ERR_NOMEM, "out of memory for core distances"); goto done; }
        for (int q = 0; q < n; q++) core_pos[q] = h->core[tree.index[q]];
        st = mst_boruvka(&tree, core_pos, knn, k, ea, eb, ew, err);
        if (st != ES_OK) goto done;
        free(knn);
        knn = NULL;
        int fallback = 1;
        if (algo == HDBSCAN_ALGORITHM_PRIMS_KDTREE) {
            int32_t *src = malloc((size_t)(n - 1) * sizeof *src), *dst = malloc((size_t)(n - 1) * sizeof *dst);
            double *w = malloc((size_t)(n - 1) * sizeof *w);
            order = malloc((size_t)(n - 1) * sizeof *order);
            if (!src || !dst || !w || !order) {
                free(src); free(dst); free(w);
                st = es_fail(err, ES_ERR_NOMEM, "out of memory for the spanning tree");
                goto done;
            }
            st = mst_prims_kdtree(&tree, x, h->core, core_pos, h->min_samples, ea, eb, src, dst, w, &fallback, err);
            if (st == ES_OK && !fallback) {
                sort_edges_as_numpy(n - 1, src, dst, w, order, ea, eb, ew);
            }
            free(src); free(dst); free(w);
            if (st != ES_OK) goto done;
            if (fallback) h->algorithm = HDBSCAN_ALGORITHM_BORUVKA_KDTREE;
        }
        if (fallback) {
            edge_rec *recs = malloc((size_t)(n - 1) * sizeof *recs);
            if (!recs) { st = es_fail(err, ES_ERR_NOMEM, "out of memory sorting the spanning tree"); goto done; }
            for (int i = 0; i < n - 1; i++) { recs[i].w = ew[i]; recs[i].a = ea[i]; recs[i].b = eb[i]; }
            qsort(recs, (size_t)(n - 1), sizeof *recs, edge_rec_cmp);
            for (int i = 0; i < n - 1; i++) { ew[i] = recs[i].w; ea[i] = recs[i].a; eb[i] = recs[i].b; }
            free(recs);
        }
    }
    st = single_linkage(h, ea, eb, ew, err);

done:
    free(ea); free(eb); free(ew); free(kth); free(core_pos); free(knn); free(order);
    free(pd.cache);
    hdbscan_kdtree_free(&tree);
    if (st != ES_OK) {
        hdbscan_free(h);
        return st;
    }
    *out = h;
    return ES_OK;
}

/* ====================================================================== condense, select, label */

typedef struct select_ws {
    int n_nodes;           /* cluster nodes: ids n .. n + n_nodes - 1 (index c = id - n) */
    int32_t *parent;       /* (n_nodes) parent cluster index, -1 for the root */
    int32_t *ch0, *ch1;    /* (n_nodes) child cluster indices or -1 */
    double *birth;         /* (n_nodes) lambda of the row where the cluster is the child (0 for root) */
    int32_t *size;         /* (n_nodes) child_size of that row */
    double *stab;          /* (n_nodes) */
    double *death;         /* (n_nodes) max lambda of the rows under the cluster (max_lambdas) */
    uint8_t *selected, *flag;
    int32_t *top;          /* (n_nodes) */
} select_ws;

static void ws_free(select_ws *w) {
    free(w->parent); free(w->ch0); free(w->ch1); free(w->birth); free(w->size);
    free(w->stab); free(w->death); free(w->selected); free(w->flag); free(w->top);
}

/* condense_tree: a breadth-first walk of the single-linkage tree from the root; a split with both
 * sides >= min_cluster_size makes two new clusters, a smaller side falls out of its parent point by
 * point (its points listed breadth-first, as the library does). */
static es_status condense(hdbscan *h, int mcs, es_error *err) {
    int n = h->n, total = 2 * n - 1, root = 2 * n - 2;
    int cap = 3 * n;
    h->ct_parent = malloc((size_t)cap * sizeof(int32_t));
    h->ct_child = malloc((size_t)cap * sizeof(int32_t));
    h->ct_size = malloc((size_t)cap * sizeof(int32_t));
    h->ct_lambda = malloc((size_t)cap * sizeof(double));
    int32_t *relabel = malloc((size_t)total * sizeof *relabel);
    int32_t *queue = malloc((size_t)total * sizeof *queue);
    int32_t *sub = malloc((size_t)total * sizeof *sub);
    if (!h->ct_parent || !h->ct_child || !h->ct_size || !h->ct_lambda || !relabel || !queue || !sub) {
        free(relabel); free(queue); free(sub);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the condensed tree");
    }
    int rows = 0, qh = 0, qt = 0, next_label = n + 1;
    relabel[root] = n;
    queue[qt++] = root;
#define EMIT(par, chi, lam, sz) do { h->ct_parent[rows] = (par); h->ct_child[rows] = (chi); \
        h->ct_lambda[rows] = (lam); h->ct_size[rows] = (sz); rows++; } while (0)
    while (qh < qt) {
        int node = queue[qh++];
        int i = node - n;
        int left = h->slt_left[i], right = h->slt_right[i];
        double d = h->slt_dist[i];
        double lambda = d > 0.0 ? 1.0 / d : INFINITY;
        int lc = left >= n ? h->slt_size[left - n] : 1;
        int rc = right >= n ? h->slt_size[right - n] : 1;
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
                    sub[st++] = h->slt_left[s - n];
                    sub[st++] = h->slt_right[s - n];
                }
            }
        }
    }
#undef EMIT
    h->n_condensed = rows;
    free(relabel); free(queue); free(sub);
    return ES_OK;
}

/* traverse_upwards: from a cluster whose birth is below epsilon, climb to the first ancestor born
 * above epsilon (or stop under the root). */
static int traverse_upwards(const select_ws *w, int leaf, double eps, int allow_single) {
    for (;;) {
        int parent = w->parent[leaf];
        if (parent == 0) return allow_single ? 0 : leaf;
        double parent_eps = 1.0 / w->birth[parent];
        if (parent_eps > eps) return parent;
        leaf = parent;
    }
}

static void mark_subtree(const select_ws *w, int c, uint8_t *flag, int32_t *stack) {
    int sp = 0;
    if (w->ch0[c] >= 0) stack[sp++] = w->ch0[c];
    if (w->ch1[c] >= 0) stack[sp++] = w->ch1[c];
    while (sp > 0) {
        int s = stack[--sp];
        if (flag[s]) continue; /* its whole subtree is already marked */
        flag[s] = 1;
        if (w->ch0[s] >= 0) stack[sp++] = w->ch0[s];
        if (w->ch1[s] >= 0) stack[sp++] = w->ch1[s];
    }
}

/* epsilon_search: `cand` flags the clusters to start from; the result replaces w->selected. */
static void epsilon_search(select_ws *w, const uint8_t *cand, double eps, int allow_single, int32_t *stack) {
    uint8_t *processed = w->flag;
    memset(processed, 0, (size_t)w->n_nodes);
    uint8_t *out = w->selected;
    /* cand may alias nothing of ours; collect first, then write */
    int m = w->n_nodes;
    if (m <= 0) return;
    int32_t *list = w->top; /* scratch */
    int cnt = 0;
    for (int c = 0; c < m; c++)
        if (cand[c]) list[cnt++] = c;
    memset(out, 0, (size_t)m);
    for (int i = 0; i < cnt; i++) {
        int leaf = list[i];
        double leaf_eps = 1.0 / w->birth[leaf];
        if (leaf_eps < eps) {
            if (!processed[leaf]) {
                int x = traverse_upwards(w, leaf, eps, allow_single);
                out[x] = 1;
                mark_subtree(w, x, processed, stack);
            }
        } else out[leaf] = 1;
    }
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
    h->prob = calloc((size_t)n, sizeof *h->prob);
    h->outlier = calloc((size_t)n, sizeof *h->outlier);
    if (!h->labels || !h->prob || !h->outlier) { free_results(h); return es_fail(err, ES_ERR_NOMEM, "out of memory"); }
    for (int i = 0; i < n; i++) h->labels[i] = -1;
    if (n == 1) {
        h->cluster_nodes = malloc(sizeof(int32_t));
        h->cluster_stab = malloc(sizeof(double));
        h->ct_parent = malloc(sizeof(int32_t)); h->ct_child = malloc(sizeof(int32_t));
        h->ct_size = malloc(sizeof(int32_t)); h->ct_lambda = malloc(sizeof(double));
        if (!h->cluster_nodes || !h->cluster_stab || !h->ct_parent || !h->ct_child || !h->ct_size || !h->ct_lambda) {
            free_results(h);
            return es_fail(err, ES_ERR_NOMEM, "out of memory");
        }
        return ES_OK;
    }
    es_status st = condense(h, p.min_cluster_size, err);
    if (st != ES_OK) { free_results(h); return st; }

    int rows = h->n_condensed;
    const int32_t *par = h->ct_parent, *chi = h->ct_child, *csz = h->ct_size;
    const double *lam = h->ct_lambda;
    int m = 1;
    for (int r = 0; r < rows; r++)
        if (chi[r] >= n && chi[r] - n + 1 > m) m = chi[r] - n + 1;
    select_ws w;
    memset(&w, 0, sizeof w);
    w.n_nodes = m;
    w.parent = malloc((size_t)m * sizeof(int32_t));
    w.ch0 = malloc((size_t)m * sizeof(int32_t));
    w.ch1 = malloc((size_t)m * sizeof(int32_t));
    w.birth = malloc((size_t)m * sizeof(double));
    w.size = malloc((size_t)m * sizeof(int32_t));
    w.stab = calloc((size_t)m, sizeof(double));
    w.death = calloc((size_t)m, sizeof(double));
    w.selected = calloc((size_t)m, 1);
    w.flag = calloc((size_t)m, 1);
    w.top = malloc((size_t)m * sizeof(int32_t));
    int32_t *stack = malloc((size_t)m * sizeof(int32_t));
    uint8_t *cand = calloc((size_t)m, 1);
    if (!w.parent || !w.ch0 || !w.ch1 || !w.birth || !w.size || !w.stab || !w.death || !w.selected ||
        !w.flag || !w.top || !stack || !cand) {
        ws_free(&w); free(stack); free(cand); free_results(h);
        return es_fail(err, ES_ERR_NOMEM, "out of memory selecting clusters");
    }
    for (int c = 0; c < m; c++) { w.parent[c] = -1; w.ch0[c] = w.ch1[c] = -1; w.birth[c] = 0.0; w.size[c] = 0; }
    for (int r = 0; r < rows; r++) {
        int pc = par[r] - n;
        if (lam[r] > w.death[pc]) w.death[pc] = lam[r];
        if (chi[r] >= n) {
            int c = chi[r] - n;
            w.parent[c] = pc;
            w.birth[c] = lam[r];
            w.size[c] = csz[r];
            if (w.ch0[pc] < 0) w.ch0[pc] = c; else w.ch1[pc] = c;
        }
    }
    /* compute_stability: rows in order, (lambda - birth of the parent) * child_size */
    for (int r = 0; r < rows; r++) {
        int pc = par[r] - n;
        w.stab[pc] += (lam[r] - w.birth[pc]) * (double)csz[r];
    }
    /* root's size for max_cluster_size: its cluster children's sizes */
    if (w.ch0[0] >= 0) w.size[0] = w.size[w.ch0[0]] + (w.ch1[0] >= 0 ? w.size[w.ch1[0]] : 0);
    int has_tree = m > 1; /* the cluster tree (rows with child_size > 1) is not empty */
    int allow = p.allow_single_cluster != 0;
    double eps = p.cluster_selection_epsilon;
    double *stab_orig = malloc((size_t)m * sizeof(double));
    if (!stab_orig) {
        ws_free(&w); free(stack); free(cand); free_results(h);
        return es_fail(err, ES_ERR_NOMEM, "out of memory selecting clusters");
    }
    memcpy(stab_orig, w.stab, (size_t)m * sizeof(double));

    if (p.method == HDBSCAN_METHOD_EOM) {
        /* bottom-up (children have larger ids): keep a node unless its children's summed stability
         * is larger — summed as the library does, in a C float */
        uint8_t *keep = w.flag;
        memset(keep, 0, (size_t)m);
        int last = allow ? 0 : 1;
        for (int c = m - 1; c >= last; c--) {
            double s = 0.0;
            if (w.ch0[c] >= 0) s += w.stab[w.ch0[c]];
            if (w.ch1[c] >= 0) s += w.stab[w.ch1[c]];
            float subtree = (float)s;
            int too_big = p.max_cluster_size > 0 && w.size[c] > p.max_cluster_size;
            if ((double)subtree > w.stab[c] || too_big) {
                keep[c] = 0;
                w.stab[c] = (double)subtree;
            } else keep[c] = 1;
        }
        /* a kept node wins over every kept node below it */
        for (int c = 0; c < m; c++) {
            int blocked = c > 0 && (w.top[w.parent[c]] != 0); /* top used as "an ancestor is kept" */
            w.selected[c] = (uint8_t)((c >= last) && keep[c] && !blocked);
            w.top[c] = blocked || w.selected[c];
        }
        if (eps != 0.0 && has_tree) {
            int cnt = 0, only = -1;
            for (int c = 0; c < m; c++)
                if (w.selected[c]) { cnt++; only = c; }
            if (cnt == 1 && only == 0) {
                if (!allow) w.selected[0] = 0;
            } else {
                memcpy(cand, w.selected, (size_t)m);
                epsilon_search(&w, cand, eps, allow, stack);
            }
        }
    } else {
        memset(cand, 0, (size_t)m);
        int n_leaves = 0;
        for (int c = 1; c < m; c++)
            if (w.ch0[c] < 0) { cand[c] = 1; n_leaves++; }
        if (n_leaves == 0) memset(w.selected, 0, (size_t)m);
        else if (eps != 0.0) epsilon_search(&w, cand, eps, allow, stack);
        else memcpy(w.selected, cand, (size_t)m);
    }

    /* cluster numbering: selected node ids in increasing order */
    int k = 0;
    for (int c = 0; c < m; c++)
        if (w.selected[c]) k++;
    h->n_clusters = k;
    h->cluster_nodes = malloc((size_t)(k > 0 ? k : 1) * sizeof(int32_t));
    h->cluster_stab = malloc((size_t)(k > 0 ? k : 1) * sizeof(double));
    int32_t *label_of = malloc((size_t)m * sizeof(int32_t));
    if (!h->cluster_nodes || !h->cluster_stab || !label_of) {
        free(label_of); free(stab_orig); ws_free(&w); free(stack); free(cand); free_results(h);
        return es_fail(err, ES_ERR_NOMEM, "out of memory labelling clusters");
    }
    k = 0;
    for (int c = 0; c < m; c++) {
        label_of[c] = -1;
        if (w.selected[c]) {
            h->cluster_nodes[k] = n + c;
            h->cluster_stab[k] = stab_orig[c];
            label_of[c] = k++;
        }
    }
    /* do_labelling: a point takes the label of its nearest selected ancestor */
    for (int c = 0; c < m; c++) w.top[c] = w.selected[c] ? c : (c > 0 ? w.top[w.parent[c]] : -1);
    double root_max = w.death[0];
    for (int r = 0; r < rows; r++) {
        int pt = chi[r];
        if (pt >= n) continue;
        int t = w.top[par[r] - n];
        if (t < 0) continue;
        if (t == 0) {
            if (k == 1 && allow) {
                int ok = eps != 0.0 ? (lam[r] >= 1.0 / eps) : (lam[r] >= root_max);
                if (ok) h->labels[pt] = label_of[0];
            }
            continue;
        }
        h->labels[pt] = label_of[t];
    }
    /* get_probabilities: lambda relative to the cluster's own max lambda */
    for (int r = 0; r < rows; r++) {
        int pt = chi[r];
        if (pt >= n || h->labels[pt] < 0) continue;
        double maxl = w.death[h->cluster_nodes[h->labels[pt]] - n];
        if (maxl == 0.0 || !isfinite(lam[r])) h->prob[pt] = 1.0;
        else h->prob[pt] = (lam[r] < maxl ? lam[r] : maxl) / maxl;
    }
    /* GLOSH: lambda relative to the largest lambda anywhere under the point's cluster */
    double *sub_death = w.stab; /* reuse: stabilities are no longer needed */
    memcpy(sub_death, w.death, (size_t)m * sizeof(double));
    for (int c = m - 1; c >= 1; c--) {
        int pc = w.parent[c];
        if (sub_death[c] > sub_death[pc]) sub_death[pc] = sub_death[c];
    }
    for (int r = 0; r < rows; r++) {
        int pt = chi[r];
        if (pt >= n) continue;
        double lmax = sub_death[par[r] - n];
        if (lmax == 0.0 || !isfinite(lam[r])) h->outlier[pt] = 0.0;
        else if (isinf(lmax)) h->outlier[pt] = 1.0;
        else h->outlier[pt] = (lmax - lam[r]) / lmax;
    }
    free(label_of); free(stab_orig); ws_free(&w); free(stack); free(cand);
    return ES_OK;
}

/* ====================================================================== accessors */

int hdbscan_n(const hdbscan *h) { return h->n; }
int hdbscan_min_samples_used(const hdbscan *h) { return h->min_samples; }
hdbscan_algorithm hdbscan_algorithm_used(const hdbscan *h) { return h->algorithm; }
const double *hdbscan_core_distances(const hdbscan *h) { return h->core; }
const int32_t *hdbscan_slt_left(const hdbscan *h) { return h->slt_left; }
const int32_t *hdbscan_slt_right(const hdbscan *h) { return h->slt_right; }
const double *hdbscan_slt_distance(const hdbscan *h) { return h->slt_dist; }
const int32_t *hdbscan_slt_size(const hdbscan *h) { return h->slt_size; }
double hdbscan_mst_weight_sum(const hdbscan *h) { return h->mst_weight_sum; }
int hdbscan_n_clusters(const hdbscan *h) { return h->n_clusters; }
const int32_t *hdbscan_labels(const hdbscan *h) { return h->labels; }
const double *hdbscan_probabilities(const hdbscan *h) { return h->prob; }
const double *hdbscan_outlier_scores(const hdbscan *h) { return h->outlier; }
int hdbscan_condensed_size(const hdbscan *h) { return h->n_condensed; }
const int32_t *hdbscan_condensed_parent(const hdbscan *h) { return h->ct_parent; }
const int32_t *hdbscan_condensed_child(const hdbscan *h) { return h->ct_child; }
const double *hdbscan_condensed_lambda(const hdbscan *h) { return h->ct_lambda; }
const int32_t *hdbscan_condensed_child_size(const hdbscan *h) { return h->ct_size; }
const int32_t *hdbscan_cluster_nodes(const hdbscan *h) { return h->cluster_nodes; }
const double *hdbscan_cluster_stabilities(const hdbscan *h) { return h->cluster_stab; }
