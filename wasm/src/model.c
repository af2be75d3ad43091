/* model.c — see model.h. Reads the config, checks every tensor the config implies (name, rank, shape)
 * and packs the linear layers once for the GEMM kernels. */
#include "model.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "kernels.h"
#include "safetensors.h"

bert_model_params bert_model_default_params(void) {
    bert_model_params p = {BERT_DTYPE_AUTO};
    return p;
}

/* ---------------------------------------------------------------- config */

static es_status get_int(const cJSON *root, const char *key, int min, int max, int *out, es_error *err) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!v) return es_fail(err, ES_ERR_MODEL, "config.json: \"%s\" is missing", key);
    if (!cJSON_IsNumber(v) || floor(v->valuedouble) != v->valuedouble || v->valuedouble < min || v->valuedouble > max)
        return es_fail(err, ES_ERR_MODEL, "config.json: \"%s\" must be a whole number in [%d, %d]", key, min, max);
    *out = (int)v->valuedouble;
    return ES_OK;
}

es_status bert_config_parse(const char *config_json, bert_config *cfg, es_error *err) {
    memset(cfg, 0, sizeof *cfg);
    if (!config_json) return es_fail(err, ES_ERR_MODEL, "config.json is missing");
    cJSON *root = cJSON_Parse(config_json);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return es_fail(err, ES_ERR_FORMAT, "config.json is not a valid JSON object");
    }
    es_status st;
    if ((st = get_int(root, "num_hidden_layers", 1, 1000, &cfg->n_layer, err)) ||
        (st = get_int(root, "hidden_size", 1, 65536, &cfg->n_embd, err)) ||
        (st = get_int(root, "num_attention_heads", 1, 4096, &cfg->n_head, err)) ||
        (st = get_int(root, "intermediate_size", 1, 1 << 20, &cfg->n_ff, err)) ||
        (st = get_int(root, "vocab_size", 1, 1 << 24, &cfg->n_vocab, err)) ||
        (st = get_int(root, "max_position_embeddings", 1, 1 << 20, &cfg->n_pos, err))) {
        cJSON_Delete(root);
        return st;
    }
    cfg->n_type = 2;
    if (cJSON_GetObjectItemCaseSensitive(root, "type_vocab_size") &&
        (st = get_int(root, "type_vocab_size", 1, 1 << 20, &cfg->n_type, err))) {
        cJSON_Delete(root);
        return st;
    }
    cfg->ln_eps = 1e-12f;
    const cJSON *eps = cJSON_GetObjectItemCaseSensitive(root, "layer_norm_eps");
    if (eps) {
        if (!cJSON_IsNumber(eps) || !(eps->valuedouble >= 0) || eps->valuedouble > 1) {
            cJSON_Delete(root);
            return es_fail(err, ES_ERR_MODEL, "config.json: \"layer_norm_eps\" must be a number in [0, 1]");
        }
        cfg->ln_eps = (float)eps->valuedouble;
    }
    const cJSON *act = cJSON_GetObjectItemCaseSensitive(root, "hidden_act");
    if (act && (!cJSON_IsString(act) || strcmp(act->valuestring, "gelu") != 0)) {
        es_fail(err, ES_ERR_MODEL, "config.json: hidden_act '%.40s' is not supported (only \"gelu\", the exact erf form)",
                cJSON_IsString(act) ? act->valuestring : "?");
        cJSON_Delete(root);
        return ES_ERR_MODEL;
    }
    const cJSON *pet = cJSON_GetObjectItemCaseSensitive(root, "position_embedding_type");
    if (pet && cJSON_IsString(pet) && strcmp(pet->valuestring, "absolute") != 0) {
        es_fail(err, ES_ERR_MODEL, "config.json: position_embedding_type '%.40s' is not supported (only \"absolute\")", pet->valuestring);
        cJSON_Delete(root);
        return ES_ERR_MODEL;
    }
    cJSON_Delete(root);
    if (cfg->n_embd % cfg->n_head != 0)
        return es_fail(err, ES_ERR_MODEL, "config.json: hidden_size %d is not a multiple of num_attention_heads %d", cfg->n_embd, cfg->n_head);
    return ES_OK;
}

