/* test_umap.c — native (ASan + UBSan) checks of knn.c, similarity.c and umap.c: exact kNN against a
 * brute force, smooth_knn_dist's defining equation, a/b, UMAP determinism, edge cases and error
 * paths (no leaks on failure). Exits non-zero on the first mismatch. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "embedscape.h" /* the one include: keeps it true (every stage header compiles in it) */
#include "dot_f32.h"
#include "knn.h"
#include "similarity.h"
#include "umap.h"

static int failures;
#define CHECK(cond, ...)                                                   \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "%s:%d: FAIL: ", __FILE__, __LINE__);          \
            fprintf(stderr, __VA_ARGS__);                                  \
            fprintf(stderr, "\n");                                         \
            failures++;                                                    \
        }                                                                  \
    } while (0)

static float *random_matrix(int n, int d, uint64_t seed) {
    knn_rng r = {seed};
    float *x = malloc(sizeof(float) * (size_t)n * d);
    for (int i = 0; i < n * d; i++) x[i] = knn_rng_float(&r) - 0.5f;
    return x;
}

static void test_knn_exact(void) {
    int n = 97, d = 13, k = 6;
    float *x = random_matrix(n, d, 1);
    int32_t *idx = malloc(sizeof(int32_t) * n * k);
    float *dist = malloc(sizeof(float) * n * k);
    for (int metric = 0; metric < 2; metric++) {
        knn_params p = knn_default_params();
        p.k = k;
        p.metric = (knn_metric)metric;
        p.method = KNN_METHOD_EXACT;
        es_error err = {0};
        CHECK(knn_search(x, n, d, &p, idx, dist, &err) == ES_OK, "knn_search: %s", err.message);
        for (int i = 0; i < n; i++) {
            CHECK(idx[i * k] == i && dist[i * k] == 0.f, "row %d does not start with itself", i);
            /* the (k-1)-th distance must bound every other point's distance from below */
            float worst = dist[i * k + k - 1];
            int closer = 0;
            for (int j = 0; j < n; j++) {
                if (j == i) continue;
                float v;
                if (metric == 0) v = sqrtf(sqdist_f32_generic(x + i * d, x + j * d, d));
                else {
                    float a = dot_f32_generic(x + i * d, x + i * d, d), b = dot_f32_generic(x + j * d, x + j * d, d);
                    v = 1.f - dot_f32_generic(x + i * d, x + j * d, d) / sqrtf(a * b);
                }
                if (v < worst - 1e-5f) closer++;
            }
            CHECK(closer <= k - 2, "row %d: %d points closer than the list's last (metric %d)", i, closer, metric);
            for (int q = 2; q < k; q++) CHECK(dist[i * k + q] >= dist[i * k + q - 1], "row %d not ascending", i);
        }
        p.method = KNN_METHOD_APPROX;
        int32_t *idx2 = malloc(sizeof(int32_t) * n * k);
        float *dist2 = malloc(sizeof(float) * n * k);
        CHECK(knn_search(x, n, d, &p, idx2, dist2, &err) == ES_OK, "approx: %s", err.message);
        free(idx2);
        free(dist2);
    }
    es_error err = {0};
    knn_params p = knn_default_params();
    p.k = n + 1;
    CHECK(knn_search(x, n, d, &p, idx, dist, &err) == ES_ERR_ARG, "k > n accepted");
    x[5] = NAN;
    p.k = 3;
    CHECK(knn_search(x, n, d, &p, idx, dist, &err) == ES_ERR_NUMERIC && strstr(err.message, "NaN"), "NaN accepted");
    free(x);
    free(idx);
    free(dist);
}

/* Three instances share a search: parts dealt out in an order of their own, states merged into
 * instance 0 and imported back; the lists must equal knn_search's, bit for bit. */
