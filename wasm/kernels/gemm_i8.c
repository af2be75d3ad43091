/* gemm_i8.c — int8 GEMM with per-output-row weight scales and per-row dynamic activation quantisation.
 * Weights are widened to int16 once at pack time and stored as (k, k+1) pairs, so the inner step is
 * one i32x4.dot_i16x8 per 4 outputs (8 multiply-adds); sums are exact int32, so the SIMD kernel and
 * the scalar twin agree bit for bit. Rounding is half-to-even via the 1.5·2^23 trick in both. */
#include "kernels.h"

#include <math.h>
#include <string.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

static inline int kpairs(int k) { return (k + 1) / 2; }

size_t gemm_i8_packed_size(int n, int k) {
    return (size_t)((n + GEMM_NR - 1) / GEMM_NR) * (size_t)kpairs(k) * 2 * GEMM_NR;
}

void gemm_i8_pack_b(int n, int k, const int8_t *w, int16_t *packed) {
    int kp = kpairs(k);
    for (int p = 0; p < n; p += GEMM_NR) {
        int16_t *dst = packed + (size_t)(p / GEMM_NR) * (size_t)kp * 2 * GEMM_NR;
        for (int q = 0; q < kp; q++)
            for (int j = 0; j < GEMM_NR; j++)
                for (int e = 0; e < 2; e++) {
                    int kk = 2 * q + e;
                    dst[(size_t)q * 2 * GEMM_NR + 2 * j + e] =
                        (p + j < n && kk < k) ? (int16_t)w[(size_t)(p + j) * (size_t)k + (size_t)kk] : 0;
                }
    }
}

size_t gemm_i8_workspace_size(int m, int k) {
    size_t q = (size_t)m * (size_t)kpairs(k) * 2 * sizeof(int16_t);
    q = (q + 15) & ~(size_t)15;
    return q + (size_t)m * sizeof(float) + 16;
}

static const float ROUND_MAGIC = 12582912.0f; /* 1.5·2^23: (x + M) - M rounds half to even for |x| < 2^22 */

void quantize_rows_i8(int n, int k, const float *w, int8_t *q, float *scale) {
    for (int i = 0; i < n; i++) {
        const float *r = w + (size_t)i * (size_t)k;
        float mx = 0.0f;
        for (int j = 0; j < k; j++) { float v = fabsf(r[j]); if (v > mx) mx = v; }
        float inv = mx > 0.0f ? 127.0f / mx : 0.0f;
        scale[i] = mx / 127.0f;
        for (int j = 0; j < k; j++) {
            volatile float t = r[j] * inv + ROUND_MAGIC;
            float v = t - ROUND_MAGIC;
            if (v > 127.0f) v = 127.0f;
            if (v < -127.0f) v = -127.0f;
            q[(size_t)i * (size_t)k + j] = (int8_t)v;
        }
    }
}

/* Activation rows → int16 (k padded to even with zeros) and one scale per row. */
static void quantize_a_generic(int m, int k, const float *a, size_t lda, int16_t *aq, float *sa) {
    int kp2 = 2 * kpairs(k);
    for (int i = 0; i < m; i++) {
        const float *r = a + (size_t)i * lda;
        float mx = 0.0f;
        for (int j = 0; j < k; j++) { float v = fabsf(r[j]); mx = v > mx ? v : mx; }
        float inv = mx > 0.0f ? 127.0f / mx : 0.0f;
        sa[i] = mx / 127.0f;
        int16_t *o = aq + (size_t)i * kp2;
        for (int j = 0; j < k; j++) {
            float t = r[j] * inv + ROUND_MAGIC;
            o[j] = (int16_t)(int)(t - ROUND_MAGIC);
        }
        for (int j = k; j < kp2; j++) o[j] = 0;
    }
}

static void split_work(int m, int k, void *work, int16_t **aq, float **sa) {
    size_t q = (size_t)m * (size_t)kpairs(k) * 2 * sizeof(int16_t);
    q = (q + 15) & ~(size_t)15;
    *aq = (int16_t *)work;
    *sa = (float *)((char *)work + q);
}

