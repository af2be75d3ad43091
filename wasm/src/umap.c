/* umap.c — see umap.h. Function names follow umap-learn's so the two can be read side by side. */
#include "umap.h"

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "similarity.h"
#include "umap_sgd_f32.h"

#define SMOOTH_K_TOLERANCE 1e-5
#define MIN_K_DIST_SCALE 1e-3
/* above this many connected components the initialisation is random (see umap_create) */
#define UMAP_MAX_SPECTRAL_COMPONENTS 256

struct umap_ctx {
    int n, dim, n_epochs, epoch;
    float a, b, gamma, initial_alpha, alpha;
    int negative_sample_rate;
    float *embedding;    /* (n, dim) */
    long n_edges;
    int32_t *head, *tail; /* (n_edges) */
    double *epochs_per_sample, *epoch_of_next_sample, *epochs_per_negative_sample, *epoch_of_next_negative_sample;
    knn_rng rng;
    umap_info info;
};

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

/* ------------------------------------------------------------------------------- sparse graph */
typedef struct triple {
    int32_t row, col;
    float w;
    int8_t transposed;
} triple;

/* Symmetric CSR of the fuzzy union: rows sorted by column. */
typedef struct csr {
    int n;
    long nnz;
    long *ptr;   /* (n + 1) */
    int32_t *col; /* (nnz) */
    float *val;  /* (nnz) */
} csr;

static void csr_free(csr *g) {
    free(g->ptr);
    free(g->col);
    free(g->val);
    memset(g, 0, sizeof *g);
}

