/* vec_f32.c — row and element-wise kernels: LayerNorm, softmax, GELU (exact-erf form) and exp.
 * The scalar twins mirror the SIMD versions operation for operation (including the 4-lane partial sums
 * and the order the lanes are combined in), so the two give the same bits.
 *
 * exp(x) = 2^n · p(r), n = round(x / ln 2), r = x - n·ln 2 (ln 2 split in two), p a degree-7
 * polynomial (Cephes expf): relative error < 2.5e-7 on [-87, 88].
 * GELU(x) = x · Φ(x), Φ(x) = 1 - erfc(x/√2)/2 for x ≥ 0 and erfc(|x|/√2)/2 below, with erfc from
 * Abramowitz–Stegun 7.1.26 (|error| ≤ 1.5e-7) times the polynomial exp: GELU abs error < 1e-6. */
#include "kernels.h"

#include <math.h>
#include <string.h>
#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

#define EXP_HI 88.3762626647949f
#define EXP_LO -87.3365447504019f
#define LOG2E 1.44269504088896341f
#define LN2_HI 0.693359375f
#define LN2_LO -2.12194440e-4f
#define RMAGIC 12582912.0f
#define P0 1.9875691500E-4f
#define P1 1.3981999507E-3f
#define P2 8.3334519073E-3f
#define P3 4.1665795894E-2f
#define P4 1.6666665459E-1f
#define P5 5.0000001201E-1f
#define AS_P 0.3275911f
#define AS_A1 0.254829592f
#define AS_A2 -0.284496736f
#define AS_A3 1.421413741f
#define AS_A4 -1.453152027f
#define AS_A5 1.061405429f
#define SQRT1_2 0.70710678118654752f

static inline float exp_scalar(float x) {
    x = x > EXP_HI ? EXP_HI : x;
    x = x < EXP_LO ? EXP_LO : x;
    float n = (x * LOG2E + RMAGIC) - RMAGIC;
    float r = x - n * LN2_HI;
    r = r - n * LN2_LO;
    float r2 = r * r;
    float p = P0;
    p = p * r + P1;
    p = p * r + P2;
    p = p * r + P3;
    p = p * r + P4;
    p = p * r + P5;
    p = p * r2 + r;
    p = p + 1.0f;
    int32_t bits = ((int32_t)n + 127) << 23;
    float s;
    memcpy(&s, &bits, sizeof s);
    return p * s;
}

static inline float gelu_scalar(float x) {
    float z = fabsf(x) * SQRT1_2;
    float t = 1.0f / (1.0f + AS_P * z);
    float q = AS_A5;
    q = q * t + AS_A4;
    q = q * t + AS_A3;
    q = q * t + AS_A2;
    q = q * t + AS_A1;
    q = q * t;
    float h = 0.5f * q * exp_scalar(-(z * z));
    float phi = x >= 0.0f ? 1.0f - h : h;
    return x * phi;
}

void exp_f32_generic(size_t n, const float *x, float *y) {
    for (size_t i = 0; i < n; i++) y[i] = exp_scalar(x[i]);
}

void gelu_f32_generic(size_t n, float *x) {
    for (size_t i = 0; i < n; i++) x[i] = gelu_scalar(x[i]);
}

/* Sum with 4 lane accumulators combined as (l0 + l1) + (l2 + l3), then the tail in order. */
static inline float sum4_scalar(const float *x, int n) {
    float l[4] = {0, 0, 0, 0};
    int j = 0;
    for (; j + 4 <= n; j += 4)
        for (int e = 0; e < 4; e++) l[e] += x[j + e];
    float s = (l[0] + l[1]) + (l[2] + l[3]);
    for (; j < n; j++) s += x[j];
    return s;
}

