/* umap_spectral.c — see umap_spectral.h. */
#include "umap_spectral.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

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
static void norm_adj_mul(const umap_graph *g, const double *dinv, const double *x, double *y) {
    for (int i = 0; i < g->n_rows; i++) {
        double s = 0.0;
        for (long e = g->ptr[i]; e < g->ptr[i + 1]; e++) s += (double)g->val[e] * dinv[g->col[e]] * x[g->col[e]];
        y[i] = s * dinv[i];
    }
}

/* The smallest non-trivial eigenvectors of the Laplacian are the largest of the normalised
 * adjacency after the trivial one, sqrt(degree), which is deflated. */
es_status umap_spectral_layout(const umap_graph *g, int dim, knn_rng *rng, float *out, es_error *err) {
    int n = g->n_rows;
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

/* Centroid affinities are exp(-dist^2), as umap-learn's component_layout computes them. */
es_status umap_multi_component_layout(const float *x, int d, knn_metric metric, const umap_graph *g,
                                      const int32_t *label, int nc, int dim, knn_rng *rng, float *out,
                                      es_error *err) {
    int n = g->n_rows;
    es_status st = ES_OK;
    double *meta = calloc((size_t)nc * dim, sizeof(double));
    int32_t *count = calloc((size_t)nc, sizeof(int32_t)), *local = malloc(sizeof(int32_t) * (size_t)n);
    int32_t *members = malloc(sizeof(int32_t) * (size_t)n);
    long *start = calloc((size_t)nc + 1, sizeof(long));
    double *cen = NULL, *A = NULL, *V = NULL, *w = NULL;
    float *sub_out = NULL;
    umap_graph sub = {0};
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
            sub.n_rows = sub.n_cols = m;
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
            es_status s2 = umap_spectral_layout(&sub, dim, rng, sub_out, &e2);
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
    umap_graph_free(&sub);
    return st;
}
