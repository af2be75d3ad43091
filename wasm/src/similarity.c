/* similarity.c — see similarity.h. */
#include "similarity.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dot_f32.h"

es_status similarity_check_finite(const float *x, int n, int d, const char *what, es_error *err) {
    for (int i = 0; i < n; i++) {
        const float *r = x + (size_t)i * d;
        for (int j = 0; j < d; j++)
            if (!isfinite(r[j]))
                return es_fail(err, ES_ERR_NUMERIC, "%s: row %d, column %d is %s (NaN and infinity are not allowed)",
                               what ? what : "input", i, j, isnan(r[j]) ? "NaN" : "infinite");
    }
    return ES_OK;
}

es_status similarity_normalize_rows(const float *x, int n, int d, float *out, es_error *err) {
    if (n < 0 || d < 0) return es_fail(err, ES_ERR_ARG, "bad shape (%d, %d)", n, d);
    for (int i = 0; i < n; i++) {
        const float *r = x + (size_t)i * d;
        float *o = out + (size_t)i * d;
        double s = 0.0;
        for (int j = 0; j < d; j++) s += (double)r[j] * r[j];
        double nrm = sqrt(s);
        if (nrm > 0.0) {
            for (int j = 0; j < d; j++) o[j] = (float)(r[j] / nrm);
        } else if (o != r) {
            memset(o, 0, sizeof(float) * (size_t)d);
        }
    }
    return ES_OK;
}

static es_status check_shape(int n, int d, es_error *err) {
    if (n < 0 || d < 0) return es_fail(err, ES_ERR_ARG, "bad shape (%d, %d)", n, d);
    return ES_OK;
}

es_status similarity_cosine_matrix(const float *x, int n, int d, float *out, es_error *err) {
    es_status st = check_shape(n, d, err);
    if (st) return st;
    if ((st = similarity_check_finite(x, n, d, "input vectors", err))) return st;
    if (n == 0) return ES_OK;
    float *u = malloc(sizeof(float) * (size_t)n * (d > 0 ? d : 1));
    if (!u) return es_fail(err, ES_ERR_NOMEM, "out of memory for a %d x %d normalised copy", n, d);
    similarity_normalize_rows(x, n, d, u, err);
    /* 4x2 tiles over the upper triangle (i block <= j), mirrored */
    float tile[8];
    int i = 0;
    for (; i + 4 <= n; i += 4) {
        int j = i;
        for (; j + 2 <= n; j += 2) {
            dot_f32_4x2(u + (size_t)i * d, d, u + (size_t)j * d, d, d, tile);
            for (int a = 0; a < 4; a++)
                for (int b = 0; b < 2; b++) {
                    out[(size_t)(i + a) * n + (j + b)] = tile[a * 2 + b];
                    out[(size_t)(j + b) * n + (i + a)] = tile[a * 2 + b];
                }
        }
        for (; j < n; j++)
            for (int a = 0; a < 4; a++) {
                float s = dot_f32(u + (size_t)(i + a) * d, u + (size_t)j * d, d);
                out[(size_t)(i + a) * n + j] = s;
                out[(size_t)j * n + (i + a)] = s;
            }
    }
    for (; i < n; i++)
        for (int j = i; j < n; j++) {
            float s = dot_f32(u + (size_t)i * d, u + (size_t)j * d, d);
            out[(size_t)i * n + j] = s;
            out[(size_t)j * n + i] = s;
        }
    free(u);
    return ES_OK;
}

es_status similarity_cosine_to(const float *x, int n, int d, const float *q, float *out, es_error *err) {
    es_status st = check_shape(n, d, err);
    if (st) return st;
    if ((st = similarity_check_finite(x, n, d, "input vectors", err))) return st;
    if ((st = similarity_check_finite(q, 1, d, "query vector", err))) return st;
    double qs = 0.0;
    for (int j = 0; j < d; j++) qs += (double)q[j] * q[j];
    double qn = sqrt(qs);
    for (int i = 0; i < n; i++) {
        const float *r = x + (size_t)i * d;
        double rs = 0.0;
        for (int j = 0; j < d; j++) rs += (double)r[j] * r[j];
        double rn = sqrt(rs);
        out[i] = (qn > 0.0 && rn > 0.0) ? (float)(dot_f32(r, q, d) / (rn * qn)) : 0.f;
    }
    return ES_OK;
}

