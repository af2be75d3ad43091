/* knn.c — see knn.h. Internally distances are kept in a cheaper monotone form (squared euclidean;
 * 1 - dot of unit rows for cosine) and converted at the end. */
#include "knn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dot_f32.h"
#include "similarity.h"

knn_params knn_default_params(void) {
    knn_params p;
    memset(&p, 0, sizeof p);
    p.k = 15;
    p.metric = KNN_METRIC_EUCLIDEAN;
    p.method = KNN_METHOD_AUTO;
    p.exact_max_n = 8192;
    p.seed = 42;
    p.delta = 0.001f;
    return p;
}

knn_method knn_resolve_method(const knn_params *p, int n) {
    if (p->method != KNN_METHOD_AUTO) return p->method;
    return n <= p->exact_max_n ? KNN_METHOD_EXACT : KNN_METHOD_APPROX;
}

/* ------------------------------------------------------------------------------------------------
 * Bounded max-heaps, one per row: m entries of (dist, idx, flag); root = the worst kept entry.
 * Empty slots hold dist = +inf, idx = -1. */
typedef struct heaps {
    int m;
    float *dist;   /* (n, m) */
    int32_t *idx;  /* (n, m) */
    uint8_t *flag; /* (n, m) NN-descent "new" flags; may be NULL */
} heaps;

static void heap_sift_down(float *hd, int32_t *hi, uint8_t *hf, int m, int pos) {
    float d = hd[pos];
    int32_t id = hi[pos];
    uint8_t f = hf ? hf[pos] : 0;
    for (;;) {
        int c = 2 * pos + 1;
        if (c >= m) break;
        if (c + 1 < m && (hd[c + 1] > hd[c] || (hd[c + 1] == hd[c] && hi[c + 1] > hi[c]))) c++;
        if (hd[c] < d || (hd[c] == d && hi[c] <= id)) break;
        hd[pos] = hd[c];
        hi[pos] = hi[c];
        if (hf) hf[pos] = hf[c];
        pos = c;
    }
    hd[pos] = d;
    hi[pos] = id;
    if (hf) hf[pos] = f;
}

/* worse(a) than root? order by (dist, idx) so that ties resolve the same way in every method */
static inline int heap_rejects(const float *hd, const int32_t *hi, float d, int32_t id) {
    return d > hd[0] || (d == hd[0] && id >= hi[0]);
}

/* Pushes (d, id) into row r's heap unless it is no better than the root; no duplicate check. */
static inline int heap_push(heaps *h, int r, float d, int32_t id, uint8_t flag) {
    float *hd = h->dist + (size_t)r * h->m;
    int32_t *hi = h->idx + (size_t)r * h->m;
    if (heap_rejects(hd, hi, d, id)) return 0;
    uint8_t *hf = h->flag ? h->flag + (size_t)r * h->m : NULL;
    hd[0] = d;
    hi[0] = id;
    if (hf) hf[0] = flag;
    heap_sift_down(hd, hi, hf, h->m, 0);
    return 1;
}

/* The same, skipping ids already present. */
static inline int heap_push_unique(heaps *h, int r, float d, int32_t id, uint8_t flag) {
    float *hd = h->dist + (size_t)r * h->m;
    int32_t *hi = h->idx + (size_t)r * h->m;
    if (heap_rejects(hd, hi, d, id)) return 0;
    for (int i = 0; i < h->m; i++)
        if (hi[i] == id) return 0;
    return heap_push(h, r, d, id, flag);
}

static es_status heaps_init(heaps *h, int n, int m, int with_flags, es_error *err) {
    h->m = m;
    size_t c = (size_t)n * (m > 0 ? m : 1);
    h->dist = malloc(sizeof(float) * c);
    h->idx = malloc(sizeof(int32_t) * c);
    h->flag = with_flags ? calloc(c, 1) : NULL;
    if (!h->dist || !h->idx || (with_flags && !h->flag)) {
        free(h->dist);
        free(h->idx);
        free(h->flag);
        memset(h, 0, sizeof *h);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for %d neighbour lists of %d", n, m);
    }
    for (size_t i = 0; i < c; i++) {
        h->dist[i] = INFINITY;
        h->idx[i] = -1;
    }
    return ES_OK;
}

