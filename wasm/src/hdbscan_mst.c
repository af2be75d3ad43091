/* hdbscan_mst.c — see hdbscan_mst.h. Core distances over all pairs (the kd-tree paths read theirs
 * from the neighbour lists, hdbscan_neighbors.c) and the minimum spanning tree of the mutual
 * reachability graph: the library's Prim over all pairs (mst_linkage_core_vector), Borůvka on a
 * kd-tree, and the library's Prim on the core-ball graph with every copy of a point a row of its own. */
#include "hdbscan_mst.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hdbscan_kdtree.h"
#include "hdbscan_neighbors.h"
#include "hdbscan_sqdist.h"
#include "npsort.h"

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

/* edge order: weight, then smaller id, then larger id — a strict order, so the tree is unique */
static inline int edge_less(double w, int lo, int hi, double bw, int blo, int bhi) {
    if (w != bw) return w < bw;
    if (lo != blo) return lo < blo;
    return hi < bhi;
}

typedef struct boruvka_best {
    double w;
    int32_t a, b;   /* tree positions */
    int32_t lo, hi; /* ids, for the tie order */
} boruvka_best;

/* What a Borůvka round's kd-tree search reads. */
typedef struct boruvka_ctx {
    const hdbscan_kdtree *t;
    const double *core_pos, *node_core, *dk, *lb;
    const int32_t *comp, *node_comp;
} boruvka_ctx;

/* Squared distance between the box of `node` and the box [qlo, qhi] (a point when qlo == qhi). */
static inline double box_box_sqdist(const hdbscan_kdtree *t, int node, const float *qlo, const float *qhi) {
    const float *lo = t->lo + (size_t)node * t->dim, *hi = t->hi + (size_t)node * t->dim;
    double s = 0.0;
    for (int k = 0; k < t->dim; k++) {
        double d = 0.0;
        if (qhi[k] < lo[k]) d = (double)lo[k] - qhi[k];
        else if (qlo[k] > hi[k]) d = (double)qlo[k] - hi[k];
        s += d * d;
    }
    return s;
}

/* The lightest edges from the points at tree positions [p0, p1) of component c, inside the box
 * [qlo, qhi], to other components, into B: every edge that can weigh <= B->w is looked at. */
