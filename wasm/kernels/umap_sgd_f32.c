/* umap_sgd_f32.c — see umap_sgd_f32.h. */
#include "umap_sgd_f32.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

static inline float clip4f(float v) { return v > 4.f ? 4.f : (v < -4.f ? -4.f : v); }

void umap_neg_2d_generic(const float *emb, const int32_t *idx, int count, const float *cur, int32_t self, float a,
                         float b, float two_gamma_b, float *acc_out) {
    float ax = 0.f, ay = 0.f;
    for (int q = 0; q < count; q++) {
        const float *o = emb + 2 * (size_t)idx[q];
        float dx = cur[0] - o[0], dy = cur[1] - o[1];
        float dd = dx * dx + dy * dy;
        if (dd > 0.f) {
            float gn = two_gamma_b / ((0.001f + dd) * (a * umap_fast_powf(dd, b) + 1.f));
            ax += clip4f(gn * dx);
            ay += clip4f(gn * dy);
        } else if (idx[q] != self) {
            ax += 4.f;
            ay += 4.f;
        }
    }
    acc_out[0] = ax;
    acc_out[1] = ay;
}

#ifdef __wasm_simd128__

static inline v128_t powf_x4(v128_t x, v128_t y) {
    v128_t e = wasm_f32x4_sub(wasm_f32x4_convert_i32x4(wasm_v128_and(wasm_u32x4_shr(x, 23), wasm_i32x4_splat(0xff))),
                              wasm_f32x4_splat(127.f));
    v128_t m = wasm_f32x4_sub(
        wasm_v128_or(wasm_v128_and(x, wasm_i32x4_splat(0x007fffff)), wasm_i32x4_splat(0x3f800000)), wasm_f32x4_splat(1.f));
    v128_t m2 = wasm_f32x4_mul(m, m), m4 = wasm_f32x4_mul(m2, m2);
#define C(v) wasm_f32x4_splat(v)
#define ADD wasm_f32x4_add
#define MUL wasm_f32x4_mul
    v128_t l2 = ADD(ADD(ADD(C(2.1172477e-06f), MUL(C(1.4424755f), m)), MUL(m2, ADD(C(-0.71755898f), MUL(C(0.45553027f), m)))),
                    MUL(m4, ADD(ADD(C(-0.27462756f), MUL(C(0.11930088f), m)), MUL(m2, C(-0.025123770f)))));
    v128_t t = MUL(y, ADD(l2, e));
    t = wasm_f32x4_pmin(wasm_f32x4_pmax(t, C(-126.f)), C(127.f));
    v128_t fi = wasm_f32x4_floor(t), f = wasm_f32x4_sub(t, fi), f2 = MUL(f, f);
    v128_t p = ADD(ADD(ADD(C(0.99999990f), MUL(C(0.69315462f), f)), MUL(f2, ADD(C(0.24014079f), MUL(C(0.055863258f), f)))),
                   MUL(MUL(f2, f2), ADD(C(0.0089462249f), MUL(C(0.0018951086f), f))));
    v128_t scale = wasm_i32x4_shl(wasm_i32x4_add(wasm_i32x4_trunc_sat_f32x4(fi), wasm_i32x4_splat(127)), 23);
    return MUL(p, scale);
#undef C
#undef ADD
#undef MUL
}

static inline v128_t clip4_x4(v128_t v) {
    return wasm_f32x4_pmin(wasm_f32x4_pmax(v, wasm_f32x4_splat(-4.f)), wasm_f32x4_splat(4.f));
}