static void heaps_free(heaps *h) {
    free(h->dist);
    free(h->idx);
    free(h->flag);
    memset(h, 0, sizeof *h);
}

typedef struct entry {
    float d;
    int32_t i;
} entry;

static int entry_cmp(const void *a, const void *b) {
    const entry *x = a, *y = b;
    if (x->d < y->d) return -1;
    if (x->d > y->d) return 1;
    return (x->i > y->i) - (x->i < y->i);
}

/* Writes row lists: with self_first, row r = r itself (distance 0) then the heap's entries (k = m + 1
 * columns); else only the entries (k = m). Entries ascending by (distance, index), converted to true
 * distances. Missing entries (fewer than k-1 others) cannot happen for k <= n in exact search;
 * NN-descent fills every slot before it starts. */
static es_status heaps_emit(const heaps *h, int n, knn_metric metric, int self_first, int32_t *idx_out, float *dist_out,
                            es_error *err) {
    int m = h->m, k = m + (self_first ? 1 : 0), o = self_first ? 1 : 0;
    entry *tmp = malloc(sizeof(entry) * (size_t)(m > 0 ? m : 1));
    if (!tmp) return es_fail(err, ES_ERR_NOMEM, "out of memory sorting neighbour lists");
    for (int r = 0; r < n; r++) {
        int c = 0;
        for (int j = 0; j < m; j++) {
            tmp[c].d = h->dist[(size_t)r * m + j];
            tmp[c].i = h->idx[(size_t)r * m + j];
            c++;
        }
        qsort(tmp, (size_t)c, sizeof(entry), entry_cmp);
        if (self_first) {
            idx_out[(size_t)r * k] = r;
            dist_out[(size_t)r * k] = 0.f;
        }
        for (int j = 0; j < c; j++) {
            float d = tmp[j].d;
            if (metric == KNN_METRIC_EUCLIDEAN) d = sqrtf(d > 0.f ? d : 0.f);
            else d = d > 0.f ? d : 0.f;
            idx_out[(size_t)r * k + o + j] = tmp[j].i;
            dist_out[(size_t)r * k + o + j] = d;
        }
    }
    free(tmp);
    return ES_OK;
}

/* internal distance of two rows of y (unit rows for cosine) */
static inline float pair_dist(const float *y, int d, knn_metric metric, int a, int b) {
    const float *pa = y + (size_t)a * d, *pb = y + (size_t)b * d;
    if (metric == KNN_METRIC_EUCLIDEAN) return sqdist_f32(pa, pb, d);
    return 1.f - dot_f32(pa, pb, d);
}

/* ------------------------------------------------------------------------------------------------
 * Exact: every pair once (upper triangle in 4x2 tiles), pushed into both rows' heaps. */
static void exact_pair(heaps *h, int a, int b, float v) {
    if (a == b) return;
    heap_push(h, a, v, b, 0);
    heap_push(h, b, v, a, 0);
}

static void knn_exact_run(const float *y, int n, int d, knn_metric metric, heaps *h) {
    float tile[8];
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        int j = i;
        for (; j + 2 <= n; j += 2) {
            if (metric == KNN_METRIC_EUCLIDEAN) sqdist_f32_4x2(y + (size_t)i * d, d, y + (size_t)j * d, d, d, tile);
            else {
                dot_f32_4x2(y + (size_t)i * d, d, y + (size_t)j * d, d, d, tile);
                for (int t = 0; t < 8; t++) tile[t] = 1.f - tile[t];
            }
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 2; b++)
                    if (j + b > i + a) exact_pair(h, i + a, j + b, tile[a * 2 + b]);
        }
        for (; j < n; j++)
            for (int a = 0; a < 4; a++)
                if (j > i + a) exact_pair(h, i + a, j, pair_dist(y, d, metric, i + a, j));
    }
    for (; i < n; i++)
        for (int j = i + 1; j < n; j++) exact_pair(h, i, j, pair_dist(y, d, metric, i, j));
}