static void shared_search(const float *x, int n, int d, const knn_params *p, int32_t *idx, float *dist, int deal) {
    enum { W = 3 };
    knn_build *kb[W];
    es_error err = {0};
    for (int w = 0; w < W; w++) CHECK(knn_build_create(x, n, d, p, &kb[w], &err) == ES_OK, "%s", err.message);
    size_t c = (size_t)n * knn_build_row_size(kb[0]);
    int32_t *si = malloc(sizeof(int32_t) * c);
    float *sd = malloc(sizeof(float) * c);
    uint8_t *sf = malloc(c);
    int rounds_left = 100;
    for (int phase = 0; phase < 3; phase++) {
        int more = 1;
        while (more) {
            int parts = knn_build_n_parts(kb[0], (knn_phase)phase);
            if (parts == 0) break;
            for (int q = 0; q < parts; q++) {
                int part = deal ? parts - 1 - q : q;       /* backwards, or forwards */
                int w = deal ? (q * 7 + phase) % W : q % W; /* dealt out differently */
                CHECK(knn_build_run_part(kb[w], (knn_phase)phase, part, &err) == ES_OK, "%s", err.message);
            }
            for (int w = 1; w < W; w++) {
                const int32_t *i;
                const float *dd;
                const uint8_t *f;
                knn_build_state(kb[w], &i, &dd, &f);
                CHECK(knn_build_merge(kb[0], i, dd, f, &err) == ES_OK, "%s", err.message);
            }
            if (phase == KNN_PHASE_EXACT) more = 0;
            else if (phase == KNN_PHASE_FOREST) {
                knn_build_forest_done(kb[0]);
                more = 0;
            } else more = knn_build_round_done(kb[0]) && --rounds_left > 0;
            if (phase != KNN_PHASE_EXACT) {
                const int32_t *i;
                const float *dd;
                const uint8_t *f;
                knn_build_state(kb[0], &i, &dd, &f);
                memcpy(si, i, sizeof(int32_t) * c);
                memcpy(sd, dd, sizeof(float) * c);
                memcpy(sf, f, c);
                for (int w = 1; w < W; w++)
                    CHECK(knn_build_import(kb[w], si, sd, sf, knn_build_rounds(kb[0]), &err) == ES_OK, "%s", err.message);
            }
        }
    }
    CHECK(knn_build_finish(kb[0], idx, dist, &err) == ES_OK, "%s", err.message);
    for (int w = 0; w < W; w++) knn_build_free(kb[w]);
    free(si);
    free(sd);
    free(sf);
}

static void test_knn_shared(void) {
    int n = 700, d = 24, k = 10;
    float *x = random_matrix(n, d, 8); /* uniform: hard for NN-descent, so its choices show */
    int32_t *a = malloc(sizeof(int32_t) * n * k), *b = malloc(sizeof(int32_t) * n * k);
    float *da = malloc(sizeof(float) * n * k), *db = malloc(sizeof(float) * n * k);
    es_error err = {0};
    for (int method = 1; method <= 2; method++)
        for (int metric = 0; metric < 2; metric++) {
            knn_params p = knn_default_params();
            p.k = k;
            p.metric = (knn_metric)metric;
            p.method = (knn_method)method;
            p.seed = 5;
            p.n_iters = 3;        /* stopped before it converges, */
            p.max_candidates = 6; /* with few candidates: every flag and priority matters */
            CHECK(knn_search(x, n, d, &p, a, da, &err) == ES_OK, "%s", err.message);
            for (int deal = 0; deal < 2; deal++) {
                shared_search(x, n, d, &p, b, db, deal);
                CHECK(memcmp(a, b, sizeof(int32_t) * n * k) == 0 && memcmp(da, db, sizeof(float) * n * k) == 0,
                      "shared search differs from knn_search (method %d, metric %d, deal %d)", method, metric, deal);
            }
        }
    int bad_bits = -1;
    CHECK(knn_kernel_selftest(&bad_bits, &err) == ES_OK && bad_bits == 0, "kNN kernels: %d results differ", bad_bits);
    /* a bad part and a bad import are refused */
    knn_build *kb;
    knn_params p = knn_default_params();
    p.k = k;
    p.method = KNN_METHOD_APPROX;
    CHECK(knn_build_create(x, n, d, &p, &kb, &err) == ES_OK, "%s", err.message);
    CHECK(knn_build_run_part(kb, KNN_PHASE_FOREST, 999, &err) == ES_ERR_ARG, "part 999 accepted");
    CHECK(knn_build_run_part(kb, KNN_PHASE_EXACT, 0, &err) == ES_ERR_ARG, "an exact part of an approximate search accepted");
    const int32_t *i;
    const float *dd;
    const uint8_t *f;
    knn_build_state(kb, &i, &dd, &f);
    int32_t *bad = malloc(sizeof(int32_t) * n * (k - 1));
    memcpy(bad, i, sizeof(int32_t) * n * (k - 1));
    bad[3] = n;
    CHECK(knn_build_import(kb, bad, dd, f, 0, &err) == ES_ERR_ARG, "index n imported");
    CHECK(knn_build_merge(kb, bad, dd, f, &err) == ES_ERR_ARG, "index n merged");
    free(bad);
    knn_build_free(kb);
    free(a);
    free(b);
    free(da);
    free(db);
    free(x);
}