/* The pushes of the four samples o0..o3 (lane = sample) on cur = (cx, cy), into *px, *py. */
static inline void neg_lanes(const float *emb, const int32_t *ix, v128_t cx, v128_t cy, v128_t va, v128_t vb, v128_t vg,
                             v128_t self4, v128_t *px, v128_t *py) {
    const v128_t zero = wasm_f32x4_splat(0.f), four = wasm_f32x4_splat(4.f);
    /* each point is one 64-bit load; two shuffles split x from y */
    v128_t p01 = wasm_v128_load64_lane(emb + 2 * (size_t)ix[1], wasm_v128_load64_zero(emb + 2 * (size_t)ix[0]), 1);
    v128_t p23 = wasm_v128_load64_lane(emb + 2 * (size_t)ix[3], wasm_v128_load64_zero(emb + 2 * (size_t)ix[2]), 1);
    v128_t dx = wasm_f32x4_sub(cx, wasm_i32x4_shuffle(p01, p23, 0, 2, 4, 6));
    v128_t dy = wasm_f32x4_sub(cy, wasm_i32x4_shuffle(p01, p23, 1, 3, 5, 7));
    v128_t dd = wasm_f32x4_add(wasm_f32x4_mul(dx, dx), wasm_f32x4_mul(dy, dy));
    v128_t pos = wasm_f32x4_gt(dd, zero);
    /* lanes at distance 0 compute with dd = 1 and are replaced below */
    v128_t ddsafe = wasm_v128_bitselect(dd, wasm_f32x4_splat(1.f), pos);
    v128_t den = wasm_f32x4_mul(wasm_f32x4_add(wasm_f32x4_splat(0.001f), ddsafe),
                                wasm_f32x4_add(wasm_f32x4_mul(va, powf_x4(ddsafe, vb)), wasm_f32x4_splat(1.f)));
    v128_t gn = wasm_f32x4_div(vg, den);
    v128_t other = wasm_v128_andnot(four, wasm_i32x4_eq(wasm_v128_load(ix), self4)); /* 4, or 0 for self */
    *px = wasm_v128_bitselect(clip4_x4(wasm_f32x4_mul(gn, dx)), other, pos);
    *py = wasm_v128_bitselect(clip4_x4(wasm_f32x4_mul(gn, dy)), other, pos);
}

static inline float hsum4(v128_t v) {
    return (wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1)) +
           (wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3));
}

void umap_neg_2d_wasmsimd(const float *emb, const int32_t *idx, int count, const float *cur, int32_t self, float a,
                          float b, float two_gamma_b, float *acc_out) {
    v128_t cx = wasm_f32x4_splat(cur[0]), cy = wasm_f32x4_splat(cur[1]);
    v128_t va = wasm_f32x4_splat(a), vb = wasm_f32x4_splat(b), vg = wasm_f32x4_splat(two_gamma_b);
    v128_t self4 = wasm_i32x4_splat(self);
    v128_t ax = wasm_f32x4_splat(0.f), ay = ax;
    int q = 0;
    for (; q + 4 <= count; q += 4) {
        v128_t px, py;
        neg_lanes(emb, idx + q, cx, cy, va, vb, vg, self4, &px, &py);
        ax = wasm_f32x4_add(ax, px);
        ay = wasm_f32x4_add(ay, py);
    }
    /* The last count % 4 samples in one more vector, the empty lanes zeroed: (r0 + r1) + (r2 + 0)
     * is the scalar twin's running sum r0 + r1 + r2 exactly, so both give the same bits. */
    float rx = 0.f, ry = 0.f;
    int rem = count - q;
    if (rem > 0) {
        int32_t ix[4];
        for (int t = 0; t < 4; t++) ix[t] = idx[q + (t < rem ? t : 0)];
        v128_t px, py;
        neg_lanes(emb, ix, cx, cy, va, vb, vg, self4, &px, &py);
        v128_t keep = wasm_i32x4_gt(wasm_i32x4_splat(rem), wasm_i32x4_make(0, 1, 2, 3));
        rx = hsum4(wasm_v128_and(px, keep));
        ry = hsum4(wasm_v128_and(py, keep));
    }
    acc_out[0] = hsum4(ax) + rx;
    acc_out[1] = hsum4(ay) + ry;
}

#endif