/* ------------------------------------------------------------------------------------------------
 * Approximate: random-projection-tree leaves, then NN-descent. */

typedef struct rp_ctx {
    const float *y;
    int n, d;
    knn_metric metric;
    heaps *h;
    knn_rng *rng;
    float *normal; /* (d) scratch */
    float *side;   /* (n) margin scratch */
    int32_t *perm; /* (n) */
    int32_t *tmp;  /* (n) */
} rp_ctx;

/* Splits perm[lo, hi) by a hyperplane halfway between two random members; returns the split point
 * (lo < mid < hi). Falls back to a random half split when the plane leaves a side empty. */
static int rp_split(rp_ctx *c, int lo, int hi) {
    int cnt = hi - lo, d = c->d;
    int ia = (int)knn_rng_below(c->rng, (uint32_t)cnt);
    int ib = (int)knn_rng_below(c->rng, (uint32_t)(cnt - 1));
    if (ib >= ia) ib++;
    const float *pa = c->y + (size_t)c->perm[lo + ia] * d, *pb = c->y + (size_t)c->perm[lo + ib] * d;
    double off = 0.0;
    for (int t = 0; t < d; t++) {
        c->normal[t] = pa[t] - pb[t];
        off -= (double)c->normal[t] * 0.5 * ((double)pa[t] + pb[t]);
    }
    int nl = 0, nr = 0;
    for (int q = lo; q < hi; q++) {
        float m = dot_f32(c->normal, c->y + (size_t)c->perm[q] * d, d) + (float)off;
        int left;
        if (fabsf(m) < 1e-8f) left = (int)(knn_rng_next(c->rng) >> 63);
        else left = m > 0.f;
        if (left) c->perm[lo + nl++] = c->perm[q];
        else c->tmp[nr++] = c->perm[q];
    }
    if (nl == 0 || nr == 0) {
        /* degenerate (duplicates): random halves */
        int half = cnt / 2;
        for (int q = 0; q < nr; q++) c->perm[lo + nl + q] = c->tmp[q];
        for (int q = cnt - 1; q > 0; q--) {
            int s = (int)knn_rng_below(c->rng, (uint32_t)(q + 1));
            int32_t t = c->perm[lo + q];
            c->perm[lo + q] = c->perm[lo + s];
            c->perm[lo + s] = t;
        }
        return lo + half;
    }
    for (int q = 0; q < nr; q++) c->perm[lo + nl + q] = c->tmp[q];
    return lo + nl;
}

static es_status rp_tree_leaves(rp_ctx *c, int leaf_size, es_error *err) {
    int n = c->n;
    for (int i = 0; i < n; i++) c->perm[i] = i;
    /* explicit stack of ranges; depth is O(log n) expected but bounded by n in the worst case */
    int cap = 64, top = 0;
    int *stk = malloc(sizeof(int) * 2 * (size_t)cap);
    if (!stk) return es_fail(err, ES_ERR_NOMEM, "out of memory building a random-projection tree");
    stk[top++] = 0;
    stk[top++] = n;
    while (top > 0) {
        int hi = stk[--top], lo = stk[--top];
        if (hi - lo <= leaf_size) {
            for (int a = lo; a < hi; a++)
                for (int b = a + 1; b < hi; b++) {
                    int p = c->perm[a], q = c->perm[b];
                    float v = pair_dist(c->y, c->d, c->metric, p, q);
                    heap_push_unique(c->h, p, v, q, 1);
                    heap_push_unique(c->h, q, v, p, 1);
                }
            continue;
        }
        int mid = rp_split(c, lo, hi);
        if (top + 4 > 2 * cap) {
            int *ns = realloc(stk, sizeof(int) * 4 * (size_t)cap);
            if (!ns) {
                free(stk);
                return es_fail(err, ES_ERR_NOMEM, "out of memory building a random-projection tree");
            }
            stk = ns;
            cap *= 2;
        }
        stk[top++] = mid;
        stk[top++] = hi;
        stk[top++] = lo;
        stk[top++] = mid;
    }
    free(stk);
    return ES_OK;
}

