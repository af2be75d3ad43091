/* knn_dist_f32.h — the distances NN-descent computes between rows it finds by index: tiles of 4 x 2
 * rows given by pointers (the rows of a candidate list are scattered in memory) and single pairs,
 * all with the same arithmetic, so that a pair gets the same bits whichever call computes it (the
 * neighbour lists are then sets: their content does not depend on the order pairs are met in, which
 * lets several engine instances share the work).
 *
 * Arithmetic of every pair: one 4-lane accumulator over the first d - d % 4 columns, lanes summed
 * as (l0 + l1) + (l2 + l3), then the remaining columns added one by one. Squared euclidean
 * sum (a - b)^2 and dot product sum a b; a pair and its swap give the same bits.
 *
 * Kernel contract: rows are contiguous float32 of length d >= 0; nothing is allocated. `_wasmsimd`
 * (128-bit wasm SIMD) and the scalar `_generic` twin give identical bits; the unsuffixed name picks
 * the best available.
 */
#ifndef EMBEDSCAPE_KNN_DIST_F32_H
#define EMBEDSCAPE_KNN_DIST_F32_H

/* out[i*2 + j] = distance(a[i], b[j]) for i < 4, j < 2 */
void knn_sqdist_f32_4x2p_generic(const float *const a[4], const float *const b[2], int d, float *out);
void knn_dot_f32_4x2p_generic(const float *const a[4], const float *const b[2], int d, float *out);
float knn_sqdist_f32_generic(const float *a, const float *b, int d);
float knn_dot_f32_generic(const float *a, const float *b, int d);

/* out[j] = dot_f32(a, b[j], d) for j < 4, with exactly dot_f32's bits (dot_f32.h) for each row: the
 * random-projection split's margins, four rows in flight at a time (the rows come from memory in
 * a random order; one at a time leaves the memory system idle between them). */
void knn_dot_f32_1x4_generic(const float *a, const float *const b[4], int d, float *out);

#ifdef __wasm_simd128__
void knn_dot_f32_1x4_wasmsimd(const float *a, const float *const b[4], int d, float *out);
void knn_sqdist_f32_4x2p_wasmsimd(const float *const a[4], const float *const b[2], int d, float *out);
void knn_dot_f32_4x2p_wasmsimd(const float *const a[4], const float *const b[2], int d, float *out);
float knn_sqdist_f32_wasmsimd(const float *a, const float *b, int d);
float knn_dot_f32_wasmsimd(const float *a, const float *b, int d);
#define knn_dot_f32_1x4 knn_dot_f32_1x4_wasmsimd
#define knn_sqdist_f32_4x2p knn_sqdist_f32_4x2p_wasmsimd
#define knn_dot_f32_4x2p knn_dot_f32_4x2p_wasmsimd
#define knn_sqdist_f32 knn_sqdist_f32_wasmsimd
#define knn_dot_f32 knn_dot_f32_wasmsimd
#else
#define knn_dot_f32_1x4 knn_dot_f32_1x4_generic
#define knn_sqdist_f32_4x2p knn_sqdist_f32_4x2p_generic
#define knn_dot_f32_4x2p knn_dot_f32_4x2p_generic
#define knn_sqdist_f32 knn_sqdist_f32_generic
#define knn_dot_f32 knn_dot_f32_generic
#endif

#endif
