/* kernels_check.c — see kernels_check.h. Shapes cover every m in 1..2·MR+1, n in 1..2·NR+1 and k
 * around 1, odd values and the k block (GEMM_KC). SIMD and scalar twins must agree bit for bit
 * (they perform the same operations in the same order); both must be close to double precision. */
#include "kernels_check.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

static uint32_t rng_next(uint64_t *s) {
    *s = *s * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(*s >> 33);
}
static float rng_unif(uint64_t *s) { return (float)(rng_next(s) & 0xffffff) / 8388608.0f - 1.0f; } /* [-1, 1) */

#define CHECK(cond, ...) do { if (!(cond)) { st = es_fail(err, ES_ERR_INTERNAL, __VA_ARGS__); goto done; } } while (0)

static es_status check_gemm(int *count, es_error *err) {
    static const int ks[] = {1, 2, 3, 7, 16, 33, 255, 256, 257, 300};
    const int MMAX = 2 * GEMM_MR + 1, NMAX = 2 * GEMM_NR + 1, KMAX = 300;
    es_status st = ES_OK;
    uint64_t seed = 12345;
    float *a = malloc(sizeof(float) * MMAX * (KMAX + 3));
    float *w = malloc(sizeof(float) * NMAX * KMAX);
    float *bias = malloc(sizeof(float) * NMAX);
    float *bp = malloc(sizeof(float) * gemm_f32_packed_size(NMAX, KMAX));
    int8_t *wq = malloc((size_t)NMAX * KMAX);
    float *sw = malloc(sizeof(float) * NMAX);
    int16_t *bq = malloc(sizeof(int16_t) * gemm_i8_packed_size(NMAX, KMAX));
    void *work = malloc(gemm_i8_workspace_size(MMAX, KMAX) + 16);
    float *c1 = malloc(sizeof(float) * MMAX * (NMAX + 2)), *c2 = malloc(sizeof(float) * MMAX * (NMAX + 2));
    CHECK(a && w && bias && bp && wq && sw && bq && work && c1 && c2, "kernels_check: out of memory");
    void *work16 = (void *)(((uintptr_t)work + 15) & ~(uintptr_t)15);
    for (size_t ki = 0; ki < sizeof ks / sizeof ks[0]; ki++) {
        int k = ks[ki];
        size_t lda = (size_t)k + 3; /* odd stride */
        for (int i = 0; i < MMAX * (KMAX + 3); i++) a[i] = rng_unif(&seed);
        for (int i = 0; i < NMAX * k; i++) w[i] = rng_unif(&seed);
        for (int i = 0; i < NMAX; i++) bias[i] = rng_unif(&seed);
        for (int n = 1; n <= NMAX; n++) {
            gemm_f32_pack_b(n, k, w, k, 1, bp);
            quantize_rows_i8(n, k, w, wq, sw);
            gemm_i8_pack_b(n, k, wq, bq);
            for (int m = 1; m <= MMAX; m++) {
                size_t ldc = (size_t)n + 2;
                for (int usebias = 0; usebias < 2; usebias++) {
                    const float *bb = usebias ? bias : NULL;
                    /* f32 */
                    memset(c1, 0, sizeof(float) * MMAX * (NMAX + 2));
                    memset(c2, 0, sizeof(float) * MMAX * (NMAX + 2));
                    gemm_f32_generic(m, n, k, a, lda, bp, bb, c1, ldc);
                    gemm_f32(m, n, k, a, lda, bp, bb, c2, ldc);
                    for (int i = 0; i < m; i++)
                        for (int j = 0; j < n; j++) {
                            float g = c1[i * ldc + j], s = c2[i * ldc + j];
                            CHECK(memcmp(&g, &s, sizeof g) == 0, "gemm_f32 m=%d n=%d k=%d bias=%d: SIMD %.9g != generic %.9g at (%d,%d)", m, n, k, usebias, s, g, i, j);
                            double ref = bb ? bb[j] : 0.0;
                            for (int kk = 0; kk < k; kk++) ref += (double)a[i * lda + kk] * w[j * k + kk];
                            CHECK(fabs(ref - g) <= 1e-5 * sqrt((double)k) + 1e-6, "gemm_f32 m=%d n=%d k=%d: %.9g vs double %.9g at (%d,%d)", m, n, k, g, ref, i, j);
                        }
                    for (int i = 0; i < m; i++) /* nothing written past n */
                        for (int j = n; j < (int)ldc; j++) CHECK(c2[i * ldc + j] == 0.0f, "gemm_f32 m=%d n=%d k=%d wrote past column n", m, n, k);
                    /* int8 */
                    gemm_i8_generic(m, n, k, a, lda, bq, sw, bb, c1, ldc, work16);
                    gemm_i8(m, n, k, a, lda, bq, sw, bb, c2, ldc, work16);
                    for (int i = 0; i < m; i++) {
                        float mx = 0;
                        for (int kk = 0; kk < k; kk++) mx = fabsf(a[i * lda + kk]) > mx ? fabsf(a[i * lda + kk]) : mx;
                        for (int j = 0; j < n; j++) {
                            float g = c1[i * ldc + j], s = c2[i * ldc + j];
                            CHECK(memcmp(&g, &s, sizeof g) == 0, "gemm_i8 m=%d n=%d k=%d bias=%d: SIMD %.9g != generic %.9g at (%d,%d)", m, n, k, usebias, s, g, i, j);
                            double ref = bb ? bb[j] : 0.0;
                            for (int kk = 0; kk < k; kk++) ref += (double)a[i * lda + kk] * w[j * k + kk];
                            /* quantisation error bound: half a step of each operand per term */
                            double tol = 1.01 * k * ((mx / 127.0) * 1.0 / 2 + (sw[j] * 127.0) * (mx / 254.0) + (mx / 254.0) * (sw[j] / 2)) + 1e-5;
                            CHECK(fabs(ref - g) <= tol, "gemm_i8 m=%d n=%d k=%d: %.9g vs double %.9g (tol %.3g) at (%d,%d)", m, n, k, g, ref, tol, i, j);
                        }
                    }
                    *count += 2;
                }
            }
        }
    }
done:
    free(a); free(w); free(bias); free(bp); free(wq); free(sw); free(bq); free(work); free(c1); free(c2);
    return st;
}