/* better = higher score, then lower index */
static int better(float sa, int ia, float sb, int ib) { return sa > sb || (sa == sb && ia < ib); }

es_status similarity_top_k(const float *x, int n, int d, const float *q, int exclude, int k, int32_t *idx_out,
                           float *score_out, int *count_out, es_error *err) {
    es_status st = check_shape(n, d, err);
    if (st) return st;
    if (k < 0) return es_fail(err, ES_ERR_ARG, "k must be >= 0, got %d", k);
    float *s = malloc(sizeof(float) * (size_t)(n > 0 ? n : 1));
    if (!s) return es_fail(err, ES_ERR_NOMEM, "out of memory for %d similarities", n);
    if ((st = similarity_cosine_to(x, n, d, q, s, err))) {
        free(s);
        return st;
    }
    /* insertion into a sorted list of at most k: k is small (a table on a page) */
    int cnt = 0;
    for (int i = 0; i < n; i++) {
        if (i == exclude) continue;
        if (cnt == k && !better(s[i], i, score_out[k - 1], idx_out[k - 1])) continue;
        int p = cnt < k ? cnt++ : k - 1;
        while (p > 0 && better(s[i], i, score_out[p - 1], idx_out[p - 1])) {
            score_out[p] = score_out[p - 1];
            idx_out[p] = idx_out[p - 1];
            p--;
        }
        score_out[p] = s[i];
        idx_out[p] = i;
    }
    *count_out = cnt;
    free(s);
    return ES_OK;
}

static float rel_diff(float a, float b) {
    float m = fabsf(a) > fabsf(b) ? fabsf(a) : fabsf(b);
    return m > 1.f ? fabsf(a - b) / m : fabsf(a - b);
}

es_status similarity_kernel_selftest(float *max_rel_diff_out, es_error *err) {
    enum { MAXD = 384 };
    static const int lens[] = {0, 1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 67, 384};
    float *a = malloc(sizeof(float) * 4 * MAXD), *b = malloc(sizeof(float) * 2 * MAXD);
    if (!a || !b) {
        free(a);
        free(b);
        return es_fail(err, ES_ERR_NOMEM, "out of memory in the kernel self-test");
    }
    uint32_t r = 12345u;
    for (int i = 0; i < 4 * MAXD; i++) {
        r = r * 1664525u + 1013904223u;
        a[i] = (float)((r >> 8) & 0xffff) / 32768.f - 1.f;
    }
    for (int i = 0; i < 2 * MAXD; i++) {
        r = r * 1664525u + 1013904223u;
        b[i] = (float)((r >> 8) & 0xffff) / 32768.f - 1.f;
    }
    float worst = 0.f;
    for (size_t t = 0; t < sizeof lens / sizeof lens[0]; t++) {
        int d = lens[t];
        float s1[8], s2[8];
        float v = rel_diff(dot_f32(a, b, d), dot_f32_generic(a, b, d));
        if (v > worst) worst = v;
        v = rel_diff(sqdist_f32(a, b, d), sqdist_f32_generic(a, b, d));
        if (v > worst) worst = v;
        dot_f32_4x2(a, MAXD, b, MAXD, d, s1);
        dot_f32_4x2_generic(a, MAXD, b, MAXD, d, s2);
        for (int i = 0; i < 8; i++)
            if ((v = rel_diff(s1[i], s2[i])) > worst) worst = v;
        sqdist_f32_4x2(a, MAXD, b, MAXD, d, s1);
        sqdist_f32_4x2_generic(a, MAXD, b, MAXD, d, s2);
        for (int i = 0; i < 8; i++)
            if ((v = rel_diff(s1[i], s2[i])) > worst) worst = v;
        /* the tile must also equal the single-pair kernel of the same build */
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 2; j++)
                if ((v = rel_diff(s1[i * 2 + j], sqdist_f32(a + i * MAXD, b + j * MAXD, d))) > worst) worst = v;
    }
    free(a);
    free(b);
    *max_rel_diff_out = worst;
    return ES_OK;
}
