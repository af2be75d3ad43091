/* test_bert.c — native (ASan + UBSan) tests of the safetensors reader, the config reader, the kernels'
 * scalar paths and a small random BERT built in memory: strict errors name the tensor, batch equals
 * one by one bit for bit, bad inputs are refused with a message (accuracy is tested in JS against
 * references: tests/bert.test.mjs). Exits non-zero
 * on the first failure. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bert.h"
#include "kernels_check.h"
#include "model.h"
#include "safetensors.h"
#include "tokenizer.h"
#include "api.h"

/* the fused export (wasm/src/api_bert.c) */
int es_bert_embed_texts(bert_model *m, tokenizer *tok, const char *utf8, const int32_t *lens, int n, float *out,
                        int32_t *lengths_out);

static int failures = 0;
#define EXPECT(cond, ...) do { if (!(cond)) { failures++; fprintf(stderr, "FAIL %s:%d: ", __FILE__, __LINE__); fprintf(stderr, __VA_ARGS__); fprintf(stderr, "\n"); } } while (0)

/* ---------------------------------------------------------------- a tiny safetensors writer */
typedef struct { char name[128]; const char *dtype; int nd; int64_t shape[2]; const void *data; size_t bytes; } wt;

static uint8_t *st_write(const wt *t, int n, size_t *size_out) {
    char *hdr = malloc(1 << 20);
    size_t off = 0, h = 0;
    h += (size_t)sprintf(hdr + h, "{\"__metadata__\":{\"format\":\"pt\"}");
    for (int i = 0; i < n; i++) {
        h += (size_t)sprintf(hdr + h, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", t[i].name, t[i].dtype);
        for (int d = 0; d < t[i].nd; d++) h += (size_t)sprintf(hdr + h, "%s%lld", d ? "," : "", (long long)t[i].shape[d]);
        h += (size_t)sprintf(hdr + h, "],\"data_offsets\":[%zu,%zu]}", off, off + t[i].bytes);
        off += t[i].bytes;
    }
    h += (size_t)sprintf(hdr + h, "}");
    uint8_t *buf = malloc(8 + h + off);
    for (int i = 0; i < 8; i++) buf[i] = (uint8_t)((uint64_t)h >> (8 * i));
    memcpy(buf + 8, hdr, h);
    off = 0;
    for (int i = 0; i < n; i++) { memcpy(buf + 8 + h + off, t[i].data, t[i].bytes); off += t[i].bytes; }
    free(hdr);
    *size_out = 8 + h + off;
    return buf;
}

static uint8_t *raw_file(const char *header, size_t data_bytes, size_t *n) {
    size_t h = strlen(header);
    uint8_t *b = calloc(1, 8 + h + data_bytes);
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)((uint64_t)h >> (8 * i));
    memcpy(b + 8, header, h);
    *n = 8 + h + data_bytes;
    return b;
}

static void expect_st_error(const char *header, size_t data_bytes, const char *needle) {
    size_t n;
    uint8_t *b = raw_file(header, data_bytes, &n);
    st_file *f = NULL;
    es_error err = {0};
    es_status st = st_open(b, n, &f, &err);
    EXPECT(st == ES_ERR_FORMAT, "expected a format error for %s, got %d", header, st);
    EXPECT(strstr(err.message, needle) != NULL, "message '%s' should mention '%s'", err.message, needle);
    EXPECT(f == NULL, "no table on failure");
    free(b);
}

