/* umap.c — see umap.h: the fit's lifecycle, built from the pieces named as in umap-learn
 * (umap_graph.c: umap_.py's graph functions, umap_spectral.c: spectral.py, umap_layout.c: layouts.py). */
#include "umap.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "similarity.h"
#include "umap_layout.h"
#include "umap_sgd_f32.h"
#include "umap_spectral.h"

/* above this many connected components the initialisation is random (see fit_from_knn) */
#define UMAP_MAX_SPECTRAL_COMPONENTS 256

umap_params umap_default_params(void) {
    umap_params p;
    memset(&p, 0, sizeof p);
    p.n_neighbors = 15;
    p.n_components = 2;
    p.min_dist = 0.1f;
    p.spread = 1.0f;
    p.metric = KNN_METRIC_EUCLIDEAN;
    p.n_epochs = 0;
    p.init = UMAP_INIT_SPECTRAL;
    p.learning_rate = 1.0f;
    p.negative_sample_rate = 5;
    p.local_connectivity = 1.0f;
    p.set_op_mix_ratio = 1.0f;
    p.repulsion_strength = 1.0f;
    p.seed = 42;
    p.knn_method = KNN_METHOD_AUTO;
    p.knn_exact_max_n = 8192;
    return p;
}

/* ------------------------------------------------------------------------------------------ a, b */
es_status umap_find_ab(float spread, float min_dist, float *a_out, float *b_out, es_error *err) {
    if (!(spread > 0.f) || !(min_dist >= 0.f) || !(min_dist <= spread) || !isfinite(spread))
        return es_fail(err, ES_ERR_ARG, "need spread > 0 and 0 <= min_dist <= spread, got spread %g, min_dist %g",
                       (double)spread, (double)min_dist);
    enum { NP = 300 };
    double xv[NP], yv[NP];
    for (int i = 0; i < NP; i++) {
        xv[i] = 3.0 * spread * i / (NP - 1);
        yv[i] = xv[i] < min_dist ? 1.0 : exp(-(xv[i] - min_dist) / spread);
    }
    double a = 1.0, b = 1.0, lambda = 1e-3;
    double cost = 0.0;
    for (int i = 0; i < NP; i++) {
        double u = xv[i] > 0 ? pow(xv[i], 2 * b) : 0.0, r = 1.0 / (1.0 + a * u) - yv[i];
        cost += r * r;
    }
    for (int it = 0; it < 500; it++) {
        double jtj[3] = {0, 0, 0}, jtr[2] = {0, 0};
        for (int i = 0; i < NP; i++) {
            if (xv[i] <= 0) continue; /* f = 1, no gradient */
            double lx = log(xv[i]), u = exp(2 * b * lx), den = 1.0 + a * u, f = 1.0 / den, r = f - yv[i];
            double ga = -u / (den * den), gb = -a * u * 2 * lx / (den * den);
            jtj[0] += ga * ga;
            jtj[1] += ga * gb;
            jtj[2] += gb * gb;
            jtr[0] += ga * r;
            jtr[1] += gb * r;
        }
        int improved = 0;
        for (int tries = 0; tries < 30 && !improved; tries++) {
            double m00 = jtj[0] * (1 + lambda), m11 = jtj[2] * (1 + lambda), m01 = jtj[1];
            double det = m00 * m11 - m01 * m01;
            if (!(fabs(det) > 0)) {
                lambda *= 10;
                continue;
            }
            double da = -(m11 * jtr[0] - m01 * jtr[1]) / det, db = -(m00 * jtr[1] - m01 * jtr[0]) / det;
            double na = a + da, nb = b + db, nc = 0.0;
            for (int i = 0; i < NP; i++) {
                double u = xv[i] > 0 ? pow(xv[i], 2 * nb) : 0.0, r = 1.0 / (1.0 + na * u) - yv[i];
                nc += r * r;
            }
            if (isfinite(nc) && nc < cost) {
                double rel = (cost - nc) / (cost > 0 ? cost : 1);
                a = na;
                b = nb;
                cost = nc;
                lambda = lambda > 1e-12 ? lambda / 10 : lambda;
                improved = 1;
                if (rel < 1e-12) it = 1 << 20; /* converged */
            } else {
                lambda *= 10;
            }
        }
        if (!improved) break;
    }
    if (!isfinite(a) || !isfinite(b) || a <= 0 || b <= 0)
        return es_fail(err, ES_ERR_NUMERIC, "could not fit a and b for spread %g, min_dist %g", (double)spread,
                       (double)min_dist);
    *a_out = (float)a;
    *b_out = (float)b;
    return ES_OK;
}

