/* hdbscan_neighbors.c — see hdbscan_neighbors.h. */
#include "hdbscan_neighbors.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "hdbscan_sqdist.h"

es_status hdbscan_check_points(const float *x, int n, int dim, es_error *err) {
    if (n < 1) return es_fail(err, ES_ERR_ARG, "HDBSCAN needs at least one point, got %d", n);
    if (dim < 1) return es_fail(err, ES_ERR_ARG, "HDBSCAN needs points of dimension >= 1, got %d", dim);
    if (!x) return es_fail(err, ES_ERR_ARG, "HDBSCAN: the points are NULL");
    if ((double)n * dim > 2147483647.0) return es_fail(err, ES_ERR_ARG, "input too large: %d x %d values", n, dim);
    if (n > 1073741823) return es_fail(err, ES_ERR_ARG, "too many points: %d", n);
    for (size_t i = 0; i < (size_t)n * dim; i++)
        if (!isfinite(x[i]))
            return es_fail(err, ES_ERR_NUMERIC, "HDBSCAN input has a %s value at row %d, column %d",
                           isnan(x[i]) ? "NaN" : "infinite", (int)(i / dim), (int)(i % dim));
    return ES_OK;
}

void hdbscan_neighbors_free(hdbscan_neighbors *nb) {
    if (!nb) return;
    hdbscan_kdtree_free(&nb->tree);
    free(nb->pos_of);
    free(nb->mult);
    free(nb->copy_start);
    free(nb->copies);
    free(nb->nbr);
    free(nb);
}

/* ====================================================================== duplicates */

/* FNV-1a over the bits of the coordinates, -0 read as +0 (they are equal points) */
static uint32_t row_hash(const float *r, int dim) {
    uint32_t h = 2166136261u;
    for (int k = 0; k < dim; k++) {
        float v = r[k] + 0.0f;
        uint32_t b;
        memcpy(&b, &v, sizeof b);
        for (int s = 0; s < 32; s += 8) {
            h ^= (b >> s) & 0xffu;
            h *= 16777619u;
        }
    }
    return h ^ (h >> 16);
}

static int rows_equal(const float *a, const float *b, int dim) {
    for (int k = 0; k < dim; k++)
        if (a[k] != b[k]) return 0;
    return 1;
}

/* Distinct rows of x in order of first occurrence: xu_out (n_unique, dim, room for n rows) and
 * unique_of (n). Returns n_unique, or -1 when out of memory. */
static int collapse_duplicates(const float *x, int n, int dim, float *xu, int32_t *unique_of) {
    size_t cap = 16;
    while (cap < (size_t)n * 2) cap <<= 1;
    int32_t *slot = malloc(cap * sizeof *slot);
    if (!slot) return -1;
    for (size_t s = 0; s < cap; s++) slot[s] = -1;
    int u = 0;
    for (int i = 0; i < n; i++) {
        const float *r = x + (size_t)i * dim;
        size_t s = row_hash(r, dim) & (cap - 1);
        for (;;) {
            int id = slot[s];
            if (id < 0) {
                float *dst = xu + (size_t)u * dim;
                for (int k = 0; k < dim; k++) dst[k] = r[k] + 0.0f;
                slot[s] = u;
                unique_of[i] = u++;
                break;
            }
            if (rows_equal(xu + (size_t)id * dim, r, dim)) {
                unique_of[i] = id;
                break;
            }
            s = (s + 1) & (cap - 1);
        }
    }
    free(slot);
    return u;
}

es_status hdbscan_neighbors_build(const float *x, int n, int dim, int k_max, int leaf_size, hdbscan_neighbors **out,
                                  es_error *err) {
    *out = NULL;
    if (k_max < 1) return es_fail(err, ES_ERR_ARG, "k_max must be >= 1, got %d", k_max);
    hdbscan_neighbors *nb = calloc(1, sizeof *nb);
    float *xu = malloc((size_t)n * dim * sizeof *xu);
    int32_t *unique_of = malloc((size_t)n * sizeof *unique_of);
    if (!nb || !xu || !unique_of) {
        free(nb); free(xu); free(unique_of);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for %d points", n);
    }
    nb->n = n;
    nb->dim = dim;
    nb->k_max = k_max;
    es_status st = ES_OK;
    int u = collapse_duplicates(x, n, dim, xu, unique_of);
    if (u < 0) { st = es_fail(err, ES_ERR_NOMEM, "out of memory finding duplicate points"); goto done; }
    nb->n_unique = u;
    nb->k = k_max < u - 1 - HDBSCAN_NEIGHBORS_EXTRA ? k_max + HDBSCAN_NEIGHBORS_EXTRA : u - 1;
    nb->copy_start = calloc((size_t)u + 1, sizeof *nb->copy_start);
    nb->copies = malloc((size_t)n * sizeof *nb->copies);
    nb->pos_of = malloc((size_t)u * sizeof *nb->pos_of);
    nb->mult = malloc((size_t)u * sizeof *nb->mult);
    nb->nbr = malloc(((size_t)u * nb->k + 1) * sizeof *nb->nbr);
    if (!nb->copy_start || !nb->copies || !nb->pos_of || !nb->mult || !nb->nbr) {
        st = es_fail(err, ES_ERR_NOMEM, "out of memory for the neighbours of %d points", n);
        goto done;
    }
    for (int i = 0; i < n; i++) nb->copy_start[unique_of[i] + 1]++;
    for (int v = 0; v < u; v++) nb->copy_start[v + 1] += nb->copy_start[v];
    {
        int32_t *fill = unique_of; /* reused: each row's slot, written in increasing row order */
        int32_t *next = malloc((size_t)u * sizeof *next);
        if (!next) { st = es_fail(err, ES_ERR_NOMEM, "out of memory for the neighbours"); goto done; }
        memcpy(next, nb->copy_start, (size_t)u * sizeof *next);
        for (int i = 0; i < n; i++) nb->copies[next[fill[i]]++] = i;
        free(next);
    }
    st = hdbscan_kdtree_build(xu, u, dim, leaf_size, &nb->tree, err);
    if (st != ES_OK) goto done;
    for (int p = 0; p < u; p++) {
        int id = nb->tree.index[p];
        nb->pos_of[id] = p;
        nb->mult[p] = nb->copy_start[id + 1] - nb->copy_start[id];
    }
    st = hdbscan_kdtree_knn_sorted(&nb->tree, nb->k, nb->nbr, err);

done:
    free(xu);
    free(unique_of);
    if (st != ES_OK) {
        hdbscan_neighbors_free(nb);
        return st;
    }
    *out = nb;
    return ES_OK;
}

