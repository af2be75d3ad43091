/* test_hdbscan.c — HDBSCAN under AddressSanitizer + UBSan: a hand-checkable example, the three
 * spanning-tree algorithms against each other (also on data full of exact duplicates), trees built
 * from kept neighbours against direct ones, numpy's argsort, edge cases and bad input, repeated
 * re-selection (leaks), and the distance kernel's scalar twin. Exits non-zero on any mismatch. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hdbscan.h"
#include "hdbscan_sqdist.h"
#include "npsort.h"

static int failures = 0;
#define CHECK(cond, ...) do { if (!(cond)) { printf("FAIL %s:%d: ", __FILE__, __LINE__); printf(__VA_ARGS__); printf("\n"); failures++; } } while (0)

static uint32_t rng_state = 12345;
static double urand(void) {
    rng_state = rng_state * 1664525u + 1013904223u;
    return (rng_state >> 8) / 16777216.0;
}
static double nrand(void) { return sqrt(-2.0 * log(1.0 - urand())) * cos(6.283185307179586 * urand()); }

static hdbscan *make(const float *x, int n, int dim, int ms, hdbscan_algorithm algo) {
    hdbscan_tree_params tp = hdbscan_tree_default_params();
    tp.min_samples = ms;
    tp.algorithm = algo;
    hdbscan *h = NULL;
    es_error err = {0};
    es_status st = hdbscan_create(x, n, dim, &tp, &h, &err);
    CHECK(st == ES_OK, "create failed: %s", err.message);
    return h;
}

static void select_mcs(hdbscan *h, int mcs, hdbscan_method method) {
    hdbscan_select_params sp = hdbscan_select_default_params();
    sp.min_cluster_size = mcs;
    sp.method = method;
    es_error err = {0};
    CHECK(hdbscan_select(h, &sp, &err) == ES_OK, "select failed: %s", err.message);
}

static void check_invariants(const hdbscan *h, int mcs, const char *what) {
    int n = hdbscan_n(h), k = hdbscan_n_clusters(h);
    int *size = calloc((size_t)k + 1, sizeof *size);
    for (int i = 0; i < n; i++) {
        int l = hdbscan_labels(h)[i];
        double p = hdbscan_probabilities(h)[i], o = hdbscan_outlier_scores(h)[i];
        CHECK(l >= -1 && l < k, "%s: label %d out of range", what, l);
        CHECK(p >= 0 && p <= 1, "%s: probability %g", what, p);
        CHECK(o >= 0 && o <= 1, "%s: outlier score %g", what, o);
        if (l >= 0 && l < k) size[l]++;
        if (l == -1) CHECK(p == 0.0, "%s: noise with probability %g", what, p);
    }
    for (int c = 0; c < k; c++) CHECK(size[c] >= mcs, "%s: cluster %d has %d < %d points", what, c, size[c], mcs);
    free(size);
}

static void test_two_groups(void) {
    /* two tight groups of 10 on a line, far apart, and two lone points */
    float x[22 * 2];
    for (int i = 0; i < 10; i++) { x[2 * i] = (float)(i * 0.1); x[2 * i + 1] = 0.f; }
    for (int i = 0; i < 10; i++) { x[2 * (10 + i)] = (float)(100 + i * 0.1); x[2 * (10 + i) + 1] = 0.f; }
    x[40] = 50.f; x[41] = 40.f;
    x[42] = -60.f; x[43] = -70.f;
    for (int algo = 1; algo <= 3; algo++) {
        hdbscan *h = make(x, 22, 2, 3, (hdbscan_algorithm)algo);
        if (!h) return;
        select_mcs(h, 5, HDBSCAN_METHOD_EOM);
        const int32_t *l = hdbscan_labels(h);
        CHECK(hdbscan_n_clusters(h) == 2, "algo %d: %d clusters, expected 2", algo, hdbscan_n_clusters(h));
        for (int i = 1; i < 10; i++) CHECK(l[i] == l[0] && l[10 + i] == l[10], "algo %d: groups split", algo);
        CHECK(l[0] != l[10] && l[0] >= 0 && l[10] >= 0, "algo %d: groups merged", algo);
        /* the far point joins before the root split: it belongs to a cluster, barely; the farthest is noise */
        CHECK(l[21] == -1, "algo %d: the farthest point is not noise", algo);
        CHECK(l[20] >= 0 && hdbscan_probabilities(h)[20] < 0.01, "algo %d: point 20: label %d probability %g", algo,
              l[20], hdbscan_probabilities(h)[20]);
        /* core distance of point 0 with min_samples 3 = distance to its 3rd nearest other point */
        CHECK(fabs(hdbscan_core_distances(h)[0] - 0.3) < 1e-6, "algo %d: core %g", algo, hdbscan_core_distances(h)[0]);
        /* the condensed tree lists every point exactly once as a child */
        int rows = hdbscan_condensed_size(h), seen = 0;
        for (int r = 0; r < rows; r++) if (hdbscan_condensed_child(h)[r] < 22) seen++;
        CHECK(seen == 22, "algo %d: %d point rows in the condensed tree", algo, seen);
        hdbscan_free(h);
    }
}

