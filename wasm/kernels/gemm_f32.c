/* gemm_f32.c — f32 GEMM on packed B: a 4x8 register tile in wasm SIMD (8 accumulator vectors, the
 * most V8 keeps in registers without spilling) and its scalar twin. Both sum every output over k in
 * increasing order with separate multiply and add (wasm has no FMA), so they give the same bits, and
 * the k blocking only stores/reloads partial sums (exact in f32). The bias is added after the sum. */
#include "kernels.h"

#include <string.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

size_t gemm_f32_packed_size(int n, int k) {
    return (size_t)((n + GEMM_NR - 1) / GEMM_NR) * (size_t)k * GEMM_NR;
}

void gemm_f32_pack_b(int n, int k, const float *w, ptrdiff_t stride_n, ptrdiff_t stride_k, float *packed) {
    for (int p = 0; p < n; p += GEMM_NR) {
        float *dst = packed + (size_t)(p / GEMM_NR) * (size_t)k * GEMM_NR;
        for (int kk = 0; kk < k; kk++)
            for (int j = 0; j < GEMM_NR; j++)
                dst[(size_t)kk * GEMM_NR + j] = (p + j < n) ? w[(ptrdiff_t)(p + j) * stride_n + (ptrdiff_t)kk * stride_k] : 0.0f;
    }
}

void gemm_f32_generic(int m, int n, int k, const float *a, size_t lda, const float *bp, const float *bias,
                      float *c, size_t ldc) {
    for (int p = 0; p < n; p += GEMM_NR) {
        const float *panel = bp + (size_t)(p / GEMM_NR) * (size_t)k * GEMM_NR;
        int nr = n - p < GEMM_NR ? n - p : GEMM_NR;
        for (int i = 0; i < m; i++) {
            const float *ar = a + (size_t)i * lda;
            float acc[GEMM_NR] = {0};
            for (int kk = 0; kk < k; kk++) {
                float av = ar[kk];
                const float *b = panel + (size_t)kk * GEMM_NR;
                for (int j = 0; j < GEMM_NR; j++) acc[j] += av * b[j];
            }
            float *cr = c + (size_t)i * ldc + p;
            for (int j = 0; j < nr; j++) cr[j] = bias ? acc[j] + bias[p + j] : acc[j];
        }
    }
}

#ifdef __wasm_simd128__
/* One MR x NR tile over k in [k0, k1): rows a0..a3 (rows past mr point at a valid row and are not
 * stored), accumulators loaded from c when k0 > 0, bias added when this is the last block. */
