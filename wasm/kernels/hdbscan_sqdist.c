/* hdbscan_sqdist.c — see hdbscan_sqdist.h. */
#include "hdbscan_sqdist.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

double hdbscan_sqdist_f64acc_generic(const float *a, const float *b, int d) {
    double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
    int k = 0;
    for (; k + 4 <= d; k += 4) {
        double t0 = (double)a[k] - (double)b[k];
        double t1 = (double)a[k + 1] - (double)b[k + 1];
        double t2 = (double)a[k + 2] - (double)b[k + 2];
        double t3 = (double)a[k + 3] - (double)b[k + 3];
        s0 += t0 * t0;
        s1 += t1 * t1;
        s2 += t2 * t2;
        s3 += t3 * t3;
    }
    double s = (s0 + s2) + (s1 + s3);
    for (; k < d; k++) {
        double t = (double)a[k] - (double)b[k];
        s += t * t;
    }
    return s;
}

#ifdef __wasm_simd128__
double hdbscan_sqdist_f64acc_wasmsimd(const float *a, const float *b, int d) {
    v128_t acc02 = wasm_f64x2_splat(0.0); /* lanes: k%4 == 0, k%4 == 1 */
    v128_t acc13 = wasm_f64x2_splat(0.0); /* lanes: k%4 == 2, k%4 == 3 */
    int k = 0;
    for (; k + 4 <= d; k += 4) {
        v128_t va = wasm_v128_load(a + k);
        v128_t vb = wasm_v128_load(b + k);
        v128_t alo = wasm_f64x2_promote_low_f32x4(va);
        v128_t blo = wasm_f64x2_promote_low_f32x4(vb);
        v128_t ahi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(va, va, 2, 3, 2, 3));
        v128_t bhi = wasm_f64x2_promote_low_f32x4(wasm_i32x4_shuffle(vb, vb, 2, 3, 2, 3));
        v128_t dlo = wasm_f64x2_sub(alo, blo);
        v128_t dhi = wasm_f64x2_sub(ahi, bhi);
        acc02 = wasm_f64x2_add(acc02, wasm_f64x2_mul(dlo, dlo));
        acc13 = wasm_f64x2_add(acc13, wasm_f64x2_mul(dhi, dhi));
    }
    /* acc02 = (s0, s1), acc13 = (s2, s3): (s0 + s2) + (s1 + s3) as the generic twin */
    v128_t sum = wasm_f64x2_add(acc02, acc13);
    double s = wasm_f64x2_extract_lane(sum, 0) + wasm_f64x2_extract_lane(sum, 1);
    for (; k < d; k++) {
        double t = (double)a[k] - (double)b[k];
        s += t * t;
    }
    return s;
}
#endif
