/* bert.c — see bert.h. Post-LayerNorm encoder:
 *   x = LN(word[id] + type[0] + pos[p])
 *   per layer: qkv = x Wqkv + b;  per text and head: softmax(q k^T / sqrt(d)) v;
 *              x = LN(ctx Wo + bo + x);  x = LN(gelu(x W1 + b1) W2 + b2 + x)
 * then pooling over each text's tokens and optional L2 normalisation.
 * Texts are processed in chunks of at most CHUNK_TOKENS tokens so that scratch memory stays bounded;
 * chunking cannot change results since no operation mixes texts. */
#include "bert.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "kernels.h"

#define CHUNK_TOKENS 1024

static void linear_run(const bert_linear *l, int m, const float *a, size_t lda, float *c, size_t ldc, void *work) {
    if (l->wq) gemm_i8(m, l->n_out, l->n_in, a, lda, l->wq, l->scale, l->bias, c, ldc, work);
    else gemm_f32(m, l->n_out, l->n_in, a, lda, l->wf, l->bias, c, ldc);
}

typedef struct scratch {
    float *x, *qkv, *ctx, *tmp, *ff, *scores, *kp, *vp;
    void *work;
} scratch;

static size_t align4(size_t n) { return (n + 3) & ~(size_t)3; } /* floats → 16-byte multiples */

/* Carves the scratch for t tokens and texts of at most lmax tokens out of the model's buffer. */
static es_status get_scratch(bert_model *m, int t, int lmax, scratch *s, es_error *err) {
    const bert_config *c = &m->cfg;
    size_t H = (size_t)c->n_embd, F = (size_t)c->n_ff, dh = H / (size_t)c->n_head, T = (size_t)t, L = (size_t)lmax;
    size_t kmax = H > F ? H : F;
    size_t sizes[9] = {
        align4(T * H), align4(T * 3 * H), align4(T * H), align4(T * H), align4(T * F), align4(L * L),
        align4(gemm_f32_packed_size((int)L, (int)dh)), align4(gemm_f32_packed_size((int)dh, (int)L)),
        align4(gemm_i8_workspace_size((int)T, (int)kmax) / sizeof(float) + 4),
    };
    size_t total = 4; /* room to align the start to 16 bytes */
    for (int i = 0; i < 9; i++) total += sizes[i];
    if (total > m->scratch_floats) {
        free(m->scratch);
        m->scratch = malloc(total * sizeof(float));
        m->scratch_floats = m->scratch ? total : 0;
        if (!m->scratch) return es_fail(err, ES_ERR_NOMEM, "out of memory for %zu MB of scratch", total * 4 >> 20);
    }
    float *p = m->scratch;
    while (((uintptr_t)p & 15) != 0) p++;
    float **slots[8] = {&s->x, &s->qkv, &s->ctx, &s->tmp, &s->ff, &s->scores, &s->kp, &s->vp};
    for (int i = 0; i < 8; i++) { *slots[i] = p; p += sizes[i]; }
    s->work = p;
    return ES_OK;
}

/* Runs the encoder on n_seq texts (t tokens in all) and leaves the last hidden state in s->x. */
static void encode(bert_model *m, const int32_t *ids, const int32_t *lengths, int n_seq, int t, scratch *s) {
    const bert_config *c = &m->cfg;
    const int H = c->n_embd, F = c->n_ff, nh = c->n_head, dh = H / nh;
    const float inv_scale = sqrtf((float)dh);
    /* embeddings: (word + type) + position, as BertEmbeddings adds them */
    for (int q = 0, o = 0; q < n_seq; o += lengths[q], q++)
        for (int i = 0; i < lengths[q]; i++) {
            float *xr = s->x + (size_t)(o + i) * H;
            const float *w = m->word_emb + (size_t)ids[o + i] * H, *p = m->pos_emb + (size_t)i * H;
            for (int j = 0; j < H; j++) xr[j] = (w[j] + m->type_emb[j]) + p[j];
        }
    layernorm_f32(t, H, s->x, m->emb_ln_g, m->emb_ln_b, c->ln_eps);
    for (int l = 0; l < c->n_layer; l++) {
        const bert_layer *ly = &m->layers[l];
        linear_run(&ly->qkv, t, s->x, H, s->qkv, 3 * (size_t)H, s->work);
        for (int q = 0, o = 0; q < n_seq; o += lengths[q], q++) {
            int L = lengths[q];
            const float *base = s->qkv + (size_t)o * 3 * H;
            for (int h = 0; h < nh; h++) {
                gemm_f32_pack_b(L, dh, base + H + h * dh, 3 * (ptrdiff_t)H, 1, s->kp);
                gemm_f32(L, L, dh, base + h * dh, 3 * (size_t)H, s->kp, NULL, s->scores, L);
                for (size_t i = 0; i < (size_t)L * L; i++) s->scores[i] = s->scores[i] / inv_scale;
                softmax_f32(L, L, s->scores, L);
                gemm_f32_pack_b(dh, L, base + 2 * H + h * dh, 1, 3 * (ptrdiff_t)H, s->vp);
                gemm_f32(L, dh, L, s->scores, L, s->vp, NULL, s->ctx + (size_t)o * H + h * dh, H);
            }
        }
        linear_run(&ly->attn_out, t, s->ctx, H, s->tmp, H, s->work);
        for (size_t i = 0; i < (size_t)t * H; i++) s->tmp[i] = s->tmp[i] + s->x[i];
        layernorm_f32(t, H, s->tmp, ly->ln1_g, ly->ln1_b, c->ln_eps);
        float *sw = s->x; s->x = s->tmp; s->tmp = sw;
        linear_run(&ly->ff_in, t, s->x, H, s->ff, F, s->work);
        gelu_f32((size_t)t * F, s->ff);
        linear_run(&ly->ff_out, t, s->ff, F, s->tmp, H, s->work);
        for (size_t i = 0; i < (size_t)t * H; i++) s->tmp[i] = s->tmp[i] + s->x[i];
        layernorm_f32(t, H, s->tmp, ly->ln2_g, ly->ln2_b, c->ln_eps);
        sw = s->x; s->x = s->tmp; s->tmp = sw;
    }
}