void gemm_i8_generic(int m, int n, int k, const float *a, size_t lda, const int16_t *bp, const float *sw,
                     const float *bias, float *c, size_t ldc, void *work) {
    if (m <= 0 || n <= 0) return;
    int16_t *aq; float *sa;
    split_work(m, k, work, &aq, &sa);
    quantize_a_generic(m, k, a, lda, aq, sa);
    int kp = kpairs(k);
    for (int p = 0; p < n; p += GEMM_NR) {
        const int16_t *panel = bp + (size_t)(p / GEMM_NR) * (size_t)kp * 2 * GEMM_NR;
        int nr = n - p < GEMM_NR ? n - p : GEMM_NR;
        for (int i = 0; i < m; i++) {
            const int16_t *ar = aq + (size_t)i * 2 * kp;
            int32_t acc[GEMM_NR] = {0};
            for (int q = 0; q < kp; q++) {
                const int16_t *b = panel + (size_t)q * 2 * GEMM_NR;
                for (int j = 0; j < GEMM_NR; j++) acc[j] += (int32_t)ar[2 * q] * b[2 * j] + (int32_t)ar[2 * q + 1] * b[2 * j + 1];
            }
            float *cr = c + (size_t)i * ldc + p;
            for (int j = 0; j < nr; j++) {
                float v = (float)acc[j] * sa[i] * sw[p + j];
                cr[j] = bias ? v + bias[p + j] : v;
            }
        }
    }
}

#ifdef __wasm_simd128__
static void quantize_a_wasmsimd(int m, int k, const float *a, size_t lda, int16_t *aq, float *sa) {
    int kp2 = 2 * kpairs(k);
    const v128_t magic = wasm_f32x4_splat(ROUND_MAGIC);
    for (int i = 0; i < m; i++) {
        const float *r = a + (size_t)i * lda;
        v128_t vmx = wasm_f32x4_splat(0.0f);
        int j = 0;
        for (; j + 4 <= k; j += 4) vmx = wasm_f32x4_pmax(vmx, wasm_f32x4_abs(wasm_v128_load(r + j)));
        float mx = wasm_f32x4_extract_lane(vmx, 0);
        for (int l = 1; l < 4; l++) { float v = l == 1 ? wasm_f32x4_extract_lane(vmx, 1) : l == 2 ? wasm_f32x4_extract_lane(vmx, 2) : wasm_f32x4_extract_lane(vmx, 3); mx = v > mx ? v : mx; }
        for (; j < k; j++) { float v = fabsf(r[j]); mx = v > mx ? v : mx; }
        float inv = mx > 0.0f ? 127.0f / mx : 0.0f;
        sa[i] = mx / 127.0f;
        v128_t vinv = wasm_f32x4_splat(inv);
        int16_t *o = aq + (size_t)i * kp2;
        j = 0;
        for (; j + 8 <= k; j += 8) {
            v128_t x0 = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(r + j), vinv), magic), magic);
            v128_t x1 = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(wasm_v128_load(r + j + 4), vinv), magic), magic);
            v128_t i0 = wasm_i32x4_trunc_sat_f32x4(x0), i1 = wasm_i32x4_trunc_sat_f32x4(x1);
            wasm_v128_store(o + j, wasm_i16x8_narrow_i32x4(i0, i1));
        }
        for (; j < k; j++) {
            float t = r[j] * inv + ROUND_MAGIC;
            o[j] = (int16_t)(int)(t - ROUND_MAGIC);
        }
        for (; j < kp2; j++) o[j] = 0;
    }
}