void layernorm_f32_generic(int rows, int dim, float *x, const float *g, const float *b, float eps) {
    for (int i = 0; i < rows; i++) {
        float *r = x + (size_t)i * dim;
        float mean = sum4_scalar(r, dim) / (float)dim;
        float l[4] = {0, 0, 0, 0};
        int j = 0;
        for (; j + 4 <= dim; j += 4)
            for (int e = 0; e < 4; e++) { float d = r[j + e] - mean; l[e] += d * d; }
        float var = (l[0] + l[1]) + (l[2] + l[3]);
        for (; j < dim; j++) { float d = r[j] - mean; var += d * d; }
        var = var / (float)dim;
        float rstd = 1.0f / sqrtf(var + eps);
        for (j = 0; j < dim; j++) r[j] = (r[j] - mean) * rstd * g[j] + b[j];
    }
}

void softmax_f32_generic(int rows, int n, float *x, size_t ld) {
    for (int i = 0; i < rows; i++) {
        float *r = x + (size_t)i * ld;
        if (n <= 0) continue;
        float mx = r[0];
        for (int j = 1; j < n; j++) mx = r[j] > mx ? r[j] : mx;
        for (int j = 0; j < n; j++) r[j] = exp_scalar(r[j] - mx);
        float inv = 1.0f / sum4_scalar(r, n);
        for (int j = 0; j < n; j++) r[j] = r[j] * inv;
    }
}

#ifdef __wasm_simd128__
static inline v128_t exp_v(v128_t x) {
    x = wasm_f32x4_pmin(x, wasm_f32x4_splat(EXP_HI));
    x = wasm_f32x4_pmax(x, wasm_f32x4_splat(EXP_LO));
    const v128_t magic = wasm_f32x4_splat(RMAGIC);
    v128_t n = wasm_f32x4_sub(wasm_f32x4_add(wasm_f32x4_mul(x, wasm_f32x4_splat(LOG2E)), magic), magic);
    v128_t r = wasm_f32x4_sub(x, wasm_f32x4_mul(n, wasm_f32x4_splat(LN2_HI)));
    r = wasm_f32x4_sub(r, wasm_f32x4_mul(n, wasm_f32x4_splat(LN2_LO)));
    v128_t r2 = wasm_f32x4_mul(r, r);
    v128_t p = wasm_f32x4_splat(P0);
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(P1));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(P2));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(P3));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(P4));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r), wasm_f32x4_splat(P5));
    p = wasm_f32x4_add(wasm_f32x4_mul(p, r2), r);
    p = wasm_f32x4_add(p, wasm_f32x4_splat(1.0f));
    v128_t bits = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(n), wasm_i32x4_splat(127)), 23);
    return wasm_f32x4_mul(p, bits);
}

static inline v128_t gelu_v(v128_t x) {
    v128_t z = wasm_f32x4_mul(wasm_f32x4_abs(x), wasm_f32x4_splat(SQRT1_2));
    v128_t one = wasm_f32x4_splat(1.0f);
    v128_t t = wasm_f32x4_div(one, wasm_f32x4_add(one, wasm_f32x4_mul(wasm_f32x4_splat(AS_P), z)));
    v128_t q = wasm_f32x4_splat(AS_A5);
    q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(AS_A4));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(AS_A3));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(AS_A2));
    q = wasm_f32x4_add(wasm_f32x4_mul(q, t), wasm_f32x4_splat(AS_A1));
    q = wasm_f32x4_mul(q, t);
    v128_t h = wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_splat(0.5f), q), exp_v(wasm_f32x4_neg(wasm_f32x4_mul(z, z))));
    v128_t phi = wasm_v128_bitselect(wasm_f32x4_sub(one, h), h, wasm_f32x4_ge(x, wasm_f32x4_splat(0.0f)));
    return wasm_f32x4_mul(x, phi);
}

void exp_f32_wasmsimd(size_t n, const float *x, float *y) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(y + i, exp_v(wasm_v128_load(x + i)));
    for (; i < n; i++) y[i] = exp_scalar(x[i]);
}

void gelu_f32_wasmsimd(size_t n, float *x) {
    size_t i = 0;
    for (; i + 4 <= n; i += 4) wasm_v128_store(x + i, gelu_v(wasm_v128_load(x + i)));
    for (; i < n; i++) x[i] = gelu_scalar(x[i]);
}

