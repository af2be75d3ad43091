/* umap_transform.c — see umap_transform in umap.h; follows umap-learn's UMAP.transform (umap_.py)
 * and init_graph_transform. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "similarity.h"
#include "umap.h"
#include "umap_layout.h"

umap_transform_params umap_transform_default_params(void) {
    umap_transform_params p = {0, 42};
    return p;
}

/* The bipartite graph (m, n) of the new points' memberships: rows sorted by column, zeros dropped. */
static es_status bipartite_graph(const int32_t *idx, const float *w, int m, int n, int k, umap_graph *g, es_error *err) {
    memset(g, 0, sizeof *g);
    g->n_rows = m;
    g->n_cols = n;
    g->ptr = malloc(sizeof(long) * ((size_t)m + 1));
    g->col = malloc(sizeof(int32_t) * (size_t)m * k);
    g->val = malloc(sizeof(float) * (size_t)m * k);
    if (!g->ptr || !g->col || !g->val) {
        umap_graph_free(g);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the graph of %d new points", m);
    }
    long nnz = 0;
    for (int i = 0; i < m; i++) {
        g->ptr[i] = nnz;
        long r0 = nnz;
        for (int j = 0; j < k; j++) {
            size_t e = (size_t)i * k + j;
            if (w[e] == 0.f || idx[e] < 0) continue;
            long b = nnz++; /* insertion by column (rows are short) */
            while (b > r0 && g->col[b - 1] > idx[e]) {
                g->col[b] = g->col[b - 1];
                g->val[b] = g->val[b - 1];
                b--;
            }
            g->col[b] = idx[e];
            g->val[b] = w[e];
        }
    }
    g->ptr[m] = nnz;
    g->nnz = nnz;
    return ES_OK;
}

/* init_graph_transform: each new point at the strength-weighted mean of its neighbours' positions,
 * or exactly on the first neighbour (by column) of strength 1. A row without neighbours (cannot
 * happen after smooth_knn_dist; umap-learn would give NaN) goes to its nearest neighbour. */
static void init_graph_transform(const umap_graph *g, const float *emb, int dim, const int32_t *nearest, float *out) {
    for (int i = 0; i < g->n_rows; i++) {
        float *o = out + (size_t)i * dim;
        for (int t = 0; t < dim; t++) o[t] = 0.f;
        float row_sum = 0.f;
        for (long e = g->ptr[i]; e < g->ptr[i + 1]; e++) row_sum += g->val[e];
        if (!(row_sum > 0.f)) {
            memcpy(o, emb + (size_t)nearest[i] * dim, sizeof(float) * dim);
            continue;
        }
        for (long e = g->ptr[i]; e < g->ptr[i + 1]; e++) {
            const float *src = emb + (size_t)g->col[e] * dim;
            if (g->val[e] == 1.f) {
                memcpy(o, src, sizeof(float) * dim);
                break;
            }
            for (int t = 0; t < dim; t++) o[t] += g->val[e] / row_sum * src[t];
        }
    }
}

es_status umap_transform(const umap_ctx *ctx, const float *x_train, int n, int d, const float *x_new, int m,
                         const umap_transform_params *params, float *y_out, int32_t *knn_idx_out, float *weights_out,
                         es_error *err) {
    if (!ctx) return es_fail(err, ES_ERR_ARG, "no UMAP context");
    if (n != umap_n(ctx) || d != umap_input_dim(ctx))
        return es_fail(err, ES_ERR_ARG, "transform needs the %d x %d rows the map was fitted on, got %d x %d",
                       umap_n(ctx), umap_input_dim(ctx), n, d);
    umap_params p = umap_get_params(ctx);
    p.n_neighbors = umap_get_info(ctx).n_neighbors; /* as clamped by the fit */
    return umap_transform_onto(x_train, n, d, umap_embedding(ctx), &p, x_new, m, params, y_out, knn_idx_out,
                               weights_out, err);
}

