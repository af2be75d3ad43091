/* umap_graph.c — see umap_graph.h. Names and steps follow umap-learn's umap_.py. */
#include "umap_graph.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SMOOTH_K_TOLERANCE 1e-5
#define MIN_K_DIST_SCALE 1e-3

void umap_graph_free(umap_graph *g) {
    if (!g) return;
    free(g->ptr);
    free(g->col);
    free(g->val);
    memset(g, 0, sizeof *g);
}

float umap_graph_max(const umap_graph *g) {
    float m = 0.f;
    for (long e = 0; e < g->nnz; e++)
        if (g->val[e] > m) m = g->val[e];
    return m;
}

void umap_graph_prune(umap_graph *g, float threshold) {
    long q = 0;
    for (int i = 0; i < g->n_rows; i++) {
        long s0 = g->ptr[i], s1 = g->ptr[i + 1];
        g->ptr[i] = q;
        for (long e = s0; e < s1; e++)
            if (!(g->val[e] < threshold)) {
                g->col[q] = g->col[e];
                g->val[q] = g->val[e];
                q++;
            }
    }
    g->ptr[g->n_rows] = q;
    g->nnz = q;
}

/* ------------------------------------------------------------------------------ smooth_knn_dist */
es_status umap_smooth_knn_dist(const float *knn_dist, int n, int k, float local_connectivity, float *sigma_out,
                               float *rho_out, es_error *err) {
    if (n < 1 || k < 1) return es_fail(err, ES_ERR_ARG, "smooth_knn_dist needs n >= 1 and k >= 1");
    double target = log2((double)k); /* bandwidth 1 */
    double mean_all = 0.0;
    for (size_t i = 0; i < (size_t)n * k; i++) mean_all += knn_dist[i];
    mean_all /= (double)n * k;
    for (int i = 0; i < n; i++) {
        const float *row = knn_dist + (size_t)i * k;
        double lo = 0.0, hi = INFINITY, mid = 1.0;
        /* rho: distance to the local_connectivity-th nearest non-zero neighbour (interpolated) */
        float rho = 0.f;
        int nz0 = 0, nnz = 0;
        for (int j = 0; j < k; j++)
            if (row[j] > 0.f) {
                if (nnz == 0) nz0 = j;
                nnz++;
            }
        const float *nz = row + nz0; /* rows are ascending: the non-zero ones are a suffix */
        if (nnz >= local_connectivity) {
            int index = (int)floor(local_connectivity);
            double interp = local_connectivity - index;
            if (index > 0) {
                double r = nz[index - 1];
                if (interp > SMOOTH_K_TOLERANCE) r += interp * (nz[index] - nz[index - 1]);
                rho = (float)r;
            } else {
                rho = (float)(interp * nz[0]);
            }
        } else if (nnz > 0) {
            rho = nz[nnz - 1];
        }
        for (int it = 0; it < 64; it++) {
            double psum = 0.0;
            for (int j = 1; j < k; j++) {
                double dd = (double)row[j] - rho;
                psum += dd > 0 ? exp(-(dd / mid)) : 1.0;
            }
            if (fabs(psum - target) < SMOOTH_K_TOLERANCE) break;
            if (psum > target) {
                hi = mid;
                mid = (lo + hi) / 2.0;
            } else {
                lo = mid;
                if (hi == INFINITY) mid *= 2;
                else mid = (lo + hi) / 2.0;
            }
        }
        float sigma = (float)mid;
        if (rho > 0.f) {
            double mean_i = 0.0;
            for (int j = 0; j < k; j++) mean_i += row[j];
            mean_i /= k;
            if (sigma < MIN_K_DIST_SCALE * mean_i) sigma = (float)(MIN_K_DIST_SCALE * mean_i);
        } else if (sigma < MIN_K_DIST_SCALE * mean_all) {
            sigma = (float)(MIN_K_DIST_SCALE * mean_all);
        }
        sigma_out[i] = sigma;
        rho_out[i] = rho;
    }
    return ES_OK;
}

/* -------------------------------------------------------------------- compute_membership_strengths */
void umap_compute_membership_strengths(const int32_t *knn_idx, const float *knn_dist, int n, int k, const float *sigma,
                                       const float *rho, int bipartite, float *vals_out) {
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            size_t e = (size_t)i * k + j;
            float v;
            if (knn_idx[e] < 0) v = 0.f; /* the kNN did not fill this slot */
            else if (!bipartite && knn_idx[e] == i) v = 0.f;
            else if (knn_dist[e] - rho[i] <= 0.f || sigma[i] == 0.f) v = 1.f;
            else v = expf(-((knn_dist[e] - rho[i]) / sigma[i]));
            vals_out[e] = v;
        }
}

/* ------------------------------------------------------------------------- fuzzy_simplicial_set */
typedef struct triple {
    int32_t row, col;
    float w;
    int8_t transposed;
} triple;

/* R (n, k) directed memberships; result = mix (R + R^T - R o R^T) + (1 - mix) R o R^T, rows sorted
 * by column: every entry and its transpose are sorted by (row, column) and the two halves of each
 * pair combined. */