static es_status parse_pooling(const char *json, bert_pooling *out, es_error *err) {
    *out = BERT_POOL_MEAN;
    if (!json) return ES_OK;
    cJSON *root = cJSON_Parse(json);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return es_fail(err, ES_ERR_FORMAT, "1_Pooling/config.json is not a valid JSON object");
    }
    static const char *keys[] = {"pooling_mode_mean_tokens", "pooling_mode_cls_token", "pooling_mode_max_tokens"};
    static const char *unsupported[] = {"pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens", "pooling_mode_lasttoken"};
    int count = 0;
    for (int i = 0; i < 3; i++)
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, keys[i]))) { *out = (bert_pooling)i; count++; }
    for (int i = 0; i < 3; i++)
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(root, unsupported[i]))) {
            es_fail(err, ES_ERR_MODEL, "1_Pooling/config.json: %s is not supported (mean, cls or max)", unsupported[i]);
            cJSON_Delete(root);
            return ES_ERR_MODEL;
        }
    cJSON_Delete(root);
    if (count != 1)
        return es_fail(err, ES_ERR_MODEL, "1_Pooling/config.json must enable exactly one of mean, cls or max pooling (%d enabled)", count);
    return ES_OK;
}

static es_status parse_modules(const char *json, int *normalize, es_error *err) {
    *normalize = 0;
    if (!json) return ES_OK;
    cJSON *root = cJSON_Parse(json);
    if (!root || !cJSON_IsArray(root)) {
        cJSON_Delete(root);
        return es_fail(err, ES_ERR_FORMAT, "modules.json is not a valid JSON array");
    }
    const cJSON *m;
    cJSON_ArrayForEach(m, root) {
        const cJSON *type = cJSON_GetObjectItemCaseSensitive(m, "type");
        if (cJSON_IsString(type) && strstr(type->valuestring, "Normalize")) *normalize = 1;
    }
    cJSON_Delete(root);
    return ES_OK;
}

static es_status parse_sbert(const char *json, int n_pos, int *max_seq, es_error *err) {
    *max_seq = n_pos;
    if (!json) return ES_OK;
    cJSON *root = cJSON_Parse(json);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return es_fail(err, ES_ERR_FORMAT, "sentence_bert_config.json is not a valid JSON object");
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(root, "max_seq_length");
    es_status st = ES_OK;
    if (v && !cJSON_IsNull(v)) {
        if (!cJSON_IsNumber(v) || v->valuedouble < 2 || floor(v->valuedouble) != v->valuedouble)
            st = es_fail(err, ES_ERR_MODEL, "sentence_bert_config.json: max_seq_length must be a whole number >= 2");
        else *max_seq = v->valuedouble < n_pos ? (int)v->valuedouble : n_pos;
    }
    cJSON_Delete(root);
    return st;
}

/* ---------------------------------------------------------------- tensors */

typedef struct loader {
    const st_file *f;
    bert_model *m;
    es_error *err;
} loader;

static const st_tensor *find_tensor(const loader *L, const char *name, char *full, size_t full_size) {
    const st_tensor *t = st_find(L->f, name);
    snprintf(full, full_size, "%s", name);
    if (!t) {
        snprintf(full, full_size, "bert.%s", name);
        t = st_find(L->f, full);
    }
    return t;
}

static es_status check_shape(const loader *L, const st_tensor *t, int rows, int cols) {
    int ok = cols ? (t->n_dims == 2 && t->shape[0] == rows && t->shape[1] == cols) : (t->n_dims == 1 && t->shape[0] == rows);
    if (ok) return ES_OK;
    char have[96] = "[";
    for (int i = 0; i < t->n_dims && i < 4; i++) {
        size_t l = strlen(have);
        snprintf(have + l, sizeof have - l, "%s%lld", i ? ", " : "", (long long)t->shape[i]);
    }
    strncat(have, "]", sizeof have - strlen(have) - 1);
    if (cols) return es_fail(L->err, ES_ERR_MODEL, "tensor '%s' has shape %s, expected [%d, %d] from config.json", t->name, have, rows, cols);
    return es_fail(L->err, ES_ERR_MODEL, "tensor '%s' has shape %s, expected [%d] from config.json", t->name, have, rows);
}