void gemm_i8_4x8_wasmsimd(int m, int n, int k, const float *a, size_t lda, const int16_t *bp, const float *sw,
                          const float *bias, float *c, size_t ldc, void *work) {
    if (m <= 0 || n <= 0) return;
    int16_t *aq; float *sa;
    split_work(m, k, work, &aq, &sa);
    quantize_a_wasmsimd(m, k, a, lda, aq, sa);
    int kp = kpairs(k);
    size_t lq = (size_t)2 * kp;
    for (int p = 0; p < n; p += GEMM_NR) {
        const int16_t *panel = bp + (size_t)(p / GEMM_NR) * (size_t)kp * 2 * GEMM_NR;
        int nr = n - p < GEMM_NR ? n - p : GEMM_NR;
        float swt[GEMM_NR] = {0}, bt[GEMM_NR] = {0};
        memcpy(swt, sw + p, (size_t)nr * sizeof(float));
        if (bias) memcpy(bt, bias + p, (size_t)nr * sizeof(float));
        v128_t sw0 = wasm_v128_load(swt), sw1 = wasm_v128_load(swt + 4);
        v128_t bb0 = wasm_v128_load(bt), bb1 = wasm_v128_load(bt + 4);
        for (int i = 0; i < m; i += GEMM_MR) {
            int mr = m - i < GEMM_MR ? m - i : GEMM_MR;
            const int16_t *a0 = aq + (size_t)i * lq;
            const int16_t *a1 = mr > 1 ? a0 + lq : a0;
            const int16_t *a2 = mr > 2 ? a1 + lq : a1;
            const int16_t *a3 = mr > 3 ? a2 + lq : a2;
            v128_t c00, c01, c10, c11, c20, c21, c30, c31;
            c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = wasm_i32x4_splat(0);
            const int16_t *b = panel;
            for (int q = 0; q < kp; q++, b += 2 * GEMM_NR) {
                v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 8);
                v128_t x0 = wasm_v128_load32_splat(a0 + 2 * q);
                v128_t x1 = wasm_v128_load32_splat(a1 + 2 * q);
                c00 = wasm_i32x4_add(c00, wasm_i32x4_dot_i16x8(x0, b0));
                c01 = wasm_i32x4_add(c01, wasm_i32x4_dot_i16x8(x0, b1));
                v128_t x2 = wasm_v128_load32_splat(a2 + 2 * q);
                c10 = wasm_i32x4_add(c10, wasm_i32x4_dot_i16x8(x1, b0));
                c11 = wasm_i32x4_add(c11, wasm_i32x4_dot_i16x8(x1, b1));
                v128_t x3 = wasm_v128_load32_splat(a3 + 2 * q);
                c20 = wasm_i32x4_add(c20, wasm_i32x4_dot_i16x8(x2, b0));
                c21 = wasm_i32x4_add(c21, wasm_i32x4_dot_i16x8(x2, b1));
                c30 = wasm_i32x4_add(c30, wasm_i32x4_dot_i16x8(x3, b0));
                c31 = wasm_i32x4_add(c31, wasm_i32x4_dot_i16x8(x3, b1));
            }
            v128_t acc[8] = {c00, c01, c10, c11, c20, c21, c30, c31};
            float t[GEMM_MR][GEMM_NR];
            for (int r = 0; r < GEMM_MR; r++) {
                v128_t s = wasm_f32x4_splat(sa[i + (r < mr ? r : mr - 1)]);
                v128_t v0 = wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(acc[2 * r]), s), sw0);
                v128_t v1 = wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_convert_i32x4(acc[2 * r + 1]), s), sw1);
                if (bias) { v0 = wasm_f32x4_add(v0, bb0); v1 = wasm_f32x4_add(v1, bb1); }
                if (nr == GEMM_NR && r < mr) {
                    float *cr = c + (size_t)(i + r) * ldc + p;
                    wasm_v128_store(cr, v0); wasm_v128_store(cr + 4, v1);
                } else {
                    wasm_v128_store(t[r], v0); wasm_v128_store(t[r] + 4, v1);
                }
            }
            if (nr != GEMM_NR)
                for (int r = 0; r < mr; r++) memcpy(c + (size_t)(i + r) * ldc + p, t[r], (size_t)nr * sizeof(float));
        }
    }
}
#endif

void gemm_i8(int m, int n, int k, const float *a, size_t lda, const int16_t *bp, const float *sw,
             const float *bias, float *c, size_t ldc, void *work) {
#ifdef __wasm_simd128__
    gemm_i8_4x8_wasmsimd(m, n, k, a, lda, bp, sw, bias, c, ldc, work);
#else
    gemm_i8_generic(m, n, k, a, lda, bp, sw, bias, c, ldc, work);
#endif
}