static double gelu_ref(double x) { return 0.5 * x * (1.0 + erf(x / sqrt(2.0))); }

static es_status check_vec(int *count, es_error *err) {
    es_status st = ES_OK;
    uint64_t seed = 777;
    const int N = 4096;
    float *x = malloc(sizeof(float) * N), *y1 = malloc(sizeof(float) * N), *y2 = malloc(sizeof(float) * N);
    float *g = malloc(sizeof(float) * 400), *b = malloc(sizeof(float) * 400);
    CHECK(x && y1 && y2 && g && b, "kernels_check: out of memory");
    /* exp on [-87, 88], relative error and twin agreement */
    for (int i = 0; i < N; i++) x[i] = -87.0f + 175.0f * (float)i / (N - 1);
    exp_f32_generic(N, x, y1);
    exp_f32(N, x, y2);
    for (int i = 0; i < N; i++) {
        CHECK(memcmp(&y1[i], &y2[i], sizeof(float)) == 0, "exp_f32: SIMD %.9g != generic %.9g at x=%.9g", y2[i], y1[i], x[i]);
        double r = exp((double)x[i]);
        CHECK(fabs(y1[i] - r) <= 3e-7 * r, "exp_f32: %.9g vs %.9g at x=%.9g", y1[i], r, x[i]);
    }
    *count += N;
    /* GELU on [-10, 10] (odd length: exercises the scalar tail), abs error <= 1e-6 */
    for (int n = N - 1; n <= N; n++) {
        for (int i = 0; i < n; i++) x[i] = -10.0f + 20.0f * (float)i / (n - 1);
        memcpy(y1, x, sizeof(float) * n);
        memcpy(y2, x, sizeof(float) * n);
        gelu_f32_generic(n, y1);
        gelu_f32(n, y2);
        for (int i = 0; i < n; i++) {
            CHECK(memcmp(&y1[i], &y2[i], sizeof(float)) == 0, "gelu_f32: SIMD %.9g != generic %.9g at x=%.9g", y2[i], y1[i], x[i]);
            double r = gelu_ref(x[i]);
            CHECK(fabs(y1[i] - r) <= 1e-6, "gelu_f32: %.9g vs erf GELU %.9g at x=%.9g", y1[i], r, x[i]);
        }
        *count += n;
    }
    /* LayerNorm, every dim 1..17 and 384 */
    for (int dim = 1; dim <= 385; dim = dim < 17 ? dim + 1 : (dim == 17 ? 384 : dim + 1)) {
        int rows = 3;
        for (int i = 0; i < rows * dim; i++) x[i] = 3.0f * rng_unif(&seed) + 0.5f;
        for (int i = 0; i < dim; i++) { g[i] = 1.0f + 0.5f * rng_unif(&seed); b[i] = 0.2f * rng_unif(&seed); }
        memcpy(y1, x, sizeof(float) * rows * dim);
        memcpy(y2, x, sizeof(float) * rows * dim);
        layernorm_f32_generic(rows, dim, y1, g, b, 1e-12f);
        layernorm_f32(rows, dim, y2, g, b, 1e-12f);
        for (int r = 0; r < rows; r++) {
            double mean = 0, var = 0;
            for (int j = 0; j < dim; j++) mean += x[r * dim + j];
            mean /= dim;
            for (int j = 0; j < dim; j++) var += (x[r * dim + j] - mean) * (x[r * dim + j] - mean);
            var /= dim;
            for (int j = 0; j < dim; j++) {
                int i = r * dim + j;
                CHECK(memcmp(&y1[i], &y2[i], sizeof(float)) == 0, "layernorm_f32 dim=%d: SIMD %.9g != generic %.9g at %d", dim, y2[i], y1[i], i);
                double ref = (x[i] - mean) / sqrt(var + 1e-12) * g[j] + b[j];
                CHECK(fabs(ref - y1[i]) <= 2e-5, "layernorm_f32 dim=%d: %.9g vs double %.9g at %d", dim, y1[i], ref, i);
            }
        }
        *count += rows;
    }
    /* softmax, every n 1..20 and 256, with a row stride */
    for (int n = 1; n <= 256; n = n < 20 ? n + 1 : (n == 20 ? 256 : 257)) {
        int rows = 3;
        size_t ld = (size_t)n + 1;
        for (size_t i = 0; i < rows * ld; i++) x[i] = 8.0f * rng_unif(&seed);
        memcpy(y1, x, sizeof(float) * rows * ld);
        memcpy(y2, x, sizeof(float) * rows * ld);
        softmax_f32_generic(rows, n, y1, ld);
        softmax_f32(rows, n, y2, ld);
        for (int r = 0; r < rows; r++) {
            double mx = -1e300, s = 0;
            for (int j = 0; j < n; j++) mx = x[r * ld + j] > mx ? x[r * ld + j] : mx;
            for (int j = 0; j < n; j++) s += exp(x[r * ld + j] - mx);
            for (int j = 0; j < n; j++) {
                size_t i = r * ld + j;
                CHECK(memcmp(&y1[i], &y2[i], sizeof(float)) == 0, "softmax_f32 n=%d: SIMD %.9g != generic %.9g at %zu", n, y2[i], y1[i], i);
                double ref = exp(x[i] - mx) / s;
                CHECK(fabs(ref - y1[i]) <= 1e-6, "softmax_f32 n=%d: %.9g vs double %.9g", n, y1[i], ref);
            }
            CHECK(y2[r * ld + n] == x[r * ld + n], "softmax_f32 n=%d wrote past the row", n);
        }
        *count += rows;
    }
done:
    free(x); free(y1); free(y2); free(g); free(b);
    return st;
}