static es_status knn_approx_run(const float *y, int n, int d, const knn_params *p, heaps *h, es_error *err) {
    int m = h->m; /* k - 1 */
    knn_rng rng = {p->seed ^ 0x6b6e6e2d72707400ull};
    int n_trees = p->n_trees > 0 ? p->n_trees : 5 + (int)lround(sqrt((double)n) / 20.0);
    if (n_trees > 64) n_trees = 64;
    int leaf = p->leaf_size > 0 ? p->leaf_size : (m + 1 > 30 ? m + 1 : 30);
    int iters = p->n_iters > 0 ? p->n_iters : (int)lround(log2((double)n));
    if (iters < 5 && p->n_iters <= 0) iters = 5;
    /* 60, as umap-learn passes to pynndescent (pynndescent's own default, min(60, k), loses ~0.05 of
     * recall@15 on high-dimensional data) */
    int max_cand = p->max_candidates > 0 ? p->max_candidates : 60;
    if (max_cand < 1) max_cand = 1;

    es_status st = ES_OK;
    float *normal = malloc(sizeof(float) * (size_t)(d > 0 ? d : 1));
    int32_t *perm = malloc(sizeof(int32_t) * (size_t)n), *tmp = malloc(sizeof(int32_t) * (size_t)n);
    heaps cn = {0}, co = {0};
    if (!normal || !perm || !tmp) {
        st = es_fail(err, ES_ERR_NOMEM, "out of memory for NN-descent scratch");
        goto done;
    }
    rp_ctx c = {y, n, d, p->metric, h, &rng, normal, NULL, perm, tmp};
    for (int t = 0; t < n_trees && st == ES_OK; t++) st = rp_tree_leaves(&c, leaf, err);
    if (st) goto done;
    /* rows whose lists are not full yet get random neighbours */
    for (int r = 0; r < n; r++) {
        int32_t *hi = h->idx + (size_t)r * m;
        int tries = 0;
        while (hi[0] < 0 && tries < 64 * m + 64) {
            int q = (int)knn_rng_below(&rng, (uint32_t)n);
            tries++;
            if (q == r) continue;
            heap_push_unique(h, r, pair_dist(y, d, p->metric, r, q), q, 1);
        }
        for (int q = 0; hi[0] < 0 && q < n; q++) /* tiny n: fill deterministically */
            if (q != r) heap_push_unique(h, r, pair_dist(y, d, p->metric, r, q), q, 1);
    }
    if ((st = heaps_init(&cn, n, max_cand, 0, err)) || (st = heaps_init(&co, n, max_cand, 0, err))) goto done;

    for (int it = 0; it < iters; it++) {
        /* candidates: forward and reverse neighbours, split by the "new" flag, each list keeping the
         * max_cand with the smallest random priorities */
        for (size_t q = 0; q < (size_t)n * max_cand; q++) {
            cn.dist[q] = co.dist[q] = INFINITY;
            cn.idx[q] = co.idx[q] = -1;
        }
        for (int r = 0; r < n; r++)
            for (int j = 0; j < m; j++) {
                int32_t q = h->idx[(size_t)r * m + j];
                if (q < 0) continue;
                float pr = knn_rng_float(&rng);
                heaps *dst = h->flag[(size_t)r * m + j] ? &cn : &co;
                heap_push_unique(dst, r, pr, q, 0);
                heap_push_unique(dst, q, pr, r, 0);
            }
        /* entries that became candidates are no longer new */
        for (int r = 0; r < n; r++)
            for (int j = 0; j < m; j++) {
                size_t e = (size_t)r * m + j;
                if (!h->flag[e]) continue;
                int32_t q = h->idx[e];
                const int32_t *ci = cn.idx + (size_t)r * max_cand;
                for (int t = 0; t < max_cand; t++)
                    if (ci[t] == q) {
                        h->flag[e] = 0;
                        break;
                    }
            }
        long updates = 0;
        for (int r = 0; r < n; r++) {
            const int32_t *nw = cn.idx + (size_t)r * max_cand, *od = co.idx + (size_t)r * max_cand;
            for (int a = 0; a < max_cand; a++) {
                int pa = nw[a];
                if (pa < 0) continue;
                for (int b = a + 1; b < max_cand; b++) {
                    int pb = nw[b];
                    if (pb < 0 || pb == pa) continue;
                    float v = pair_dist(y, d, p->metric, pa, pb);
                    updates += heap_push_unique(h, pa, v, pb, 1);
                    updates += heap_push_unique(h, pb, v, pa, 1);
                }
                for (int b = 0; b < max_cand; b++) {
                    int pb = od[b];
                    if (pb < 0 || pb == pa) continue;
                    float v = pair_dist(y, d, p->metric, pa, pb);
                    updates += heap_push_unique(h, pa, v, pb, 1);
                    updates += heap_push_unique(h, pb, v, pa, 1);
                }
            }
        }
        if ((double)updates <= (double)p->delta * (double)(m + 1) * (double)n) break;
    }
done:
    heaps_free(&cn);
    heaps_free(&co);
    free(normal);
    free(perm);
    free(tmp);
    return st;
}