static void boruvka_search(const boruvka_ctx *bc, int c, int p0, int p1, const float *qlo, const float *qhi,
                           boruvka_best *B, int32_t *stack_node, double *stack_d) {
    const hdbscan_kdtree *t = bc->t;
    const double *core_pos = bc->core_pos;
    int sp = 0;
    stack_node[sp] = 0;
    stack_d[sp++] = 0.0;
    while (sp > 0) {
        sp--;
        int node = stack_node[sp];
        if (stack_d[sp] > B->w || bc->node_core[node] > B->w || bc->node_comp[node] == c) continue;
        if (t->left[node] < 0) {
            for (int p = p0; p < p1; p++) {
                double cp = core_pos[p];
                if (cp > B->w || bc->lb[p] > B->w || bc->dk[p] > B->w) continue; /* nothing past its list can win */
                int ia = t->index[p];
                for (int b = t->start[node]; b < t->end[node]; b++) {
                    if (bc->comp[b] == c) continue;
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
            }
            continue;
        }
        int l = t->left[node], r = t->right[node];
        double dl = sqrt(box_box_sqdist(t, l, qlo, qhi));
        double dr = sqrt(box_box_sqdist(t, r, qlo, qhi));
        int near = l, far = r;
        double dn = dl, df = dr;
        if (dr < dl) { near = r; far = l; dn = dr; df = dl; }
        if (df <= B->w) { stack_node[sp] = far; stack_d[sp++] = df; }
        if (dn <= B->w) { stack_node[sp] = near; stack_d[sp++] = dn; }
    }
}

/* The minimum spanning tree of the mutual reachability graph of the kd-tree's points under the order
 * (weight, smaller id, larger id). core_pos by tree position; nbr (n, stride): each point's nearest
 * others, nearest first, of which the first k are used (k = n - 1: everything). Edges (ea[i], eb[i], ew[i]) are written as tree
 * positions, in the order found.
 *
 * Every round finds each component's lightest outgoing edge. A point's list gives its edges to the
 * nearest other components cheaply (a pointer skips the listed points already in its component, for
 * good: components only grow); everything past the list lies at least dk = the list's last distance
 * away, so only points whose dk (or what an earlier search proved) does not exceed their component's
 * best so far search the kd-tree. */
static es_status mst_boruvka(const hdbscan_kdtree *t, const double *core_pos, const int32_t *nbr, int stride,
                             int k, int32_t *ea, int32_t *eb, double *ew, es_error *err) {
    int n = t->n, dim = t->dim, nn = t->n_nodes;
    int32_t *uf = malloc((size_t)n * sizeof *uf);
    int32_t *comp = malloc((size_t)n * sizeof *comp);
    int32_t *node_comp = malloc((size_t)nn * sizeof *node_comp);
    double *node_core = malloc((size_t)nn * sizeof *node_core);
    boruvka_best *best = malloc((size_t)n * sizeof *best);
    int32_t *roots = malloc((size_t)n * sizeof *roots);
    int32_t *ptr = calloc((size_t)n, sizeof *ptr);
    double *dk = malloc((size_t)n * sizeof *dk);
    /* lower bound of each point's lightest edge to another component: what a search proved stays true */
    double *lb = calloc((size_t)n, sizeof *lb);
    if (!uf || !comp || !node_comp || !node_core || !best || !roots || !ptr || !dk || !lb) {
        free(uf); free(comp); free(node_comp); free(node_core); free(best); free(roots); free(ptr); free(dk); free(lb);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the minimum spanning tree");
    }
    for (int i = 0; i < n; i++) uf[i] = i;
    for (int p = 0; p < n; p++)
        dk[p] = k == n - 1 ? INFINITY : k > 0 ? sqrt(hdbscan_kdtree_sqdist(t, p, nbr[(size_t)p * stride + k - 1])) : 0.0;
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
    boruvka_ctx bc = {t, core_pos, node_core, dk, lb, comp, node_comp};
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
        /* the listed edges to other components, nearest first, until they cannot beat the bound */
        for (int p = 0; p < n; p++) {
            int c = comp[p];
            boruvka_best *B = &best[c];
            const int32_t *row = nbr + (size_t)p * stride;
            double cp = core_pos[p];
            int j = ptr[p], ia = t->index[p];
            while (j < k && comp[row[j]] == c) j++;
            ptr[p] = j;
            for (; j < k; j++) {
                int b = row[j];
                double sq = hdbscan_kdtree_sqdist(t, p, b);
                double w = hdbscan_in_ball(sq, cp) ? cp : sqrt(sq); /* max(core, distance) */
                if (w > B->w) break; /* farther entries weigh at least as much */
                if (comp[b] == c) continue;
                if (core_pos[b] > w) w = core_pos[b];
                int ib = t->index[b];
                int lo = ia < ib ? ia : ib, hi = ia < ib ? ib : ia;
                if (edge_less(w, lo, hi, B->w, B->lo, B->hi)) {
                    B->w = w; B->a = p; B->b = b; B->lo = lo; B->hi = hi;
                }
            }
        }
        /* past the lists: the kd-tree, pruned by the component's best so far; a leaf whose points all
         * lie in one component searches once for all of them, from its bounding box */
        for (int leaf = 0; leaf < nn; leaf++) {
            if (t->left[leaf] >= 0) continue;
            int c = node_comp[leaf];
            for (int p = t->start[leaf]; p < t->end[leaf]; p++) {
                int cp = comp[p];
                const boruvka_best *B = &best[cp];
                if (core_pos[p] > B->w || lb[p] > B->w || dk[p] > B->w) continue;
                if (c >= 0) { /* the whole leaf, once */
                    boruvka_search(&bc, c, t->start[leaf], t->end[leaf], t->lo + (size_t)leaf * dim,
                                   t->hi + (size_t)leaf * dim, &best[c], stack_node, stack_d);
                    break;
                }
                const float *q = t->pts + (size_t)p * dim;
                boruvka_search(&bc, cp, p, p + 1, q, q, &best[cp], stack_node, stack_d);
            }
        }
        /* a component's lightest outgoing edge bounds every member's: it stays a bound as they grow */
        for (int p = 0; p < n; p++)
            if (best[comp[p]].w > lb[p]) lb[p] = best[comp[p]].w;
        /* add every component's best edge (two components may pick the same one) */
        int added = 0;
        for (int r = 0; r < n_roots; r++) {
            boruvka_best *B = &best[roots[r]];
            if (B->a < 0) continue;
            int ra = uf_find(uf, B->a), rb = uf_find(uf, B->b);
            if (ra == rb) continue;
            uf[ra] = rb;
            ea[n_edges] = B->a;
            eb[n_edges] = B->b;
            ew[n_edges] = B->w;
            n_edges++;
            n_comp--;
            added++;
        }
        if (added == 0) {
            free(uf); free(comp); free(node_comp); free(node_core); free(best); free(roots); free(ptr); free(dk); free(lb);
            return es_fail(err, ES_ERR_INTERNAL, "Borůvka made no progress with %d components left", n_comp);
        }
    }
    free(uf); free(comp); free(node_comp); free(node_core); free(best); free(roots); free(ptr); free(dk); free(lb);
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
 * their core distances (then Prim still returns a minimum spanning tree, tie order aside).
 *
 * Copies. The graph is over distinct points; the tree is over every input row, as the library grows
 * it. Rows that are copies of one point and still outside the tree always share their key and
 * source (every tree row reaches them at the same distance), so they join in increasing row order,
 * one heap entry standing for the next of them. When the first of them joins, the others are reached
 * at max(core, core, 0) = their core distance (never above their key) and the point's neighbours are
 * relaxed once; a later copy joining changes no key (the same distances, compared with '<'). Inside a
 * core ball mutual reachability is max(core_a, core_b): no distance is computed there. */

/* binary heap of points keyed by (key, tie = the input row of the point's next copy) */
typedef struct prim_vertex {
    double key, core;
    int32_t tie;  /* input row of the next copy to join */
    int32_t src;  /* input row that reached it at key */
    int32_t next; /* copies already in the tree */
    int32_t slot; /* place in the heap, -1 when out */
} prim_vertex;

typedef struct prim_heap {
    int32_t *h;
    int size;
    prim_vertex *v;
} prim_heap;

static inline int ph_less(const prim_heap *H, int a, int b) {
    const prim_vertex *x = &H->v[a], *y = &H->v[b];
    return x->key < y->key || (x->key == y->key && x->tie < y->tie);
}

static void ph_up(prim_heap *H, int i) {
    int x = H->h[i];
    while (i > 0) {
        int par = (i - 1) / 2;
        if (!ph_less(H, x, H->h[par])) break;
        H->h[i] = H->h[par];
        H->v[H->h[i]].slot = i;
        i = par;
    }
    H->h[i] = x;
    H->v[x].slot = i;
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
        H->v[H->h[i]].slot = i;
        i = m;
    }
    H->h[i] = x;
    H->v[x].slot = i;
}