static void test_smooth_knn_dist(void) {
    /* sum_j exp(-(d_j - rho) / sigma) over the k-1 neighbours = log2(k) (bandwidth 1) */
    int n = 4, k = 5;
    float dist[20] = {0, 1, 2, 3, 4, 0, 0.5f, 0.5f, 2, 7, 0, 3, 3.1f, 3.2f, 9, 0, 0, 0, 0, 0};
    float sigma[4], rho[4];
    es_error err = {0};
    CHECK(umap_smooth_knn_dist(dist, n, k, 1.f, sigma, rho, &err) == ES_OK, "%s", err.message);
    CHECK(rho[0] == 1.f && rho[1] == 0.5f && rho[2] == 3.f && rho[3] == 0.f, "rho");
    for (int i = 0; i < 3; i++) {
        double s = 0;
        for (int j = 1; j < k; j++) {
            double v = dist[i * k + j] - rho[i];
            s += v > 0 ? exp(-v / sigma[i]) : 1.0;
        }
        CHECK(fabs(s - log2(k)) < 1e-3, "row %d: membership sum %g, want %g", i, s, log2(k));
    }
    CHECK(sigma[3] > 0.f, "all-zero row gets a positive sigma");
}

static void test_ab(void) {
    float a, b;
    es_error err = {0};
    CHECK(umap_find_ab(1.f, 0.1f, &a, &b, &err) == ES_OK, "%s", err.message);
    CHECK(fabsf(a - 1.5769435f) < 1e-4f && fabsf(b - 0.8950609f) < 1e-4f, "a %g b %g", a, b);
    CHECK(umap_find_ab(1.f, 1.5f, &a, &b, &err) == ES_ERR_ARG, "min_dist > spread accepted");
}

