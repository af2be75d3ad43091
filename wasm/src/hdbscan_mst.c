/* hdbscan_mst.c — see hdbscan_mst.h. Core distances (all pairs, or k nearest neighbours on a kd-tree)
 * and the minimum spanning tree of the mutual reachability graph: the library's Prim
 * (mst_linkage_core_vector), Borůvka on a kd-tree, and the library's Prim on the core-ball graph. */
#include "hdbscan_mst.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hdbscan_kdtree.h"
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

/* ====================================================================== the whole phase */

es_status hdbscan_mst_build(const float *x, int n, int dim, int min_samples, hdbscan_algorithm algo, int leaf_size,
                            double *core, int32_t *ea, int32_t *eb, double *ew, hdbscan_algorithm *algo_used,
                            es_error *err) {
    es_status st = ES_OK;
    hdbscan_kdtree tree;
    memset(&tree, 0, sizeof tree);
    pair_dist pd;
    memset(&pd, 0, sizeof pd);
    double *kth = NULL, *core_pos = NULL;
    int32_t *knn = NULL, *order = NULL, *src = NULL, *dst = NULL;
    double *w = NULL;
    *algo_used = algo;

    int use_tree = dim <= HDBSCAN_KDTREE_MAX_DIM || algo != HDBSCAN_ALGORITHM_PRIMS;
    int k = min_samples + 1; /* neighbours counting the point itself */
    if (use_tree) {
        st = hdbscan_kdtree_build(x, n, dim, leaf_size, &tree, err);
        if (st != ES_OK) goto done;
        kth = malloc((size_t)n * sizeof *kth);
        if (!kth) { st = es_fail(err, ES_ERR_NOMEM, "out of memory for core distances"); goto done; }
        int keep_knn = algo != HDBSCAN_ALGORITHM_PRIMS && (double)n * k * 4 <= 64.0 * 1048576;
        if (keep_knn) knn = malloc((size_t)n * k * sizeof *knn);
        st = hdbscan_kdtree_knn_all(&tree, k, kth, knn, err);
        if (st != ES_OK) goto done;
        for (int q = 0; q < n; q++) core[tree.index[q]] = sqrt(kth[q]);
    } else {
        pd_init(&pd, x, n, dim, 1);
        st = core_brute(&pd, min_samples, core, err);
        if (st != ES_OK) goto done;
    }

    /* Prim's edges come in the order they join the tree: scratch for them and numpy's order */
    if (algo == HDBSCAN_ALGORITHM_PRIMS || algo == HDBSCAN_ALGORITHM_PRIMS_KDTREE) {
        src = malloc((size_t)(n - 1) * sizeof *src);
        dst = malloc((size_t)(n - 1) * sizeof *dst);
        w = malloc((size_t)(n - 1) * sizeof *w);
        order = malloc((size_t)(n - 1) * sizeof *order);
        if (!src || !dst || !w || !order) { st = es_fail(err, ES_ERR_NOMEM, "out of memory for the spanning tree"); goto done; }
    }
    if (algo == HDBSCAN_ALGORITHM_PRIMS) {
        if (!pd.x) pd_init(&pd, x, n, dim, 0);
        st = mst_prim(&pd, core, src, dst, w, err);
        if (st != ES_OK) goto done;
        sort_edges_as_numpy(n - 1, src, dst, w, order, ea, eb, ew);
        goto done;
    }
    core_pos = malloc((size_t)n * sizeof *core_pos);
    if (!core_pos) { st = es_fail(err, ES_ERR_NOMEM, "out of memory for core distances"); goto done; }
    for (int q = 0; q < n; q++) core_pos[q] = core[tree.index[q]];
    st = mst_boruvka(&tree, core_pos, knn, k, ea, eb, ew, err);
    if (st != ES_OK) goto done;
    free(knn);
    knn = NULL;
    int fallback = 1;
    if (algo == HDBSCAN_ALGORITHM_PRIMS_KDTREE) {
        st = mst_prims_kdtree(&tree, x, core, core_pos, min_samples, ea, eb, src, dst, w, &fallback, err);
        if (st != ES_OK) goto done;
        if (!fallback) sort_edges_as_numpy(n - 1, src, dst, w, order, ea, eb, ew);
        else *algo_used = HDBSCAN_ALGORITHM_BORUVKA_KDTREE;
    }
    if (fallback) st = sort_edges_by_index(n - 1, ea, eb, ew, err);

done:
    free(kth); free(core_pos); free(knn); free(order); free(src); free(dst); free(w);
    free(pd.cache);
    hdbscan_kdtree_free(&tree);
    return st;
}
