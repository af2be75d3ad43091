/* safetensors.h — a strict reader of the safetensors format (8-byte little-endian header length, a
 * JSON header {name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}, then the data).
 *
 * Strict means: the header length lies within the file, the header is valid JSON (an object of
 * objects), every dtype is a known safetensors dtype, shape × dtype size equals the byte span, every
 * span lies inside the data and no two spans overlap. Any violation is an ES_ERR_FORMAT naming the
 * tensor. The file's bytes are borrowed, not copied: keep them alive while the st_file is used.
 *
 * Basic usage:
 *     st_file *f; es_error err;
 *     if (st_open(bytes, n, &f, &err) != ES_OK) return err.status;
 *     const st_tensor *t = st_find(f, "embeddings.word_embeddings.weight");
 *     float *w = malloc(st_numel(t) * sizeof(float));
 *     st_read_f32(f, t, w, &err);                  // F32, F16, BF16 converted to f32
 *     st_free(f);
 */
#ifndef EMBEDSCAPE_SAFETENSORS_H
#define EMBEDSCAPE_SAFETENSORS_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

#define ST_MAX_DIMS 8

typedef enum st_dtype {
    ST_BOOL, ST_U8, ST_I8, ST_I16, ST_U16, ST_F16, ST_BF16, ST_I32, ST_U32, ST_F32, ST_F64, ST_I64, ST_U64,
    ST_F8_E4M3, ST_F8_E5M2
} st_dtype;

typedef struct st_tensor {
    char *name;          /* owned by the st_file */
    st_dtype dtype;
    int n_dims;
    int64_t shape[ST_MAX_DIMS];
    size_t begin, end;   /* byte span inside the data section */
} st_tensor;

typedef struct st_file {
    const uint8_t *data; /* borrowed: start of the data section */
    size_t data_size;
    st_tensor *tensors;  /* n_tensors, sorted by name */
    int n_tensors;
} st_file;

/* Parses the header of bytes (n bytes, borrowed). On success *out owns the table; free with st_free. */
es_status st_open(const uint8_t *bytes, size_t n, st_file **out, es_error *err);

void st_free(st_file *f);

/* The tensor called name, or NULL. */
const st_tensor *st_find(const st_file *f, const char *name);

/* Number of elements of t. */
size_t st_numel(const st_tensor *t);

/* Bytes per element of dtype. */
size_t st_dtype_size(st_dtype d);

/* Name of a dtype as safetensors spells it ("F32", ...). */
const char *st_dtype_name(st_dtype d);

/* Converts t (F32, F16, BF16) into dst (st_numel(t) floats). Other dtypes: ES_ERR_MODEL. */
es_status st_read_f32(const st_file *f, const st_tensor *t, float *dst, es_error *err);

/* IEEE half / bfloat16 to float, and float to half (round to nearest even). */
float st_f16_to_f32(uint16_t h);
float st_bf16_to_f32(uint16_t h);
uint16_t st_f32_to_f16(float f);

#endif