static void test_umap(void) {
    int n = 150, d = 10;
    float *x = random_matrix(n, d, 3);
    for (int i = 0; i < n / 2; i++) x[i * d] += 3.f; /* two groups */
    umap_params p = umap_default_params();
    p.n_epochs = 40;
    p.seed = 9;
    es_error err = {0};
    umap_ctx *u1, *u2;
    CHECK(umap_create(x, n, d, &p, &u1, &err) == ES_OK, "%s", err.message);
    CHECK(umap_create(x, n, d, &p, &u2, &err) == ES_OK, "%s", err.message);
    CHECK(umap_run_epochs(u1, 40, &err) == ES_OK, "%s", err.message);
    for (int s = 0; s < 40; s += 7) umap_run_epochs(u2, 7, &err); /* stepping in chunks: same result */
    CHECK(umap_epoch(u1) == 40 && umap_epoch(u2) == 40, "epochs");
    CHECK(memcmp(umap_embedding(u1), umap_embedding(u2), sizeof(float) * n * 2) == 0, "not deterministic");
    for (int i = 0; i < n * 2; i++) CHECK(isfinite(umap_embedding(u1)[i]), "non-finite output");
    umap_free(u1);
    umap_free(u2);

    /* disconnected: 6 far groups (> 2 * dim components: centroids placed spectrally) */
    {
        int m = 66;
        float *y = random_matrix(m, d, 5);
        for (int i = 0; i < m; i++) y[i * d + (i < 60 ? i / 12 : 5)] += 100.f; /* the last group has 6 */
        umap_params q = umap_default_params();
        q.n_epochs = 20;
        q.n_neighbors = 5;
        umap_ctx *u;
        CHECK(umap_create(y, m, d, &q, &u, &err) == ES_OK, "%s", err.message);
        umap_info info = umap_get_info(u);
        CHECK(info.n_graph_components == 6 && info.init == UMAP_INIT_SPECTRAL, "components %d init %d",
              info.n_graph_components, (int)info.init);
        umap_run_epochs(u, 20, &err);
        for (int i = 0; i < m * 2; i++) CHECK(isfinite(umap_embedding(u)[i]), "non-finite output");
        umap_free(u);
        free(y);
    }

    /* n = 1, n = 2, n <= n_neighbors */
    for (int m = 1; m <= 4; m++) {
        umap_ctx *u;
        CHECK(umap_create(x, m, d, &p, &u, &err) == ES_OK, "n=%d: %s", m, err.message);
        umap_run_epochs(u, 1000, &err);
        for (int i = 0; i < m * 2; i++) CHECK(isfinite(umap_embedding(u)[i]), "n=%d non-finite", m);
        if (m == 1) CHECK(umap_embedding(u)[0] == 0.f && umap_embedding(u)[1] == 0.f, "n=1 is not the origin");
        umap_free(u);
    }
    /* errors leave nothing allocated (LeakSanitizer) */
    umap_ctx *u = NULL;
    p.min_dist = 2.f;
    CHECK(umap_create(x, n, d, &p, &u, &err) == ES_ERR_ARG && u == NULL, "min_dist > spread accepted");
    p = umap_default_params();
    x[17] = INFINITY;
    CHECK(umap_create(x, n, d, &p, &u, &err) == ES_ERR_NUMERIC && u == NULL, "Inf accepted");
    CHECK(strstr(err.message, "row 1, column 7 is infinite") != NULL, "message: %s", err.message);
    free(x);
}

