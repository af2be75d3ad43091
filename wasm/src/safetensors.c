/* safetensors.c — see safetensors.h. The header is parsed with cJSON; every number is checked before
 * it is used as a size or an offset, so a hostile file can only produce an error. */
#include "safetensors.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"

static const struct { const char *name; st_dtype d; size_t size; } DTYPES[] = {
    {"BOOL", ST_BOOL, 1}, {"U8", ST_U8, 1}, {"I8", ST_I8, 1}, {"I16", ST_I16, 2}, {"U16", ST_U16, 2},
    {"F16", ST_F16, 2}, {"BF16", ST_BF16, 2}, {"I32", ST_I32, 4}, {"U32", ST_U32, 4}, {"F32", ST_F32, 4},
    {"F64", ST_F64, 8}, {"I64", ST_I64, 8}, {"U64", ST_U64, 8}, {"F8_E4M3", ST_F8_E4M3, 1},
    {"F8_E5M2", ST_F8_E5M2, 1},
};
#define N_DTYPES (sizeof DTYPES / sizeof DTYPES[0])

size_t st_dtype_size(st_dtype d) {
    for (size_t i = 0; i < N_DTYPES; i++)
        if (DTYPES[i].d == d) return DTYPES[i].size;
    return 0;
}

const char *st_dtype_name(st_dtype d) {
    for (size_t i = 0; i < N_DTYPES; i++)
        if (DTYPES[i].d == d) return DTYPES[i].name;
    return "?";
}

size_t st_numel(const st_tensor *t) {
    size_t n = 1;
    for (int i = 0; i < t->n_dims; i++) n *= (size_t)t->shape[i];
    return n;
}

void st_free(st_file *f) {
    if (!f) return;
    for (int i = 0; i < f->n_tensors; i++) free(f->tensors[i].name);
    free(f->tensors);
    free(f);
}

static char *dup_string(const char *s) {
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d) memcpy(d, s, n);
    return d;
}

static int cmp_name(const void *a, const void *b) {
    return strcmp(((const st_tensor *)a)->name, ((const st_tensor *)b)->name);
}

static int cmp_begin(const void *a, const void *b) {
    const st_tensor *x = *(const st_tensor *const *)a, *y = *(const st_tensor *const *)b;
    if (x->begin != y->begin) return x->begin < y->begin ? -1 : 1;
    return x->end < y->end ? -1 : x->end > y->end;
}

/* A JSON number that is a whole number in [0, 2^53]. */
static int json_index(const cJSON *v, uint64_t *out) {
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble;
    if (!(d >= 0.0) || d > 9007199254740992.0 || floor(d) != d) return 0;
    *out = (uint64_t)d;
    return 1;
}

static es_status parse_tensor(const cJSON *item, size_t data_size, st_tensor *t, es_error *err) {
    const char *name = item->string;
    if (!cJSON_IsObject(item)) return es_fail(err, ES_ERR_FORMAT, "safetensors: tensor '%s': entry is not an object", name);
    const cJSON *dt = cJSON_GetObjectItemCaseSensitive(item, "dtype");
    const cJSON *shape = cJSON_GetObjectItemCaseSensitive(item, "shape");
    const cJSON *offs = cJSON_GetObjectItemCaseSensitive(item, "data_offsets");
    if (!cJSON_IsString(dt)) return es_fail(err, ES_ERR_FORMAT, "safetensors: tensor '%s': missing or non-string \"dtype\"", name);
    size_t esize = 0;
    for (size_t i = 0; i < N_DTYPES; i++)
        if (strcmp(DTYPES[i].name, dt->valuestring) == 0) { t->dtype = DTYPES[i].d; esize = DTYPES[i].size; }
    if (!esize) return es_fail(err, ES_ERR_FORMAT, "safetensors: tensor '%s': unknown dtype '%.32s'", name, dt->valuestring);
    if (!cJSON_IsArray(shape)) return es_fail(err, ES_ERR_FORMAT, "safetensors: tensor '%s': missing or non-array \"shape\"", name);
    int nd = cJSON_GetArraySize(shape);
    if (nd > ST_MAX_DIMS) return es_fail(err, ES_ERR_FORMAT, "safetensors: tensor '%s': %d dimensions (at most %d supported)", name, nd, ST_MAX_DIMS);
    t->n_dims = nd;
    uint64_t numel = 1;
    int i = 0;
    const cJSON *v;
    cJSON_ArrayForEach(v, shape) {
        uint64_t d;
        if (!json_index(v, &d)) return es_fail(err, ES_ERR_FORMAT, "safetensors: tensor '%s': shape[%d] is not a non-negative integer", name, i);
        if (d != 0 && numel > UINT64_MAX / d) return es_fail(err, ES_ERR_FORMAT, "safetensors: tensor '%s': shape overflows", name);
        numel *= d;
        t->shape[i++] = (int64_t)d;
    }
    if (!cJSON_IsArray(offs) || cJSON_GetArraySize(offs) != 2)
        return es_fail(err, ES_ERR_FORMAT, "safetensors: tensor '%s': \"data_offsets\" must be [begin, end]", name);
    uint64_t b, e;
    if (!json_index(cJSON_GetArrayItem(offs, 0), &b) || !json_index(cJSON_GetArrayItem(offs, 1), &e))
        return es_fail(err, ES_ERR_FORMAT, "safetensors: tensor '%s': data_offsets are not non-negative integers", name);
    if (b > e) return es_fail(err, ES_ERR_FORMAT, "safetensors: tensor '%s': data_offsets [%llu, %llu] end before they begin", name, (unsigned long long)b, (unsigned long long)e);
    if (e > data_size) return es_fail(err, ES_ERR_FORMAT, "safetensors: tensor '%s': data_offsets [%llu, %llu] lie outside the %zu data bytes", name, (unsigned long long)b, (unsigned long long)e, data_size);
    if (numel > UINT64_MAX / esize || numel * esize != e - b)
        return es_fail(err, ES_ERR_FORMAT, "safetensors: tensor '%s': shape × %s size = %llu bytes but data_offsets span %llu", name, dt->valuestring, (unsigned long long)(numel * esize), (unsigned long long)(e - b));
    t->begin = (size_t)b;
    t->end = (size_t)e;
    return ES_OK;
}