/* u's key went down (or u is new): restore the heap */
static void ph_raise(prim_heap *H, int u) {
    if (H->v[u].slot < 0) {
        H->h[H->size] = u;
        H->v[u].slot = H->size;
        H->size++;
    }
    ph_up(H, H->v[u].slot);
}

static int ph_pop(prim_heap *H) {
    int u = H->h[0];
    H->size--;
    H->v[u].slot = -1;
    if (H->size > 0) {
        H->h[0] = H->h[H->size];
        H->v[H->h[0]].slot = 0;
        ph_down(H, 0);
    }
    return u;
}

/* The candidate graph in CSR over tree positions (neighbours in a list are near in the tree, so the
 * walk stays in cache): core-ball neighbours (weight max of the two core distances) and the extra
 * edges of one spanning tree (their own weights). */
typedef struct prim_graph {
    int64_t *off;  /* (n_unique + 1) into adj */
    int32_t *adj;
    int64_t *xoff; /* (n_unique + 1) into xadj, xw */
    int32_t *xadj;
    double *xw;
} prim_graph;

static void prim_graph_free(prim_graph *g) {
    free(g->off); free(g->adj); free(g->xoff); free(g->xadj); free(g->xw);
    memset(g, 0, sizeof *g);
}

/* CSR of m undirected pairs (u[e], v[e]) over nu vertices: off (nu + 1), adj (2m), and wadj (2m)
 * when w is given. */