static void test_algorithms_agree(void) {
    for (int trial = 0; trial < 3; trial++) {
        int n = 700, dim = trial + 2;
        float *x = malloc((size_t)n * dim * sizeof *x);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < dim; j++)
                x[i * dim + j] = (float)((i % 5) * 4.0 * (j == 0) + (0.2 + (i % 5) * 0.3) * nrand());
        /* duplicates: zero distances and ties */
        for (int i = 0; i < 40; i++) memcpy(x + (size_t)(200 + i) * dim, x + (size_t)(i % 4) * dim, (size_t)dim * sizeof *x);
        hdbscan *a = make(x, n, dim, 5, HDBSCAN_ALGORITHM_PRIMS);
        hdbscan *b = make(x, n, dim, 5, HDBSCAN_ALGORITHM_PRIMS_KDTREE);
        hdbscan *c = make(x, n, dim, 5, HDBSCAN_ALGORITHM_BORUVKA_KDTREE);
        if (a && b && c) {
            CHECK(memcmp(hdbscan_core_distances(a), hdbscan_core_distances(b), (size_t)n * sizeof(double)) == 0, "core distances differ");
            double wa = hdbscan_mst_weight_sum(a), wb = hdbscan_mst_weight_sum(b), wc = hdbscan_mst_weight_sum(c);
            CHECK(fabs(wa - wb) <= 1e-9 * wa && fabs(wa - wc) <= 1e-9 * wa, "MST weights %.17g %.17g %.17g", wa, wb, wc);
            for (int mcs = 5; mcs <= 40; mcs += 35) {
                for (int m = 0; m < 2; m++) {
                    select_mcs(a, mcs, (hdbscan_method)m);
                    select_mcs(b, mcs, (hdbscan_method)m);
                    select_mcs(c, mcs, (hdbscan_method)m);
                    CHECK(memcmp(hdbscan_labels(a), hdbscan_labels(b), (size_t)n * sizeof(int32_t)) == 0,
                          "trial %d mcs %d method %d: PRIMS and PRIMS_KDTREE labels differ", trial, mcs, m);
                    check_invariants(a, mcs, "prims");
                    check_invariants(c, mcs, "boruvka");
                }
            }
        }
        hdbscan_free(a);
        hdbscan_free(b);
        hdbscan_free(c);
        free(x);
    }
}

/* The whole tree of two handles: core distances and every row of the single-linkage tree. */
static int same_tree(const hdbscan *a, const hdbscan *b) {
    int n = hdbscan_n(a), m = n > 1 ? n - 1 : 0;
    return n == hdbscan_n(b) && memcmp(hdbscan_core_distances(a), hdbscan_core_distances(b), (size_t)n * sizeof(double)) == 0 &&
           memcmp(hdbscan_slt_left(a), hdbscan_slt_left(b), (size_t)m * sizeof(int32_t)) == 0 &&
           memcmp(hdbscan_slt_right(a), hdbscan_slt_right(b), (size_t)m * sizeof(int32_t)) == 0 &&
           memcmp(hdbscan_slt_distance(a), hdbscan_slt_distance(b), (size_t)m * sizeof(double)) == 0 &&
           memcmp(hdbscan_slt_size(a), hdbscan_slt_size(b), (size_t)m * sizeof(int32_t)) == 0;
}

/* m distinct 2-d points, each repeated 1 + (i % max_copies) times (or `mass` times for the first
 * n_mass), rows shuffled; *n_out rows. */
static float *with_copies(int m, int max_copies, int n_mass, int mass, int *n_out) {
    int n = 0;
    for (int i = 0; i < m; i++) n += i < n_mass ? mass : 1 + i % max_copies;
    float *x = malloc((size_t)n * 2 * sizeof *x);
    int r = 0;
    for (int i = 0; i < m; i++) {
        float a = (float)((i % 3) * 5 + nrand()), b = (float)((i % 3 == 1) * 4 + nrand());
        for (int c = 0; c < (i < n_mass ? mass : 1 + i % max_copies); c++, r++) { x[2 * r] = a; x[2 * r + 1] = b; }
    }
    for (int i = n - 1; i > 0; i--) {
        int j = (int)(urand() * (i + 1));
        float t0 = x[2 * i], t1 = x[2 * i + 1];
        x[2 * i] = x[2 * j]; x[2 * i + 1] = x[2 * j + 1];
        x[2 * j] = t0; x[2 * j + 1] = t1;
    }
    *n_out = n;
    return x;
}