es_status knn_search(const float *x, int n, int d, const knn_params *params, int32_t *idx_out, float *dist_out,
                     es_error *err) {
    knn_params p = params ? *params : knn_default_params();
    if (n < 1 || d < 1) return es_fail(err, ES_ERR_ARG, "kNN needs at least one row and one column, got (%d, %d)", n, d);
    if (p.k < 1 || p.k > n)
        return es_fail(err, ES_ERR_ARG, "k must be between 1 and the number of rows (%d), got %d", n, p.k);
    if (p.metric != KNN_METRIC_EUCLIDEAN && p.metric != KNN_METRIC_COSINE)
        return es_fail(err, ES_ERR_ARG, "unknown metric %d", (int)p.metric);
    if (p.method < KNN_METHOD_AUTO || p.method > KNN_METHOD_APPROX)
        return es_fail(err, ES_ERR_ARG, "unknown kNN method %d", (int)p.method);
    es_status st = similarity_check_finite(x, n, d, "input vectors", err);
    if (st) return st;

    const float *y = x;
    float *unit = NULL;
    if (p.metric == KNN_METRIC_COSINE) {
        unit = malloc(sizeof(float) * (size_t)n * d);
        if (!unit) return es_fail(err, ES_ERR_NOMEM, "out of memory for a %d x %d normalised copy", n, d);
        similarity_normalize_rows(x, n, d, unit, err);
        y = unit;
    }
    knn_method method = knn_resolve_method(&p, n);
    /* NN-descent needs room to move; tiny inputs are searched exactly whatever was asked */
    if (n <= 2 * p.k + 2) method = KNN_METHOD_EXACT;
    heaps h;
    if ((st = heaps_init(&h, n, p.k - 1, method == KNN_METHOD_APPROX, err))) {
        free(unit);
        return st;
    }
    if (p.k > 1) {
        if (method == KNN_METHOD_EXACT) knn_exact_run(y, n, d, p.metric, &h);
        else st = knn_approx_run(y, n, d, &p, &h, err);
    }
    if (st == ES_OK) st = heaps_emit(&h, n, p.metric, 1, idx_out, dist_out, err);
    heaps_free(&h);
    free(unit);
    return st;
}