static int csr_build(int nu, const int32_t *u, const int32_t *v, const double *w, size_t m, int64_t **off_out,
                     int32_t **adj_out, double **wadj_out) {
    int64_t *off = calloc((size_t)nu + 1, sizeof *off);
    int32_t *adj = malloc((2 * m + 1) * sizeof *adj);
    double *wadj = w ? malloc((2 * m + 1) * sizeof *wadj) : NULL;
    int64_t *fill = malloc(((size_t)nu + 1) * sizeof *fill);
    if (!off || !adj || (w && !wadj) || !fill) {
        free(off); free(adj); free(wadj); free(fill);
        return 0;
    }
    for (size_t e = 0; e < m; e++) { off[u[e] + 1]++; off[v[e] + 1]++; }
    for (int i = 0; i < nu; i++) off[i + 1] += off[i];
    memcpy(fill, off, ((size_t)nu + 1) * sizeof *fill);
    for (size_t e = 0; e < m; e++) {
        int64_t a = fill[u[e]]++, b = fill[v[e]]++;
        adj[a] = v[e];
        adj[b] = u[e];
        if (w) wadj[a] = wadj[b] = w[e];
    }
    free(fill);
    *off_out = off;
    *adj_out = adj;
    if (wadj_out) *wadj_out = wadj;
    return 1;
}

/* Prim from row 0 over the candidate graph, the library's rules, every copy a row of its own.
 * core_pos by tree position. Writes n - 1 edges (source row, new row, weight) in the order the rows
 * join. */
static es_status mst_prim_graph(const hdbscan_neighbors *nb, const double *core_pos, const prim_graph *g,
                                int32_t *src_out, int32_t *dst_out, double *w_out, es_error *err) {
    int nu = nb->n_unique, n = nb->n;
    const int32_t *cs = nb->copy_start, *copies = nb->copies, *id = nb->tree.index;
    prim_heap H;
    H.v = malloc((size_t)nu * sizeof *H.v);
    H.h = malloc((size_t)nu * sizeof *H.h);
    H.size = 0;
    if (!H.v || !H.h) {
        free(H.v); free(H.h);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the minimum spanning tree");
    }
    prim_vertex *V = H.v;
    for (int u = 0; u < nu; u++) {
        V[u].key = INFINITY;
        V[u].core = core_pos[u];
        V[u].src = 1; /* the library's initial source; every row is reached before it joins */
        V[u].next = 0;
        V[u].tie = copies[cs[id[u]]];
        V[u].slot = -1;
    }
    es_status st = ES_OK;
    int cu = nb->pos_of[0], row = 0, first = 1; /* row 0 is the first occurrence of distinct point 0 */
    V[cu].next = 1;
    for (int i = 1; i < n; i++) {
        if (first) {
            prim_vertex *c = &V[cu];
            double cc = c->core;
            int nc = cs[id[cu] + 1] - cs[id[cu]];
            if (c->next < nc) { /* its other copies, at distance 0 */
                if (cc < c->key) { c->key = cc; c->src = row; }
                c->tie = copies[cs[id[cu]] + c->next];
                ph_raise(&H, cu);
            }
            for (int64_t e = g->off[cu]; e < g->off[cu + 1]; e++) {
                prim_vertex *x = &V[g->adj[e]];
                if (x->next > 0) continue; /* in the tree (its remaining copies are at their core distance) */
                double w = cc > x->core ? cc : x->core;
                if (w < x->key) { x->key = w; x->src = row; ph_raise(&H, g->adj[e]); }
            }
            for (int64_t e = g->xoff[cu]; e < g->xoff[cu + 1]; e++) {
                prim_vertex *x = &V[g->xadj[e]];
                if (x->next > 0) continue;
                double w = g->xw[e];
                if (w < x->key) { x->key = w; x->src = row; ph_raise(&H, g->xadj[e]); }
            }
        }
        if (H.size == 0) {
            st = es_fail(err, ES_ERR_INTERNAL, "candidate graph is not connected (%d of %d points reached)", i, n);
            break;
        }
        int u = ph_pop(&H);
        prim_vertex *x = &V[u];
        int r = copies[cs[id[u]] + x->next];
        src_out[i - 1] = x->src;
        dst_out[i - 1] = r;
        w_out[i - 1] = x->key;
        first = x->next == 0;
        x->next++;
        if (!first && x->next < cs[id[u] + 1] - cs[id[u]]) { /* the next copy, same key and source */
            x->tie = copies[cs[id[u]] + x->next];
            ph_raise(&H, u);
        }
        cu = u;
        row = r;
    }
    free(H.v);
    free(H.h);
    return st;
}