static void test_duplicates(void) {
    const int shapes[3][4] = {{500, 4, 0, 0}, {300, 1, 20, 30}, {400, 6, 3, 100}}; /* m, copies, masses, mass */
    for (int s = 0; s < 3; s++) {
        int n;
        float *x = with_copies(shapes[s][0], shapes[s][1], shapes[s][2], shapes[s][3], &n);
        if (s == 1) { x[0] = -0.0f; x[1] = 1.0f; x[2] = 0.0f; x[3] = 1.0f; } /* -0 and +0: one point */
        for (int ms = 1; ms <= 9; ms += 4) {
            hdbscan *a = make(x, n, 2, ms, HDBSCAN_ALGORITHM_PRIMS);
            hdbscan *b = make(x, n, 2, ms, HDBSCAN_ALGORITHM_PRIMS_KDTREE);
            hdbscan *c = make(x, n, 2, ms, HDBSCAN_ALGORITHM_BORUVKA_KDTREE);
            if (a && b && c) {
                CHECK(hdbscan_algorithm_used(b) == HDBSCAN_ALGORITHM_PRIMS_KDTREE, "shape %d: fell back", s);
                CHECK(same_tree(a, b), "shape %d ms %d: kd-tree Prim's tree differs from the all-pairs one", s, ms);
                double wa = hdbscan_mst_weight_sum(a), wc = hdbscan_mst_weight_sum(c);
                CHECK(fabs(wa - wc) <= 1e-9 * wa, "shape %d ms %d: Borůvka weight %.17g vs %.17g", s, ms, wc, wa);
                for (int mcs = 5; mcs <= 40; mcs += 35) {
                    select_mcs(c, mcs, HDBSCAN_METHOD_EOM);
                    check_invariants(c, mcs, "boruvka, duplicates");
                    select_mcs(b, mcs, HDBSCAN_METHOD_LEAF);
                    check_invariants(b, mcs, "prims_kdtree, duplicates");
                }
            }
            hdbscan_free(a);
            hdbscan_free(b);
            hdbscan_free(c);
        }
        free(x);
    }
    /* a mass of identical rows: core 0, every row hangs from row 0, no cluster but the root */
    int n = 20000;
    float *x = malloc((size_t)n * 2 * sizeof *x);
    for (int i = 0; i < 2 * n; i++) x[i] = 0.25f;
    hdbscan *h = make(x, n, 2, 10, HDBSCAN_ALGORITHM_AUTO);
    if (h) {
        CHECK(hdbscan_core_distances(h)[n - 1] == 0.0 && hdbscan_mst_weight_sum(h) == 0.0, "identical rows: zero weights");
        select_mcs(h, 5, HDBSCAN_METHOD_EOM);
        CHECK(hdbscan_n_clusters(h) == 0, "identical rows: %d clusters", hdbscan_n_clusters(h));
        hdbscan_free(h);
    }
    free(x);
}