static es_status fuzzy_union(const int32_t *idx, const float *w, int n, int k, float mix, umap_graph *g, es_error *err) {
    size_t cap = 2 * (size_t)n * k;
    triple *t = malloc(sizeof(triple) * (cap ? cap : 1));
    triple *s = malloc(sizeof(triple) * (cap ? cap : 1));
    long *cnt = calloc((size_t)n + 1, sizeof(long));
    long *pos = malloc(sizeof(long) * ((size_t)n + 1));
    if (!t || !s || !cnt || !pos) {
        free(t);
        free(s);
        free(cnt);
        free(pos);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the fuzzy graph (%d x %d)", n, k);
    }
    size_t m = 0;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            float v = w[(size_t)i * k + j];
            int32_t c = idx[(size_t)i * k + j];
            if (v == 0.f || c < 0 || c == i) continue;
            t[m++] = (triple){i, c, v, 0};
            t[m++] = (triple){c, i, v, 1};
        }
    /* counting sort by row, then insertion sort each row by column (rows are short) */
    for (size_t q = 0; q < m; q++) cnt[t[q].row + 1]++;
    for (int i = 0; i < n; i++) cnt[i + 1] += cnt[i];
    memcpy(pos, cnt, sizeof(long) * ((size_t)n + 1));
    for (size_t q = 0; q < m; q++) s[pos[t[q].row]++] = t[q];
    free(pos);
    for (int i = 0; i < n; i++) {
        for (long a = cnt[i] + 1; a < cnt[i + 1]; a++) {
            triple x = s[a];
            long b = a - 1;
            while (b >= cnt[i] && (s[b].col > x.col || (s[b].col == x.col && s[b].transposed > x.transposed))) {
                s[b + 1] = s[b];
                b--;
            }
            s[b + 1] = x;
        }
    }
    free(t);
    g->n_rows = g->n_cols = n;
    g->ptr = malloc(sizeof(long) * ((size_t)n + 1));
    g->col = malloc(sizeof(int32_t) * (m ? m : 1));
    g->val = malloc(sizeof(float) * (m ? m : 1));
    if (!g->ptr || !g->col || !g->val) {
        free(s);
        free(cnt);
        umap_graph_free(g);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the fuzzy graph");
    }
    long nnz = 0;
    for (int i = 0; i < n; i++) {
        g->ptr[i] = nnz;
        long a = cnt[i];
        while (a < cnt[i + 1]) {
            int32_t c = s[a].col;
            float r = 0.f, rt = 0.f; /* R[i,c] and R^T[i,c] = R[c,i] */
            while (a < cnt[i + 1] && s[a].col == c) {
                if (s[a].transposed) rt += s[a].w;
                else r += s[a].w;
                a++;
            }
            float prod = r * rt;
            float v = mix * (r + rt - prod) + (1.f - mix) * prod;
            if (v != 0.f) {
                g->col[nnz] = c;
                g->val[nnz] = v;
                nnz++;
            }
        }
    }
    g->ptr[n] = nnz;
    g->nnz = nnz;
    free(s);
    free(cnt);
    return ES_OK;
}

es_status umap_fuzzy_simplicial_set(const int32_t *knn_idx, const float *knn_dist, int n, int k,
                                    float local_connectivity, float set_op_mix_ratio, umap_graph *graph_out,
                                    es_error *err) {
    memset(graph_out, 0, sizeof *graph_out);
    float *sigma = malloc(sizeof(float) * (size_t)n), *rho = malloc(sizeof(float) * (size_t)n);
    float *w = malloc(sizeof(float) * (size_t)n * k);
    es_status st;
    if (!sigma || !rho || !w) st = es_fail(err, ES_ERR_NOMEM, "out of memory for the neighbour graph");
    else if ((st = umap_smooth_knn_dist(knn_dist, n, k, local_connectivity, sigma, rho, err)) == ES_OK) {
        umap_compute_membership_strengths(knn_idx, knn_dist, n, k, sigma, rho, 0, w);
        st = fuzzy_union(knn_idx, w, n, k, set_op_mix_ratio, graph_out, err);
    }
    free(sigma);
    free(rho);
    free(w);
    return st;
}

/* ------------------------------------------------------------------------ make_epochs_per_sample */
void umap_make_epochs_per_sample(const float *weights, long n, int n_epochs, double *out) {
    float wmax = 0.f;
    for (long e = 0; e < n; e++)
        if (weights[e] > wmax) wmax = weights[e];
    for (long e = 0; e < n; e++) {
        double ns = (double)n_epochs * ((double)weights[e] / wmax);
        out[e] = ns > 0 ? (double)n_epochs / ns : -1.0;
    }
}

/* ------------------------------------------------------------------------------- components */
static int uf_find(int32_t *p, int x) {
    while (p[x] != x) {
        p[x] = p[p[x]];
        x = p[x];
    }
    return x;
}

es_status umap_connected_components(const umap_graph *g, int32_t *label_out, int *count_out, es_error *err) {
    int n = g->n_rows;
    int32_t *p = malloc(sizeof(int32_t) * (size_t)(n > 0 ? n : 1));
    if (!p) return es_fail(err, ES_ERR_NOMEM, "out of memory");
    for (int i = 0; i < n; i++) p[i] = i;
    for (int i = 0; i < n; i++)
        for (long e = g->ptr[i]; e < g->ptr[i + 1]; e++) {
            int a = uf_find(p, i), b = uf_find(p, g->col[e]);
            if (a != b) p[a < b ? b : a] = a < b ? a : b; /* the root is the lowest vertex */
        }
    int c = 0;
    for (int i = 0; i < n; i++) {
        int r = uf_find(p, i);
        label_out[i] = r == i ? c++ : label_out[r];
    }
    free(p);
    *count_out = c;
    return ES_OK;
}