/* The core-ball graph and Borůvka's tree (ua, ub, uw: n_unique - 1 edges over tree positions) as the
 * candidate graph; then Prim. *fallback_out = 1 (and nothing written) when the core balls hold too
 * many pairs (masses of ties): the caller keeps Borůvka's tree. */
static es_status mst_prims_kdtree(const hdbscan_neighbors *nb, int min_samples, const double *core_pos,
                                  const int32_t *ua, const int32_t *ub, const double *uw,
                                  int32_t *src_out, int32_t *dst_out, double *w_out, int *fallback_out,
                                  es_error *err) {
    int nu = nb->n_unique;
    *fallback_out = 0;
    size_t limit = (size_t)3 * (size_t)min_samples * nu + (1u << 20); /* min_samples others per ball, plus ties */
    int32_t *pu = NULL, *pv = NULL;
    long long m = 0;
    es_status st = hdbscan_neighbors_ball_pairs(nb, core_pos, limit, &pu, &pv, &m, err);
    if (st != ES_OK) return st;
    if (m < 0) {
        *fallback_out = 1;
        return ES_OK;
    }
    prim_graph g;
    memset(&g, 0, sizeof g);
    int ok = csr_build(nu, pu, pv, NULL, (size_t)m, &g.off, &g.adj, NULL) &&
             csr_build(nu, ua, ub, uw, (size_t)(nu - 1), &g.xoff, &g.xadj, &g.xw);
    free(pu);
    free(pv);
    if (!ok) st = es_fail(err, ES_ERR_NOMEM, "out of memory for the candidate graph");
    else st = mst_prim_graph(nb, core_pos, &g, src_out, dst_out, w_out, err);
    prim_graph_free(&g);
    return st;
}

/* The spanning tree's m edges (src, dst, w) in the order the library sorts them — numpy's unstable
 * argsort of the weights, which decides how tied merges come out — written to ea/eb/ew.
 * order is scratch for m indices. */
static void sort_edges_as_numpy(int m, const int32_t *src, const int32_t *dst, const double *w,
                                int32_t *order, int32_t *ea, int32_t *eb, double *ew) {
    npsort_argsort_f64(w, m, order);
    for (int i = 0; i < m; i++) {
        ea[i] = src[order[i]];
        eb[i] = dst[order[i]];
        ew[i] = w[order[i]];
    }
}

/* Borůvka's edges in its own tie order: weight, then the smaller, then the larger index. */
static es_status sort_edges_by_index(int m, int32_t *ea, int32_t *eb, double *ew, es_error *err) {
    edge_rec *recs = malloc((size_t)m * sizeof *recs);
    if (!recs) return es_fail(err, ES_ERR_NOMEM, "out of memory sorting the spanning tree");
    for (int i = 0; i < m; i++) { recs[i].w = ew[i]; recs[i].a = ea[i]; recs[i].b = eb[i]; }
    qsort(recs, (size_t)m, sizeof *recs, edge_rec_cmp);
    for (int i = 0; i < m; i++) { ew[i] = recs[i].w; ea[i] = recs[i].a; eb[i] = recs[i].b; }
    free(recs);
    return ES_OK;
}

/* Borůvka's tree over tree positions (ua, ub, uw) as a tree over every row: each distinct point's
 * first occurrence stands for it, and its other copies hang from that row at its core distance (the
 * lightest edge any copy has, so this is a minimum spanning tree of all rows). ea/eb/ew: n - 1, the
 * smaller row first. */
static void expand_copies(const hdbscan_neighbors *nb, const double *core_pos, const int32_t *ua, const int32_t *ub,
                          const double *uw, int32_t *ea, int32_t *eb, double *ew) {
    const int32_t *cs = nb->copy_start, *copies = nb->copies, *id = nb->tree.index;
    int m = 0;
    for (int i = 0; i < nb->n_unique - 1; i++) { /* first occurrences are in the order of the ids */
        int a = copies[cs[id[ua[i]]]], b = copies[cs[id[ub[i]]]];
        ea[m] = a < b ? a : b;
        eb[m] = a < b ? b : a;
        ew[m++] = uw[i];
    }
    for (int u = 0; u < nb->n_unique; u++)
        for (int c = cs[u] + 1; c < cs[u + 1]; c++) {
            ea[m] = copies[cs[u]];
            eb[m] = copies[c];
            ew[m++] = core_pos[nb->pos_of[u]];
        }
}