es_status kernels_check(int *n_checked_out, es_error *err) {
    int count = 0;
    es_status st = check_gemm(&count, err);
    if (st == ES_OK) st = check_vec(&count, err);
    if (n_checked_out) *n_checked_out = count;
    return st;
}

struct gemm_bench {
    int kind, m, n, k;
    float *a, *c, *bp, *sw, *bias;
    int16_t *bq;
    void *work;
};

void gemm_bench_free(gemm_bench *b) {
    if (!b) return;
    free(b->a); free(b->c); free(b->bp); free(b->sw); free(b->bias); free(b->bq); free(b->work);
    free(b);
}

es_status gemm_bench_create(int kind, int m, int n, int k, gemm_bench **out, es_error *err) {
    *out = NULL;
    if (m < 1 || n < 1 || k < 1 || (kind != 0 && kind != 1)) return es_fail(err, ES_ERR_ARG, "gemm bench: bad arguments");
    gemm_bench *b = calloc(1, sizeof *b);
    if (!b) return es_fail(err, ES_ERR_NOMEM, "out of memory");
    b->kind = kind; b->m = m; b->n = n; b->k = k;
    uint64_t seed = 99;
    float *w = malloc(sizeof(float) * (size_t)n * k);
    int8_t *q = malloc((size_t)n * k);
    b->a = malloc(sizeof(float) * (size_t)m * k);
    b->c = malloc(sizeof(float) * (size_t)m * n);
    b->bias = calloc((size_t)n, sizeof(float));
    b->sw = malloc(sizeof(float) * (size_t)n);
    if (kind == 0) b->bp = malloc(sizeof(float) * gemm_f32_packed_size(n, k));
    else { b->bq = malloc(sizeof(int16_t) * gemm_i8_packed_size(n, k)); b->work = malloc(gemm_i8_workspace_size(m, k)); }
    if (!w || !q || !b->a || !b->c || !b->bias || !b->sw || (kind == 0 ? !b->bp : (!b->bq || !b->work))) {
        free(w); free(q); gemm_bench_free(b);
        return es_fail(err, ES_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < (size_t)n * k; i++) w[i] = rng_unif(&seed);
    for (size_t i = 0; i < (size_t)m * k; i++) b->a[i] = rng_unif(&seed);
    if (kind == 0) gemm_f32_pack_b(n, k, w, k, 1, b->bp);
    else { quantize_rows_i8(n, k, w, q, b->sw); gemm_i8_pack_b(n, k, q, b->bq); }
    free(w); free(q);
    *out = b;
    return ES_OK;
}

void gemm_bench_run(gemm_bench *b, int reps) {
    for (int r = 0; r < reps; r++) {
        if (b->kind == 0) gemm_f32(b->m, b->n, b->k, b->a, b->k, b->bp, b->bias, b->c, b->n);
        else gemm_i8(b->m, b->n, b->k, b->a, b->k, b->bq, b->sw, b->bias, b->c, b->n, b->work);
    }
}
