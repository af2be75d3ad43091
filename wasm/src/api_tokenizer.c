/* api_tokenizer.c — the flat exports JS calls for the tokenizer (see web/lib/tokenizer.js). */
#include "api.h"
#include "tokenizer.h"

#include <stdint.h>

static tokenizer_bytes bytes_of(const uint8_t *p, int n) {
    tokenizer_bytes b = {p, p && n > 0 ? (size_t)n : 0};
    return b;
}

/* Each file is (pointer, size); pointer 0 = absent. On success *tok_out receives the handle, to be
 * released with es_tokenizer_free. */
ES_EXPORT int es_tokenizer_create(const uint8_t *tokenizer_json, int tokenizer_json_size,
                                  const uint8_t *vocab_txt, int vocab_txt_size,
                                  const uint8_t *tokenizer_config_json, int tokenizer_config_json_size,
                                  const uint8_t *sentence_bert_config_json, int sentence_bert_config_json_size,
                                  const uint8_t *special_tokens_map_json, int special_tokens_map_json_size,
                                  tokenizer **tok_out) {
    es_error *err = es_api_begin();
    tokenizer_files f;
    f.tokenizer_json = bytes_of(tokenizer_json, tokenizer_json_size);
    f.vocab_txt = bytes_of(vocab_txt, vocab_txt_size);
    f.tokenizer_config_json = bytes_of(tokenizer_config_json, tokenizer_config_json_size);
    f.sentence_bert_config_json = bytes_of(sentence_bert_config_json, sentence_bert_config_json_size);
    f.special_tokens_map_json = bytes_of(special_tokens_map_json, special_tokens_map_json_size);
    return es_api_return(tokenizer_create(&f, tok_out, err));
}

ES_EXPORT void es_tokenizer_free(tokenizer *tok) { tokenizer_free(tok); }
ES_EXPORT int es_tokenizer_max_length(const tokenizer *tok) { return tokenizer_max_length(tok); }
ES_EXPORT int es_tokenizer_vocab_size(const tokenizer *tok) { return tokenizer_vocab_size(tok); }
ES_EXPORT int es_tokenizer_n_special(const tokenizer *tok) {
    tokenizer_params p = tokenizer_get_params(tok);
    return p.n_prefix + p.n_suffix;
}
ES_EXPORT int es_tokenizer_token_to_id(const tokenizer *tok, const char *utf8, int len) {
    return tokenizer_token_to_id(tok, utf8, len > 0 ? (size_t)len : 0);
}

/* Encodes n texts laid back to back in utf8 (lens[i] bytes each); lengths_out[i] receives the id
 * count of text i. The ids are then read with es_tokenizer_batch_ids / es_tokenizer_batch_count
 * (memory owned by the tokenizer, valid until its next encode). */
ES_EXPORT int es_tokenizer_encode_batch(tokenizer *tok, const char *utf8, const int32_t *lens, int n,
                                        int max_length, int32_t *lengths_out) {
    es_error *err = es_api_begin();
    if (n < 0) return es_api_return(es_fail(err, ES_ERR_ARG, "tokenizer: negative batch size %d", n));
    const int32_t *ids = 0;
    size_t count = 0;
    es_status st = tokenizer_encode_batch(tok, utf8, lens, (size_t)n, max_length, lengths_out, &ids, &count, err);
    return es_api_return(st);
}

ES_EXPORT const int32_t *es_tokenizer_batch_ids(const tokenizer *tok) { return tokenizer_last_ids(tok, 0); }
ES_EXPORT int es_tokenizer_batch_count(const tokenizer *tok) {
    size_t n = 0;
    tokenizer_last_ids(tok, &n);
    return (int)n;
}