es_status st_open(const uint8_t *bytes, size_t n, st_file **out, es_error *err) {
    *out = NULL;
    if (!bytes || n < 8) return es_fail(err, ES_ERR_FORMAT, "safetensors: file is %zu bytes, too short for the 8-byte header length", n);
    uint64_t hlen = 0;
    for (int i = 7; i >= 0; i--) hlen = (hlen << 8) | bytes[i];
    if (hlen > n - 8) return es_fail(err, ES_ERR_FORMAT, "safetensors: header length %llu exceeds the file (%zu bytes)", (unsigned long long)hlen, n);
    if (hlen > 100u * 1024 * 1024) return es_fail(err, ES_ERR_FORMAT, "safetensors: header length %llu is implausibly large", (unsigned long long)hlen);
    /* Parse a NUL-terminated copy: cJSON 1.7.15 reads one byte past the given length when an object
     * ends right after a comma (found by fuzz_safetensors); the terminator keeps that read in bounds. */
    char *header = malloc((size_t)hlen + 1);
    if (!header) return es_fail(err, ES_ERR_NOMEM, "safetensors: out of memory for the %llu-byte header", (unsigned long long)hlen);
    memcpy(header, bytes + 8, (size_t)hlen);
    header[hlen] = '\0';
    cJSON *root = cJSON_ParseWithLength(header, (size_t)hlen);
    free(header);
    if (!root) return es_fail(err, ES_ERR_FORMAT, "safetensors: the %llu-byte header is not valid JSON", (unsigned long long)hlen);
    if (!cJSON_IsObject(root)) { cJSON_Delete(root); return es_fail(err, ES_ERR_FORMAT, "safetensors: the header is not a JSON object"); }
    st_file *f = calloc(1, sizeof *f);
    if (!f) { cJSON_Delete(root); return es_fail(err, ES_ERR_NOMEM, "safetensors: out of memory"); }
    f->data = bytes + 8 + hlen;
    f->data_size = n - 8 - (size_t)hlen;
    int count = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, root) count++;
    f->tensors = calloc((size_t)count + 1, sizeof *f->tensors);
    if (!f->tensors) { cJSON_Delete(root); st_free(f); return es_fail(err, ES_ERR_NOMEM, "safetensors: out of memory"); }
    es_status st = ES_OK;
    cJSON_ArrayForEach(item, root) {
        if (strcmp(item->string, "__metadata__") == 0) {
            if (!cJSON_IsObject(item)) { st = es_fail(err, ES_ERR_FORMAT, "safetensors: \"__metadata__\" is not an object"); break; }
            continue;
        }
        st_tensor *t = &f->tensors[f->n_tensors];
        t->name = dup_string(item->string);
        if (!t->name) { st = es_fail(err, ES_ERR_NOMEM, "safetensors: out of memory"); break; }
        f->n_tensors++;
        if ((st = parse_tensor(item, f->data_size, t, err)) != ES_OK) break;
    }
    cJSON_Delete(root);
    if (st != ES_OK) { st_free(f); return st; }
    qsort(f->tensors, (size_t)f->n_tensors, sizeof *f->tensors, cmp_name);
    for (int i = 1; i < f->n_tensors; i++)
        if (strcmp(f->tensors[i - 1].name, f->tensors[i].name) == 0) {
            st = es_fail(err, ES_ERR_FORMAT, "safetensors: tensor '%s' appears twice", f->tensors[i].name);
            st_free(f);
            return st;
        }
    /* overlap check: sort pointers by span, non-empty neighbours must not intersect */
    st_tensor **by = malloc(((size_t)f->n_tensors + 1) * sizeof *by);
    if (!by) { st_free(f); return es_fail(err, ES_ERR_NOMEM, "safetensors: out of memory"); }
    int m = 0;
    for (int i = 0; i < f->n_tensors; i++)
        if (f->tensors[i].end > f->tensors[i].begin) by[m++] = &f->tensors[i];
    qsort(by, (size_t)m, sizeof *by, cmp_begin);
    for (int i = 1; i < m; i++)
        if (by[i]->begin < by[i - 1]->end) {
            st = es_fail(err, ES_ERR_FORMAT, "safetensors: tensors '%s' [%zu, %zu) and '%s' [%zu, %zu) overlap",
                         by[i - 1]->name, by[i - 1]->begin, by[i - 1]->end, by[i]->name, by[i]->begin, by[i]->end);
            break;
        }
    free(by);
    if (st != ES_OK) { st_free(f); return st; }
    *out = f;
    return ES_OK;
}