static void test_safetensors(void) {
    float v[6] = {1, 2, 3, 4, 5, 6};
    uint16_t h[2] = {0x3c00, 0xc000}; /* 1, -2 */
    uint16_t bf[2] = {0x3f80, 0x4040}; /* 1, 3 */
    wt t[3] = {{"a", "F32", 2, {2, 3}, v, 24}, {"b", "F16", 1, {2, 0}, h, 4}, {"c", "BF16", 1, {2, 0}, bf, 4}};
    size_t n;
    uint8_t *b = st_write(t, 3, &n);
    st_file *f = NULL;
    es_error err = {0};
    EXPECT(st_open(b, n, &f, &err) == ES_OK, "valid file: %s", err.message);
    if (f) {
        EXPECT(f->n_tensors == 3, "3 tensors");
        float out[6];
        const st_tensor *ta = st_find(f, "a"), *tb = st_find(f, "b"), *tc = st_find(f, "c");
        EXPECT(ta && tb && tc && !st_find(f, "d"), "find");
        st_read_f32(f, ta, out, &err);
        EXPECT(out[5] == 6.0f, "f32 read");
        st_read_f32(f, tb, out, &err);
        EXPECT(out[0] == 1.0f && out[1] == -2.0f, "f16 read %g %g", out[0], out[1]);
        st_read_f32(f, tc, out, &err);
        EXPECT(out[0] == 1.0f && out[1] == 3.0f, "bf16 read");
        st_free(f);
    }
    /* truncated files: every prefix must fail cleanly */
    for (size_t k = 0; k < n; k++) {
        f = NULL;
        es_status st = st_open(b, k, &f, &err);
        EXPECT(st != ES_OK && f == NULL, "prefix of %zu bytes accepted", k);
    }
    free(b);
    expect_st_error("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 4, "'x'");
    expect_st_error("{\"x\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,8]}}", 8, "'x'");
    expect_st_error("{\"x\":{\"dtype\":\"Q4\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8, "unknown dtype");
    expect_st_error("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"y\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[4,12]}}", 12, "overlap");
    expect_st_error("{\"x\":{\"dtype\":\"F32\",\"shape\":[-2],\"data_offsets\":[0,8]}}", 8, "'x'");
    expect_st_error("{\"x\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,0]}}", 8, "'x'");
    expect_st_error("{\"x\":{\"dtype\":\"F32\",\"shape\":[2]}}", 8, "'x'");
    expect_st_error("{\"x\":", 8, "not valid JSON");
    expect_st_error("[1,2]", 8, "not a JSON object");
    /* header length beyond the file */
    uint8_t small[16] = {0xff, 0xff, 0, 0, 0, 0, 0, 0};
    f = NULL;
    EXPECT(st_open(small, sizeof small, &f, &err) == ES_ERR_FORMAT && strstr(err.message, "exceeds"), "header length check: %s", err.message);
    /* half conversions round trip */
    for (uint32_t x = 0; x < 0x10000; x++) {
        uint16_t hx = (uint16_t)x;
        if ((hx & 0x7c00) == 0x7c00 && (hx & 0x3ff)) continue; /* NaN */
        EXPECT(st_f32_to_f16(st_f16_to_f32(hx)) == hx, "f16 round trip %04x", x);
    }
}

/* ---------------------------------------------------------------- a random BERT in memory */
enum { V = 50, P = 16, H = 12, NH = 3, F = 20, NL = 2 };

static uint64_t seed = 42;
static float urand(void) {
    seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
    return (float)((seed >> 40) & 0xffff) / 32768.0f - 1.0f;
}

typedef struct { wt t[64]; int n; float *bufs[64]; } wset;
static float *add(wset *s, const char *name, int r, int c, float scale, float offset) {
    size_t n = (size_t)r * (c ? c : 1);
    float *d = malloc(n * sizeof(float));
    for (size_t i = 0; i < n; i++) d[i] = offset + scale * urand();
    wt *t = &s->t[s->n];
    snprintf(t->name, sizeof t->name, "%s", name);
    t->dtype = "F32";
    t->nd = c ? 2 : 1;
    t->shape[0] = r;
    t->shape[1] = c;
    t->data = d;
    t->bytes = n * sizeof(float);
    s->bufs[s->n++] = d;
    return d;
}

static const char *CONFIG = "{\"hidden_size\":12,\"num_hidden_layers\":2,\"num_attention_heads\":3,\"intermediate_size\":20,"
                            "\"vocab_size\":50,\"max_position_embeddings\":16,\"type_vocab_size\":2,\"layer_norm_eps\":1e-12,\"hidden_act\":\"gelu\"}";

static void build_model(wset *s, const char *prefix) {
    char n[128];
#define NAME(fmt, ...) (snprintf(n, sizeof n, "%s" fmt, prefix, __VA_ARGS__), n)
    add(s, NAME("%s", "embeddings.word_embeddings.weight"), V, H, 1, 0);
    add(s, NAME("%s", "embeddings.position_embeddings.weight"), P, H, 1, 0);
    add(s, NAME("%s", "embeddings.token_type_embeddings.weight"), 2, H, 1, 0);
    add(s, NAME("%s", "embeddings.LayerNorm.weight"), H, 0, 0.2f, 1);
    add(s, NAME("%s", "embeddings.LayerNorm.bias"), H, 0, 0.2f, 0);
    for (int l = 0; l < NL; l++) {
        static const char *lin[6] = {"attention.self.query", "attention.self.key", "attention.self.value",
                                     "attention.output.dense", "intermediate.dense", "output.dense"};
        int outs[6] = {H, H, H, H, F, H}, ins[6] = {H, H, H, H, H, F};
        for (int j = 0; j < 6; j++) {
            snprintf(n, sizeof n, "%sencoder.layer.%d.%s.weight", prefix, l, lin[j]);
            add(s, n, outs[j], ins[j], 0.5f, 0);
            snprintf(n, sizeof n, "%sencoder.layer.%d.%s.bias", prefix, l, lin[j]);
            add(s, n, outs[j], 0, 0.1f, 0);
        }
        static const char *lns[2] = {"attention.output.LayerNorm", "output.LayerNorm"};
        for (int j = 0; j < 2; j++) {
            snprintf(n, sizeof n, "%sencoder.layer.%d.%s.weight", prefix, l, lns[j]);
            add(s, n, H, 0, 0.2f, 1);
            snprintf(n, sizeof n, "%sencoder.layer.%d.%s.bias", prefix, l, lns[j]);
            add(s, n, H, 0, 0.2f, 0);
        }
    }
#undef NAME
}

static void free_set(wset *s) { for (int i = 0; i < s->n; i++) free(s->bufs[i]); }

static void test_model(void) {
    es_error err = {0};
    for (int pre = 0; pre < 2; pre++) {
        wset s = {0};
        build_model(&s, pre ? "bert." : "");
        size_t n;
        uint8_t *b = st_write(s.t, s.n, &n);
        bert_files files = {CONFIG, "[{\"type\":\"sentence_transformers.models.Normalize\"}]",
                            "{\"pooling_mode_mean_tokens\":true}", "{\"max_seq_length\":8}", b, n};
        for (int dt = 1; dt <= 3; dt++) {
            bert_model_params p = bert_model_default_params();
            p.dtype = (bert_dtype)dt;
            bert_model *m = NULL;
            EXPECT(bert_model_load(&files, p, &m, &err) == ES_OK, "load (prefix %d, dtype %d): %s", pre, dt, err.message);
            if (!m) continue;
            EXPECT(m->max_seq_len == 8 && m->normalize == 1 && m->pooling == BERT_POOL_MEAN, "folder settings");
            int32_t ids[] = {1, 5, 7, 2, 1, 9, 2, 1, 3, 4, 5, 6, 7, 8, 9, 10, 11, 2};
            int32_t lens[] = {4, 3, 11};
            float all[3 * H], one[H];
            EXPECT(bert_embed(m, ids, lens, 3, all, &err) == ES_OK, "embed: %s", err.message);
            for (int q = 0, o = 0; q < 3; o += lens[q], q++) {
                EXPECT(bert_embed(m, ids + o, &lens[q], 1, one, &err) == ES_OK, "embed one");
                EXPECT(memcmp(one, all + q * H, sizeof one) == 0, "batch != one by one for text %d (dtype %d)", q, dt);
                double ss = 0;
                for (int j = 0; j < H; j++) ss += (double)one[j] * one[j];
                EXPECT(fabs(ss - 1) < 1e-5, "normalised");
            }
            int32_t bad_id[] = {1, 50, 2}, bad_len[] = {3};
            EXPECT(bert_embed(m, bad_id, bad_len, 1, one, &err) == ES_ERR_ARG && strstr(err.message, "vocabulary"), "id range");
            int32_t long_len[] = {17};
            int32_t long_ids[17] = {0};
            EXPECT(bert_embed(m, long_ids, long_len, 1, one, &err) == ES_ERR_ARG, "length range");
            bert_model_free(m);
        }
        /* wrong shape: claim a wrong config */
        bert_files bad = files;
        bad.config_json = "{\"hidden_size\":12,\"num_hidden_layers\":3,\"num_attention_heads\":3,\"intermediate_size\":20,"
                          "\"vocab_size\":50,\"max_position_embeddings\":16,\"hidden_act\":\"gelu\"}";
        bert_model *m = NULL;
        EXPECT(bert_model_load(&bad, bert_model_default_params(), &m, &err) == ES_ERR_MODEL && strstr(err.message, "encoder.layer.2."), "missing layer named: %s", err.message);
        bad.config_json = "{\"hidden_size\":12,\"num_hidden_layers\":2,\"num_attention_heads\":3,\"intermediate_size\":24,"
                          "\"vocab_size\":50,\"max_position_embeddings\":16,\"hidden_act\":\"gelu\"}";
        EXPECT(bert_model_load(&bad, bert_model_default_params(), &m, &err) == ES_ERR_MODEL && strstr(err.message, "intermediate.dense.weight") && strstr(err.message, "[24, 12]"), "wrong shape named: %s", err.message);
        bad.config_json = "{\"hidden_size\":12,\"num_hidden_layers\":2,\"num_attention_heads\":3,\"intermediate_size\":20,"
                          "\"vocab_size\":50,\"max_position_embeddings\":16,\"hidden_act\":\"gelu_new\"}";
        EXPECT(bert_model_load(&bad, bert_model_default_params(), &m, &err) == ES_ERR_MODEL && strstr(err.message, "hidden_act"), "hidden_act: %s", err.message);
        bad = files;
        bad.pooling_json = "{\"pooling_mode_mean_tokens\":true,\"pooling_mode_cls_token\":true}";
        EXPECT(bert_model_load(&bad, bert_model_default_params(), &m, &err) == ES_ERR_MODEL, "two poolings");
        free(b);
        free_set(&s);
    }
}

/* es_bert_embed_texts = es_tokenizer_encode_batch at the model's max_seq_length + bert_embed, bit for bit */
static void test_embed_texts(void) {
    es_error err = {0};
    wset s = {0};
    build_model(&s, "");
    size_t n;
    uint8_t *b = st_write(s.t, s.n, &n);
    bert_files files = {CONFIG, NULL, NULL, "{\"max_seq_length\":8}", b, n};
    bert_model *m = NULL;
    EXPECT(bert_model_load(&files, bert_model_default_params(), &m, &err) == ES_OK, "load: %s", err.message);
    const char *vocab = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\nthe\nsun\nis\nshin\n##ing\nrain\n.\n,\nbring\nan\numbrella\n";
    tokenizer_files tf = {0};
    tf.vocab_txt = (tokenizer_bytes){(const uint8_t *)vocab, strlen(vocab)};
    tokenizer *tok = NULL;
    EXPECT(tokenizer_create(&tf, &tok, &err) == ES_OK, "tokenizer: %s", err.message);
    if (m && tok) {
        /* back to back: a text past max_seq_length (truncated), an empty one, invalid UTF-8, accents */
        const char *parts[5] = {"The sun is shining.", "the sun the sun the sun the sun the sun", "", "\xff\xfe",
                                "Bring an Umbrélla, rain"};
        char texts[128] = "";
        int32_t lens[5];
        for (int i = 0; i < 5; i++) {
            strcat(texts, parts[i]);
            lens[i] = (int32_t)strlen(parts[i]);
        }
        float fused[5 * H], two_step[5 * H];
        int32_t lengths[5], lengths2[5];
        EXPECT(es_bert_embed_texts(m, tok, texts, lens, 5, fused, lengths) == ES_OK, "fused: %s", es_api_error()->message);
        const int32_t *ids = NULL;
        size_t count = 0;
        EXPECT(tokenizer_encode_batch(tok, texts, lens, 5, m->max_seq_len, lengths2, &ids, &count, &err) == ES_OK, "encode");
        EXPECT(bert_embed(m, ids, lengths2, 5, two_step, &err) == ES_OK, "embed: %s", err.message);
        EXPECT(memcmp(fused, two_step, sizeof fused) == 0, "fused and two-step vectors differ");
        EXPECT(memcmp(lengths, lengths2, sizeof lengths) == 0 && lengths[1] == 8 && lengths[2] == 2, "token counts %d %d %d",
               lengths[0], lengths[1], lengths[2]);
        float again[5 * H];
        EXPECT(es_bert_embed_texts(m, tok, texts, lens, 5, again, NULL) == ES_OK, "fused without lengths");
        EXPECT(memcmp(fused, again, sizeof fused) == 0, "repeatable");
        EXPECT(es_bert_embed_texts(m, tok, texts, lens, 0, again, NULL) == ES_OK, "no texts");
        EXPECT(es_bert_embed_texts(m, NULL, texts, lens, 1, again, NULL) == ES_ERR_ARG, "no tokenizer");
        EXPECT(es_bert_embed_texts(m, tok, texts, lens, -1, again, NULL) == ES_ERR_ARG, "negative n");
        int32_t bad_len[1] = {-3};
        EXPECT(es_bert_embed_texts(m, tok, texts, bad_len, 1, again, NULL) == ES_ERR_ARG &&
                   strstr(es_api_error()->message, "negative length"), "negative length: %s", es_api_error()->message);
    }
    tokenizer_free(tok);
    bert_model_free(m);
    free(b);
    free_set(&s);
}

int main(void) {
    test_safetensors();
    test_model();
    test_embed_texts();
    int count = 0;
    es_error err = {0};
    EXPECT(kernels_check(&count, &err) == ES_OK, "kernels_check: %s", err.message);
    if (failures) { fprintf(stderr, "%d failure(s)\n", failures); return 1; }
    printf("test_bert: ok (%d kernel cases)\n", count);
    return 0;
}
