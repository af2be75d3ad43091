/* hdbscan_sqdist.h — squared Euclidean distance between two float32 rows, accumulated in float64.
 *
 * HDBSCAN's reference computes distances in double precision from the (float32) input, so every
 * element is promoted to double before subtracting: a - b is then exact, and only the squares and the
 * sums round. hdbscan_sqdist_rows is the one distance every HDBSCAN path uses (core distances, the
 * kd-tree, Prim, Borůvka), so that values tie exactly when the reference's do.
 *
 * Kernel contract (the SIMD kernel and its scalar twin): a and b point to d >= 0 floats each (no
 * alignment needed, read only). Both twins sum in the same order, so they return the same bits:
 *   s_r = sum over k < 4*floor(d/4) with k % 4 == r of (a[k]-b[k])^2   (r = 0..3, in increasing k)
 *   result = ((s_0 + s_2) + (s_1 + s_3)) + tail terms in increasing k.
 */
#ifndef EMBEDSCAPE_HDBSCAN_SQDIST_H
#define EMBEDSCAPE_HDBSCAN_SQDIST_H

double hdbscan_sqdist_f64acc_generic(const float *a, const float *b, int d);
#ifdef __wasm_simd128__
double hdbscan_sqdist_f64acc_wasmsimd(const float *a, const float *b, int d);
#endif

/* The best available twin. */
static inline double hdbscan_sqdist_f64acc(const float *a, const float *b, int d) {
#ifdef __wasm_simd128__
    return hdbscan_sqdist_f64acc_wasmsimd(a, b, d);
#else
    return hdbscan_sqdist_f64acc_generic(a, b, d);
#endif
}

/* The reference's own order: one running sum over k = 0..d-1 (scikit-learn's and hdbscan's
 * EuclideanDistance), which reproduces their bits. */
static inline double hdbscan_sqdist_seq(const float *a, const float *b, int d) {
    double s = 0.0;
    for (int k = 0; k < d; k++) {
        double t = (double)a[k] - (double)b[k];
        s += t * t;
    }
    return s;
}

/* Dimensions up to this use the sequential order (as fast there); above, the SIMD kernel. */
#define HDBSCAN_SQDIST_SEQ_MAX_DIM 16

static inline double hdbscan_sqdist_rows(const float *a, const float *b, int d) {
    if (d == 2) { /* the UMAP map: written out so that it inlines; the same bits as the loop */
        double d0 = (double)a[0] - (double)b[0], d1 = (double)a[1] - (double)b[1];
        return d0 * d0 + d1 * d1;
    }
    if (d <= HDBSCAN_SQDIST_SEQ_MAX_DIM) return hdbscan_sqdist_seq(a, b, d);
    return hdbscan_sqdist_f64acc(a, b, d);
}

#endif