static inline void tile_4x8(int mr, int nr, int k0, int k1, const float *a0, const float *a1, const float *a2,
                            const float *a3, const float *panel, const float *bias, float *c, size_t ldc,
                            int last) {
    v128_t c00, c01, c10, c11, c20, c21, c30, c31;
    if (k0 == 0) {
        c00 = c01 = c10 = c11 = c20 = c21 = c30 = c31 = wasm_f32x4_splat(0.0f);
    } else {
        float t[GEMM_MR][GEMM_NR] = {{0}};
        for (int r = 0; r < mr; r++) memcpy(t[r], c + (size_t)r * ldc, (size_t)nr * sizeof(float));
        c00 = wasm_v128_load(t[0]); c01 = wasm_v128_load(t[0] + 4);
        c10 = wasm_v128_load(t[1]); c11 = wasm_v128_load(t[1] + 4);
        c20 = wasm_v128_load(t[2]); c21 = wasm_v128_load(t[2] + 4);
        c30 = wasm_v128_load(t[3]); c31 = wasm_v128_load(t[3] + 4);
    }
    const float *b = panel + (size_t)k0 * GEMM_NR;
    for (int kk = k0; kk < k1; kk++, b += GEMM_NR) {
        v128_t b0 = wasm_v128_load(b), b1 = wasm_v128_load(b + 4);
        v128_t x0 = wasm_v128_load32_splat(a0 + kk);
        v128_t x1 = wasm_v128_load32_splat(a1 + kk);
        c00 = wasm_f32x4_add(c00, wasm_f32x4_mul(x0, b0));
        c01 = wasm_f32x4_add(c01, wasm_f32x4_mul(x0, b1));
        v128_t x2 = wasm_v128_load32_splat(a2 + kk);
        c10 = wasm_f32x4_add(c10, wasm_f32x4_mul(x1, b0));
        c11 = wasm_f32x4_add(c11, wasm_f32x4_mul(x1, b1));
        v128_t x3 = wasm_v128_load32_splat(a3 + kk);
        c20 = wasm_f32x4_add(c20, wasm_f32x4_mul(x2, b0));
        c21 = wasm_f32x4_add(c21, wasm_f32x4_mul(x2, b1));
        c30 = wasm_f32x4_add(c30, wasm_f32x4_mul(x3, b0));
        c31 = wasm_f32x4_add(c31, wasm_f32x4_mul(x3, b1));
    }
    if (last && bias) {
        v128_t bb0, bb1;
        if (nr == GEMM_NR) {
            bb0 = wasm_v128_load(bias); bb1 = wasm_v128_load(bias + 4);
        } else {
            float t[GEMM_NR] = {0};
            memcpy(t, bias, (size_t)nr * sizeof(float));
            bb0 = wasm_v128_load(t); bb1 = wasm_v128_load(t + 4);
        }
        c00 = wasm_f32x4_add(c00, bb0); c01 = wasm_f32x4_add(c01, bb1);
        c10 = wasm_f32x4_add(c10, bb0); c11 = wasm_f32x4_add(c11, bb1);
        c20 = wasm_f32x4_add(c20, bb0); c21 = wasm_f32x4_add(c21, bb1);
        c30 = wasm_f32x4_add(c30, bb0); c31 = wasm_f32x4_add(c31, bb1);
    }
    if (mr == GEMM_MR && nr == GEMM_NR) {
        wasm_v128_store(c, c00); wasm_v128_store(c + 4, c01); c += ldc;
        wasm_v128_store(c, c10); wasm_v128_store(c + 4, c11); c += ldc;
        wasm_v128_store(c, c20); wasm_v128_store(c + 4, c21); c += ldc;
        wasm_v128_store(c, c30); wasm_v128_store(c + 4, c31);
    } else {
        float t[GEMM_MR][GEMM_NR];
        wasm_v128_store(t[0], c00); wasm_v128_store(t[0] + 4, c01);
        wasm_v128_store(t[1], c10); wasm_v128_store(t[1] + 4, c11);
        wasm_v128_store(t[2], c20); wasm_v128_store(t[2] + 4, c21);
        wasm_v128_store(t[3], c30); wasm_v128_store(t[3] + 4, c31);
        for (int r = 0; r < mr; r++) memcpy(c + (size_t)r * ldc, t[r], (size_t)nr * sizeof(float));
    }
}

void gemm_f32_4x8_wasmsimd(int m, int n, int k, const float *a, size_t lda, const float *bp, const float *bias,
                           float *c, size_t ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) { /* C = bias (or 0) */
        for (int i = 0; i < m; i++)
            for (int j = 0; j < n; j++) c[(size_t)i * ldc + j] = bias ? 0.0f + bias[j] : 0.0f;
        return;
    }
    for (int k0 = 0; k0 < k; k0 += GEMM_KC) {
        int k1 = k - k0 > GEMM_KC ? k0 + GEMM_KC : k;
        int last = k1 == k;
        for (int p = 0; p < n; p += GEMM_NR) {
            const float *panel = bp + (size_t)(p / GEMM_NR) * (size_t)k * GEMM_NR;
            int nr = n - p < GEMM_NR ? n - p : GEMM_NR;
            for (int i = 0; i < m; i += GEMM_MR) {
                int mr = m - i < GEMM_MR ? m - i : GEMM_MR;
                const float *a0 = a + (size_t)i * lda;
                const float *a1 = mr > 1 ? a0 + lda : a0;
                const float *a2 = mr > 2 ? a1 + lda : a1;
                const float *a3 = mr > 3 ? a2 + lda : a2;
                tile_4x8(mr, nr, k0, k1, a0, a1, a2, a3, panel, bias ? bias + p : NULL,
                         c + (size_t)i * ldc + p, ldc, last);
            }
        }
    }
}
#endif

void gemm_f32(int m, int n, int k, const float *a, size_t lda, const float *bp, const float *bias,
              float *c, size_t ldc) {
#ifdef __wasm_simd128__
    gemm_f32_4x8_wasmsimd(m, n, k, a, lda, bp, bias, c, ldc);
#else
    gemm_f32_generic(m, n, k, a, lda, bp, bias, c, ldc);
#endif
}
