/* api_bert.c — flat exports for the BERT model: load from the folder's bytes, embed token ids (or
 * texts, tokenized in the same call), free. */
#include "api.h"
#include "bert.h"
#include "model.h"
#include "tokenizer.h"

#include <stdlib.h>

/* Loads a model. JSON texts are NUL-terminated (NULL when the file is absent); st is model.safetensors
 * (n bytes, only read during the call); dtype: 0 auto, 1 f32, 2 f16, 3 q8. *out receives the model,
 * freed with es_bert_free. */
ES_EXPORT int es_bert_load(const char *config_json, const char *modules_json, const char *pooling_json,
                           const char *sbert_json, const uint8_t *st, size_t n, int dtype, bert_model **out) {
    es_error *err = es_api_begin();
    bert_files files = {config_json, modules_json, pooling_json, sbert_json, st, n};
    bert_model_params p = bert_model_default_params();
    p.dtype = (bert_dtype)dtype;
    return es_api_return(bert_model_load(&files, p, out, err));
}

ES_EXPORT void es_bert_free(bert_model *m) { bert_model_free(m); }

/* out (12 ints): n_layer, n_embd, n_head, n_ff, n_vocab, n_pos, n_type, max_seq_len, pooling
 * (0 mean, 1 cls, 2 max), normalize, dtype (1 f32, 3 q8), weight MiB; *eps_out the LayerNorm eps. */
ES_EXPORT int es_bert_info(const bert_model *m, int32_t *out, float *eps_out) {
    es_error *err = es_api_begin();
    if (!m) return es_api_return(es_fail(err, ES_ERR_ARG, "no model"));
    const bert_config *c = &m->cfg;
    int32_t v[12] = {c->n_layer, c->n_embd, c->n_head, c->n_ff, c->n_vocab, c->n_pos, c->n_type,
                     m->max_seq_len, (int32_t)m->pooling, m->normalize, (int32_t)m->dtype,
                     (int32_t)(m->weight_bytes >> 20)};
    for (int i = 0; i < 12; i++) out[i] = v[i];
    if (eps_out) *eps_out = c->ln_eps;
    return ES_OK;
}

/* ids: the texts' ids back to back; lengths (n_seq); out (n_seq, n_embd) floats. */
ES_EXPORT int es_bert_embed(bert_model *m, const int32_t *ids, const int32_t *lengths, int n_seq, float *out) {
    es_error *err = es_api_begin();
    return es_api_return(bert_embed(m, ids, lengths, n_seq, out, err));
}

/* Tokenizes n texts and embeds them in one call, so the ids never leave the engine: utf8 holds the
 * texts back to back (text i has lens[i] bytes; invalid UTF-8 reads as U+FFFD), each truncated to the
 * model's max_seq_length (sentence_bert_config.json) as es_tokenizer_encode_batch does; out (n,
 * n_embd) floats, the same bits as es_tokenizer_encode_batch followed by es_bert_embed. lengths_out
 * (n), when not NULL, receives each text's token count ([CLS] and [SEP] included). The tokenizer's
 * id buffer is reused (as by its next encode call). */
ES_EXPORT int es_bert_embed_texts(bert_model *m, tokenizer *tok, const char *utf8, const int32_t *lens, int n,
                                  float *out, int32_t *lengths_out) {
    es_error *err = es_api_begin();
    if (!m || !tok) return es_api_return(es_fail(err, ES_ERR_ARG, "es_bert_embed_texts: no model or no tokenizer"));
    if (n < 0) return es_api_return(es_fail(err, ES_ERR_ARG, "es_bert_embed_texts: negative number of texts %d", n));
    if (n == 0) return es_api_return(ES_OK);
    int32_t *lengths = lengths_out ? lengths_out : malloc((size_t)n * sizeof *lengths);
    if (!lengths) return es_api_return(es_fail(err, ES_ERR_NOMEM, "out of memory for %d texts", n));
    const int32_t *ids = NULL;
    size_t count = 0;
    es_status st = tokenizer_encode_batch(tok, utf8, lens, (size_t)n, m->max_seq_len, lengths, &ids, &count, err);
    if (st == ES_OK) st = bert_embed(m, ids, lengths, n, out, err);
    if (!lengths_out) free(lengths);
    return es_api_return(st);
}

/* Last hidden state of one text: out (n_tok, n_embd). */
ES_EXPORT int es_bert_hidden(bert_model *m, const int32_t *ids, int n_tok, float *out) {
    es_error *err = es_api_begin();
    return es_api_return(bert_hidden(m, ids, n_tok, out, err));
}

/* One chunk of the embedding loop, the batching rule in one place: tokenizes texts from the start of
 * utf8/lens (text i has lens[i] bytes) at the model's max_seq_length until the next one would take the
 * chunk past max_tokens ids (a first text always goes in), embeds them, and writes how many it took to
 * *consumed_out. out (consumed, n_embd); lengths_out (consumed) the ids per text. A worker calls it until
 * every text is done, reporting progress and noticing a cancel between calls; the ids never leave the
 * engine, and chunking cannot change a vector (no operation mixes texts). */
ES_EXPORT int es_bert_embed_chunk(bert_model *m, tokenizer *tok, const char *utf8, const int32_t *lens, int n,
                                  int max_tokens, float *out, int32_t *lengths_out, int32_t *consumed_out) {
    es_error *err = es_api_begin();
    if (!m || !tok) return es_api_return(es_fail(err, ES_ERR_ARG, "es_bert_embed_chunk: no model or no tokenizer"));
    if (n < 0 || max_tokens < 1) return es_api_return(es_fail(err, ES_ERR_ARG, "es_bert_embed_chunk: n %d, max_tokens %d", n, max_tokens));
    *consumed_out = 0;
    if (n == 0) return es_api_return(ES_OK);
    size_t cap = (size_t)max_tokens + (size_t)m->cfg.n_pos; /* room for one more text of any length */
    int32_t *ids = malloc(cap * sizeof *ids);
    if (!ids) return es_api_return(es_fail(err, ES_ERR_NOMEM, "out of memory for a chunk of %d tokens", max_tokens));
    es_status st = ES_OK;
    size_t t = 0, off = 0;
    int q = 0;
    while (q < n) {
        size_t nids = 0;
        if (lens[q] < 0) { st = es_fail(err, ES_ERR_ARG, "text %d has a negative length", q); break; }
        st = tokenizer_encode(tok, utf8 + off, (size_t)lens[q], m->max_seq_len, ids + t, cap - t, &nids, err);
        if (st != ES_OK) break;
        if (q > 0 && t + nids > (size_t)max_tokens) break; /* does not fit: it starts the next chunk */
        lengths_out[q] = (int32_t)nids;
        t += nids;
        off += (size_t)lens[q];
        q++;
    }
    if (st == ES_OK) st = bert_embed(m, ids, lengths_out, q, out, err);
    if (st == ES_OK) *consumed_out = q;
    free(ids);
    return es_api_return(st);
}
