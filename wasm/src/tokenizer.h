/* tokenizer.h — the BERT WordPiece tokenizer, exactly as Hugging Face's `tokenizers` runs it for
 * sentence-transformers models: BertNormalizer -> BertPreTokenizer -> WordPiece -> [CLS] ... [SEP],
 * with added/special tokens matched in the raw text first and truncation that keeps the specials.
 *
 * Basic usage:
 *     tokenizer_files files = {0};
 *     files.tokenizer_json = (tokenizer_bytes){json_bytes, json_size};      // or vocab_txt + tokenizer_config_json
 *     files.sentence_bert_config_json = (tokenizer_bytes){sb_bytes, sb_size}; // optional: max_seq_length
 *     tokenizer *tok = NULL;
 *     es_error err = {0};
 *     if (tokenizer_create(&files, &tok, &err) != ES_OK) { ... err.message ... }
 *     int32_t ids[512]; size_t n = 0;
 *     tokenizer_encode(tok, "The sun is shining", 18, -1, ids, 512, &n, &err);  // 101 1996 3103 2003 9716 102
 *     tokenizer_free(tok);
 *
 * Everything that shapes the result comes from the model folder, never from constants here: the
 * normalizer switches, the special tokens and their ids, the "##" prefix, max_input_chars_per_word and
 * the maximum length (sentence_bert_config.json max_seq_length, else tokenizer_config.json
 * model_max_length, else tokenizer.json truncation.max_length, else no limit).
 *
 * Unicode: utf8proc 2.8.0 (Unicode 15.0) supplies categories, canonical decompositions and simple
 * lowercase mappings. The Rust tokenizers classify control/format characters, nonspacing marks and
 * punctuation with Unicode 8.0 tables (crate unicode_categories 0.1.1); characters whose category
 * changed after Unicode 8.0 (e.g. U+2E44..U+2E5D, punctuation only since Unicode 9+) can therefore
 * tokenize differently here. Everything else follows the Rust code: per-character lowercasing
 * (capital sigma -> σ even word-finally; İ -> i + U+0307), CJK padding on code points (including the
 * supplementary planes), clean_text dropping Cc/Cf/Co, U+0000 and U+FFFD.
 *
 * A tokenizer keeps scratch buffers: encode calls on one tokenizer must not run concurrently.
 */
#ifndef EMBEDSCAPE_TOKENIZER_H
#define EMBEDSCAPE_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "status.h"

typedef struct tokenizer tokenizer;

/* The bytes of one file of the model folder; data == NULL means the file is absent. The bytes are
 * read during tokenizer_create only (the tokenizer keeps no pointer into them). */
typedef struct tokenizer_bytes {
    const uint8_t *data;
    size_t size;
} tokenizer_bytes;

/* The files a tokenizer may be configured from. tokenizer_json wins over vocab_txt when both are
 * given; tokenizer_config_json / special_tokens_map_json name the special tokens and normalizer
 * switches for the vocab.txt route; sentence_bert_config_json and tokenizer_config_json give the
 * maximum length. */
typedef struct tokenizer_files {
    tokenizer_bytes tokenizer_json;
    tokenizer_bytes vocab_txt;
    tokenizer_bytes tokenizer_config_json;
    tokenizer_bytes sentence_bert_config_json;
    tokenizer_bytes special_tokens_map_json;
} tokenizer_files;

/* The resolved configuration of a tokenizer (read it with tokenizer_get_params). */
typedef struct tokenizer_params {
    int clean_text;               /* drop controls, U+0000, U+FFFD; map whitespace to ' ' */
    int handle_chinese_chars;     /* put spaces around CJK ideographs */
    int strip_accents;            /* NFD, then drop nonspacing marks (resolved: follows lowercase when null) */
    int lowercase;                /* per-character lowercase */
    int max_input_chars_per_word; /* longer words become unk */
    int max_length;               /* model default length including specials; 0 = no limit */
    int32_t unk_id;
    int n_prefix;                 /* ids the post-processor puts before the text ([CLS]) */
    int n_suffix;                 /* ... and after it ([SEP]) */
} tokenizer_params;

/* Hugging Face's BertNormalizer / WordPiece defaults (all switches on, 100 chars per word, no limit),
 * the base that the model folder's files override. */
tokenizer_params tokenizer_default_params(void);

/* Builds a tokenizer from the model folder's files. On success *tok_out owns a tokenizer the caller
 * frees with tokenizer_free. Malformed or inconsistent files give ES_ERR_FORMAT / ES_ERR_MODEL with a
 * message naming the file and the problem. */
es_status tokenizer_create(const tokenizer_files *files, tokenizer **tok_out, es_error *err);

/* Frees a tokenizer (NULL is fine). */
void tokenizer_free(tokenizer *tok);

/* The resolved configuration. */
tokenizer_params tokenizer_get_params(const tokenizer *tok);

/* The model's maximum length in ids including [CLS]/[SEP]; 0 when the folder sets none. */
int tokenizer_max_length(const tokenizer *tok);

/* 1 + the largest id of the vocabulary and the added tokens. */
int tokenizer_vocab_size(const tokenizer *tok);

/* The id of a token string (exact, UTF-8), or -1. */
int32_t tokenizer_token_to_id(const tokenizer *tok, const char *utf8, size_t len);

/* Encodes one text (UTF-8; invalid sequences are read as U+FFFD, one per maximal subpart, as the
 * WHATWG TextDecoder does). max_length: -1 = the model's default, 0 = no truncation, > 0 = at most that
 * many ids including the specials. Writes the ids to ids_out (capacity cap) and their count to
 * *n_out; when cap is too small, *n_out is the count needed and ES_ERR_ARG is returned. */
es_status tokenizer_encode(tokenizer *tok, const char *utf8, size_t len, int max_length,
                           int32_t *ids_out, size_t cap, size_t *n_out, es_error *err);

/* Encodes n texts given back to back in utf8 (text i has lens[i] bytes). lengths_out (n entries,
 * caller-owned) receives each text's id count; *ids_out points to all ids concatenated
 * (*n_ids_out of them) in a buffer the tokenizer owns, valid until the next encode call or free. */
es_status tokenizer_encode_batch(tokenizer *tok, const char *utf8, const int32_t *lens, size_t n,
                                 int max_length, int32_t *lengths_out, const int32_t **ids_out,
                                 size_t *n_ids_out, es_error *err);

/* The ids of the last encode call (all texts of a batch, concatenated), owned by the tokenizer. */
const int32_t *tokenizer_last_ids(const tokenizer *tok, size_t *n_out);

#endif
