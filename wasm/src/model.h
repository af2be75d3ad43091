/* model.h — a BERT sentence-transformer as the engine holds it: the config read from config.json,
 * pooling and normalisation from the sentence-transformers files, and every weight packed once for
 * the kernels (f32 panels, or int8 panels with per-output-row scales).
 *
 * The model folder's files arrive as bytes (JS reads them from disk, a URL or a picked folder):
 *     bert_files files = {config_json, modules_json, pooling_json, sbert_json, st_bytes, st_size};
 *     bert_model_params p = bert_model_default_params();   // p.dtype = BERT_DTYPE_AUTO
 *     bert_model *m; es_error err;
 *     if (bert_model_load(&files, p, &m, &err) != ES_OK) ...;
 *     ... bert_embed(m, ...) (bert.h) ...
 *     bert_model_free(m);
 *
 * Tensor names are those transformers' BertModel saves, with or without a "bert." prefix. Weights may
 * be F32, F16 or BF16; a linear weight may also be I8 with an F32 tensor "<name>_scale" (one scale per
 * output row, value = int8 × scale), which is what `embedscape convert --dtype q8` writes.
 */
#ifndef EMBEDSCAPE_MODEL_H
#define EMBEDSCAPE_MODEL_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct bert_config {
    int n_layer;     /* num_hidden_layers */
    int n_embd;      /* hidden_size */
    int n_head;      /* num_attention_heads */
    int n_ff;        /* intermediate_size */
    int n_vocab;     /* vocab_size */
    int n_pos;       /* max_position_embeddings */
    int n_type;      /* type_vocab_size */
    float ln_eps;    /* layer_norm_eps */
} bert_config;

typedef enum bert_pooling { BERT_POOL_MEAN = 0, BERT_POOL_CLS = 1, BERT_POOL_MAX = 2 } bert_pooling;

/* How the engine keeps the linear-layer weights. AUTO: int8 when the file stores them as I8, f16 when
 * F16, f32 otherwise. F16 rounds f32 weights to half precision (the values a converted f16 file holds) and
 * computes in f32. Q8 quantises per output row to int8 and runs the int8 GEMM. */
typedef enum bert_dtype { BERT_DTYPE_AUTO = 0, BERT_DTYPE_F32 = 1, BERT_DTYPE_F16 = 2, BERT_DTYPE_Q8 = 3 } bert_dtype;

typedef struct bert_model_params {
    bert_dtype dtype;
} bert_model_params;

/* The files of a model folder. NUL-terminated JSON texts may be NULL when the file is absent (then:
 * mean pooling, no normalisation, max_seq_length = max_position_embeddings). */
typedef struct bert_files {
    const char *config_json;   /* config.json (required) */
    const char *modules_json;  /* modules.json: a Normalize module means L2-normalise */
    const char *pooling_json;  /* 1_Pooling/config.json */
    const char *sbert_json;    /* sentence_bert_config.json: max_seq_length */
    const uint8_t *st_bytes;   /* model.safetensors (borrowed during the load only) */
    size_t st_size;
} bert_files;

/* A packed linear layer y = x W^T + b, W (n_out, n_in). */
typedef struct bert_linear {
    int n_out, n_in;
    float *wf;       /* f32 panels (gemm_f32_pack_b) or NULL */
    int16_t *wq;     /* int8 values widened to int16 panels (gemm_i8_pack_b) or NULL */
    float *scale;    /* (n_out) int8 scales, with wq */
    float *bias;     /* (n_out) */
} bert_linear;

typedef struct bert_layer {
    bert_linear qkv;        /* (3·n_embd, n_embd): query, key, value stacked */
    bert_linear attn_out;   /* (n_embd, n_embd) */
    float *ln1_g, *ln1_b;   /* (n_embd) */
    bert_linear ff_in;      /* (n_ff, n_embd) */
    bert_linear ff_out;     /* (n_embd, n_ff) */
    float *ln2_g, *ln2_b;   /* (n_embd) */
} bert_layer;

typedef struct bert_model {
    bert_config cfg;
    bert_pooling pooling;
    int normalize;          /* 1: L2-normalise the pooled vector */
    int max_seq_len;        /* tokens per text including [CLS]/[SEP], from sentence_bert_config.json */
    bert_dtype dtype;       /* what the linear layers run in: F32, F16 (f32 arithmetic, half-precision weights) or Q8 */
    float *word_emb;        /* (n_vocab, n_embd) */
    float *pos_emb;         /* (n_pos, n_embd) */
    float *type_emb;        /* (n_embd): token type 0 */
    float *emb_ln_g, *emb_ln_b;
    bert_layer *layers;     /* n_layer */
    size_t weight_bytes;    /* bytes held for weights */
    /* scratch of the forward pass, grown on demand, freed with the model */
    float *scratch;
    size_t scratch_floats;
} bert_model;

bert_model_params bert_model_default_params(void);

/* Parses config.json into cfg (every size read, none assumed). */
es_status bert_config_parse(const char *config_json, bert_config *cfg, es_error *err);

/* Loads a model. On success *out is owned by the caller: free with bert_model_free. */
es_status bert_model_load(const bert_files *files, bert_model_params params, bert_model **out, es_error *err);

void bert_model_free(bert_model *m);

#endif
