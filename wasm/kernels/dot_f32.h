/* dot_f32.h — dot products and squared euclidean distances between float32 rows, the inner loops of
 * cosine similarity, exact kNN and NN-descent.
 *
 * Kernel contract: rows are contiguous float32 of length d (any d >= 0, tails handled), row strides
 * in floats; nothing is allocated. Each kernel has a `_wasmsimd` version (128-bit wasm SIMD, only
 * compiled under __wasm_simd128__) and a scalar `_generic` twin that is also the fallback; the
 * unsuffixed name picks the best available. SIMD and generic results agree to float rounding (the
 * summation order differs), which tests/similarity.test.mjs checks inside the wasm build.
 */
#ifndef EMBEDSCAPE_DOT_F32_H
#define EMBEDSCAPE_DOT_F32_H

#include <stddef.h>

/* sum_k a[k] * b[k] */
float dot_f32_generic(const float *a, const float *b, int d);
/* sum_k (a[k] - b[k])^2 */
float sqdist_f32_generic(const float *a, const float *b, int d);
/* out[i*2 + j] = dot(a + i*lda, b + j*ldb) for i < 4, j < 2: a 4x2 tile of a row-block product
 * (8 accumulators: the register budget that V8 keeps at full speed). */
void dot_f32_4x2_generic(const float *a, size_t lda, const float *b, size_t ldb, int d, float *out);
/* the same tile of squared euclidean distances */
void sqdist_f32_4x2_generic(const float *a, size_t lda, const float *b, size_t ldb, int d, float *out);

#ifdef __wasm_simd128__
float dot_f32_wasmsimd(const float *a, const float *b, int d);
float sqdist_f32_wasmsimd(const float *a, const float *b, int d);
void dot_f32_4x2_wasmsimd(const float *a, size_t lda, const float *b, size_t ldb, int d, float *out);
void sqdist_f32_4x2_wasmsimd(const float *a, size_t lda, const float *b, size_t ldb, int d, float *out);
#define dot_f32 dot_f32_wasmsimd
#define sqdist_f32 sqdist_f32_wasmsimd
#define dot_f32_4x2 dot_f32_4x2_wasmsimd
#define sqdist_f32_4x2 sqdist_f32_4x2_wasmsimd
#else
#define dot_f32 dot_f32_generic
#define sqdist_f32 sqdist_f32_generic
#define dot_f32_4x2 dot_f32_4x2_generic
#define sqdist_f32_4x2 sqdist_f32_4x2_generic
#endif

#endif