/* umap_create == knn_search + umap_create_from_knn; the graph alone == the context's graph */
static void test_from_knn(void) {
    int n = 120, d = 6, k = 15;
    float *x = random_matrix(n, d, 11);
    for (int i = 0; i < n / 3; i++) x[i * d + 1] += 2.f;
    umap_params p = umap_default_params();
    p.n_epochs = 30;
    p.seed = 4;
    es_error err = {0};
    int32_t *idx = malloc(sizeof(int32_t) * n * 20);
    float *dist = malloc(sizeof(float) * n * 20);
    knn_params kp = knn_default_params();
    kp.k = 20; /* wider than n_neighbors: the first 15 columns are used */
    CHECK(knn_search(x, n, d, &kp, idx, dist, &err) == ES_OK, "%s", err.message);
    umap_ctx *a, *b;
    CHECK(umap_create(x, n, d, &p, &a, &err) == ES_OK, "%s", err.message);
    CHECK(umap_create_from_knn(x, n, d, idx, dist, 20, &p, &b, &err) == ES_OK, "%s", err.message);
    umap_run_epochs(a, 30, &err);
    umap_run_epochs(b, 30, &err);
    CHECK(memcmp(umap_embedding(a), umap_embedding(b), sizeof(float) * n * 2) == 0, "from_knn differs from create");
    for (int i = 0; i < n; i++)
        CHECK(memcmp(umap_knn_indices(a) + i * k, idx + i * 20, sizeof(int32_t) * k) == 0, "kept kNN row %d", i);
    umap_graph g;
    CHECK(umap_graph_from_knn(idx, dist, n, 20, &p, &g, &err) == ES_OK, "%s", err.message);
    const umap_graph *cg = umap_get_graph(a);
    CHECK(g.nnz == cg->nnz && g.nnz == umap_get_info(a).n_edges, "edges %ld vs %ld", g.nnz, cg->nnz);
    CHECK(memcmp(g.ptr, cg->ptr, sizeof(long) * (n + 1)) == 0 && memcmp(g.col, cg->col, sizeof(int32_t) * g.nnz) == 0 &&
              memcmp(g.val, cg->val, sizeof(float) * g.nnz) == 0,
          "graph alone differs from the fit's");
    umap_graph_free(&g);
    umap_free(a);
    umap_free(b);
    /* bad kNNs: clear errors, nothing allocated */
    umap_ctx *u = NULL;
    CHECK(umap_create_from_knn(x, n, d, idx, dist, 10, &p, &u, &err) == ES_ERR_ARG && u == NULL, "k_stride < k accepted");
    idx[5] = n;
    CHECK(umap_create_from_knn(x, n, d, idx, dist, 20, &p, &u, &err) == ES_ERR_ARG && u == NULL, "index n accepted");
    CHECK(strstr(err.message, "not a row") != NULL, "%s", err.message);
    idx[5] = 3;
    dist[25] = -1.f;
    CHECK(umap_graph_from_knn(idx, dist, n, 20, &p, &g, &err) == ES_ERR_ARG && g.ptr == NULL, "negative distance accepted");
    free(idx);
    free(dist);
    free(x);
}