/* Reads tensor `name` (rows x cols, cols = 0 for a vector) as f32 into a new allocation (*out). An I8
 * tensor is dequantised with its "<name>_scale". *was_i8 (may be NULL) says whether it was I8. */
static es_status read_tensor(const loader *L, const char *name, int rows, int cols, float **out, int *was_i8) {
    char full[256];
    *out = NULL;
    if (was_i8) *was_i8 = 0;
    const st_tensor *t = find_tensor(L, name, full, sizeof full);
    if (!t) return es_fail(L->err, ES_ERR_MODEL, "model.safetensors has no tensor '%s' (nor 'bert.%s')", name, name);
    es_status st = check_shape(L, t, rows, cols);
    if (st) return st;
    size_t n = st_numel(t);
    float *w = malloc((n ? n : 1) * sizeof(float));
    if (!w) return es_fail(L->err, ES_ERR_NOMEM, "out of memory loading tensor '%s' (%zu values)", t->name, n);
    if (t->dtype == ST_I8) {
        char sname[300];
        snprintf(sname, sizeof sname, "%s_scale", t->name);
        const st_tensor *s = st_find(L->f, sname);
        int r = cols ? rows : 1;
        size_t c = cols ? (size_t)cols : (size_t)rows;
        if (!s) { free(w); return es_fail(L->err, ES_ERR_MODEL, "I8 tensor '%s' has no scale tensor '%s'", t->name, sname); }
        if (s->dtype != ST_F32 || s->n_dims != 1 || s->shape[0] != r) {
            free(w);
            return es_fail(L->err, ES_ERR_MODEL, "scale tensor '%s' must be F32 of shape [%d]", sname, r);
        }
        const uint8_t *q = L->f->data + t->begin, *sb = L->f->data + s->begin;
        for (int i = 0; i < r; i++) {
            float sc;
            memcpy(&sc, sb + 4 * (size_t)i, sizeof sc);
            for (size_t j = 0; j < c; j++) w[(size_t)i * c + j] = (float)(int8_t)q[(size_t)i * c + j] * sc;
        }
        if (was_i8) *was_i8 = 1;
    } else if ((st = st_read_f32(L->f, t, w, L->err)) != ES_OK) {
        free(w);
        return st;
    }
    for (size_t i = 0; i < n; i++)
        if (!isfinite(w[i])) {
            free(w);
            return es_fail(L->err, ES_ERR_MODEL, "tensor '%s' contains NaN or Inf (element %zu)", t->name, i);
        }
    *out = w;
    return ES_OK;
}

/* Packs w (n_out, n_in) into lin for the model's dtype; takes ownership of nothing. */
static es_status pack_linear(const loader *L, const float *w, int n_out, int n_in, bert_linear *lin) {
    lin->n_out = n_out;
    lin->n_in = n_in;
    if (L->m->dtype == BERT_DTYPE_Q8) {
        size_t np = gemm_i8_packed_size(n_out, n_in);
        int8_t *q = malloc((size_t)n_out * (size_t)n_in);
        lin->wq = malloc(np * sizeof(int16_t));
        lin->scale = malloc((size_t)n_out * sizeof(float));
        if (!q || !lin->wq || !lin->scale) { free(q); return es_fail(L->err, ES_ERR_NOMEM, "out of memory packing weights"); }
        quantize_rows_i8(n_out, n_in, w, q, lin->scale);
        gemm_i8_pack_b(n_out, n_in, q, lin->wq);
        free(q);
        L->m->weight_bytes += np * sizeof(int16_t);
    } else {
        size_t np = gemm_f32_packed_size(n_out, n_in);
        lin->wf = malloc(np * sizeof(float));
        if (!lin->wf) return es_fail(L->err, ES_ERR_NOMEM, "out of memory packing weights");
        gemm_f32_pack_b(n_out, n_in, w, n_in, 1, lin->wf);
        L->m->weight_bytes += np * sizeof(float);
    }
    return ES_OK;
}

static void round_f16(float *w, size_t n) {
    for (size_t i = 0; i < n; i++) w[i] = st_f16_to_f32(st_f32_to_f16(w[i]));
}

static es_status load_vec(const loader *L, const char *name, int n, float **out);