/* ------------------------------------------------------------------------------------------------
 * Queries against the rows of x: blocks of rows (normalised into scratch for cosine) against tiles of
 * 4 queries x 2 rows. */
#define KNN_QUERY_BLOCK 256

es_status knn_query(const float *x, int n, int d, const float *q, int m, int k, knn_metric metric, int32_t *idx_out,
                    float *dist_out, es_error *err) {
    if (n < 1 || d < 1 || m < 1)
        return es_fail(err, ES_ERR_ARG, "kNN query needs rows, queries and columns, got n %d, m %d, d %d", n, m, d);
    if (k < 1 || k > n) return es_fail(err, ES_ERR_ARG, "k must be between 1 and the number of rows (%d), got %d", n, k);
    if (metric != KNN_METRIC_EUCLIDEAN && metric != KNN_METRIC_COSINE)
        return es_fail(err, ES_ERR_ARG, "unknown metric %d", (int)metric);
    es_status st;
    if ((st = similarity_check_finite(x, n, d, "input vectors", err)) ||
        (st = similarity_check_finite(q, m, d, "new vectors", err)))
        return st;
    int cos = metric == KNN_METRIC_COSINE;
    float *qn = cos ? malloc(sizeof(float) * (size_t)m * d) : NULL;
    float *blk = cos ? malloc(sizeof(float) * (size_t)KNN_QUERY_BLOCK * d) : NULL;
    heaps h = {0};
    if ((cos && (!qn || !blk)) || (st = heaps_init(&h, m, k, 0, err))) {
        free(qn);
        free(blk);
        return st ? st : es_fail(err, ES_ERR_NOMEM, "out of memory for a kNN query of %d rows", m);
    }
    const float *qq = q;
    if (cos) {
        similarity_normalize_rows(q, m, d, qn, err);
        qq = qn;
    }
    float tile[8];
    for (int b0 = 0; b0 < n; b0 += KNN_QUERY_BLOCK) {
        int nb = n - b0 < KNN_QUERY_BLOCK ? n - b0 : KNN_QUERY_BLOCK;
        const float *y = x + (size_t)b0 * d;
        if (cos) {
            similarity_normalize_rows(y, nb, d, blk, err);
            y = blk;
        }
        int i = 0;
        for (; i + 4 <= m; i += 4) {
            int j = 0;
            for (; j + 2 <= nb; j += 2) {
                if (cos) {
                    dot_f32_4x2(qq + (size_t)i * d, d, y + (size_t)j * d, d, d, tile);
                    for (int t = 0; t < 8; t++) tile[t] = 1.f - tile[t];
                } else {
                    sqdist_f32_4x2(qq + (size_t)i * d, d, y + (size_t)j * d, d, d, tile);
                }
                for (int a = 0; a < 4; a++)
                    for (int c = 0; c < 2; c++) heap_push(&h, i + a, tile[a * 2 + c], b0 + j + c, 0);
            }
            for (; j < nb; j++)
                for (int a = 0; a < 4; a++) {
                    const float *pa = qq + (size_t)(i + a) * d, *pb = y + (size_t)j * d;
                    heap_push(&h, i + a, cos ? 1.f - dot_f32(pa, pb, d) : sqdist_f32(pa, pb, d), b0 + j, 0);
                }
        }
        for (; i < m; i++)
            for (int j = 0; j < nb; j++) {
                const float *pa = qq + (size_t)i * d, *pb = y + (size_t)j * d;
                heap_push(&h, i, cos ? 1.f - dot_f32(pa, pb, d) : sqdist_f32(pa, pb, d), b0 + j, 0);
            }
    }
    st = heaps_emit(&h, m, metric, 0, idx_out, dist_out, err);
    heaps_free(&h);
    free(qn);
    free(blk);
    return st;
}