/* knn_query against a brute force; transform's shapes, determinism and error paths (no leaks) */
static void test_transform(void) {
    int n = 90, d = 5, m = 7, k = 6;
    float *x = random_matrix(n, d, 21), *q = random_matrix(m, d, 22);
    memcpy(q + 2 * d, x + 40 * d, sizeof(float) * d); /* new point 2 is a copy of row 40 */
    int32_t idx[7 * 6];
    float dist[7 * 6];
    es_error err = {0};
    for (int metric = 0; metric < 2; metric++) {
        CHECK(knn_query(x, n, d, q, m, k, (knn_metric)metric, idx, dist, &err) == ES_OK, "%s", err.message);
        for (int i = 0; i < m; i++) {
            int closer = 0;
            for (int j = 0; j < n; j++) {
                float v;
                if (metric == 0) v = sqrtf(sqdist_f32_generic(q + i * d, x + j * d, d));
                else {
                    float a = dot_f32_generic(q + i * d, q + i * d, d), b = dot_f32_generic(x + j * d, x + j * d, d);
                    v = 1.f - dot_f32_generic(q + i * d, x + j * d, d) / sqrtf(a * b);
                }
                if (v < dist[i * k + k - 1] - 1e-5f) closer++;
            }
            CHECK(closer <= k - 1, "query %d: %d rows closer than the list's last (metric %d)", i, closer, metric);
            for (int j = 1; j < k; j++) CHECK(dist[i * k + j] >= dist[i * k + j - 1], "query %d not ascending", i);
        }
        CHECK(idx[2 * k] == 40 && dist[2 * k] < 1e-6f, "a copy of row 40 is nearest to it (metric %d)", metric);
    }
    umap_params p = umap_default_params();
    p.n_neighbors = 8;
    p.n_epochs = 30;
    umap_ctx *u;
    CHECK(umap_create(x, n, d, &p, &u, &err) == ES_OK, "%s", err.message);
    umap_run_epochs(u, 30, &err);
    float y1[14], y2[14], w[7 * 8];
    int32_t nb[7 * 8];
    umap_transform_params tp = umap_transform_default_params();
    CHECK(umap_transform(u, x, n, d, q, m, &tp, y1, nb, w, &err) == ES_OK, "%s", err.message);
    CHECK(umap_transform(u, x, n, d, q, m, &tp, y2, NULL, NULL, &err) == ES_OK, "%s", err.message);
    CHECK(memcmp(y1, y2, sizeof y1) == 0, "transform not deterministic");
    for (int i = 0; i < 14; i++) CHECK(isfinite(y1[i]), "non-finite transform");
    CHECK(nb[2 * 8] == 40 && w[2 * 8] == 1.f, "copy of row 40: neighbour %d strength %g", nb[16], (double)w[16]);
    /* onto a saved map: the rows, positions and the parameters as given (a, b and k resolved there) */
    float y3[14], w3[7 * 8];
    int32_t nb3[7 * 8];
    umap_params given = p; /* a = b = 0, n_neighbors as asked */
    CHECK(umap_transform_onto(x, n, d, umap_embedding(u), &given, q, m, &tp, y3, nb3, w3, &err) == ES_OK, "%s", err.message);
    CHECK(memcmp(y1, y3, sizeof y1) == 0 && memcmp(nb, nb3, sizeof nb) == 0 && memcmp(w, w3, sizeof w) == 0,
          "onto the same map differs from the fitted transform");
    float *bad = malloc(sizeof(float) * 2 * n);
    memcpy(bad, umap_embedding(u), sizeof(float) * 2 * n);
    bad[17] = INFINITY;
    CHECK(umap_transform_onto(x, n, d, bad, &given, q, m, &tp, y3, NULL, NULL, &err) == ES_ERR_NUMERIC, "Inf position accepted");
    free(bad);
    given.min_dist = 2.f;
    CHECK(umap_transform_onto(x, n, d, umap_embedding(u), &given, q, m, &tp, y3, NULL, NULL, &err) == ES_ERR_ARG, "min_dist > spread accepted");
    CHECK(umap_transform_onto(x, 1, d, umap_embedding(u), &p, q, m, &tp, y3, NULL, NULL, &err) == ES_ERR_ARG, "a map of one point accepted");
    CHECK(umap_transform(u, x, n - 1, d, q, m, &tp, y1, NULL, NULL, &err) == ES_ERR_ARG, "wrong n accepted");
    CHECK(umap_transform(u, x, n, d, q, 0, &tp, y1, NULL, NULL, &err) == ES_ERR_ARG, "m = 0 accepted");
    q[3] = NAN;
    CHECK(umap_transform(u, x, n, d, q, m, &tp, y1, NULL, NULL, &err) == ES_ERR_NUMERIC, "NaN accepted");
    umap_free(u);
    free(x);
    free(q);
}

static void test_similarity(void) {
    float rel;
    es_error err = {0};
    CHECK(similarity_kernel_selftest(&rel, &err) == ES_OK && rel == 0.f, "native build: generic == generic");
    float x[6] = {1, 0, 0, 1, 2, 0};
    float s[9];
    CHECK(similarity_cosine_matrix(x, 3, 2, s, &err) == ES_OK, "%s", err.message);
    CHECK(fabsf(s[1]) < 1e-7f && fabsf(s[2] - 1.f) < 1e-6f && fabsf(s[4] - 1.f) < 1e-6f, "values");
    int32_t idx[2];
    float sc[2];
    int got;
    CHECK(similarity_top_k(x, 3, 2, x, 0, 2, idx, sc, &got, &err) == ES_OK && got == 2 && idx[0] == 2 && idx[1] == 1,
          "top-k");
}

int main(void) {
    test_knn_exact();
    test_knn_shared();
    test_smooth_knn_dist();
    test_ab();
    test_umap();
    test_from_knn();
    test_transform();
    test_similarity();
    if (failures) {
        fprintf(stderr, "test_umap: %d failure(s)\n", failures);
        return 1;
    }
    return 0;
}