/* Loads `prefix.weight` (n_out, n_in) and `prefix.bias` (n_out) into lin. */
static es_status load_linear(const loader *L, const char *prefix, int n_out, int n_in, bert_linear *lin) {
    char name[200];
    float *w = NULL;
    snprintf(name, sizeof name, "%s.weight", prefix);
    es_status st = read_tensor(L, name, n_out, n_in, &w, NULL);
    if (st) return st;
    if (L->m->dtype == BERT_DTYPE_F16) round_f16(w, (size_t)n_out * n_in);
    st = pack_linear(L, w, n_out, n_in, lin);
    free(w);
    if (st) return st;
    snprintf(name, sizeof name, "%s.bias", prefix);
    return load_vec(L, name, n_out, &lin->bias);
}

static es_status load_vec(const loader *L, const char *name, int n, float **out) {
    es_status st = read_tensor(L, name, n, 0, out, NULL);
    if (st == ES_OK) L->m->weight_bytes += (size_t)n * sizeof(float);
    return st;
}

static es_status load_layer(const loader *L, int i, bert_layer *ly) {
    const bert_config *c = &L->m->cfg;
    int H = c->n_embd;
    char p[160], name[200];
    es_status st;
    /* Q, K, V stacked into one (3H, H) weight: one GEMM instead of three. */
    float *w3 = malloc((size_t)3 * H * H * sizeof(float));
    ly->qkv.bias = malloc((size_t)3 * H * sizeof(float));
    if (!w3 || !ly->qkv.bias) { free(w3); return es_fail(L->err, ES_ERR_NOMEM, "out of memory loading layer %d", i); }
    static const char *qkv[3] = {"query", "key", "value"};
    for (int j = 0; j < 3; j++) {
        float *w = NULL, *b = NULL;
        snprintf(name, sizeof name, "encoder.layer.%d.attention.self.%s.weight", i, qkv[j]);
        if ((st = read_tensor(L, name, H, H, &w, NULL))) { free(w3); return st; }
        memcpy(w3 + (size_t)j * H * H, w, (size_t)H * H * sizeof(float));
        free(w);
        snprintf(name, sizeof name, "encoder.layer.%d.attention.self.%s.bias", i, qkv[j]);
        if ((st = read_tensor(L, name, H, 0, &b, NULL))) { free(w3); return st; }
        memcpy(ly->qkv.bias + (size_t)j * H, b, (size_t)H * sizeof(float));
        free(b);
    }
    L->m->weight_bytes += (size_t)3 * H * sizeof(float);
    if (L->m->dtype == BERT_DTYPE_F16) round_f16(w3, (size_t)3 * H * H);
    st = pack_linear(L, w3, 3 * H, H, &ly->qkv);
    free(w3);
    if (st) return st;
    snprintf(p, sizeof p, "encoder.layer.%d.attention.output.dense", i);
    if ((st = load_linear(L, p, H, H, &ly->attn_out))) return st;
    snprintf(name, sizeof name, "encoder.layer.%d.attention.output.LayerNorm.weight", i);
    if ((st = load_vec(L, name, H, &ly->ln1_g))) return st;
    snprintf(name, sizeof name, "encoder.layer.%d.attention.output.LayerNorm.bias", i);
    if ((st = load_vec(L, name, H, &ly->ln1_b))) return st;
    snprintf(p, sizeof p, "encoder.layer.%d.intermediate.dense", i);
    if ((st = load_linear(L, p, c->n_ff, H, &ly->ff_in))) return st;
    snprintf(p, sizeof p, "encoder.layer.%d.output.dense", i);
    if ((st = load_linear(L, p, H, c->n_ff, &ly->ff_out))) return st;
    snprintf(name, sizeof name, "encoder.layer.%d.output.LayerNorm.weight", i);
    if ((st = load_vec(L, name, H, &ly->ln2_g))) return st;
    snprintf(name, sizeof name, "encoder.layer.%d.output.LayerNorm.bias", i);
    return load_vec(L, name, H, &ly->ln2_b);
}

static void free_linear(bert_linear *l) {
    free(l->wf);
    free(l->wq);
    free(l->scale);
    free(l->bias);
}

