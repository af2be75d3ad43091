/* kernels_check.h — self-checks of the kernels (SIMD against the scalar twin, and both against double
 * precision references) at tile edges, and a GEMM micro-benchmark. They live in the engine so that
 * the wasm build, whose SIMD the native build cannot run, checks itself (tests/kernels.test.mjs). */
#ifndef EMBEDSCAPE_KERNELS_CHECK_H
#define EMBEDSCAPE_KERNELS_CHECK_H

#include "status.h"

/* Runs every check; the first failure is reported in err with the kernel, the shape and the values.
 * *n_checked_out (may be NULL) receives the number of cases compared. */
es_status kernels_check(int *n_checked_out, es_error *err);

/* A GEMM micro-benchmark: kind 0 = f32, 1 = int8. Packs random weights (n x k) once; run() does reps
 * products of (m x k)·(k x n). */
typedef struct gemm_bench gemm_bench;
es_status gemm_bench_create(int kind, int m, int n, int k, gemm_bench **out, es_error *err);
void gemm_bench_run(gemm_bench *b, int reps);
void gemm_bench_free(gemm_bench *b);

#endif