const st_tensor *st_find(const st_file *f, const char *name) {
    int lo = 0, hi = f->n_tensors - 1;
    while (lo <= hi) {
        int mid = (lo + hi) / 2;
        int c = strcmp(f->tensors[mid].name, name);
        if (c == 0) return &f->tensors[mid];
        if (c < 0) lo = mid + 1; else hi = mid - 1;
    }
    return NULL;
}

float st_f16_to_f32(uint16_t h) {
    uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, man = h & 0x3ff, bits;
    if (exp == 0) {
        if (man == 0) bits = sign;
        else { /* subnormal: normalise */
            int e = -1;
            do { e++; man <<= 1; } while (!(man & 0x400));
            bits = sign | ((uint32_t)(127 - 15 - e) << 23) | ((man & 0x3ff) << 13);
        }
    } else if (exp == 31) bits = sign | 0x7f800000u | (man << 13);
    else bits = sign | ((exp + 112) << 23) | (man << 13);
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

float st_bf16_to_f32(uint16_t h) {
    uint32_t bits = (uint32_t)h << 16;
    float f;
    memcpy(&f, &bits, sizeof f);
    return f;
}

uint16_t st_f32_to_f16(float f) {
    uint32_t x;
    memcpy(&x, &f, sizeof x);
    uint32_t sign = (x >> 16) & 0x8000;
    uint32_t ax = x & 0x7fffffffu;
    if (ax >= 0x7f800000u) return (uint16_t)(sign | 0x7c00 | (ax > 0x7f800000u ? 0x200 : 0)); /* inf / nan */
    if (ax >= 0x477ff000u) return (uint16_t)(sign | 0x7c00);                                  /* overflow → inf */
    if (ax < 0x38800000u) {                                                                     /* subnormal or zero */
        if (ax < 0x33000000u) return (uint16_t)sign;
        uint32_t e = ax >> 23, man = (ax & 0x7fffff) | 0x800000;
        uint32_t shift = 126 - e; /* 14..24 */
        uint32_t half = man >> shift, rem = man & ((1u << shift) - 1), mid = 1u << (shift - 1);
        if (rem > mid || (rem == mid && (half & 1))) half++;
        return (uint16_t)(sign | half);
    }
    uint32_t h = ((ax - 0x38000000u) >> 13);
    uint32_t rem = ax & 0x1fff;
    if (rem > 0x1000 || (rem == 0x1000 && (h & 1))) h++;
    return (uint16_t)(sign | h);
}

es_status st_read_f32(const st_file *f, const st_tensor *t, float *dst, es_error *err) {
    size_t n = st_numel(t);
    const uint8_t *src = f->data + t->begin;
    switch (t->dtype) {
    case ST_F32:
        memcpy(dst, src, n * sizeof(float));
        return ES_OK;
    case ST_F16:
        for (size_t i = 0; i < n; i++) dst[i] = st_f16_to_f32((uint16_t)(src[2 * i] | (src[2 * i + 1] << 8)));
        return ES_OK;
    case ST_BF16:
        for (size_t i = 0; i < n; i++) dst[i] = st_bf16_to_f32((uint16_t)(src[2 * i] | (src[2 * i + 1] << 8)));
        return ES_OK;
    default:
        return es_fail(err, ES_ERR_MODEL, "tensor '%s' has dtype %s; expected F32, F16 or BF16", t->name, st_dtype_name(t->dtype));
    }
}
