/* knn_dist_f32.c — see knn_dist_f32.h. */
#include "knn_dist_f32.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

/* one pair, lane by lane as the SIMD accumulator would go */
static inline float pair_generic(const float *a, const float *b, int d, int sq) {
    float l[4] = {0.f, 0.f, 0.f, 0.f};
    int k = 0;
    for (; k + 4 <= d; k += 4)
        for (int t = 0; t < 4; t++) {
            float v = sq ? a[k + t] - b[k + t] : a[k + t];
            l[t] += v * (sq ? v : b[k + t]);
        }
    float s = (l[0] + l[1]) + (l[2] + l[3]);
    for (; k < d; k++) {
        float v = sq ? a[k] - b[k] : a[k];
        s += v * (sq ? v : b[k]);
    }
    return s;
}

float knn_sqdist_f32_generic(const float *a, const float *b, int d) { return pair_generic(a, b, d, 1); }
float knn_dot_f32_generic(const float *a, const float *b, int d) { return pair_generic(a, b, d, 0); }

void knn_sqdist_f32_4x2p_generic(const float *const a[4], const float *const b[2], int d, float *out) {
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 2; j++) out[i * 2 + j] = pair_generic(a[i], b[j], d, 1);
}

void knn_dot_f32_4x2p_generic(const float *const a[4], const float *const b[2], int d, float *out) {
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 2; j++) out[i * 2 + j] = pair_generic(a[i], b[j], d, 0);
}

#ifdef __wasm_simd128__

static inline float hsum(v128_t v) {
    return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
           (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

float knn_sqdist_f32_wasmsimd(const float *a, const float *b, int d) {
    v128_t c = wasm_f32x4_splat(0.f);
    int k = 0;
    for (; k + 4 <= d; k += 4) {
        v128_t t = wasm_f32x4_sub(wasm_v128_load(a + k), wasm_v128_load(b + k));
        c = wasm_f32x4_add(c, wasm_f32x4_mul(t, t));
    }
    float s = hsum(c);
    for (; k < d; k++) {
        float t = a[k] - b[k];
        s += t * t;
    }
    return s;
}

float knn_dot_f32_wasmsimd(const float *a, const float *b, int d) {
    v128_t c = wasm_f32x4_splat(0.f);
    int k = 0;
    for (; k + 4 <= d; k += 4) c = wasm_f32x4_add(c, wasm_f32x4_mul(wasm_v128_load(a + k), wasm_v128_load(b + k)));
    float s = hsum(c);
    for (; k < d; k++) s += a[k] * b[k];
    return s;
}

/* 8 accumulators (the register budget V8 keeps at full speed), 6 loads per 8 products */
#define TILE_4X2(STEP)                                                                                    \
    const float *a0 = a[0], *a1 = a[1], *a2 = a[2], *a3 = a[3], *b0 = b[0], *b1 = b[1];                  \
    v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, \
           c31 = c00;                                                                                     \
    int k = 0;                                                                                            \
    for (; k + 4 <= d; k += 4) {                                                                          \
        v128_t vb0 = wasm_v128_load(b0 + k), vb1 = wasm_v128_load(b1 + k), va;                            \
        va = wasm_v128_load(a0 + k);                                                                      \
        STEP(va, c00, c01);                                                                               \
        va = wasm_v128_load(a1 + k);                                                                      \
        STEP(va, c10, c11);                                                                               \
        va = wasm_v128_load(a2 + k);                                                                      \
        STEP(va, c20, c21);                                                                               \
        va = wasm_v128_load(a3 + k);                                                                      \
        STEP(va, c30, c31);                                                                               \
    }                                                                                                     \
    out[0] = hsum(c00), out[1] = hsum(c01), out[2] = hsum(c10), out[3] = hsum(c11);                       \
    out[4] = hsum(c20), out[5] = hsum(c21), out[6] = hsum(c30), out[7] = hsum(c31);

#define SQ_STEP(va, c0, c1)                                                         \
    do {                                                                            \
        v128_t t0 = wasm_f32x4_sub(va, vb0), t1 = wasm_f32x4_sub(va, vb1);          \
        c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(t0, t0));                            \
        c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(t1, t1));                            \
    } while (0)
#define DOT_STEP(va, c0, c1)                                                        \
    do {                                                                            \
        c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(va, vb0));                           \
        c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(va, vb1));                           \
    } while (0)

void knn_sqdist_f32_4x2p_wasmsimd(const float *const a[4], const float *const b[2], int d, float *out) {
    TILE_4X2(SQ_STEP)
    for (; k < d; k++)
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 2; j++) {
                float t = a[i][k] - b[j][k];
                out[i * 2 + j] += t * t;
            }
}

void knn_dot_f32_4x2p_wasmsimd(const float *const a[4], const float *const b[2], int d, float *out) {
    TILE_4X2(DOT_STEP)
    for (; k < d; k++)
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 2; j++) out[i * 2 + j] += a[i][k] * b[j][k];
}

#endif
