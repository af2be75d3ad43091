/* knn.c — see knn.h. Internally distances are kept in a cheaper monotone form (squared euclidean;
 * 1 - dot of unit rows for cosine) and converted at the end.
 *
 * Why the result does not depend on how the work is divided: every neighbour list is a bounded heap
 * whose content is a function of the SET of (distance, index) pairs pushed into it (ties broken by
 * index, repeated indices refused, each pair's distance computed with the same bits by every call);
 * NN-descent's random choices are hashes of (seed, round, pair), not draws from a running stream;
 * each tree of the forest has its own seed; a round's candidates come from the state at its start;
 * and the flags ("new", "added this round") of merged lists are the minimum over the parts. */
#include "knn.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dot_f32.h"
#include "knn_dist_f32.h"
#include "similarity.h"

/* NN-descent rows per part of a round (a fixed size, so parts never depend on the worker count) */
#define KNN_DESCENT_CHUNK 4096
/* parts of an exact search (blocks of rows of equal work over the upper triangle) */
#define KNN_EXACT_PARTS 16

/* entry flags of NN-descent */
enum { FLAG_OLD = 0, FLAG_NEW = 1, FLAG_ADDED = 2 };

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

static inline uint64_t mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

/* the seed of stream `i` of kind `salt` */
static inline uint64_t stream_seed(uint64_t seed, uint64_t salt, uint64_t i) {
    return mix64(seed ^ mix64(salt + i * 0x9E3779B97F4A7C15ull));
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

/* Exact search's distances (the tiles of dot_f32.h; the tail rows one pair at a time). */
static inline float exact_pair_dist(const float *y, int d, knn_metric metric, int a, int b) {
    const float *pa = y + (size_t)a * d, *pb = y + (size_t)b * d;
    if (metric == KNN_METRIC_EUCLIDEAN) return sqdist_f32(pa, pb, d);
    return 1.f - dot_f32(pa, pb, d);
}

/* NN-descent's distances: knn_dist_f32.h, the same bits for a pair in a tile or alone. */
static inline float nnd_pair_dist(const float *y, int d, knn_metric metric, int a, int b) {
    const float *pa = y + (size_t)a * d, *pb = y + (size_t)b * d;
    if (metric == KNN_METRIC_EUCLIDEAN) return knn_sqdist_f32(pa, pb, d);
    return 1.f - knn_dot_f32(pa, pb, d);
}

/* ------------------------------------------------------------------------------------------------
 * The state of a build. */
struct knn_build {
    const float *y; /* (n, d) the rows searched: x, or unit for cosine */
    float *unit;    /* (n, d) owned normalised copy (cosine) */
    int n, d, m;    /* m = k - 1 kept per row */
    knn_params p;   /* with n_trees, leaf_size, n_iters, max_candidates resolved */
    knn_method method;
    heaps h;        /* (n, m) the lists being built, with flags */
    int32_t *snap_idx; /* (n, m) NN-descent: the lists at the start of the round */
    uint8_t *snap_flag;
    int round;      /* NN-descent rounds done */
    int done;       /* no more rounds */
    long last_changes;
    /* scratch */
    float *normal;       /* (d) */
    int32_t *perm, *tmp; /* (n) */
    heaps cn, co;        /* (KNN_DESCENT_CHUNK, max_candidates) new and old candidates of one part */
    int32_t *list;       /* (2 max_candidates) */
    int *cand_count;     /* (2 KNN_DESCENT_CHUNK) entries used in cn, co per row */
};

/* ------------------------------------------------------------------------------------------------
 * Exact: every pair once (upper triangle in 4x2 tiles), pushed into both rows' heaps. Part p runs
 * the groups of 4 rows [group_start(p), group_start(p + 1)); the last part also the n % 4 tail. */
static void exact_pair(heaps *h, int a, int b, float v) {
    if (a == b) return;
    heap_push(h, a, v, b, 0);
    heap_push(h, b, v, a, 0);
}

static int exact_group_start(int n, int parts, int p) {
    int groups = n / 4;
    if (p <= 0) return 0;
    if (p >= parts) return groups;
    /* group g costs about n - 4 g pairs: cumulative cost 4 g n - 2 g^2 (in units of 2); the first g
     * reaching p / parts of the total */
    double total = (double)groups * n - 2.0 * groups * (double)groups;
    double want = total * p / parts;
    int lo = 0, hi = groups;
    while (lo < hi) {
        int mid = (lo + hi) / 2;
        if ((double)mid * n - 2.0 * mid * (double)mid >= want) hi = mid;
        else lo = mid + 1;
    }
    return lo;
}

static void exact_part(knn_build *kb, int part) {
    const float *y = kb->y;
    int n = kb->n, d = kb->d, parts = knn_build_n_parts(kb, KNN_PHASE_EXACT);
    knn_metric metric = kb->p.metric;
    heaps *h = &kb->h;
    float tile[8];
    int g1 = exact_group_start(n, parts, part + 1);
    for (int i = 4 * exact_group_start(n, parts, part); i < 4 * g1; i += 4) {
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
                if (j > i + a) exact_pair(h, i + a, j, exact_pair_dist(y, d, metric, i + a, j));
    }
    if (part == parts - 1)
        for (int i = 4 * (n / 4); i < n; i++)
            for (int j = i + 1; j < n; j++) exact_pair(h, i, j, exact_pair_dist(y, d, metric, i, j));
}

/* ------------------------------------------------------------------------------------------------
 * Pairs of a list of rows, in 4x2 tiles: (list[i], list[j]) for i < n_first, i < j < len, pushed into
 * both rows' lists as `flag`. Used for the leaves of the forest (n_first = len) and for NN-descent's
 * local join (new candidates against new and old ones). */
static void join_list(knn_build *kb, const int32_t *list, int n_first, int len, uint8_t flag) {
    const float *y = kb->y;
    int d = kb->d;
    int cos = kb->p.metric == KNN_METRIC_COSINE;
    float tile[8];
    for (int i0 = 0; i0 < n_first; i0 += 4) {
        const float *a[4];
        int ia[4];
        for (int t = 0; t < 4; t++) {
            ia[t] = i0 + t < n_first ? i0 + t : i0; /* a short block repeats its first row (ignored) */
            a[t] = y + (size_t)list[ia[t]] * d;
        }
        for (int j0 = i0 + 1; j0 < len; j0 += 2) {
            int jb[2] = {j0, j0 + 1 < len ? j0 + 1 : j0};
            const float *b[2] = {y + (size_t)list[jb[0]] * d, y + (size_t)list[jb[1]] * d};
            if (cos) {
                knn_dot_f32_4x2p(a, b, d, tile);
                for (int t = 0; t < 8; t++) tile[t] = 1.f - tile[t];
            } else {
                knn_sqdist_f32_4x2p(a, b, d, tile);
            }
            for (int t = 0; t < 4; t++) {
                if (i0 + t >= n_first) break;
                for (int u = 0; u < 2; u++) {
                    int i = i0 + t, j = j0 + u;
                    if (j >= len || j <= i) continue;
                    int pa = list[i], pb = list[j];
                    if (pa == pb) continue;
                    heap_push_unique(&kb->h, pa, tile[t * 2 + u], pb, flag);
                    heap_push_unique(&kb->h, pb, tile[t * 2 + u], pa, flag);
                }
            }
        }
    }
}

/* ------------------------------------------------------------------------------------------------
 * The forest: random-projection trees, each from its own seed; their leaves' pairs seed the lists. */

/* Splits perm[lo, hi) by a hyperplane halfway between two random members; returns the split point
 * (lo < mid < hi). Falls back to a random half split when the plane leaves a side empty. */
static int rp_split(knn_build *kb, knn_rng *rng, int lo, int hi) {
    int cnt = hi - lo, d = kb->d;
    int32_t *perm = kb->perm, *tmp = kb->tmp;
    float *normal = kb->normal;
    int ia = (int)knn_rng_below(rng, (uint32_t)cnt);
    int ib = (int)knn_rng_below(rng, (uint32_t)(cnt - 1));
    if (ib >= ia) ib++;
    const float *pa = kb->y + (size_t)perm[lo + ia] * d, *pb = kb->y + (size_t)perm[lo + ib] * d;
    double off = 0.0;
    for (int t = 0; t < d; t++) {
        normal[t] = pa[t] - pb[t];
        off -= (double)normal[t] * 0.5 * ((double)pa[t] + pb[t]);
    }
    int nl = 0, nr = 0;
    float margin[4];
    for (int q = lo; q < hi; q++) {
        if ((q - lo) % 4 == 0) { /* the margins of the next four rows (fewer at the end: repeats) */
            const float *rows[4];
            for (int t = 0; t < 4; t++) rows[t] = kb->y + (size_t)perm[q + t < hi ? q + t : q] * d;
            knn_dot_f32_1x4(normal, rows, d, margin);
        }
        float m = margin[(q - lo) % 4] + (float)off;
        int left;
        if (fabsf(m) < 1e-8f) left = (int)(knn_rng_next(rng) >> 63);
        else left = m > 0.f;
        if (left) perm[lo + nl++] = perm[q];
        else tmp[nr++] = perm[q];
    }
    for (int q = 0; q < nr; q++) perm[lo + nl + q] = tmp[q];
    if (nl == 0 || nr == 0) { /* degenerate (duplicates): random halves */
        for (int q = cnt - 1; q > 0; q--) {
            int s = (int)knn_rng_below(rng, (uint32_t)(q + 1));
            int32_t t = perm[lo + q];
            perm[lo + q] = perm[lo + s];
            perm[lo + s] = t;
        }
        return lo + cnt / 2;
    }
    return lo + nl;
}

static es_status forest_part(knn_build *kb, int tree, es_error *err) {
    int n = kb->n, leaf_size = kb->p.leaf_size;
    knn_rng rng = {stream_seed(kb->p.seed, 0x6b6e6e2d72707400ull, (uint64_t)tree)};
    for (int i = 0; i < n; i++) kb->perm[i] = i;
    /* explicit stack of ranges; depth is O(log n) expected but bounded by n in the worst case */
    int cap = 64, top = 0;
    int *stk = malloc(sizeof(int) * 2 * (size_t)cap);
    if (!stk) return es_fail(err, ES_ERR_NOMEM, "out of memory building a random-projection tree");
    stk[top++] = 0;
    stk[top++] = n;
    while (top > 0) {
        int hi = stk[--top], lo = stk[--top];
        if (hi - lo <= leaf_size) {
            join_list(kb, kb->perm + lo, hi - lo, hi - lo, FLAG_NEW);
            continue;
        }
        int mid = rp_split(kb, &rng, lo, hi);
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

/* Rows whose lists are not full after the forest get random neighbours (a stream per row). */
static void forest_fill(knn_build *kb) {
    int n = kb->n, m = kb->m, d = kb->d;
    for (int r = 0; r < n; r++) {
        int32_t *hi = kb->h.idx + (size_t)r * m;
        knn_rng rng = {stream_seed(kb->p.seed, 0x66696c6c00000000ull, (uint64_t)r)};
        int tries = 0;
        while (hi[0] < 0 && tries < 64 * m + 64) {
            int q = (int)knn_rng_below(&rng, (uint32_t)n);
            tries++;
            if (q != r) heap_push_unique(&kb->h, r, nnd_pair_dist(kb->y, d, kb->p.metric, r, q), q, FLAG_NEW);
        }
        for (int q = 0; hi[0] < 0 && q < n; q++) /* tiny n: fill deterministically */
            if (q != r) heap_push_unique(&kb->h, r, nnd_pair_dist(kb->y, d, kb->p.metric, r, q), q, FLAG_NEW);
    }
}

/* ------------------------------------------------------------------------------------------------
 * NN-descent. */

/* A round's state: the lists as they are now (every instance holds the same); "added" entries of
 * the previous round become "new". */
static void round_snapshot(knn_build *kb) {
    size_t c = (size_t)kb->n * kb->m;
    for (size_t q = 0; q < c; q++)
        if (kb->h.flag[q] == FLAG_ADDED) kb->h.flag[q] = FLAG_NEW;
    memcpy(kb->snap_idx, kb->h.idx, sizeof(int32_t) * c);
    memcpy(kb->snap_flag, kb->h.flag, c);
}

/* Candidate lists fill as plain arrays (a repeated index is checked against the entries so far only)
 * and become heaps when full: the same set as heap_push_unique would keep, at a fraction of the
 * cost (most rows have fewer candidates than room). count (rows) entries used per row. */
static inline void cand_push(heaps *c, int *count, int r, float pr, int32_t id) {
    int n = count[r], m = c->m;
    float *hd = c->dist + (size_t)r * m;
    int32_t *hi = c->idx + (size_t)r * m;
    if (n < m) {
        for (int t = 0; t < n; t++)
            if (hi[t] == id) return;
        hd[n] = pr;
        hi[n] = id;
        count[r] = ++n;
        if (n == m)
            for (int pos = m / 2 - 1; pos >= 0; pos--) heap_sift_down(hd, hi, NULL, m, pos);
        return;
    }
    heap_push_unique(c, r, pr, id, 0);
}

/* the candidate priority of the pair {a, b} in this round: uniform in [0, 1), symmetric */
static inline float pair_priority(uint64_t round_seed, int a, int b) {
    uint64_t lo = (uint64_t)(a < b ? a : b), hi = (uint64_t)(a < b ? b : a);
    return (float)(mix64(round_seed ^ (lo << 32 | hi)) >> 40) * (1.0f / 16777216.0f);
}

/* Rows [lo, hi) of a round: candidates from the round's start (forward and reverse neighbours,
 * split by the "new" flag, each list keeping the max_candidates of smallest priority), the new
 * entries that became candidates marked old, then the local join. */
static void descent_part(knn_build *kb, int part) {
    int n = kb->n, m = kb->m, mc = kb->p.max_candidates;
    int lo = part * KNN_DESCENT_CHUNK, hi = lo + KNN_DESCENT_CHUNK < n ? lo + KNN_DESCENT_CHUNK : n;
    heaps *cn = &kb->cn, *co = &kb->co;
    int *ncn = kb->cand_count, *nco = kb->cand_count + KNN_DESCENT_CHUNK;
    for (size_t q = 0; q < (size_t)(hi - lo) * mc; q++) {
        cn->dist[q] = co->dist[q] = INFINITY;
        cn->idx[q] = co->idx[q] = -1;
    }
    memset(kb->cand_count, 0, sizeof(int) * 2 * KNN_DESCENT_CHUNK);
    uint64_t round_seed = stream_seed(kb->p.seed, 0x726f756e64000000ull, (uint64_t)kb->round);
    for (int r = 0; r < n; r++)
        for (int j = 0; j < m; j++) {
            size_t e = (size_t)r * m + j;
            int32_t q = kb->snap_idx[e];
            if (q < 0) continue;
            int in_r = r >= lo && r < hi, in_q = q >= lo && q < hi;
            if (!in_r && !in_q) continue;
            float pr = pair_priority(round_seed, r, q);
            heaps *dst = kb->snap_flag[e] ? cn : co;
            int *cnt = kb->snap_flag[e] ? ncn : nco;
            if (in_r) cand_push(dst, cnt, r - lo, pr, q);
            if (in_q) cand_push(dst, cnt, q - lo, pr, r);
        }
    for (int r = lo; r < hi; r++) {
        const int32_t *nw = cn->idx + (size_t)(r - lo) * mc, *od = co->idx + (size_t)(r - lo) * mc;
        /* entries of r that were new at the start and became candidates are no longer new */
        for (int j = 0; j < m; j++) {
            size_t e = (size_t)r * m + j;
            if (kb->snap_flag[e] != FLAG_NEW) continue;
            int32_t q = kb->snap_idx[e];
            int cand = 0;
            for (int t = 0; t < mc && !cand; t++) cand = nw[t] == q;
            if (!cand) continue;
            int32_t *live = kb->h.idx + (size_t)r * m;
            for (int t = 0; t < m; t++)
                if (live[t] == q) {
                    if (kb->h.flag[(size_t)r * m + t] == FLAG_NEW) kb->h.flag[(size_t)r * m + t] = FLAG_OLD;
                    break;
                }
        }
        int nn = 0, len = 0;
        for (int t = 0; t < mc; t++)
            if (nw[t] >= 0) kb->list[nn++] = nw[t];
        len = nn;
        for (int t = 0; t < mc; t++)
            if (od[t] >= 0) kb->list[len++] = od[t];
        join_list(kb, kb->list, nn, len, FLAG_ADDED);
    }
}

/* ------------------------------------------------------------------------------------------------
 * The build's interface. */
es_status knn_build_create(const float *x, int n, int d, const knn_params *params, knn_build **kb_out, es_error *err) {
    *kb_out = NULL;
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
    knn_build *kb = calloc(1, sizeof *kb);
    if (!kb) return es_fail(err, ES_ERR_NOMEM, "out of memory");
    kb->n = n;
    kb->d = d;
    kb->m = p.k - 1;
    kb->y = x;
    kb->method = knn_resolve_method(&p, n);
    /* NN-descent needs room to move; tiny inputs are searched exactly whatever was asked */
    if (n <= 2 * p.k + 2) kb->method = KNN_METHOD_EXACT;
    if (p.n_trees <= 0) p.n_trees = 5 + (int)lround(sqrt((double)n) / 20.0);
    if (p.n_trees > 64) p.n_trees = 64;
    if (p.leaf_size <= 0) p.leaf_size = p.k > 30 ? p.k : 30;
    if (p.n_iters <= 0) {
        p.n_iters = (int)lround(log2((double)n));
        if (p.n_iters < 5) p.n_iters = 5;
    }
    /* 60, as umap-learn passes to pynndescent (pynndescent's own default, min(60, k), loses ~0.05 of
     * recall@15 on high-dimensional data) */
    if (p.max_candidates <= 0) p.max_candidates = 60;
    kb->p = p;
    if (p.metric == KNN_METRIC_COSINE) {
        kb->unit = malloc(sizeof(float) * (size_t)n * d);
        if (!kb->unit) {
            knn_build_free(kb);
            return es_fail(err, ES_ERR_NOMEM, "out of memory for a %d x %d normalised copy", n, d);
        }
        similarity_normalize_rows(x, n, d, kb->unit, err);
        kb->y = kb->unit;
    }
    if ((st = heaps_init(&kb->h, n, kb->m, 1, err))) {
        knn_build_free(kb);
        return st;
    }
    if (kb->method == KNN_METHOD_APPROX && kb->m > 0) {
        int rows = n < KNN_DESCENT_CHUNK ? n : KNN_DESCENT_CHUNK;
        size_t c = (size_t)n * kb->m;
        kb->snap_idx = malloc(sizeof(int32_t) * c);
        kb->snap_flag = malloc(c);
        kb->normal = malloc(sizeof(float) * (size_t)d);
        kb->perm = malloc(sizeof(int32_t) * (size_t)n);
        kb->tmp = malloc(sizeof(int32_t) * (size_t)n);
        kb->list = malloc(sizeof(int32_t) * 2 * (size_t)p.max_candidates);
        kb->cand_count = malloc(sizeof(int) * 2 * KNN_DESCENT_CHUNK);
        if (!kb->snap_idx || !kb->snap_flag || !kb->normal || !kb->perm || !kb->tmp || !kb->list || !kb->cand_count ||
            (st = heaps_init(&kb->cn, rows, p.max_candidates, 0, err)) ||
            (st = heaps_init(&kb->co, rows, p.max_candidates, 0, err))) {
            knn_build_free(kb);
            return st ? st : es_fail(err, ES_ERR_NOMEM, "out of memory for NN-descent scratch");
        }
    }
    *kb_out = kb;
    return ES_OK;
}

void knn_build_free(knn_build *kb) {
    if (!kb) return;
    free(kb->unit);
    heaps_free(&kb->h);
    heaps_free(&kb->cn);
    heaps_free(&kb->co);
    free(kb->snap_idx);
    free(kb->snap_flag);
    free(kb->normal);
    free(kb->perm);
    free(kb->tmp);
    free(kb->list);
    free(kb->cand_count);
    free(kb);
}

knn_method knn_build_method(const knn_build *kb) { return kb->method; }
int knn_build_n_rows(const knn_build *kb) { return kb->n; }
int knn_build_row_size(const knn_build *kb) { return kb->m; }

int knn_build_n_parts(const knn_build *kb, knn_phase phase) {
    if (kb->m == 0) return 0;
    switch (phase) {
    case KNN_PHASE_EXACT: return kb->method == KNN_METHOD_EXACT ? (kb->n / 4 >= KNN_EXACT_PARTS ? KNN_EXACT_PARTS : 1) : 0;
    case KNN_PHASE_FOREST: return kb->method == KNN_METHOD_APPROX ? kb->p.n_trees : 0;
    case KNN_PHASE_DESCENT:
        return kb->method == KNN_METHOD_APPROX ? (kb->n + KNN_DESCENT_CHUNK - 1) / KNN_DESCENT_CHUNK : 0;
    }
    return 0;
}

es_status knn_build_run_part(knn_build *kb, knn_phase phase, int part, es_error *err) {
    if (part < 0 || part >= knn_build_n_parts(kb, phase))
        return es_fail(err, ES_ERR_ARG, "kNN phase %d has no part %d", (int)phase, part);
    if (phase == KNN_PHASE_EXACT) exact_part(kb, part);
    else if (phase == KNN_PHASE_FOREST) return forest_part(kb, part, err);
    else {
        if (kb->done) return es_fail(err, ES_ERR_ARG, "NN-descent has finished");
        descent_part(kb, part);
    }
    return ES_OK;
}

/* Per row: the m best (distance, index) of the union of both lists, each index once (its flag the
 * smaller of the two), written in descending order (a valid max-heap). */
es_status knn_build_merge(knn_build *kb, const int32_t *idx, const float *dist, const uint8_t *flag, es_error *err) {
    int n = kb->n, m = kb->m;
    typedef struct { float d; int32_t i; uint8_t f; } item;
    item *u = malloc(sizeof(item) * 2 * (size_t)(m > 0 ? m : 1));
    if (!u) return es_fail(err, ES_ERR_NOMEM, "out of memory merging neighbour lists");
    for (int r = 0; r < n; r++) {
        size_t base = (size_t)r * m;
        int c = 0;
        for (int src = 0; src < 2; src++)
            for (int j = 0; j < m; j++) {
                int32_t q = src ? idx[base + j] : kb->h.idx[base + j];
                if (q < 0) continue;
                if (q >= n) {
                    free(u);
                    return es_fail(err, ES_ERR_ARG, "merged kNN row %d: index %d is not a row", r, (int)q);
                }
                float v = src ? dist[base + j] : kb->h.dist[base + j];
                uint8_t f = src ? flag[base + j] : kb->h.flag[base + j];
                int t = 0;
                while (t < c && u[t].i != q) t++;
                if (t < c) {
                    if (f < u[t].f) u[t].f = f;
                    continue;
                }
                u[c++] = (item){v, q, f};
            }
        /* insertion sort descending by (d, i): the worst first */
        for (int a = 1; a < c; a++) {
            item x = u[a];
            int b = a - 1;
            while (b >= 0 && (u[b].d < x.d || (u[b].d == x.d && u[b].i < x.i))) {
                u[b + 1] = u[b];
                b--;
            }
            u[b + 1] = x;
        }
        int skip = c > m ? c - m : 0, w = 0;
        for (; w < m - (c - skip); w++) { /* empty slots first: they are the worst */
            kb->h.dist[base + w] = INFINITY;
            kb->h.idx[base + w] = -1;
            kb->h.flag[base + w] = 0;
        }
        for (int a = skip; a < c; a++, w++) {
            kb->h.dist[base + w] = u[a].d;
            kb->h.idx[base + w] = u[a].i;
            kb->h.flag[base + w] = u[a].f;
        }
    }
    free(u);
    return ES_OK;
}

void knn_build_state(const knn_build *kb, const int32_t **idx_out, const float **dist_out, const uint8_t **flag_out) {
    *idx_out = kb->h.idx;
    *dist_out = kb->h.dist;
    *flag_out = kb->h.flag;
}

es_status knn_build_import(knn_build *kb, const int32_t *idx, const float *dist, const uint8_t *flag, int rounds,
                           es_error *err) {
    size_t c = (size_t)kb->n * kb->m;
    if (rounds < 0 || rounds > knn_build_max_rounds(kb))
        return es_fail(err, ES_ERR_ARG, "imported kNN state after %d rounds (at most %d)", rounds, knn_build_max_rounds(kb));
    for (size_t q = 0; q < c; q++)
        if (idx[q] < -1 || idx[q] >= kb->n) return es_fail(err, ES_ERR_ARG, "imported kNN state holds index %d", (int)idx[q]);
    memcpy(kb->h.idx, idx, sizeof(int32_t) * c);
    memcpy(kb->h.dist, dist, sizeof(float) * c);
    memcpy(kb->h.flag, flag, c);
    kb->round = rounds;
    if (kb->method == KNN_METHOD_APPROX && kb->m > 0) round_snapshot(kb);
    return ES_OK;
}

void knn_build_forest_done(knn_build *kb) {
    if (kb->method != KNN_METHOD_APPROX || kb->m == 0) return;
    forest_fill(kb);
    round_snapshot(kb);
}

int knn_build_round_done(knn_build *kb) {
    if (kb->method != KNN_METHOD_APPROX || kb->m == 0 || kb->done) return 0;
    long changes = 0;
    size_t c = (size_t)kb->n * kb->m;
    for (size_t q = 0; q < c; q++) changes += kb->h.flag[q] == FLAG_ADDED;
    kb->last_changes = changes;
    kb->round++;
    if ((double)changes <= (double)kb->p.delta * (double)(kb->m + 1) * (double)kb->n || kb->round >= kb->p.n_iters)
        kb->done = 1;
    round_snapshot(kb);
    return !kb->done;
}

int knn_build_rounds(const knn_build *kb) { return kb->round; }
int knn_build_max_rounds(const knn_build *kb) { return kb->method == KNN_METHOD_APPROX ? kb->p.n_iters : 0; }
long knn_build_last_changes(const knn_build *kb) { return kb->last_changes; }

es_status knn_build_finish(const knn_build *kb, int32_t *idx_out, float *dist_out, es_error *err) {
    return heaps_emit(&kb->h, kb->n, kb->p.metric, 1, idx_out, dist_out, err);
}

es_status knn_search(const float *x, int n, int d, const knn_params *params, int32_t *idx_out, float *dist_out,
                     es_error *err) {
    knn_build *kb;
    es_status st = knn_build_create(x, n, d, params, &kb, err);
    if (st) return st;
    /* one instance runs every part; several instances run the same parts between merges */
    for (int q = 0; q < knn_build_n_parts(kb, KNN_PHASE_EXACT) && !st; q++) st = knn_build_run_part(kb, KNN_PHASE_EXACT, q, err);
    for (int q = 0; q < knn_build_n_parts(kb, KNN_PHASE_FOREST) && !st; q++) st = knn_build_run_part(kb, KNN_PHASE_FOREST, q, err);
    if (!st && knn_build_n_parts(kb, KNN_PHASE_FOREST) > 0) {
        knn_build_forest_done(kb);
        int more = 1;
        while (more && !st) {
            for (int q = 0; q < knn_build_n_parts(kb, KNN_PHASE_DESCENT) && !st; q++)
                st = knn_build_run_part(kb, KNN_PHASE_DESCENT, q, err);
            if (!st) more = knn_build_round_done(kb);
        }
    }
    if (!st) st = knn_build_finish(kb, idx_out, dist_out, err);
    knn_build_free(kb);
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

/* ------------------------------------------------------------------------------------------------
 * Self-check of knn_dist_f32's kernels inside the build that runs them. */
es_status knn_kernel_selftest(int *mismatches_out, es_error *err) {
    enum { D = 390 };
    float *buf = malloc(sizeof(float) * 6 * D);
    if (!buf) return es_fail(err, ES_ERR_NOMEM, "out of memory in the kNN kernel self-test");
    knn_rng r = {99};
    for (int i = 0; i < 6 * D; i++) buf[i] = knn_rng_float(&r) * 2.f - 1.f;
    const float *a[4] = {buf, buf + D, buf + 2 * D, buf + 3 * D}, *b[2] = {buf + 4 * D, buf + 5 * D};
    static const int dims[] = {0, 1, 3, 4, 5, 7, 8, 9, 15, 16, 17, 383, 384, 385, 390};
    int bad = 0;
    for (size_t q = 0; q < sizeof dims / sizeof dims[0]; q++) {
        int d = dims[q];
        float t1[8], t2[8], m1[4], m2[4];
        knn_sqdist_f32_4x2p(a, b, d, t1);
        knn_sqdist_f32_4x2p_generic(a, b, d, t2);
        for (int i = 0; i < 8; i++) {
            bad += t1[i] != t2[i];                                 /* SIMD == scalar twin */
            bad += t1[i] != knn_sqdist_f32(a[i / 2], b[i % 2], d); /* a tile == the pair alone */
            bad += t1[i] != knn_sqdist_f32(b[i % 2], a[i / 2], d); /* == the swapped pair */
        }
        knn_dot_f32_4x2p(a, b, d, t1);
        knn_dot_f32_4x2p_generic(a, b, d, t2);
        for (int i = 0; i < 8; i++) {
            bad += t1[i] != t2[i];
            bad += t1[i] != knn_dot_f32(a[i / 2], b[i % 2], d);
            bad += t1[i] != knn_dot_f32(b[i % 2], a[i / 2], d);
        }
        knn_dot_f32_1x4(b[0], a, d, m1); /* margins: dot_f32's bits */
        knn_dot_f32_1x4_generic(b[0], a, d, m2);
        for (int j = 0; j < 4; j++) {
            bad += m1[j] != dot_f32(b[0], a[j], d);
            bad += m2[j] != dot_f32_generic(b[0], a[j], d);
        }
    }
    free(buf);
    *mismatches_out = bad;
    return ES_OK;
}