static es_status check_input(const bert_model *m, const int32_t *ids, const int32_t *lengths, int n_seq, es_error *err) {
    if (n_seq < 0) return es_fail(err, ES_ERR_ARG, "negative number of texts");
    if (n_seq > 0 && (!ids || !lengths)) return es_fail(err, ES_ERR_ARG, "no token ids given");
    for (int q = 0, o = 0; q < n_seq; o += lengths[q], q++) {
        if (lengths[q] < 1 || lengths[q] > m->cfg.n_pos)
            return es_fail(err, ES_ERR_ARG, "text %d has %d tokens; must be 1..%d (max_position_embeddings)", q, lengths[q], m->cfg.n_pos);
        for (int i = 0; i < lengths[q]; i++)
            if (ids[o + i] < 0 || ids[o + i] >= m->cfg.n_vocab)
                return es_fail(err, ES_ERR_ARG, "text %d: token id %d outside the vocabulary (0..%d)", q, ids[o + i], m->cfg.n_vocab - 1);
    }
    return ES_OK;
}

es_status bert_embed(bert_model *m, const int32_t *ids, const int32_t *lengths, int n_seq, float *out, es_error *err) {
    if (!m) return es_fail(err, ES_ERR_ARG, "no model");
    es_status st = check_input(m, ids, lengths, n_seq, err);
    if (st) return st;
    const int H = m->cfg.n_embd;
    int q0 = 0, o0 = 0;
    while (q0 < n_seq) {
        int q1 = q0, t = 0, lmax = 0;
        while (q1 < n_seq && (q1 == q0 || t + lengths[q1] <= CHUNK_TOKENS)) {
            t += lengths[q1];
            if (lengths[q1] > lmax) lmax = lengths[q1];
            q1++;
        }
        scratch s;
        if ((st = get_scratch(m, t, lmax, &s, err))) return st;
        encode(m, ids + o0, lengths + q0, q1 - q0, t, &s);
        for (int q = q0, o = 0; q < q1; o += lengths[q], q++) {
            float *v = out + (size_t)q * H;
            const float *x = s.x + (size_t)o * H;
            int L = lengths[q];
            if (m->pooling == BERT_POOL_CLS) {
                memcpy(v, x, (size_t)H * sizeof(float));
            } else if (m->pooling == BERT_POOL_MAX) {
                memcpy(v, x, (size_t)H * sizeof(float));
                for (int i = 1; i < L; i++)
                    for (int j = 0; j < H; j++) v[j] = x[(size_t)i * H + j] > v[j] ? x[(size_t)i * H + j] : v[j];
            } else {
                for (int j = 0; j < H; j++) v[j] = 0.0f;
                for (int i = 0; i < L; i++)
                    for (int j = 0; j < H; j++) v[j] += x[(size_t)i * H + j];
                for (int j = 0; j < H; j++) v[j] = v[j] / (float)L;
            }
            if (m->normalize) {
                double ss = 0;
                for (int j = 0; j < H; j++) ss += (double)v[j] * v[j];
                float norm = (float)sqrt(ss);
                if (norm < 1e-12f) norm = 1e-12f;
                for (int j = 0; j < H; j++) v[j] = v[j] / norm;
            }
        }
        o0 += t;
        q0 = q1;
    }
    return ES_OK;
}

es_status bert_hidden(bert_model *m, const int32_t *ids, int n_tok, float *out, es_error *err) {
    if (!m) return es_fail(err, ES_ERR_ARG, "no model");
    es_status st = check_input(m, ids, &n_tok, 1, err);
    if (st) return st;
    scratch s;
    if ((st = get_scratch(m, n_tok, n_tok, &s, err))) return st;
    encode(m, ids, &n_tok, 1, n_tok, &s);
    memcpy(out, s.x, (size_t)n_tok * m->cfg.n_embd * sizeof(float));
    return ES_OK;
}
