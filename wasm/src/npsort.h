/* npsort.h — numpy's default argsort of float64 values, reproduced step for step.
 *
 * Basic usage:
 *     int32_t order[n];
 *     npsort_argsort_f64(w, n, order);   // order is exactly np.argsort(w)
 *
 * numpy's argsort (kind='quicksort') is an introsort: median-of-3 quicksort, insertion sort below 17
 * elements, heapsort past a depth limit of 2*floor(log2 n). It is not stable, so equal values come out
 * in an order that depends on every value of the array. HDBSCAN sorts its spanning-tree edges with it,
 * and that order decides how equal-weight merges come out: the labels are the library's own only if
 * the order is numpy's own. (numpy >= 2 may dispatch to an AVX-512 sort on x86; the reference data
 * were made without it.)
 */
#ifndef EMBEDSCAPE_NPSORT_H
#define EMBEDSCAPE_NPSORT_H

#include <stdint.h>

/* v (n) values, NaN sorting last; order_out (n) receives 0..n-1 permuted as np.argsort(v). n >= 0. */
void npsort_argsort_f64(const double *v, int n, int32_t *order_out);

#endif