es_status umap_transform_onto(const float *x_train, int n, int d, const float *embedding, const umap_params *params,
                              const float *x_new, int m, const umap_transform_params *tparams, float *y_out,
                              int32_t *knn_idx_out, float *weights_out, es_error *err) {
    if (!x_train || !embedding || !params || !x_new || !y_out) return es_fail(err, ES_ERR_ARG, "transform: missing input");
    umap_transform_params tp = tparams ? *tparams : umap_transform_default_params();
    umap_params p = *params;
    es_status st = umap_check_params(&p, err);
    if (st) return st;
    int dim = p.n_components;
    if (n < 2) return es_fail(err, ES_ERR_ARG, "transform needs a map of at least 2 points");
    if (d < 1) return es_fail(err, ES_ERR_ARG, "transform needs rows with at least one value, got %d", d);
    if (m < 1) return es_fail(err, ES_ERR_ARG, "transform needs at least one new point, got %d", m);
    if (tp.n_epochs < 0 || tp.n_epochs > 100000)
        return es_fail(err, ES_ERR_ARG, "n_epochs must be between 0 (automatic) and 100000, got %d", tp.n_epochs);
    /* the rows and the new points are checked by knn_query; the positions come from a file */
    if ((st = similarity_check_finite(embedding, n, dim, "the map's positions", err))) return st;
    /* n_neighbors as a fit of n points uses it (umap_create clamps it the same way) */
    int k = p.n_neighbors > n - 1 ? n - 1 : p.n_neighbors;
    if (k < 2) k = 2;
    if (!(p.a > 0.f && p.b > 0.f) && (st = umap_find_ab(p.spread, p.min_dist, &p.a, &p.b, err))) return st;
    int n_epochs = tp.n_epochs > 0 ? tp.n_epochs : p.n_epochs > 0 ? (p.n_epochs / 3 > 0 ? p.n_epochs / 3 : 1)
                                                 : (m <= 10000 ? 100 : 30);

    int32_t *idx = malloc(sizeof(int32_t) * (size_t)m * k);
    float *dist = malloc(sizeof(float) * (size_t)m * k), *w = malloc(sizeof(float) * (size_t)m * k);
    float *sigma = malloc(sizeof(float) * (size_t)m), *rho = malloc(sizeof(float) * (size_t)m);
    float *head = malloc(sizeof(float) * (size_t)m * dim), *tail = malloc(sizeof(float) * (size_t)n * dim);
    umap_graph g = {0};
    umap_layout_state s = {0};
    if (!idx || !dist || !w || !sigma || !rho || !head || !tail) {
        st = es_fail(err, ES_ERR_NOMEM, "out of memory transforming %d points", m);
        goto done;
    }
    if ((st = knn_query(x_train, n, d, x_new, m, k, p.metric, idx, dist, err))) goto done;
    float lc = p.local_connectivity - 1.f;
    if ((st = umap_smooth_knn_dist(dist, m, k, lc > 0.f ? lc : 0.f, sigma, rho, err))) goto done;
    umap_compute_membership_strengths(idx, dist, m, k, sigma, rho, 1, w);
    if (knn_idx_out) memcpy(knn_idx_out, idx, sizeof(int32_t) * (size_t)m * k);
    if (weights_out) memcpy(weights_out, w, sizeof(float) * (size_t)m * k);
    if ((st = bipartite_graph(idx, w, m, n, k, &g, err))) goto done;
    /* the map stays fixed: a copy, as umap-learn passes embedding_.copy() */
    memcpy(tail, embedding, sizeof(float) * (size_t)n * dim);
    for (int i = 0; i < m; i++) idx[i] = idx[(size_t)i * k]; /* nearest neighbour of each new point */
    init_graph_transform(&g, tail, dim, idx, head);
    umap_graph_prune(&g, umap_graph_max(&g) / (float)n_epochs);
    umap_sgd_params sp = {p.a, p.b, p.repulsion_strength, p.learning_rate / 4.f, p.negative_sample_rate, n_epochs, 0};
    if ((st = umap_layout_init(&s, &sp, &g, head, tail, dim, err))) goto done;
    knn_rng rng = {tp.seed};
    umap_optimize_layout_euclidean(&s, n_epochs, &rng);
    memcpy(y_out, head, sizeof(float) * (size_t)m * dim);
done:
    umap_layout_free(&s);
    umap_graph_free(&g);
    free(idx);
    free(dist);
    free(w);
    free(sigma);
    free(rho);
    free(head);
    free(tail);
    return st;
}
