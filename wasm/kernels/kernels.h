/* kernels.h — the numerical kernels the BERT forward pass runs on: f32 GEMM on packed weights, int8
 * GEMM (i32x4.dot_i16x8) with per-row scales, LayerNorm, softmax, GELU and exp.
 *
 * Every kernel exists twice: a 128-bit wasm SIMD version (`*_wasmsimd`, compiled only under
 * __wasm_simd128__) and a scalar `*_generic` twin that computes the same thing in the same order and
 * is the fallback elsewhere (the native test build). The unsuffixed name dispatches to the best one.
 *
 * Contract shared by the GEMMs (XNNPACK style): weights are packed ONCE (at model load) into panels
 * of GEMM_NR output columns, zero-padded; A is row-major with a row stride; C is row-major with a row
 * stride and is overwritten. No allocation happens inside a kernel: the int8 GEMM takes a caller
 * workspace of gemm_i8_workspace_size() bytes. Results do not depend on m, on the row's position in
 * a tile or on the other rows: a sentence gives the same bits alone or in a batch.
 *
 * Basic usage:
 *     float *bp = malloc(gemm_f32_packed_size(n, k) * sizeof(float));
 *     gemm_f32_pack_b(n, k, w, k, 1, bp);              // w is (n, k): y = x w^T + bias
 *     gemm_f32(m, n, k, x, k, bp, bias, y, n);         // x is (m, k), y is (m, n)
 */
#ifndef EMBEDSCAPE_KERNELS_H
#define EMBEDSCAPE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#define GEMM_MR 4   /* rows of the register tile */
#define GEMM_NR 8   /* columns of the register tile = panel width: 8 accumulator vectors, no spills in V8 */
#define GEMM_KC 256 /* k block of the f32 GEMM (keeps a B panel block in L1) */

/* ---------------------------------------------------------------- f32 GEMM */

/* Floats needed to pack an (n x k) operand. */
size_t gemm_f32_packed_size(int n, int k);

/* Packs B for C = A·B, where B[kk][j] = w[j*stride_n + kk*stride_k] (j < n, kk < k). For a linear layer
 * with weight w (n_out, k) row-major: stride_n = k, stride_k = 1. packed has gemm_f32_packed_size(n, k)
 * floats, written as ceil(n/NR) panels of (k x NR), zero-padded past n. */
void gemm_f32_pack_b(int n, int k, const float *w, ptrdiff_t stride_n, ptrdiff_t stride_k, float *packed);

/* C = A·B (+ bias[j] when bias is not NULL). a is (m, k) with row stride lda; bp is packed B (n x k);
 * bias is (n) or NULL; c is (m, n) with row stride ldc. m, n, k >= 0. */
void gemm_f32(int m, int n, int k, const float *a, size_t lda, const float *bp, const float *bias,
              float *c, size_t ldc);
void gemm_f32_generic(int m, int n, int k, const float *a, size_t lda, const float *bp, const float *bias,
                      float *c, size_t ldc);
#ifdef __wasm_simd128__
void gemm_f32_4x8_wasmsimd(int m, int n, int k, const float *a, size_t lda, const float *bp, const float *bias,
                           float *c, size_t ldc);
#endif

/* ---------------------------------------------------------------- int8 GEMM
 * y[i][j] = ((float)sum_k qa[i][k]·qw[j][k]) · sa[i] · sw[j] + bias[j], where qw is int8 with one
 * scale per output row (sw) and qa is the row of A quantised on the fly: sa = max|a_i| / 127,
 * qa = round-half-even(a / sa). Products are summed exactly in int32. */

/* int16 values needed to pack an (n x k) int8 weight: panels of NR columns, k padded to even and stored
 * as (k, k+1) pairs per column, the layout i32x4.dot_i16x8 consumes. */
size_t gemm_i8_packed_size(int n, int k);

/* Packs int8 weights w (n, k) row-major into packed (gemm_i8_packed_size(n, k) int16 values). */
void gemm_i8_pack_b(int n, int k, const int8_t *w, int16_t *packed);

/* Bytes of workspace gemm_i8 needs for m rows of k. */
size_t gemm_i8_workspace_size(int m, int k);

/* Quantises w (n, k) per row: q (n, k) int8 and scale (n) with w ≈ q·scale. */
void quantize_rows_i8(int n, int k, const float *w, int8_t *q, float *scale);

/* C = dequant(A_q · W_q) + bias; a is (m, k) f32 with stride lda, bp packed weights, sw (n) weight
 * scales, bias (n) or NULL, c (m, n) stride ldc, work = gemm_i8_workspace_size(m, k) bytes,
 * 16-byte aligned. */
void gemm_i8(int m, int n, int k, const float *a, size_t lda, const int16_t *bp, const float *sw,
             const float *bias, float *c, size_t ldc, void *work);
void gemm_i8_generic(int m, int n, int k, const float *a, size_t lda, const int16_t *bp, const float *sw,
                     const float *bias, float *c, size_t ldc, void *work);
#ifdef __wasm_simd128__
void gemm_i8_4x8_wasmsimd(int m, int n, int k, const float *a, size_t lda, const int16_t *bp, const float *sw,
                          const float *bias, float *c, size_t ldc, void *work);
#endif

/* ---------------------------------------------------------------- element-wise and row kernels */

/* x (rows, dim) row stride dim, in place: x = (x - mean) / sqrt(var + eps) · g + b, biased variance. */
void layernorm_f32(int rows, int dim, float *x, const float *g, const float *b, float eps);
void layernorm_f32_generic(int rows, int dim, float *x, const float *g, const float *b, float eps);

/* Each of `rows` rows of x (row stride ld, n used values), in place: softmax. */
void softmax_f32(int rows, int n, float *x, size_t ld);
void softmax_f32_generic(int rows, int n, float *x, size_t ld);

/* x (n) in place: x·Φ(x), Φ from erf (exact GELU, not the tanh approximation); abs error < 1e-6. */
void gelu_f32(size_t n, float *x);
void gelu_f32_generic(size_t n, float *x);

/* y = exp(x), polynomial, relative error < 3e-7 on [-87, 88]. */
void exp_f32(size_t n, const float *x, float *y);
void exp_f32_generic(size_t n, const float *x, float *y);

#ifdef __wasm_simd128__
void layernorm_f32_wasmsimd(int rows, int dim, float *x, const float *g, const float *b, float eps);
void softmax_f32_wasmsimd(int rows, int n, float *x, size_t ld);
void gelu_f32_wasmsimd(size_t n, float *x);
void exp_f32_wasmsimd(size_t n, const float *x, float *y);
#endif

#endif
