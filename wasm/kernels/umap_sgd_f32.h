/* umap_sgd_f32.h — the inner loop of UMAP's layout SGD: a fast x^b and the summed repulsive pushes
 * of a batch of negative samples on one 2-D point (umap-learn's optimize_layout_euclidean
 * negative-sample gradient, clipped at 4).
 *
 * Kernel contract: emb is (n, 2) row-major; idx holds count indices into it (count >= 0, any);
 * nothing is allocated. `_wasmsimd` handles four samples per step (lanes = samples), `_generic` is the
 * scalar twin and fallback; both compute every sample with the same operations (the same fast power),
 * so they agree to float rounding of the sum (the SIMD version sums four lanes, then the last
 * count % 4 samples from one zero-padded vector).
 */
#ifndef EMBEDSCAPE_UMAP_SGD_F32_H
#define EMBEDSCAPE_UMAP_SGD_F32_H

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* x^y for x > 0 as 2^(y log2 x): log2 from the exponent bits plus a degree-6 polynomial of the
 * mantissa (abs error 2e-6), 2^t by integer/fraction split and a degree-5 polynomial (rel error 1e-7),
 * both in Estrin form (short dependency chains). Relative error ~1e-6, far below the SGD's sampling
 * noise, and several times cheaper than libm pow in wasm. t is clamped to [-126, 127]. */
static inline float umap_fast_powf(float x, float y) {
    union {
        float f;
        uint32_t u;
    } v = {x};
    float e = (float)((int)((v.u >> 23) & 0xff) - 127);
    v.u = (v.u & 0x007fffffu) | 0x3f800000u; /* mantissa in [1, 2) */
    float m = v.f - 1.f;
    float m2 = m * m, m4 = m2 * m2;
    float l2 = (2.1172477e-06f + 1.4424755f * m) + m2 * (-0.71755898f + 0.45553027f * m) +
               m4 * ((-0.27462756f + 0.11930088f * m) + m2 * -0.025123770f);
    float t = y * (l2 + e);
    t = t < -126.f ? -126.f : (t > 127.f ? 127.f : t);
    float fi = floorf(t), f = t - fi;
    float f2 = f * f;
    float p = (0.99999990f + 0.69315462f * f) + f2 * (0.24014079f + 0.055863258f * f) +
              (f2 * f2) * (0.0089462249f + 0.0018951086f * f);
    union {
        float f;
        uint32_t u;
    } r;
    r.u = (uint32_t)((int)fi + 127) << 23;
    return p * r.f;
}

/* acc_out[0..1] = sum over q < count of the push on cur (2) away from emb[idx[q]]:
 *   d2 > 0:            clip4(two_gamma_b / ((0.001 + d2) (a d2^b + 1)) * (cur - other))
 *   d2 = 0, idx != self: 4 in each coordinate (umap-learn's push for coincident points)
 *   idx == self at d2 = 0: nothing. */
void umap_neg_2d_generic(const float *emb, const int32_t *idx, int count, const float *cur, int32_t self, float a,
                         float b, float two_gamma_b, float *acc_out);

#ifdef __wasm_simd128__
void umap_neg_2d_wasmsimd(const float *emb, const int32_t *idx, int count, const float *cur, int32_t self, float a,
                          float b, float two_gamma_b, float *acc_out);
#define umap_neg_2d umap_neg_2d_wasmsimd
#else
#define umap_neg_2d umap_neg_2d_generic
#endif

#endif