static void test_from_neighbors(void) {
    int n;
    float *x = with_copies(700, 3, 2, 25, &n);
    es_error err = {0};
    hdbscan_neighbors *nb = NULL;
    CHECK(hdbscan_neighbors_create(x, n, 2, 24, &nb, &err) == ES_OK, "neighbours: %s", err.message);
    if (!nb) { free(x); return; }
    CHECK(hdbscan_neighbors_n(nb) == n && hdbscan_neighbors_k_max(nb) == 24, "neighbours: sizes");
    CHECK(hdbscan_neighbors_n_distinct(nb) == 700, "neighbours: %d distinct points", hdbscan_neighbors_n_distinct(nb));
    CHECK(hdbscan_neighbors_bytes(nb) > (size_t)700 * 24 * 4, "neighbours: bytes");
    hdbscan_tree_params tp = hdbscan_tree_default_params();
    hdbscan *kept[3] = {NULL, NULL, NULL};
    for (int ms = 1; ms <= 24; ms += (ms < 4 ? 1 : 5)) {
        for (int algo = 1; algo <= 3; algo++) {
            tp.min_samples = ms;
            tp.algorithm = (hdbscan_algorithm)algo;
            hdbscan *a = make(x, n, 2, ms, (hdbscan_algorithm)algo), *b = NULL;
            CHECK(hdbscan_create_from_neighbors(nb, &tp, &b, &err) == ES_OK, "from neighbours: %s", err.message);
            if (a && b) {
                CHECK(same_tree(a, b), "ms %d algo %d: tree from neighbours differs", ms, algo);
                CHECK(hdbscan_algorithm_used(a) == hdbscan_algorithm_used(b), "ms %d: algorithm", ms);
                CHECK(hdbscan_bytes(b) >= (size_t)n * 28, "tree bytes");
            }
            hdbscan_free(a);
            if (ms == 9 && algo == 3) kept[0] = b; else hdbscan_free(b);
        }
    }
    tp.min_samples = 25;
    tp.algorithm = HDBSCAN_ALGORITHM_AUTO;
    hdbscan *h = NULL;
    CHECK(hdbscan_create_from_neighbors(nb, &tp, &h, &err) == ES_ERR_ARG && h == NULL && strstr(err.message, "k_max"),
          "min_samples > k_max rejected: %s", err.message);
    tp.min_samples = 0;
    CHECK(hdbscan_create_from_neighbors(nb, &tp, &h, &err) == ES_ERR_ARG, "min_samples 0 rejected");
    CHECK(hdbscan_create_from_neighbors(NULL, &tp, &h, &err) == ES_ERR_ARG, "no neighbours rejected");
    hdbscan_neighbors_free(nb);
    if (kept[0]) { /* a tree outlives the neighbours it came from */
        select_mcs(kept[0], 10, HDBSCAN_METHOD_EOM);
        check_invariants(kept[0], 10, "after the neighbours were freed");
        hdbscan_free(kept[0]);
    }
    CHECK(hdbscan_neighbors_create(x, n, 2, 0, &nb, &err) == ES_ERR_ARG, "k_max 0 rejected");
    x[5] = NAN;
    CHECK(hdbscan_neighbors_create(x, n, 2, 5, &nb, &err) == ES_ERR_NUMERIC && strstr(err.message, "row 2, column 1"),
          "NaN rejected: %s", err.message);
    float one[2] = {3, 4};
    CHECK(hdbscan_neighbors_create(one, 1, 2, 5, &nb, &err) == ES_OK, "one point: %s", err.message);
    if (nb) {
        tp.min_samples = 3;
        CHECK(hdbscan_create_from_neighbors(nb, &tp, &h, &err) == ES_OK, "one point tree: %s", err.message);
        if (h) {
            select_mcs(h, 5, HDBSCAN_METHOD_EOM);
            CHECK(hdbscan_labels(h)[0] == -1, "one point is noise");
            hdbscan_free(h);
        }
        hdbscan_neighbors_free(nb);
    }
    free(x);
}

static void test_numpy_argsort(void) {
    const double v[17] = {2, 2, 1, 2, 0, 1, 2, 0, 0, 0, 1, 2, 0, 1, 1, 2, 0};
    const int32_t expected[17] = {8, 12, 9, 7, 16, 4, 5, 2, 10, 13, 14, 6, 3, 15, 11, 1, 0};
    int32_t order[17];
    npsort_argsort_f64(v, 17, order);
    CHECK(memcmp(order, expected, sizeof order) == 0, "numpy argsort order differs");
    /* sorted output for a larger input with many ties, and the heapsort fallback path is reachable */
    int n = 5000;
    double *w = malloc((size_t)n * sizeof *w);
    int32_t *o = malloc((size_t)n * sizeof *o);
    for (int i = 0; i < n; i++) w[i] = (double)((i * 7919) % 13);
    npsort_argsort_f64(w, n, o);
    for (int i = 1; i < n; i++) CHECK(w[o[i - 1]] <= w[o[i]], "argsort not sorted at %d", i);
    free(w);
    free(o);
}