static inline float hsum(v128_t v) {
    return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
           (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

void layernorm_f32_wasmsimd(int rows, int dim, float *x, const float *g, const float *b, float eps) {
    for (int i = 0; i < rows; i++) {
        float *r = x + (size_t)i * dim;
        v128_t acc = wasm_f32x4_splat(0.0f);
        int j = 0;
        for (; j + 4 <= dim; j += 4) acc = wasm_f32x4_add(acc, wasm_v128_load(r + j));
        float s = hsum(acc);
        for (; j < dim; j++) s += r[j];
        float mean = s / (float)dim;
        v128_t vm = wasm_f32x4_splat(mean);
        acc = wasm_f32x4_splat(0.0f);
        j = 0;
        for (; j + 4 <= dim; j += 4) { v128_t d = wasm_f32x4_sub(wasm_v128_load(r + j), vm); acc = wasm_f32x4_add(acc, wasm_f32x4_mul(d, d)); }
        float var = hsum(acc);
        for (; j < dim; j++) { float d = r[j] - mean; var += d * d; }
        var = var / (float)dim;
        float rstd = 1.0f / sqrtf(var + eps);
        v128_t vr = wasm_f32x4_splat(rstd);
        j = 0;
        for (; j + 4 <= dim; j += 4) {
            v128_t y = wasm_f32x4_mul(wasm_f32x4_mul(wasm_f32x4_sub(wasm_v128_load(r + j), vm), vr), wasm_v128_load(g + j));
            wasm_v128_store(r + j, wasm_f32x4_add(y, wasm_v128_load(b + j)));
        }
        for (; j < dim; j++) r[j] = (r[j] - mean) * rstd * g[j] + b[j];
    }
}

void softmax_f32_wasmsimd(int rows, int n, float *x, size_t ld) {
    for (int i = 0; i < rows; i++) {
        float *r = x + (size_t)i * ld;
        if (n <= 0) continue;
        float mx = r[0];
        for (int j = 1; j < n; j++) mx = r[j] > mx ? r[j] : mx;
        v128_t vm = wasm_f32x4_splat(mx);
        v128_t acc = wasm_f32x4_splat(0.0f);
        int j = 0;
        for (; j + 4 <= n; j += 4) {
            v128_t e = exp_v(wasm_f32x4_sub(wasm_v128_load(r + j), vm));
            wasm_v128_store(r + j, e);
            acc = wasm_f32x4_add(acc, e);
        }
        float s = hsum(acc);
        for (; j < n; j++) { r[j] = exp_scalar(r[j] - mx); s += r[j]; }
        float inv = 1.0f / s;
        v128_t vi = wasm_f32x4_splat(inv);
        j = 0;
        for (; j + 4 <= n; j += 4) wasm_v128_store(r + j, wasm_f32x4_mul(wasm_v128_load(r + j), vi));
        for (; j < n; j++) r[j] = r[j] * inv;
    }
}
#endif

void layernorm_f32(int rows, int dim, float *x, const float *g, const float *b, float eps) {
#ifdef __wasm_simd128__
    layernorm_f32_wasmsimd(rows, dim, x, g, b, eps);
#else
    layernorm_f32_generic(rows, dim, x, g, b, eps);
#endif
}
void softmax_f32(int rows, int n, float *x, size_t ld) {
#ifdef __wasm_simd128__
    softmax_f32_wasmsimd(rows, n, x, ld);
#else
    softmax_f32_generic(rows, n, x, ld);
#endif
}
void gelu_f32(size_t n, float *x) {
#ifdef __wasm_simd128__
    gelu_f32_wasmsimd(n, x);
#else
    gelu_f32_generic(n, x);
#endif
}
void exp_f32(size_t n, const float *x, float *y) {
#ifdef __wasm_simd128__
    exp_f32_wasmsimd(n, x, y);
#else
    exp_f32_generic(n, x, y);
#endif
}