/* ====================================================================== the whole phase */

es_status hdbscan_mst_all_pairs(const float *x, int n, int dim, int min_samples, int have_core, double *core,
                                int32_t *ea, int32_t *eb, double *ew, es_error *err) {
    pair_dist pd;
    int32_t *src = malloc((size_t)(n - 1) * sizeof *src);
    int32_t *dst = malloc((size_t)(n - 1) * sizeof *dst);
    double *w = malloc((size_t)(n - 1) * sizeof *w);
    int32_t *order = malloc((size_t)(n - 1) * sizeof *order);
    es_status st = ES_OK;
    pd_init(&pd, x, n, dim, !have_core); /* the cache pays only when core distances read every pair too */
    if (!src || !dst || !w || !order) st = es_fail(err, ES_ERR_NOMEM, "out of memory for the spanning tree");
    if (st == ES_OK && !have_core) st = core_brute(&pd, min_samples, core, err);
    if (st == ES_OK) st = mst_prim(&pd, core, src, dst, w, err);
    if (st == ES_OK) sort_edges_as_numpy(n - 1, src, dst, w, order, ea, eb, ew);
    free(src); free(dst); free(w); free(order);
    free(pd.cache);
    return st;
}

void hdbscan_mst_core(const hdbscan_neighbors *nb, int min_samples, double *core_pos, double *core) {
    hdbscan_neighbors_core(nb, min_samples, core_pos);
    for (int u = 0; u < nb->n_unique; u++) {
        double c = core_pos[nb->pos_of[u]];
        for (int i = nb->copy_start[u]; i < nb->copy_start[u + 1]; i++) core[nb->copies[i]] = c;
    }
}

es_status hdbscan_mst_from_neighbors(const hdbscan_neighbors *nb, int min_samples, hdbscan_algorithm algo,
                                     double *core, int32_t *ea, int32_t *eb, double *ew,
                                     hdbscan_algorithm *algo_used, es_error *err) {
    int n = nb->n, nu = nb->n_unique;
    *algo_used = algo;
    es_status st = ES_OK;
    double *core_pos = malloc((size_t)nu * sizeof *core_pos);
    int32_t *ua = malloc((size_t)nu * sizeof *ua), *ub = malloc((size_t)nu * sizeof *ub);
    double *uw = malloc((size_t)nu * sizeof *uw);
    int32_t *src = NULL, *dst = NULL, *order = NULL;
    double *w = NULL;
    int fallback = 1;
    if (!core_pos || !ua || !ub || !uw) { st = es_fail(err, ES_ERR_NOMEM, "out of memory for the spanning tree"); goto done; }
    hdbscan_mst_core(nb, min_samples, core_pos, core);
    /* Borůvka reads the first min_samples + 16 of each list: enough to reach past the core ball, short
     * enough that stepping over the listed points of the point's own component stays cheap */
    int k_use = min_samples + 16 < nb->k ? min_samples + 16 : nb->k;
    st = mst_boruvka(&nb->tree, core_pos, nb->nbr, nb->k, k_use, ua, ub, uw, err);
    if (st != ES_OK) goto done;
    if (algo == HDBSCAN_ALGORITHM_PRIMS_KDTREE) {
        src = malloc((size_t)(n - 1) * sizeof *src);
        dst = malloc((size_t)(n - 1) * sizeof *dst);
        w = malloc((size_t)(n - 1) * sizeof *w);
        order = malloc((size_t)(n - 1) * sizeof *order);
        if (!src || !dst || !w || !order) { st = es_fail(err, ES_ERR_NOMEM, "out of memory for the spanning tree"); goto done; }
        st = mst_prims_kdtree(nb, min_samples, core_pos, ua, ub, uw, src, dst, w, &fallback, err);
        if (st != ES_OK) goto done;
        if (!fallback) sort_edges_as_numpy(n - 1, src, dst, w, order, ea, eb, ew);
        else *algo_used = HDBSCAN_ALGORITHM_BORUVKA_KDTREE;
    }
    if (fallback) {
        expand_copies(nb, core_pos, ua, ub, uw, ea, eb, ew);
        st = sort_edges_by_index(n - 1, ea, eb, ew, err);
    }

done:
    free(core_pos); free(ua); free(ub); free(uw);
    free(src); free(dst); free(w); free(order);
    return st;
}