/* ====================================================================== what a min_samples reads */

double hdbscan_neighbors_dist(const hdbscan_neighbors *nb, int a, int b) {
    return sqrt(hdbscan_kdtree_sqdist(&nb->tree, a, b));
}

void hdbscan_neighbors_core(const hdbscan_neighbors *nb, int min_samples, double *core_pos) {
    int k = nb->k;
    for (int p = 0; p < nb->n_unique; p++) {
        int need = min_samples + 1 - nb->mult[p]; /* counts beyond p and its copies */
        core_pos[p] = 0.0;
        if (need <= 0) continue;
        const int32_t *row = nb->nbr + (size_t)p * k;
        int cum = 0;
        for (int j = 0; j < k; j++) {
            cum += nb->mult[row[j]];
            if (cum >= need || j == k - 1) { /* the list always reaches need (min_samples <= k_max, n - 1) */
                core_pos[p] = hdbscan_neighbors_dist(nb, p, row[j]);
                break;
            }
        }
    }
}

void hdbscan_neighbors_points(const hdbscan_neighbors *nb, float *x_out) {
    int dim = nb->dim;
    for (int v = 0; v < nb->n_unique; v++) {
        const float *r = nb->tree.pts + (size_t)nb->pos_of[v] * dim;
        for (int c = nb->copy_start[v]; c < nb->copy_start[v + 1]; c++)
            memcpy(x_out + (size_t)nb->copies[c] * dim, r, (size_t)dim * sizeof *r);
    }
}

/* ====================================================================== core-ball pairs */

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

/* The pair (p, b) with b in p's ball, once: from p unless p is also in b's ball and b comes first. */
static int push_ball_pair(const double *core_pos, int p, int b, double sq, pair_buf *out) {
    if (b < p && hdbscan_in_ball(sq, core_pos[b])) return 1;
    return pair_push(out, p, b);
}

/* Every b with |p - b| <= r by a kd-tree range search (when p's list ends inside its ball: ties). */
static int ball_by_search(const hdbscan_neighbors *nb, const double *core_pos, int p, pair_buf *out) {
    const hdbscan_kdtree *t = &nb->tree;
    const float *q = t->pts + (size_t)p * t->dim;
    double r = core_pos[p];
    int32_t stack[160];
    int sp = 0;
    stack[sp++] = 0;
    while (sp > 0) {
        int node = stack[--sp];
        if (t->left[node] < 0) {
            for (int b = t->start[node]; b < t->end[node]; b++) {
                if (b == p) continue;
                double sq = hdbscan_kdtree_sqdist(t, p, b);
                if (hdbscan_in_ball(sq, r) && !push_ball_pair(core_pos, p, b, sq, out)) return 0;
            }
            continue;
        }
        int l = t->left[node], rr = t->right[node];
        if (sqrt(hdbscan_kdtree_box_sqdist(t, rr, q)) <= r) stack[sp++] = rr;
        if (sqrt(hdbscan_kdtree_box_sqdist(t, l, q)) <= r) stack[sp++] = l;
    }
    return 1;
}

es_status hdbscan_neighbors_ball_pairs(const hdbscan_neighbors *nb, const double *core_pos, size_t limit,
                                       int32_t **u_out, int32_t **v_out, long long *count_out, es_error *err) {
    pair_buf pb;
    memset(&pb, 0, sizeof pb);
    pb.limit = limit;
    int k = nb->k, complete = k == nb->n_unique - 1, ok = 1;
    for (int p = 0; p < nb->n_unique && ok; p++) {
        const int32_t *row = nb->nbr + (size_t)p * k;
        double r = core_pos[p];
        if (k == 0 || r == 0.0) continue; /* distinct points are never at distance 0 */
        if (!complete && hdbscan_in_ball(hdbscan_kdtree_sqdist(&nb->tree, p, row[k - 1]), r)) {
            ok = ball_by_search(nb, core_pos, p, &pb); /* the ball may reach past the list */
            continue;
        }
        for (int j = 0; j < k && ok; j++) {
            double sq = hdbscan_kdtree_sqdist(&nb->tree, p, row[j]);
            if (!hdbscan_in_ball(sq, r)) break; /* nearest first: the rest lie outside too */
            ok = push_ball_pair(core_pos, p, row[j], sq, &pb);
        }
    }
    if (!ok) { /* over the limit (or no memory for more): the caller does without the graph */
        free(pb.u);
        free(pb.v);
        *u_out = *v_out = NULL;
        *count_out = -1;
        return ES_OK;
    }
    *u_out = pb.u;
    *v_out = pb.v;
    *count_out = (long long)pb.n;
    return ES_OK;
}
