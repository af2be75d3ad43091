/* npsort.c — see npsort.h. numpy's npysort/quicksort.cpp (aquicksort_) and heapsort.cpp (aheapsort_),
 * for doubles. */
#include "npsort.h"

/* Tag::less for doubles: NaN sorts last */
static inline int np_less(double a, double b) { return a < b || (b != b && a == a); }

/* numpy's sift-down of a[i] (1-based heap a[1..n]), the one loop both phases of aheapsort_ run */
static inline void np_sift(const double *v, int32_t *a, long i, long n) {
    int32_t tmp = a[i];
    for (long j = i << 1; j <= n;) {
        if (j < n && np_less(v[a[j]], v[a[j + 1]])) j += 1;
        if (np_less(v[tmp], v[a[j]])) {
            a[i] = a[j];
            i = j;
            j += j;
        } else break;
    }
    a[i] = tmp;
}

static void np_aheapsort(const double *v, int32_t *tosort, long n) {
    int32_t *a = tosort - 1; /* 1-based */
    for (long l = n >> 1; l > 0; --l) np_sift(v, a, l, n);
    for (; n > 1;) {
        int32_t tmp = a[n];
        a[n] = a[1];
        a[1] = tmp;
        n -= 1;
        np_sift(v, a, 1, n);
    }
}

#define NP_SMALL_QUICKSORT 15
#define NP_PYA_QS_STACK 128
#define NP_SWAP(a, b) do { int32_t t_ = (a); (a) = (b); (b) = t_; } while (0)

void npsort_argsort_f64(const double *v, int n, int32_t *tosort) {
    for (int i = 0; i < n; i++) tosort[i] = i;
    if (n < 2) return;
    double vp;
    int32_t *pl = tosort, *pr = tosort + n - 1;
    int32_t *stack[NP_PYA_QS_STACK], **sptr = stack;
    int32_t *pm, *pi, *pj, *pk, vi;
    int depth[NP_PYA_QS_STACK], *psdepth = depth;
    int cdepth = 0;
    for (unsigned long u = (unsigned long)n; u >>= 1;) cdepth++;
    cdepth *= 2;
    for (;;) {
        if (cdepth < 0) {
            np_aheapsort(v, pl, (long)(pr - pl + 1));
            goto stack_pop;
        }
        while ((pr - pl) > NP_SMALL_QUICKSORT) {
            pm = pl + ((pr - pl) >> 1);
            if (np_less(v[*pm], v[*pl])) NP_SWAP(*pm, *pl);
            if (np_less(v[*pr], v[*pm])) NP_SWAP(*pr, *pm);
            if (np_less(v[*pm], v[*pl])) NP_SWAP(*pm, *pl);
            vp = v[*pm];
            pi = pl;
            pj = pr - 1;
            NP_SWAP(*pm, *pj);
            for (;;) {
                do ++pi; while (np_less(v[*pi], vp));
                do --pj; while (np_less(vp, v[*pj]));
                if (pi >= pj) break;
                NP_SWAP(*pi, *pj);
            }
            pk = pr - 1;
            NP_SWAP(*pi, *pk);
            /* push the larger partition */
            if (pi - pl < pr - pi) {
                *sptr++ = pi + 1;
                *sptr++ = pr;
                pr = pi - 1;
            } else {
                *sptr++ = pl;
                *sptr++ = pi - 1;
                pl = pi + 1;
            }
            *psdepth++ = --cdepth;
        }
        /* insertion sort */
        for (pi = pl + 1; pi <= pr; ++pi) {
            vi = *pi;
            vp = v[vi];
            pj = pi;
            pk = pi - 1;
            while (pj > pl && np_less(vp, v[*pk])) *pj-- = *pk--;
            *pj = vi;
        }
    stack_pop:
        if (sptr == stack) break;
        pr = *(--sptr);
        pl = *(--sptr);
        cdepth = *(--psdepth);
    }
}
