/* api_kernels.c — the engine's self-test, one entry for every kernel check, and the GEMM
 * micro-benchmark (tests, bench). The checks run inside the wasm build because the native build
 * cannot run wasm SIMD: each compares a SIMD kernel with its scalar twin (and with double precision)
 * where the tiles end. Each stage keeps its own check next to its kernels; this is the one place
 * that runs them. */
#include "api.h"
#include "kernels_check.h"
#include "knn.h"
#include "similarity.h"
#include "umap.h"

/* Largest relative SIMD/scalar difference the float kernels of similarity and UMAP's SGD may show
 * (their sums are reassociated; the GEMM and NN-descent kernels must agree bit for bit). */
#define SELFTEST_MAX_REL 1e-5f

/* Runs every kernel check; the first failure is the error (kernel, shape, values).
 * *n_checked_out (may be NULL): the number of cases compared. */
ES_EXPORT int es_selftest(int *n_checked_out) {
    es_error *err = es_api_begin();
    int n = 0;
    es_status st = kernels_check(&n, err);
    if (st) return es_api_return(st);
    float d = 0;
    st = similarity_kernel_selftest(&d, err);
    if (st) return es_api_return(st);
    if (!(d < SELFTEST_MAX_REL)) return es_api_return(es_fail(err, ES_ERR_INTERNAL, "similarity kernels: SIMD and scalar twin differ by %g (relative)", (double)d));
    n++;
    st = umap_kernel_selftest(&d, err);
    if (st) return es_api_return(st);
    if (!(d < SELFTEST_MAX_REL)) return es_api_return(es_fail(err, ES_ERR_INTERNAL, "UMAP SGD kernels: SIMD and scalar twin differ by %g (relative)", (double)d));
    n++;
    int bad = 0;
    st = knn_kernel_selftest(&bad, err);
    if (st) return es_api_return(st);
    if (bad) return es_api_return(es_fail(err, ES_ERR_INTERNAL, "NN-descent kernels: %d results differ from the scalar twin", bad));
    n++;
    if (n_checked_out) *n_checked_out = n;
    return es_api_return(ES_OK);
}

ES_EXPORT int es_gemm_bench_create(int kind, int m, int n, int k, gemm_bench **out) {
    es_error *err = es_api_begin();
    return es_api_return(gemm_bench_create(kind, m, n, k, out, err));
}
ES_EXPORT void es_gemm_bench_run(gemm_bench *b, int reps) { gemm_bench_run(b, reps); }
ES_EXPORT void es_gemm_bench_free(gemm_bench *b) { gemm_bench_free(b); }
