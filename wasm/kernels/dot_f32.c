/* dot_f32.c — see dot_f32.h. */
#include "dot_f32.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

float dot_f32_generic(const float *a, const float *b, int d) {
    /* four partial sums, like the SIMD lanes, so that long rows keep similar rounding */
    float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
    int k = 0;
    for (; k + 4 <= d; k += 4) {
        s0 += a[k] * b[k];
        s1 += a[k + 1] * b[k + 1];
        s2 += a[k + 2] * b[k + 2];
        s3 += a[k + 3] * b[k + 3];
    }
    for (; k < d; k++) s0 += a[k] * b[k];
    return (s0 + s1) + (s2 + s3);
}

float sqdist_f32_generic(const float *a, const float *b, int d) {
    float s0 = 0.f, s1 = 0.f, s2 = 0.f, s3 = 0.f;
    int k = 0;
    for (; k + 4 <= d; k += 4) {
        float t0 = a[k] - b[k], t1 = a[k + 1] - b[k + 1], t2 = a[k + 2] - b[k + 2], t3 = a[k + 3] - b[k + 3];
        s0 += t0 * t0;
        s1 += t1 * t1;
        s2 += t2 * t2;
        s3 += t3 * t3;
    }
    for (; k < d; k++) {
        float t = a[k] - b[k];
        s0 += t * t;
    }
    return (s0 + s1) + (s2 + s3);
}

void dot_f32_4x2_generic(const float *a, size_t lda, const float *b, size_t ldb, int d, float *out) {
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 2; j++) out[i * 2 + j] = dot_f32_generic(a + (size_t)i * lda, b + (size_t)j * ldb, d);
}

void sqdist_f32_4x2_generic(const float *a, size_t lda, const float *b, size_t ldb, int d, float *out) {
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 2; j++) out[i * 2 + j] = sqdist_f32_generic(a + (size_t)i * lda, b + (size_t)j * ldb, d);
}

#ifdef __wasm_simd128__

static inline float hsum(v128_t v) {
    /* (l0 + l1) + (l2 + l3), the same pairing as the generic twin's final sum */
    return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
           (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

float dot_f32_wasmsimd(const float *a, const float *b, int d) {
    v128_t s0 = wasm_f32x4_splat(0.f), s1 = wasm_f32x4_splat(0.f);
    int k = 0;
    for (; k + 8 <= d; k += 8) {
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + k), wasm_v128_load(b + k)));
        s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(wasm_v128_load(a + k + 4), wasm_v128_load(b + k + 4)));
    }
    for (; k + 4 <= d; k += 4) s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(wasm_v128_load(a + k), wasm_v128_load(b + k)));
    float s = hsum(wasm_f32x4_add(s0, s1));
    for (; k < d; k++) s += a[k] * b[k];
    return s;
}

float sqdist_f32_wasmsimd(const float *a, const float *b, int d) {
    v128_t s0 = wasm_f32x4_splat(0.f), s1 = wasm_f32x4_splat(0.f);
    int k = 0;
    for (; k + 8 <= d; k += 8) {
        v128_t t0 = wasm_f32x4_sub(wasm_v128_load(a + k), wasm_v128_load(b + k));
        v128_t t1 = wasm_f32x4_sub(wasm_v128_load(a + k + 4), wasm_v128_load(b + k + 4));
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(t0, t0));
        s1 = wasm_f32x4_add(s1, wasm_f32x4_mul(t1, t1));
    }
    for (; k + 4 <= d; k += 4) {
        v128_t t0 = wasm_f32x4_sub(wasm_v128_load(a + k), wasm_v128_load(b + k));
        s0 = wasm_f32x4_add(s0, wasm_f32x4_mul(t0, t0));
    }
    float s = hsum(wasm_f32x4_add(s0, s1));
    for (; k < d; k++) {
        float t = a[k] - b[k];
        s += t * t;
    }
    return s;
}

void dot_f32_4x2_wasmsimd(const float *a, size_t lda, const float *b, size_t ldb, int d, float *out) {
    const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda;
    const float *b0 = b, *b1 = b + ldb;
    v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    int k = 0;
    for (; k + 4 <= d; k += 4) {
        v128_t vb0 = wasm_v128_load(b0 + k), vb1 = wasm_v128_load(b1 + k);
        v128_t va = wasm_v128_load(a0 + k);
        c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(va, vb0));
        c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(va, vb1));
        va = wasm_v128_load(a1 + k);
        c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(va, vb0));
        c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(va, vb1));
        va = wasm_v128_load(a2 + k);
        c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(va, vb0));
        c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(va, vb1));
        va = wasm_v128_load(a3 + k);
        c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(va, vb0));
        c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(va, vb1));
    }
    out[0] = hsum(c00); out[1] = hsum(c01); out[2] = hsum(c10); out[3] = hsum(c11);
    out[4] = hsum(c20); out[5] = hsum(c21); out[6] = hsum(c30); out[7] = hsum(c31);
    for (; k < d; k++) {
        out[0] += a0[k] * b0[k]; out[1] += a0[k] * b1[k];
        out[2] += a1[k] * b0[k]; out[3] += a1[k] * b1[k];
        out[4] += a2[k] * b0[k]; out[5] += a2[k] * b1[k];
        out[6] += a3[k] * b0[k]; out[7] += a3[k] * b1[k];
    }
}

void sqdist_f32_4x2_wasmsimd(const float *a, size_t lda, const float *b, size_t ldb, int d, float *out) {
    const float *a0 = a, *a1 = a + lda, *a2 = a + 2 * lda, *a3 = a + 3 * lda;
    const float *b0 = b, *b1 = b + ldb;
    v128_t c00 = wasm_f32x4_splat(0.f), c01 = c00, c10 = c00, c11 = c00, c20 = c00, c21 = c00, c30 = c00, c31 = c00;
    int k = 0;
#define SQD_STEP(va, c0, c1)                                   \
    do {                                                       \
        v128_t t0 = wasm_f32x4_sub(va, vb0), t1 = wasm_f32x4_sub(va, vb1); \
        c0 = wasm_f32x4_add(c0, wasm_f32x4_mul(t0, t0));       \
        c1 = wasm_f32x4_add(c1, wasm_f32x4_mul(t1, t1));       \
    } while (0)
    for (; k + 4 <= d; k += 4) {
        v128_t vb0 = wasm_v128_load(b0 + k), vb1 = wasm_v128_load(b1 + k);
        SQD_STEP(wasm_v128_load(a0 + k), c00, c01);
        SQD_STEP(wasm_v128_load(a1 + k), c10, c11);
        SQD_STEP(wasm_v128_load(a2 + k), c20, c21);
        SQD_STEP(wasm_v128_load(a3 + k), c30, c31);
    }
#undef SQD_STEP
    out[0] = hsum(c00); out[1] = hsum(c01); out[2] = hsum(c10); out[3] = hsum(c11);
    out[4] = hsum(c20); out[5] = hsum(c21); out[6] = hsum(c30); out[7] = hsum(c31);
    for (; k < d; k++) {
        const float *as[4] = {a0, a1, a2, a3};
        for (int i = 0; i < 4; i++) {
            float t0 = as[i][k] - b0[k], t1 = as[i][k] - b1[k];
            out[i * 2] += t0 * t0;
            out[i * 2 + 1] += t1 * t1;
        }
    }
}

#endif