/* R (n, k) directed memberships; result = mix (R + R^T - R o R^T) + (1 - mix) R o R^T. */
static es_status fuzzy_union(const int32_t *idx, const float *w, int n, int k, float mix, csr *g, es_error *err) {
    size_t cap = 2 * (size_t)n * k;
    triple *t = malloc(sizeof(triple) * (cap ? cap : 1));
    triple *s = malloc(sizeof(triple) * (cap ? cap : 1));
    long *cnt = calloc((size_t)n + 1, sizeof(long));
    if (!t || !s || !cnt) {
        free(t);
        free(s);
        free(cnt);
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
    long *pos = malloc(sizeof(long) * ((size_t)n + 1));
    if (!pos) {
        free(t);
        free(s);
        free(cnt);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for the fuzzy graph");
    }
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
    g->n = n;
    g->ptr = malloc(sizeof(long) * ((size_t)n + 1));
    g->col = malloc(sizeof(int32_t) * (m ? m : 1));
    g->val = malloc(sizeof(float) * (m ? m : 1));
    if (!g->ptr || !g->col || !g->val) {
        free(s);
        free(cnt);
        csr_free(g);
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

/* ------------------------------------------------------------------------------- components */
static int uf_find(int32_t *p, int x) {
    while (p[x] != x) {
        p[x] = p[p[x]];
        x = p[x];
    }
    return x;
}

/* Connected components: label_out (n) numbered 0.. in order of each component's lowest vertex (as
 * scipy's connected_components numbers them); *count_out = number of components. */
static es_status graph_components(const csr *g, int32_t *label_out, int *count_out, es_error *err) {
    int32_t *p = malloc(sizeof(int32_t) * (size_t)g->n);
    if (!p) return es_fail(err, ES_ERR_NOMEM, "out of memory");
    for (int i = 0; i < g->n; i++) p[i] = i;
    for (int i = 0; i < g->n; i++)
        for (long e = g->ptr[i]; e < g->ptr[i + 1]; e++) {
            int a = uf_find(p, i), b = uf_find(p, g->col[e]);
            if (a != b) p[a < b ? b : a] = a < b ? a : b; /* the root is the lowest vertex */
        }
    int c = 0;
    for (int i = 0; i < g->n; i++) {
        int r = uf_find(p, i);
        label_out[i] = r == i ? c++ : label_out[r];
    }
    free(p);
    *count_out = c;
    return ES_OK;
}

/* ------------------------------------------------------------------------------- spectral */
/* Eigen-decomposition of a small symmetric matrix a (m, m) by cyclic Jacobi rotations: eigenvalues
 * into w (m), eigenvectors into the columns of v (m, m). a is destroyed. */
static void jacobi_eigen(double *a, int m, double *w, double *v) {
    for (int i = 0; i < m; i++)
        for (int j = 0; j < m; j++) v[i * m + j] = i == j;
    for (int sweep = 0; sweep < 100; sweep++) {
        double off = 0.0;
        for (int i = 0; i < m; i++)
            for (int j = i + 1; j < m; j++) off += a[i * m + j] * a[i * m + j];
        if (off < 1e-30) break;
        for (int p = 0; p < m; p++)
            for (int q = p + 1; q < m; q++) {
                double apq = a[p * m + q];
                if (fabs(apq) < 1e-300) continue;
                double theta = (a[q * m + q] - a[p * m + p]) / (2 * apq);
                double t = (theta >= 0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1));
                double c = 1 / sqrt(t * t + 1), s = t * c;
                for (int r = 0; r < m; r++) {
                    double arp = a[r * m + p], arq = a[r * m + q];
                    a[r * m + p] = c * arp - s * arq;
                    a[r * m + q] = s * arp + c * arq;
                }
                for (int r = 0; r < m; r++) {
                    double apr = a[p * m + r], aqr = a[q * m + r];
                    a[p * m + r] = c * apr - s * aqr;
                    a[q * m + r] = s * apr + c * aqr;
                }
                for (int r = 0; r < m; r++) {
                    double vrp = v[r * m + p], vrq = v[r * m + q];
                    v[r * m + p] = c * vrp - s * vrq;
                    v[r * m + q] = s * vrp + c * vrq;
                }
            }
    }
    for (int i = 0; i < m; i++) w[i] = a[i * m + i];
}

/* y = D^-1/2 W D^-1/2 x */
static void norm_adj_mul(const csr *g, const double *dinv, const double *x, double *y) {
    for (int i = 0; i < g->n; i++) {
        double s = 0.0;
        for (long e = g->ptr[i]; e < g->ptr[i + 1]; e++) s += (double)g->val[e] * dinv[g->col[e]] * x[g->col[e]];
        y[i] = s * dinv[i];
    }
}

/* The dim eigenvectors of the normalised Laplacian I - D^-1/2 W D^-1/2 with the smallest
 * eigenvalues after the trivial one (= the largest of the normalised adjacency), by Lanczos with
 * full re-orthogonalisation, deflating the trivial vector sqrt(degree). out (n, dim).
 * Returns ES_ERR_NUMERIC when the solve does not produce dim vectors (the caller falls back). */
static es_status spectral_layout(const csr *g, int dim, knn_rng *rng, float *out, es_error *err) {
    int n = g->n;
    int m = 64 + 4 * dim;
    if (m > n - 1) m = n - 1;
    if (m < dim) return es_fail(err, ES_ERR_NUMERIC, "graph too small for a spectral layout");
    double *dinv = malloc(sizeof(double) * n), *u0 = malloc(sizeof(double) * n);
    double *V = malloc(sizeof(double) * (size_t)n * (m + 1)), *wv = malloc(sizeof(double) * n);
    double *T = calloc((size_t)m * m, sizeof(double)), *ev = malloc(sizeof(double) * m),
           *evec = malloc(sizeof(double) * (size_t)m * m);
    es_status st = ES_OK;
    if (!dinv || !u0 || !V || !wv || !T || !ev || !evec) {
        st = es_fail(err, ES_ERR_NOMEM, "out of memory for the spectral initialisation");
        goto done;
    }
    double u0n = 0.0;
    for (int i = 0; i < n; i++) {
        double deg = 0.0;
        for (long e = g->ptr[i]; e < g->ptr[i + 1]; e++) deg += g->val[e];
        if (!(deg > 0)) {
            st = es_fail(err, ES_ERR_NUMERIC, "isolated point in the graph");
            goto done;
        }
        dinv[i] = 1.0 / sqrt(deg);
        u0[i] = sqrt(deg);
        u0n += deg;
    }
    u0n = sqrt(u0n);
    for (int i = 0; i < n; i++) u0[i] /= u0n;
    /* start vector: random, orthogonal to u0 */
    double *v = V;
    for (int i = 0; i < n; i++) v[i] = knn_rng_float(rng) - 0.5;
    int steps = 0;
    double beta_prev = 0.0;
    for (int j = 0; j < m; j++) {
        v = V + (size_t)j * n;
        /* orthogonalise against u0 and all previous vectors (twice: "twice is enough") */
        for (int pass = 0; pass < 2; pass++) {
            double c = 0.0;
            for (int i = 0; i < n; i++) c += u0[i] * v[i];
            for (int i = 0; i < n; i++) v[i] -= c * u0[i];
            for (int q = 0; q < j; q++) {
                const double *vq = V + (size_t)q * n;
                double cq = 0.0;
                for (int i = 0; i < n; i++) cq += vq[i] * v[i];
                for (int i = 0; i < n; i++) v[i] -= cq * vq[i];
            }
        }
        double nv = 0.0;
        for (int i = 0; i < n; i++) nv += v[i] * v[i];
        nv = sqrt(nv);
        if (j > 0) {
            if (!(nv > 1e-10 * (beta_prev > 1 ? beta_prev : 1))) break; /* invariant subspace found */
            T[(j - 1) * m + j] = T[j * m + (j - 1)] = nv; /* beta_j (re-orthogonalised) */
        } else if (!(nv > 0)) {
            break;
        }
        for (int i = 0; i < n; i++) v[i] /= nv;
        norm_adj_mul(g, dinv, v, wv);
        double alpha = 0.0;
        for (int i = 0; i < n; i++) alpha += wv[i] * v[i];
        T[j * m + j] = alpha;
        steps = j + 1;
        /* next residual: w - alpha v - beta v_{j-1}; orthogonalised fully at the next step */
        double *nx = V + (size_t)(j + 1) * n;
        const double *vp = j > 0 ? V + (size_t)(j - 1) * n : NULL;
        double bj = j > 0 ? T[j * m + (j - 1)] : 0.0;
        for (int i = 0; i < n; i++) nx[i] = wv[i] - alpha * v[i] - (vp ? bj * vp[i] : 0.0);
        beta_prev = nv;
    }
    if (steps < dim) {
        st = es_fail(err, ES_ERR_NUMERIC, "spectral initialisation found only %d of %d vectors", steps, dim);
        goto done;
    }
    /* Ritz pairs of the leading steps x steps block */
    {
        double *Ts = calloc((size_t)steps * steps, sizeof(double));
        if (!Ts) {
            st = es_fail(err, ES_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (int i = 0; i < steps; i++)
            for (int j = 0; j < steps; j++) Ts[i * steps + j] = T[i * m + j];
        jacobi_eigen(Ts, steps, ev, evec);
        free(Ts);
        /* pick the dim largest eigenvalues, largest first */
        char *used = calloc((size_t)steps, 1);
        if (!used) {
            st = es_fail(err, ES_ERR_NOMEM, "out of memory");
            goto done;
        }
        for (int c = 0; c < dim; c++) {
            int best = -1;
            for (int q = 0; q < steps; q++)
                if (!used[q] && (best < 0 || ev[q] > ev[best])) best = q;
            if (best < 0) break; /* cannot happen: steps >= dim */
            used[best] = 1;
            for (int i = 0; i < n; i++) {
                double s = 0.0;
                for (int q = 0; q < steps; q++) s += V[(size_t)q * n + i] * evec[q * steps + best];
                out[(size_t)i * dim + c] = (float)s;
            }
        }
        free(used);
    }
done:
    free(dinv);
    free(u0);
    free(V);
    free(wv);
    free(T);
    free(ev);
    free(evec);
    return st;
}

static double rng_normal(knn_rng *r);

/* umap-learn's multi_component_layout: component centroids placed by a spectral embedding of their
 * affinities exp(-dist^2) (or on the +-axes when there are at most 2*dim components), each component
 * laid out spectrally on its own subgraph (randomly when tiny) and scaled to half the distance to
 * the nearest other centroid. x (n, d) is the input; label (n) from graph_components; out (n, dim). */
static es_status multi_component_layout(const float *x, int d, knn_metric metric, const csr *g, const int32_t *label,
                                        int nc, int dim, knn_rng *rng, float *out, es_error *err) {
    int n = g->n;
    es_status st = ES_OK;
    double *meta = calloc((size_t)nc * dim, sizeof(double));
    int32_t *count = calloc((size_t)nc, sizeof(int32_t)), *local = malloc(sizeof(int32_t) * (size_t)n);
    int32_t *members = malloc(sizeof(int32_t) * (size_t)n);
    long *start = calloc((size_t)nc + 1, sizeof(long));
    double *cen = NULL, *A = NULL, *V = NULL, *w = NULL;
    float *sub_out = NULL;
    csr sub = {0};
    if (!meta || !count || !local || !members || !start) goto nomem;
    for (int i = 0; i < n; i++) local[i] = count[label[i]]++;
    for (int c = 0; c < nc; c++) start[c + 1] = start[c] + count[c];
    for (int i = 0; i < n; i++) members[start[label[i]] + local[i]] = i;

    if (nc > 2 * dim) {
        cen = calloc((size_t)nc * d, sizeof(double));
        A = calloc((size_t)nc * nc, sizeof(double));
        V = malloc(sizeof(double) * (size_t)nc * nc);
        w = malloc(sizeof(double) * (size_t)nc);
        if (!cen || !A || !V || !w) goto nomem;
        for (int i = 0; i < n; i++)
            for (int t = 0; t < d; t++) cen[(size_t)label[i] * d + t] += x[(size_t)i * d + t];
        for (int c = 0; c < nc; c++)
            for (int t = 0; t < d; t++) cen[(size_t)c * d + t] /= count[c];
        for (int a = 0; a < nc; a++)
            for (int b = a + 1; b < nc; b++) {
                const double *pa = cen + (size_t)a * d, *pb = cen + (size_t)b * d;
                double dist;
                if (metric == KNN_METRIC_EUCLIDEAN) {
                    double s2 = 0;
                    for (int t = 0; t < d; t++) s2 += (pa[t] - pb[t]) * (pa[t] - pb[t]);
                    dist = sqrt(s2);
                } else {
                    double ab = 0, aa = 0, bb = 0;
                    for (int t = 0; t < d; t++) ab += pa[t] * pb[t], aa += pa[t] * pa[t], bb += pb[t] * pb[t];
                    dist = aa > 0 && bb > 0 ? 1 - ab / sqrt(aa * bb) : 1;
                }
                A[(size_t)a * nc + b] = A[(size_t)b * nc + a] = exp(-dist * dist);
            }
        /* sklearn's SpectralEmbedding on the precomputed affinity: normalised Laplacian (diagonal
         * dropped), eigenvectors after the first, divided by sqrt(degree), sign fixed so the largest
         * |entry| is positive; umap-learn then divides by the overall maximum. */
        double *dd = malloc(sizeof(double) * (size_t)nc);
        if (!dd) goto nomem;
        for (int a = 0; a < nc; a++) {
            double s = 0;
            for (int b = 0; b < nc; b++) s += A[(size_t)a * nc + b];
            dd[a] = s > 0 ? sqrt(s) : 1;
        }
        for (int a = 0; a < nc; a++)
            for (int b = 0; b < nc; b++) A[(size_t)a * nc + b] /= dd[a] * dd[b];
        jacobi_eigen(A, nc, w, V);
        char *used = calloc((size_t)nc, 1);
        if (!used) {
            free(dd);
            goto nomem;
        }
        for (int k = 0; k <= dim; k++) {
            int best = -1;
            for (int q = 0; q < nc; q++)
                if (!used[q] && (best < 0 || w[q] > w[best])) best = q;
            if (best < 0) break; /* cannot happen: nc > 2 * dim */
            used[best] = 1;
            if (k == 0) continue; /* the trivial vector */
            double big = 0;
            for (int a = 0; a < nc; a++) {
                double v = V[(size_t)a * nc + best] / dd[a];
                meta[(size_t)a * dim + (k - 1)] = v;
                if (fabs(v) > fabs(big)) big = v;
            }
            if (big < 0)
                for (int a = 0; a < nc; a++) meta[(size_t)a * dim + (k - 1)] = -meta[(size_t)a * dim + (k - 1)];
        }
        free(used);
        free(dd);
        double mx = -INFINITY;
        for (size_t q = 0; q < (size_t)nc * dim; q++)
            if (meta[q] > mx) mx = meta[q];
        if (mx > 0)
            for (size_t q = 0; q < (size_t)nc * dim; q++) meta[q] /= mx;
    } else {
        int k = (nc + 1) / 2;
        for (int c = 0; c < nc; c++) meta[(size_t)c * dim + (c % k)] = c < k ? 1.0 : -1.0;
    }

    sub_out = malloc(sizeof(float) * (size_t)n * dim);
    sub.ptr = malloc(sizeof(long) * ((size_t)n + 1));
    sub.col = malloc(sizeof(int32_t) * (size_t)(g->nnz ? g->nnz : 1));
    sub.val = malloc(sizeof(float) * (size_t)(g->nnz ? g->nnz : 1));
    if (!sub_out || !sub.ptr || !sub.col || !sub.val) goto nomem;
    for (int c = 0; c < nc; c++) {
        double range = INFINITY;
        for (int o = 0; o < nc; o++) {
            double s2 = 0;
            for (int t = 0; t < dim; t++) s2 += (meta[(size_t)c * dim + t] - meta[(size_t)o * dim + t]) * (meta[(size_t)c * dim + t] - meta[(size_t)o * dim + t]);
            if (s2 > 0 && sqrt(s2) < range) range = sqrt(s2);
        }
        range = isfinite(range) ? range / 2 : 1.0;
        int m = count[c];
        const int32_t *mem = members + start[c];
        int ok = 0;
        if (!(m < 2 * dim || m <= dim + 1)) {
            sub.n = m;
            long nnz = 0;
            for (int q = 0; q < m; q++) {
                sub.ptr[q] = nnz;
                for (long e = g->ptr[mem[q]]; e < g->ptr[mem[q] + 1]; e++) {
                    sub.col[nnz] = local[g->col[e]];
                    sub.val[nnz] = g->val[e];
                    nnz++;
                }
            }
            sub.ptr[m] = nnz;
            sub.nnz = nnz;
            es_error e2 = {0};
            es_status s2 = spectral_layout(&sub, dim, rng, sub_out, &e2);
            if (s2 == ES_ERR_NOMEM) goto nomem;
            if (s2 == ES_OK) {
                float mx = 0.f;
                for (size_t q = 0; q < (size_t)m * dim; q++)
                    if (fabsf(sub_out[q]) > mx) mx = fabsf(sub_out[q]);
                double ex = mx > 0 ? range / mx : 1.0;
                for (int q = 0; q < m; q++)
                    for (int t = 0; t < dim; t++)
                        out[(size_t)mem[q] * dim + t] = (float)(sub_out[(size_t)q * dim + t] * ex + meta[(size_t)c * dim + t]);
                ok = 1;
            }
        }
        if (!ok)
            for (int q = 0; q < m; q++)
                for (int t = 0; t < dim; t++)
                    out[(size_t)mem[q] * dim + t] = (float)((knn_rng_float(rng) * 2.0 - 1.0) * range + meta[(size_t)c * dim + t]);
    }
    goto done;
nomem:
    st = es_fail(err, ES_ERR_NOMEM, "out of memory for the multi-component initialisation");
done:
    free(meta);
    free(count);
    free(local);
    free(members);
    free(start);
    free(cen);
    free(A);
    free(V);
    free(w);
    free(sub_out);
    csr_free(&sub);
    return st;
}

static double rng_normal(knn_rng *r) {
    double u1 = ((double)(knn_rng_next(r) >> 11) + 1.0) * (1.0 / 9007199254740993.0);
    double u2 = (double)(knn_rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * 3.14159265358979323846 * u2);
}

/* ------------------------------------------------------------------------------- create */
void umap_free(umap_ctx *c) {
    if (!c) return;
    free(c->embedding);
    free(c->head);
    free(c->tail);
    free(c->epochs_per_sample);
    free(c->epoch_of_next_sample);
    free(c->epochs_per_negative_sample);
    free(c->epoch_of_next_negative_sample);
    free(c);
}

static es_status check_params(const umap_params *p, es_error *err) {
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

es_status umap_create(const float *x, int n, int d, const umap_params *params, umap_ctx **ctx_out, es_error *err) {
    *ctx_out = NULL;
    umap_params p = params ? *params : umap_default_params();
    es_status st = check_params(&p, err);
    if (st) return st;
    if (n < 1 || d < 1) return es_fail(err, ES_ERR_ARG, "UMAP needs at least one point with at least one coordinate, got (%d, %d)", n, d);
    if ((st = similarity_check_finite(x, n, d, "input vectors", err))) return st;

    umap_ctx *c = calloc(1, sizeof *c);
    if (!c) return es_fail(err, ES_ERR_NOMEM, "out of memory");
    int dim = p.n_components;
    c->n = n;
    c->dim = dim;
    c->gamma = p.repulsion_strength;
    c->initial_alpha = c->alpha = p.learning_rate;
    c->negative_sample_rate = p.negative_sample_rate;
    c->rng.s = p.seed;
    c->embedding = calloc((size_t)n * dim, sizeof(float));
    if (!c->embedding) {
        umap_free(c);
        return es_fail(err, ES_ERR_NOMEM, "out of memory for a %d x %d embedding", n, dim);
    }
    if (p.a > 0.f && p.b > 0.f) {
        c->a = p.a;
        c->b = p.b;
    } else if ((st = umap_find_ab(p.spread, p.min_dist, &c->a, &c->b, err))) {
        umap_free(c);
        return st;
    }
    c->info.a = c->a;
    c->info.b = c->b;
    c->info.init = p.init;
    c->info.n_graph_components = n;
    int n_epochs = p.n_epochs > 0 ? p.n_epochs : (n <= 10000 ? 500 : 200);
    c->n_epochs = n_epochs;
    if (n == 1) { /* one point: the origin, nothing to optimise */
        c->n_epochs = 0;
        c->info.n_neighbors = 1;
        *ctx_out = c;
        return ES_OK;
    }

    int spectral_ok = 0;
    /* 1. kNN (n_neighbors counts the point itself; clamped to n - 1 like umap-learn, at least 2) */
    int k = p.n_neighbors;
    if (k > n - 1) k = n - 1;
    if (k < 2) k = 2;
    c->info.n_neighbors = k;
    int32_t *knn_idx = malloc(sizeof(int32_t) * (size_t)n * k);
    float *knn_dist = malloc(sizeof(float) * (size_t)n * k);
    float *sigma = malloc(sizeof(float) * n), *rho = malloc(sizeof(float) * n);
    float *w = malloc(sizeof(float) * (size_t)n * k);
    csr g = {0};
    if (!knn_idx || !knn_dist || !sigma || !rho || !w) {
        st = es_fail(err, ES_ERR_NOMEM, "out of memory for the neighbour graph");
        goto fail;
    }
    knn_params kp = knn_default_params();
    kp.k = k;
    kp.metric = p.metric;
    kp.method = p.knn_method;
    kp.exact_max_n = p.knn_exact_max_n > 0 ? p.knn_exact_max_n : 8192;
    kp.seed = p.seed;
    c->info.knn = knn_resolve_method(&kp, n);
    if ((st = knn_search(x, n, d, &kp, knn_idx, knn_dist, err))) goto fail;

    /* 2. fuzzy simplicial set */
    if ((st = umap_smooth_knn_dist(knn_dist, n, k, p.local_connectivity, sigma, rho, err))) goto fail;
    for (int i = 0; i < n; i++)
        for (int j = 0; j < k; j++) {
            size_t e = (size_t)i * k + j;
            float v;
            if (knn_idx[e] == i) v = 0.f;
            else if (knn_dist[e] - rho[i] <= 0.f || sigma[i] == 0.f) v = 1.f;
            else v = expf(-((knn_dist[e] - rho[i]) / sigma[i]));
            w[e] = v;
        }
    if ((st = fuzzy_union(knn_idx, w, n, k, p.set_op_mix_ratio, &g, err))) goto fail;
    free(knn_idx);
    free(knn_dist);
    free(sigma);
    free(rho);
    free(w);
    knn_idx = NULL;
    knn_dist = sigma = rho = w = NULL;

    /* 3. prune weak edges: below max / n_epochs they would never be sampled */
    float wmax = 0.f;
    for (long e = 0; e < g.nnz; e++)
        if (g.val[e] > wmax) wmax = g.val[e];
    {
        /* as umap-learn: a short run (<= 10 epochs) prunes as the default schedule would */
        int default_epochs = n <= 10000 ? 500 : 200;
        float cut = wmax / (float)(n_epochs > 10 ? n_epochs : default_epochs);
        long q = 0;
        for (int i = 0; i < n; i++) {
            long s0 = g.ptr[i], s1 = g.ptr[i + 1];
            g.ptr[i] = q;
            for (long e = s0; e < s1; e++)
                if (!(g.val[e] < cut)) {
                    g.col[q] = g.col[e];
                    g.val[q] = g.val[e];
                    q++;
                }
        }
        g.ptr[n] = q;
        g.nnz = q;
    }
    {
        int32_t *label = malloc(sizeof(int32_t) * (size_t)n);
        if (!label) {
            st = es_fail(err, ES_ERR_NOMEM, "out of memory");
            goto fail;
        }
        st = graph_components(&g, label, &c->info.n_graph_components, err);

        /* 4. initial layout: spectral (per component when the graph is disconnected, as umap-learn),
         * random when asked for, for tiny inputs, or when the eigen-solve fails */
        if (st == ES_OK && p.init == UMAP_INIT_SPECTRAL && n > dim + 1) {
            es_error e2 = {0};
            /* Very many components (a graph of near-isolated points) would make the dense eigen-solve
             * of their centroids cubic in their number: those inputs start from the random layout. */
            es_status s2 = c->info.n_graph_components > UMAP_MAX_SPECTRAL_COMPONENTS ? ES_ERR_NUMERIC
                           : c->info.n_graph_components == 1
                               ? spectral_layout(&g, dim, &c->rng, c->embedding, &e2)
                               : multi_component_layout(x, d, p.metric, &g, label, c->info.n_graph_components, dim,
                                                        &c->rng, c->embedding, &e2);
            if (s2 == ES_OK) spectral_ok = 1;
            else if (s2 == ES_ERR_NOMEM) st = es_fail(err, ES_ERR_NOMEM, "%s", e2.message);
        }
        free(label);
        if (st) goto fail;
    }
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

    /* 5. edges and their sampling schedule */
    c->n_edges = g.nnz;
    c->info.n_edges = g.nnz;
    size_t ne = g.nnz ? (size_t)g.nnz : 1;
    c->head = malloc(sizeof(int32_t) * ne);
    c->tail = malloc(sizeof(int32_t) * ne);
    c->epochs_per_sample = malloc(sizeof(double) * ne);
    c->epoch_of_next_sample = malloc(sizeof(double) * ne);
    c->epochs_per_negative_sample = malloc(sizeof(double) * ne);
    c->epoch_of_next_negative_sample = malloc(sizeof(double) * ne);
    if (!c->head || !c->tail || !c->epochs_per_sample || !c->epoch_of_next_sample || !c->epochs_per_negative_sample ||
        !c->epoch_of_next_negative_sample) {
        st = es_fail(err, ES_ERR_NOMEM, "out of memory for %ld edges", g.nnz);
        goto fail;
    }
    for (int i = 0; i < n; i++)
        for (long e = g.ptr[i]; e < g.ptr[i + 1]; e++) {
            c->head[e] = i;
            c->tail[e] = g.col[e];
            double ns = (double)n_epochs * ((double)g.val[e] / wmax);
            double eps = ns > 0 ? (double)n_epochs / ns : -1.0;
            c->epochs_per_sample[e] = eps;
            c->epoch_of_next_sample[e] = eps;
            c->epochs_per_negative_sample[e] = p.negative_sample_rate > 0 ? eps / p.negative_sample_rate : INFINITY;
            c->epoch_of_next_negative_sample[e] = c->epochs_per_negative_sample[e];
        }
    csr_free(&g);
    *ctx_out = c;
    return ES_OK;

fail:
    free(knn_idx);
    free(knn_dist);
    free(sigma);
    free(rho);
    free(w);
    csr_free(&g);
    umap_free(c);
    return st;
}

/* ------------------------------------------------------------------------------- layout */
#define fast_pow umap_fast_powf

static inline float clip4(float v) { return v > 4.f ? 4.f : (v < -4.f ? -4.f : v); }

/* One epoch of optimize_layout_euclidean (move_other = True: head and tail embedding are the same).
 * Inlined twice: with DIM = 2 (the map; constant loop bounds) and with the context's dimension. */
static inline __attribute__((always_inline)) void layout_epoch_dim(umap_ctx *c, int epoch, const int DIM) {
    const int dim = DIM, n = c->n;
    const float a = c->a, b = c->b, gamma = c->gamma, alpha = c->alpha;
    float *emb = c->embedding;
    for (long i = 0; i < c->n_edges; i++) {
        if (!(c->epoch_of_next_sample[i] <= epoch)) continue;
        int j = c->head[i], k = c->tail[i];
        float *cur = emb + (size_t)j * dim, *oth = emb + (size_t)k * dim;
        float d2 = 0.f;
        for (int t = 0; t < dim; t++) {
            float q = cur[t] - oth[t];
            d2 += q * q;
        }
        float gc = 0.f;
        if (d2 > 0.f) {
            float pb = fast_pow(d2, b);
            gc = (-2.f * a * b * pb / d2) / (a * pb + 1.f);
        }
        for (int t = 0; t < dim; t++) {
            float g = clip4(gc * (cur[t] - oth[t]));
            cur[t] += g * alpha;
            oth[t] += -g * alpha;
        }
        c->epoch_of_next_sample[i] += c->epochs_per_sample[i];
        int n_neg = (int)((epoch - c->epoch_of_next_negative_sample[i]) / c->epochs_per_negative_sample[i]);
        /* The negative samples' pushes are computed from the point's position before them and then
         * summed (umap-learn applies them one after the other). The expected update is the same and
         * the difference is one step of at most 4*alpha per coordinate; it lets the samples run as
         * independent chains instead of one long serial dependency (the SGD is latency-bound). */
        float acc[DIM > 0 ? DIM : 1];
        for (int t = 0; t < dim; t++) acc[t] = 0.f;
        if (DIM == 2) { /* the map: batches of samples through the SIMD kernel */
            int32_t batch[32];
            for (int q0 = 0; q0 < n_neg; q0 += 32) {
                int cnt = n_neg - q0 < 32 ? n_neg - q0 : 32;
                for (int q = 0; q < cnt; q++) batch[q] = (int32_t)knn_rng_below(&c->rng, (uint32_t)n);
                float part[2];
                umap_neg_2d(emb, batch, cnt, cur, j, a, b, 2.f * gamma * b, part);
                acc[0] += part[0];
                acc[1] += part[1];
            }
        } else
        for (int q = 0; q < n_neg; q++) {
            int kk = (int)knn_rng_below(&c->rng, (uint32_t)n);
            const float *o = emb + (size_t)kk * dim;
            float dd = 0.f;
            for (int t = 0; t < dim; t++) {
                float z = cur[t] - o[t];
                dd += z * z;
            }
            if (dd > 0.f) {
                float gn = 2.f * gamma * b / ((0.001f + dd) * (a * fast_pow(dd, b) + 1.f));
                for (int t = 0; t < dim; t++) acc[t] += clip4(gn * (cur[t] - o[t]));
            } else if (j != kk) {
                /* coincident points get umap-learn's fixed push of 4 */
                for (int t = 0; t < dim; t++) acc[t] += 4.f;
            }
        }
        for (int t = 0; t < dim; t++) cur[t] += acc[t] * alpha;
        c->epoch_of_next_negative_sample[i] += n_neg * c->epochs_per_negative_sample[i];
    }
}

static void layout_epoch_2(umap_ctx *c, int epoch) { layout_epoch_dim(c, epoch, 2); }
static void layout_epoch_any(umap_ctx *c, int epoch) { layout_epoch_dim(c, epoch, c->dim); }
static void layout_epoch(umap_ctx *c, int epoch) {
    if (c->dim == 2) layout_epoch_2(c, epoch);
    else layout_epoch_any(c, epoch);
}

es_status umap_run_epochs(umap_ctx *c, int k, es_error *err) {
    if (!c) return es_fail(err, ES_ERR_ARG, "no UMAP context");
    if (k < 0) return es_fail(err, ES_ERR_ARG, "epoch count must be >= 0, got %d", k);
    for (int s = 0; s < k && c->epoch < c->n_epochs; s++) {
        layout_epoch(c, c->epoch);
        /* as optimize_layout_euclidean: after epoch e (0-based), alpha = initial * (1 - e / n_epochs) */
        c->alpha = c->initial_alpha * (1.f - (float)c->epoch / (float)c->n_epochs);
        c->epoch++;
    }
    return ES_OK;
}

int umap_epoch(const umap_ctx *c) { return c ? c->epoch : 0; }
int umap_n_epochs(const umap_ctx *c) { return c ? c->n_epochs : 0; }
int umap_n(const umap_ctx *c) { return c ? c->n : 0; }
int umap_dim(const umap_ctx *c) { return c ? c->dim : 0; }
const float *umap_embedding(const umap_ctx *c) { return c ? c->embedding : NULL; }
umap_info umap_get_info(const umap_ctx *c) {
    umap_info z;
    memset(&z, 0, sizeof z);
    return c ? c->info : z;
}

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
