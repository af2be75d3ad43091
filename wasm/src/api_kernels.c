/* api_kernels.c — exports for the kernel self-checks and the GEMM micro-benchmark (tests, bench). */
#include "api.h"
#include "kernels_check.h"

/* Runs every kernel check (SIMD vs scalar twin at tile edges, both vs double); *n_checked_out cases. */
ES_EXPORT int es_kernels_check(int *n_checked_out) {
    es_error *err = es_api_begin();
    return es_api_return(kernels_check(n_checked_out, err));
}

ES_EXPORT int es_gemm_bench_create(int kind, int m, int n, int k, gemm_bench **out) {
    es_error *err = es_api_begin();
    return es_api_return(gemm_bench_create(kind, m, n, k, out, err));
}
ES_EXPORT void es_gemm_bench_run(gemm_bench *b, int reps) { gemm_bench_run(b, reps); }
ES_EXPORT void es_gemm_bench_free(gemm_bench *b) { gemm_bench_free(b); }