static void test_edge_cases(void) {
    es_error err = {0};
    hdbscan *h = NULL;
    hdbscan_tree_params tp = hdbscan_tree_default_params();
    float one[2] = {1, 2};
    CHECK(hdbscan_create(one, 1, 2, &tp, &h, &err) == ES_OK, "n = 1: %s", err.message);
    if (h) {
        select_mcs(h, 5, HDBSCAN_METHOD_EOM);
        CHECK(hdbscan_labels(h)[0] == -1 && hdbscan_n_clusters(h) == 0, "n = 1 is one noise point");
        hdbscan_free(h);
        h = NULL;
    }
    float same[40];
    for (int i = 0; i < 40; i++) same[i] = 0.5f;
    h = make(same, 20, 2, 5, HDBSCAN_ALGORITHM_AUTO);
    if (h) {
        select_mcs(h, 5, HDBSCAN_METHOD_EOM);
        check_invariants(h, 5, "identical points");
        select_mcs(h, 5, HDBSCAN_METHOD_LEAF);
        check_invariants(h, 5, "identical points, leaf");
        hdbscan_free(h);
    }
    float few[8] = {0, 0, 1, 1, 2, 2, 3, 3};
    h = make(few, 4, 2, 50, HDBSCAN_ALGORITHM_AUTO);
    if (h) {
        CHECK(hdbscan_min_samples_used(h) == 3, "min_samples clamped to n - 1, got %d", hdbscan_min_samples_used(h));
        select_mcs(h, 5, HDBSCAN_METHOD_EOM);
        for (int i = 0; i < 4; i++) CHECK(hdbscan_labels(h)[i] == -1, "fewer points than min_cluster_size: noise");
        hdbscan_select_params sp = hdbscan_select_default_params();
        sp.min_cluster_size = 1;
        CHECK(hdbscan_select(h, &sp, &err) == ES_ERR_ARG && strstr(err.message, "min_cluster_size"), "mcs 1 rejected");
        sp.min_cluster_size = 2;
        sp.cluster_selection_epsilon = -1;
        CHECK(hdbscan_select(h, &sp, &err) == ES_ERR_ARG, "negative epsilon rejected");
        hdbscan_free(h);
    }
    float bad[6] = {0, 0, 1, NAN, 2, 2};
    h = NULL;
    CHECK(hdbscan_create(bad, 3, 2, &tp, &h, &err) == ES_ERR_NUMERIC && h == NULL, "NaN rejected");
    CHECK(strstr(err.message, "row 1, column 1") != NULL, "message names the value: %s", err.message);
    bad[3] = INFINITY;
    CHECK(hdbscan_create(bad, 3, 2, &tp, &h, &err) == ES_ERR_NUMERIC, "Inf rejected");
    CHECK(hdbscan_create(bad, 0, 2, &tp, &h, &err) == ES_ERR_ARG, "empty input rejected");
    tp.min_samples = 0;
    CHECK(hdbscan_create(few, 4, 2, &tp, &h, &err) == ES_ERR_ARG, "min_samples 0 rejected");
}

static void test_reselect(void) {
    int n = 900;
    float *x = malloc((size_t)n * 2 * sizeof *x);
    for (int i = 0; i < n; i++) {
        x[2 * i] = (float)((i % 3) * 6 + nrand());
        x[2 * i + 1] = (float)((i % 3 == 1) * 5 + nrand());
    }
    hdbscan *h = make(x, n, 2, 4, HDBSCAN_ALGORITHM_AUTO);
    if (h) {
        hdbscan_select_params sp = hdbscan_select_default_params();
        es_error err = {0};
        for (int mcs = 2; mcs < 200; mcs += 17) {
            for (int m = 0; m < 2; m++) {
                sp.min_cluster_size = mcs;
                sp.method = (hdbscan_method)m;
                sp.allow_single_cluster = mcs > 100;
                sp.cluster_selection_epsilon = (mcs % 2) ? 0.3 : 0.0;
                CHECK(hdbscan_select(h, &sp, &err) == ES_OK, "%s", err.message);
                if (!sp.allow_single_cluster) check_invariants(h, mcs, "reselect");
            }
        }
        hdbscan_free(h);
    }
    free(x);
}

static void test_kernel_twin(void) {
    float a[400], b[400];
    for (int i = 0; i < 400; i++) { a[i] = (float)(nrand() * 3); b[i] = (float)(nrand() * 3); }
    for (int d = 0; d <= 400; d += (d < 20 ? 1 : 37)) {
        double g = hdbscan_sqdist_f64acc_generic(a, b, d), s = hdbscan_sqdist_seq(a, b, d);
        CHECK(fabs(g - s) <= 1e-12 * (s + 1), "d %d: %g vs %g", d, g, s);
        CHECK(hdbscan_sqdist_f64acc(a, b, d) == g, "d %d: dispatch differs from the twin", d);
        if (d < 4) CHECK(g == s, "d %d < 4 must be the sequential sum", d);
    }
}

int main(void) {
    test_two_groups();
    test_algorithms_agree();
    test_duplicates();
    test_from_neighbors();
    test_numpy_argsort();
    test_edge_cases();
    test_reselect();
    test_kernel_twin();
    if (failures) {
        printf("test_hdbscan: %d failure(s)\n", failures);
        return 1;
    }
    printf("test_hdbscan: ok\n");
    return 0;
}