es_status umap_check_params(const umap_params *p, es_error *err) {
    if (p->n_neighbors < 1) return es_fail(err, ES_ERR_ARG, "n_neighbors must be >= 1, got %d", p->n_neighbors);
    if (p->n_components < 1 || p->n_components > 64)
        return es_fail(err, ES_ERR_ARG, "n_components must be between 1 and 64, got %d", p->n_components);
    if (!(p->min_dist >= 0.f) || !isfinite(p->min_dist))
        return es_fail(err, ES_ERR_ARG, "min_dist must be >= 0, got %g", (double)p->min_dist);
    if (!(p->spread > 0.f) || !isfinite(p->spread))
        return es_fail(err, ES_ERR_ARG, "spread must be > 0, got %g", (double)p->spread);
    if (p->min_dist > p->spread)
        return es_fail(err, ES_ERR_ARG, "min_dist (%g) must be <= spread (%g)", (double)p->min_dist, (double)p->spread);
    if (p->n_epochs < 0 || p->n_epochs > 100000)
        return es_fail(err, ES_ERR_ARG, "n_epochs must be between 0 (automatic) and 100000, got %d", p->n_epochs);
    if (p->init != UMAP_INIT_SPECTRAL && p->init != UMAP_INIT_RANDOM)
        return es_fail(err, ES_ERR_ARG, "unknown init %d", (int)p->init);
    if (!(p->learning_rate > 0.f) || !isfinite(p->learning_rate))
        return es_fail(err, ES_ERR_ARG, "learning_rate must be > 0, got %g", (double)p->learning_rate);
    if (p->negative_sample_rate < 0)
        return es_fail(err, ES_ERR_ARG, "negative_sample_rate must be >= 0, got %d", p->negative_sample_rate);
    if (!(p->local_connectivity >= 0.f) || !isfinite(p->local_connectivity))
        return es_fail(err, ES_ERR_ARG, "local_connectivity must be >= 0, got %g", (double)p->local_connectivity);
    if (!(p->set_op_mix_ratio >= 0.f && p->set_op_mix_ratio <= 1.f))
        return es_fail(err, ES_ERR_ARG, "set_op_mix_ratio must be between 0 and 1, got %g", (double)p->set_op_mix_ratio);
    if (!(p->repulsion_strength >= 0.f) || !isfinite(p->repulsion_strength))
        return es_fail(err, ES_ERR_ARG, "repulsion_strength must be >= 0, got %g", (double)p->repulsion_strength);
    if (p->metric != KNN_METRIC_EUCLIDEAN && p->metric != KNN_METRIC_COSINE)
        return es_fail(err, ES_ERR_ARG, "unknown metric %d", (int)p->metric);
    if (p->knn_method < KNN_METHOD_AUTO || p->knn_method > KNN_METHOD_APPROX)
        return es_fail(err, ES_ERR_ARG, "unknown kNN method %d", (int)p->knn_method);
    if (!(p->a >= 0.f) || !(p->b >= 0.f)) return es_fail(err, ES_ERR_ARG, "a and b must be >= 0 (0 = fitted)");
    return ES_OK;
}

