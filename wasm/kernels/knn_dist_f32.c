/* knn_dist_f32.c — see knn_dist_f32.h. */
#include "knn_dist_f32.h"

#include "dot_f32.h"

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

void knn_dot_f32_1x4_generic(const float *a, const float *const b[4], int d, float *out) {
    for (int j = 0; j < 4; j++) out[j] = dot_f32_generic(a, b[j], d);
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

/* dot_f32_wasmsimd's two accumulators per row (k % 8 < 4 and >= 4), for four rows */
void knn_dot_f32_1x4_wasmsimd(const float *a, const float *const b[4], int d, float *out) {
    const float *b0 = b[0], *b1 = b[1], *b2 = b[2], *b3 = b[3];
    v128_t z = wasm_f32x4_splat(0.f), s00 = z, s01 = z, s10 = z, s11 = z, s20 = z, s21 = z, s30 = z, s31 = z;
    int k = 0;
    for (; k + 8 <= d; k += 8) {
        v128_t va0 = wasm_v128_load(a + k), va1 = wasm_v128_load(a + k + 4);
        s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(va0, wasm_v128_load(b0 + k)));
        s01 = wasm_f32x4_add(s01, wasm_f32x4_mul(va1, wasm_v128_load(b0 + k + 4)));
        s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(va0, wasm_v128_load(b1 + k)));
        s11 = wasm_f32x4_add(s11, wasm_f32x4_mul(va1, wasm_v128_load(b1 + k + 4)));
        s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(va0, wasm_v128_load(b2 + k)));
        s21 = wasm_f32x4_add(s21, wasm_f32x4_mul(va1, wasm_v128_load(b2 + k + 4)));
        s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(va0, wasm_v128_load(b3 + k)));
        s31 = wasm_f32x4_add(s31, wasm_f32x4_mul(va1, wasm_v128_load(b3 + k + 4)));
    }
    if (k + 4 <= d) {
        v128_t va0 = wasm_v128_load(a + k);
        s00 = wasm_f32x4_add(s00, wasm_f32x4_mul(va0, wasm_v128_load(b0 + k)));
        s10 = wasm_f32x4_add(s10, wasm_f32x4_mul(va0, wasm_v128_load(b1 + k)));
        s20 = wasm_f32x4_add(s20, wasm_f32x4_mul(va0, wasm_v128_load(b2 + k)));
        s30 = wasm_f32x4_add(s30, wasm_f32x4_mul(va0, wasm_v128_load(b3 + k)));
        k += 4;
    }
    out[0] = hsum(wasm_f32x4_add(s00, s01));
    out[1] = hsum(wasm_f32x4_add(s10, s11));
    out[2] = hsum(wasm_f32x4_add(s20, s21));
    out[3] = hsum(wasm_f32x4_add(s30, s31));
    for (; k < d; k++)
        for (int j = 0; j < 4; j++) out[j] += a[k] * b[j][k];
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