void bert_model_free(bert_model *m) {
    if (!m) return;
    if (m->layers)
        for (int i = 0; i < m->cfg.n_layer; i++) {
            bert_layer *ly = &m->layers[i];
            free_linear(&ly->qkv);
            free_linear(&ly->attn_out);
            free_linear(&ly->ff_in);
            free_linear(&ly->ff_out);
            free(ly->ln1_g); free(ly->ln1_b); free(ly->ln2_g); free(ly->ln2_b);
        }
    free(m->layers);
    free(m->word_emb);
    free(m->pos_emb);
    free(m->type_emb);
    free(m->emb_ln_g);
    free(m->emb_ln_b);
    free(m->scratch);
    free(m);
}

es_status bert_model_load(const bert_files *files, bert_model_params params, bert_model **out, es_error *err) {
    *out = NULL;
    if (!files) return es_fail(err, ES_ERR_ARG, "no model files given");
    if (params.dtype < BERT_DTYPE_AUTO || params.dtype > BERT_DTYPE_Q8) return es_fail(err, ES_ERR_ARG, "unknown weight dtype %d", (int)params.dtype);
    bert_model *m = calloc(1, sizeof *m);
    if (!m) return es_fail(err, ES_ERR_NOMEM, "out of memory");
    es_status st;
    if ((st = bert_config_parse(files->config_json, &m->cfg, err)) ||
        (st = parse_pooling(files->pooling_json, &m->pooling, err)) ||
        (st = parse_modules(files->modules_json, &m->normalize, err)) ||
        (st = parse_sbert(files->sbert_json, m->cfg.n_pos, &m->max_seq_len, err))) {
        bert_model_free(m);
        return st;
    }
    st_file *f = NULL;
    if (!files->st_bytes) { bert_model_free(m); return es_fail(err, ES_ERR_MODEL, "model.safetensors is missing"); }
    if ((st = st_open(files->st_bytes, files->st_size, &f, err))) { bert_model_free(m); return st; }
    loader L = {f, m, err};
    const bert_config *c = &m->cfg;
    int H = c->n_embd;
    m->dtype = params.dtype;
    if (m->dtype == BERT_DTYPE_AUTO) {
        char full[256];
        const st_tensor *t = find_tensor(&L, "encoder.layer.0.intermediate.dense.weight", full, sizeof full);
        m->dtype = !t ? BERT_DTYPE_F32 : t->dtype == ST_I8 ? BERT_DTYPE_Q8 : t->dtype == ST_F16 ? BERT_DTYPE_F16 : BERT_DTYPE_F32;
    }
    float *types = NULL;
    if ((st = read_tensor(&L, "embeddings.word_embeddings.weight", c->n_vocab, H, &m->word_emb, NULL)) ||
        (st = read_tensor(&L, "embeddings.position_embeddings.weight", c->n_pos, H, &m->pos_emb, NULL)) ||
        (st = read_tensor(&L, "embeddings.token_type_embeddings.weight", c->n_type, H, &types, NULL)) ||
        (st = load_vec(&L, "embeddings.LayerNorm.weight", H, &m->emb_ln_g)) ||
        (st = load_vec(&L, "embeddings.LayerNorm.bias", H, &m->emb_ln_b)))
        goto fail;
    /* Only token type 0 is ever used: keep that row. */
    m->type_emb = malloc((size_t)H * sizeof(float));
    if (!m->type_emb) { st = es_fail(err, ES_ERR_NOMEM, "out of memory"); goto fail; }
    memcpy(m->type_emb, types, (size_t)H * sizeof(float));
    m->weight_bytes += ((size_t)c->n_vocab + (size_t)c->n_pos + 1) * (size_t)H * sizeof(float);
    free(types);
    types = NULL;
    m->layers = calloc((size_t)c->n_layer, sizeof *m->layers);
    if (!m->layers) { st = es_fail(err, ES_ERR_NOMEM, "out of memory"); goto fail; }
    for (int i = 0; i < c->n_layer; i++)
        if ((st = load_layer(&L, i, &m->layers[i]))) goto fail;
    st_free(f);
    *out = m;
    return ES_OK;
fail:
    free(types);
    st_free(f);
    bert_model_free(m);
    return st;
}