/* ------------------------------------------------------------------------------- the context */
struct umap_ctx {
    int n, d, dim;
    int k;               /* n_neighbors after clamping */
    umap_params p;       /* as given; a and b resolved */
    int32_t *knn_idx;    /* (n, k) the kNN the graph was built from, self first */
    float *knn_dist;     /* (n, k) */
    umap_graph graph;    /* the pruned fuzzy graph: what the SGD samples */
    float *embedding;    /* (n, dim) */
    umap_layout_state layout;
    knn_rng rng;
    umap_info info;
};

void umap_free(umap_ctx *c) {
    if (!c) return;
    free(c->knn_idx);
    free(c->knn_dist);
    umap_graph_free(&c->graph);
    free(c->embedding);
    umap_layout_free(&c->layout);
    free(c);
}

static double rng_normal(knn_rng *r) {
    double u1 = ((double)(knn_rng_next(r) >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    double u2 = (double)(knn_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

/* n_neighbors as the fit uses it: clamped to n - 1 like umap-learn, at least 2 (counts the point itself) */
static int resolved_k(const umap_params *p, int n) {
    int k = p->n_neighbors;
    if (k > n - 1) k = n - 1;
    if (k < 2) k = 2;
    return k;
}

static int default_epochs(int n) { return n <= 10000 ? 500 : 200; }

static int resolved_epochs(const umap_params *p, int n) { return p->n_epochs > 0 ? p->n_epochs : default_epochs(n); }

/* Checks params, x and sizes and allocates a context with its embedding, a and b. */
static es_status ctx_begin(const float *x, int n, int d, const umap_params *params, umap_ctx **ctx_out, es_error *err) {
    *ctx_out = NULL;
    umap_params p = params ? *params : umap_default_params();
    es_status st = umap_check_params(&p, err);
    if (st) return st;
    if (n < 1 || d < 1)
        return es_fail(err, ES_ERR_ARG, "UMAP needs at least one point with at least one coordinate, got (%d, %d)", n, d);
    if ((st = similarity_check_finite(x, n, d, "input vectors", err))) return st;
    umap_ctx *c = calloc(1, sizeof *c);
    if (!c) return es_fail(err, ES_ERR_NOMEM, "out of memory");
    c->n = n;
    c->d = d;
    c->dim = p.n_components;
    c->rng.s = p.seed;
    c->embedding = calloc((size_t)n * c->dim, sizeof(float));
    if (!c->embedding) {
        umap_free(c);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for a %d x %d embedding", n, c->dim);
    }
    if (!(p.a > 0.f && p.b > 0.f) && (st = umap_find_ab(p.spread, p.min_dist, &p.a, &p.b, err))) {
        umap_free(c);
        return st;
    }
    c->p = p;
    c->info.a = p.a;
    c->info.b = p.b;
    c->info.init = p.init;
    c->info.n_graph_components = n;
    c->info.n_neighbors = n == 1 ? 1 : resolved_k(&p, n);
    c->k = c->info.n_neighbors;
    knn_params kp = knn_default_params();
    kp.method = p.knn_method;
    kp.exact_max_n = p.knn_exact_max_n > 0 ? p.knn_exact_max_n : 8192;
    c->info.knn = knn_resolve_method(&kp, n);
    *ctx_out = c;
    return ES_OK;
}

/* ------------------------------------------------------------------------------- the graph */
static es_status check_knn(const int32_t *knn_idx, const float *knn_dist, int n, int k_stride, int k, es_error *err) {
    if (k_stride < k)
        return es_fail(err, ES_ERR_ARG, "the kNN has %d neighbours per row, n_neighbors needs %d", k_stride, k);
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            int32_t q = knn_idx[(size_t)i * k_stride + j];
            float v = knn_dist[(size_t)i * k_stride + j];
            if (q < -1 || q >= n) return es_fail(err, ES_ERR_ARG, "kNN row %d: index %d is not a row of the input (n = %d)", i, (int)q, n);
            if (!(v >= 0.f) || !isfinite(v)) return es_fail(err, ES_ERR_ARG, "kNN row %d: distance %g is not finite and >= 0", i, (double)v);
            if (j > 0 && v < knn_dist[(size_t)i * k_stride + j - 1])
                return es_fail(err, ES_ERR_ARG, "kNN row %d: distances are not ascending", i);
        }
    return ES_OK;
}

/* The first k columns of (knn_idx, knn_dist) (n, k_stride) -> the pruned fuzzy graph. */
static es_status build_graph(const int32_t *knn_idx, const float *knn_dist, int n, int k, const umap_params *p,
                             umap_graph *g, es_error *err) {
    es_status st = umap_fuzzy_simplicial_set(knn_idx, knn_dist, n, k, p->local_connectivity, p->set_op_mix_ratio, g, err);
    if (st) return st;
    /* simplicial_set_embedding: weights below max / n_epochs would never be sampled; as umap-learn, a
     * short run (<= 10 epochs) prunes as the default schedule would */
    int n_epochs = resolved_epochs(p, n);
    umap_graph_prune(g, umap_graph_max(g) / (float)(n_epochs > 10 ? n_epochs : default_epochs(n)));
    return ES_OK;
}

/* a copy of the first k columns of (n, k_stride) arrays, or the arrays themselves when k == k_stride */
static es_status knn_columns(const int32_t *idx, const float *dist, int n, int k_stride, int k, int32_t **idx_out,
                             float **dist_out, es_error *err) {
    *idx_out = malloc(sizeof(int32_t) * (size_t)n * k);
    *dist_out = malloc(sizeof(float) * (size_t)n * k);
    if (!*idx_out || !*dist_out) {
        free(*idx_out);
        free(*dist_out);
        *idx_out = NULL;
        *dist_out = NULL;
        return es_fail(err, ES_ERR_NOMEM, "out of memory for a %d x %d neighbour list", n, k);
    }
    for (int i = 0; i < n; i++) {
        memcpy(*idx_out + (size_t)i * k, idx + (size_t)i * k_stride, sizeof(int32_t) * k);
        memcpy(*dist_out + (size_t)i * k, dist + (size_t)i * k_stride, sizeof(float) * k);
    }
    return ES_OK;
}

es_status umap_graph_from_knn(const int32_t *knn_idx, const float *knn_dist, int n, int k_stride,
                              const umap_params *params, umap_graph *graph_out, es_error *err) {
    memset(graph_out, 0, sizeof *graph_out);
    umap_params p = params ? *params : umap_default_params();
    es_status st = umap_check_params(&p, err);
    if (st) return st;
    if (n < 2) return es_fail(err, ES_ERR_ARG, "a neighbour graph needs at least 2 points, got %d", n);
    int k = resolved_k(&p, n);
    if ((st = check_knn(knn_idx, knn_dist, n, k_stride, k, err))) return st;
    int32_t *idx;
    float *dist;
    if ((st = knn_columns(knn_idx, knn_dist, n, k_stride, k, &idx, &dist, err))) return st;
    st = build_graph(idx, dist, n, k, &p, graph_out, err);
    free(idx);
    free(dist);
    return st;
}

/* ------------------------------------------------------------------------------- the layout */
/* simplicial_set_embedding after the graph: initial layout (spectral per component, random when asked
 * for, for tiny inputs or when the eigen-solve fails), scaled to [0, 10], then the SGD schedule.
 * c->knn_idx / c->knn_dist are set. */
static es_status fit_from_knn(umap_ctx *c, const float *x, es_error *err) {
    int n = c->n, d = c->d, dim = c->dim;
    const umap_params *p = &c->p;
    es_status st = build_graph(c->knn_idx, c->knn_dist, n, c->k, p, &c->graph, err);
    if (st) return st;
    int spectral_ok = 0;
    int32_t *label = malloc(sizeof(int32_t) * (size_t)n);
    if (!label) return es_fail(err, ES_ERR_NOMEM, "out of memory");
    st = umap_connected_components(&c->graph, label, &c->info.n_graph_components, err);
    if (st == ES_OK && p->init == UMAP_INIT_SPECTRAL && n > dim + 1) {
        es_error e2 = {0};
        /* Very many components (a graph of near-isolated points) would make the dense eigen-solve of
         * their centroids cubic in their number: those inputs start from the random layout. */
        int nc = c->info.n_graph_components;
        es_status s2 = nc > UMAP_MAX_SPECTRAL_COMPONENTS ? ES_ERR_NUMERIC
                       : nc == 1 ? umap_spectral_layout(&c->graph, dim, &c->rng, c->embedding, &e2)
                                 : umap_multi_component_layout(x, d, p->metric, &c->graph, label, nc, dim, &c->rng,
                                                               c->embedding, &e2);
        if (s2 == ES_OK) spectral_ok = 1;
        else if (s2 == ES_ERR_NOMEM) st = es_fail(err, ES_ERR_NOMEM, "%s", e2.message);
    }
    free(label);
    if (st) return st;
    if (spectral_ok) {
        float mx = 0.f;
        for (size_t i = 0; i < (size_t)n * dim; i++)
            if (fabsf(c->embedding[i]) > mx) mx = fabsf(c->embedding[i]);
        float expansion = mx > 0.f ? 10.f / mx : 1.f;
        for (size_t i = 0; i < (size_t)n * dim; i++)
            c->embedding[i] = c->embedding[i] * expansion + (float)(0.0001 * rng_normal(&c->rng));
        c->info.init = UMAP_INIT_SPECTRAL;
    } else {
        for (size_t i = 0; i < (size_t)n * dim; i++) c->embedding[i] = knn_rng_float(&c->rng) * 20.f - 10.f;
        c->info.init = UMAP_INIT_RANDOM;
    }
    for (int t = 0; t < dim; t++) { /* each coordinate to [0, 10] */
        float lo = INFINITY, hi = -INFINITY;
        for (int i = 0; i < n; i++) {
            float v = c->embedding[(size_t)i * dim + t];
            if (v < lo) lo = v;
            if (v > hi) hi = v;
        }
        float range = hi - lo;
        for (int i = 0; i < n; i++) {
            float *v = &c->embedding[(size_t)i * dim + t];
            *v = range > 0.f ? 10.f * (*v - lo) / range : 0.f;
        }
    }
    c->info.n_edges = c->graph.nnz;
    umap_sgd_params sp = {p->a, p->b, p->repulsion_strength, p->learning_rate, p->negative_sample_rate,
                          resolved_epochs(p, n), 1};
    return umap_layout_init(&c->layout, &sp, &c->graph, c->embedding, c->embedding, dim, err);
}

es_status umap_create(const float *x, int n, int d, const umap_params *params, umap_ctx **ctx_out, es_error *err) {
    umap_ctx *c;
    es_status st = ctx_begin(x, n, d, params, &c, err);
    if (st) return st;
    if (n == 1) { /* one point: the origin, nothing to optimise */
        *ctx_out = c;
        return ES_OK;
    }
    int k = c->k;
    c->knn_idx = malloc(sizeof(int32_t) * (size_t)n * k);
    c->knn_dist = malloc(sizeof(float) * (size_t)n * k);
    if (!c->knn_idx || !c->knn_dist) {
        umap_free(c);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the neighbour graph");
    }
    knn_params kp = knn_default_params();
    kp.k = k;
    kp.metric = c->p.metric;
    kp.method = c->p.knn_method;
    kp.exact_max_n = c->p.knn_exact_max_n > 0 ? c->p.knn_exact_max_n : 8192;
    kp.seed = c->p.seed;
    if ((st = knn_search(x, n, d, &kp, c->knn_idx, c->knn_dist, err)) || (st = fit_from_knn(c, x, err))) {
        umap_free(c);
        return st;
    }
    *ctx_out = c;
    return ES_OK;
}

es_status umap_create_from_knn(const float *x, int n, int d, const int32_t *knn_idx, const float *knn_dist,
                               int k_stride, const umap_params *params, umap_ctx **ctx_out, es_error *err) {
    umap_ctx *c;
    es_status st = ctx_begin(x, n, d, params, &c, err);
    if (st) return st;
    if (n == 1) {
        *ctx_out = c;
        return ES_OK;
    }
    if ((st = check_knn(knn_idx, knn_dist, n, k_stride, c->k, err)) ||
        (st = knn_columns(knn_idx, knn_dist, n, k_stride, c->k, &c->knn_idx, &c->knn_dist, err)) ||
        (st = fit_from_knn(c, x, err))) {
        umap_free(c);
        return st;
    }
    *ctx_out = c;
    return ES_OK;
}

es_status umap_run_epochs(umap_ctx *c, int k, es_error *err) {
    if (!c) return es_fail(err, ES_ERR_ARG, "no UMAP context");
    if (k < 0) return es_fail(err, ES_ERR_ARG, "epoch count must be >= 0, got %d", k);
    umap_optimize_layout_euclidean(&c->layout, k, &c->rng);
    return ES_OK;
}

int umap_epoch(const umap_ctx *c) { return c ? c->layout.epoch : 0; }
int umap_n_epochs(const umap_ctx *c) { return c ? c->layout.p.n_epochs : 0; }
int umap_n(const umap_ctx *c) { return c ? c->n : 0; }
int umap_dim(const umap_ctx *c) { return c ? c->dim : 0; }
const float *umap_embedding(const umap_ctx *c) { return c ? c->embedding : NULL; }
umap_info umap_get_info(const umap_ctx *c) {
    umap_info z;
    memset(&z, 0, sizeof z);
    return c ? c->info : z;
}
umap_params umap_get_params(const umap_ctx *c) { return c ? c->p : umap_default_params(); }
int umap_input_dim(const umap_ctx *c) { return c ? c->d : 0; }
const umap_graph *umap_get_graph(const umap_ctx *c) { return c ? &c->graph : NULL; }
const int32_t *umap_knn_indices(const umap_ctx *c) { return c ? c->knn_idx : NULL; }
const float *umap_knn_distances(const umap_ctx *c) { return c ? c->knn_dist : NULL; }

es_status umap_kernel_selftest(float *max_rel_diff_out, es_error *err) {
    enum { NP = 257 };
    float *emb = malloc(sizeof(float) * 2 * NP);
    int32_t idx[64];
    if (!emb) return es_fail(err, ES_ERR_NOMEM, "out of memory in the kernel self-test");
    knn_rng r = {77};
    for (int i = 0; i < 2 * NP; i++) emb[i] = knn_rng_float(&r) * 20.f - 10.f;
    emb[2] = emb[0]; /* a coincident pair */
    emb[3] = emb[1];
    float worst = 0.f;
    for (int count = 0; count <= 64; count++) {
        for (int q = 0; q < count; q++) idx[q] = (int32_t)knn_rng_below(&r, NP);
        if (count > 2) idx[1] = 1, idx[2] = 0;
        for (int self = 0; self < 3; self++) {
            float s1[2], s2[2];
            umap_neg_2d(emb, idx, count, emb + 2 * self, self, 1.577f, 0.895f, 2.f * 0.895f, s1);
            umap_neg_2d_generic(emb, idx, count, emb + 2 * self, self, 1.577f, 0.895f, 2.f * 0.895f, s2);
            for (int t = 0; t < 2; t++) {
                float m = fabsf(s2[t]) > 1.f ? fabsf(s2[t]) : 1.f, v = fabsf(s1[t] - s2[t]) / m;
                if (v > worst) worst = v;
            }
        }
    }
    /* the power against libm over the range the SGD meets */
    for (float x = 1e-6f; x < 1e6f; x *= 1.37f) {
        float v = fabsf(umap_fast_powf(x, 0.895f) / powf(x, 0.895f) - 1.f);
        if (v > worst) worst = v;
    }
    free(emb);
    *max_rel_diff_out = worst;
    return ES_OK;
}
