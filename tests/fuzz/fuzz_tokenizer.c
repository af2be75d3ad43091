/* fuzz_tokenizer.c — libFuzzer target over tokenizer.json loading and tokenization.
 *
 * Input layout: [1 byte: mode][json bytes] 0xFF 0xFE [text bytes]. Without the 0xFF 0xFE separator
 * the whole input (after the mode byte) is the text and a small built-in tokenizer is used, so the
 * fuzzer explores the text path even before it learns JSON. Mode bits: 0-1 pick where the JSON goes
 * (tokenizer.json, vocab.txt, tokenizer_config.json next to a built-in vocab.txt,
 * sentence_bert_config.json next to the built-in tokenizer.json); bits 2-7 pick max_length
 * (0 = none, 1 = model default, else the value). Every successful load is exercised with one
 * encode and one batch encode (the text split into three), and must be freed cleanly.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tokenizer.h"

static const char *BUILTIN_JSON =
    "{\"added_tokens\":[{\"id\":0,\"content\":\"[UNK]\",\"special\":true,\"normalized\":false},"
    "{\"id\":1,\"content\":\"[CLS]\",\"special\":true},{\"id\":2,\"content\":\"[SEP]\",\"special\":true},"
    "{\"id\":9,\"content\":\"Ab\",\"single_word\":true,\"lstrip\":true,\"rstrip\":true,\"normalized\":true,\"special\":false}],"
    "\"normalizer\":{\"type\":\"BertNormalizer\",\"strip_accents\":null,\"lowercase\":true},"
    "\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"},"
    "\"post_processor\":{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",2],\"cls\":[\"[CLS]\",1]},"
    "\"model\":{\"type\":\"WordPiece\",\"unk_token\":\"[UNK]\",\"max_input_chars_per_word\":12,"
    "\"vocab\":{\"[UNK]\":0,\"[CLS]\":1,\"[SEP]\":2,\"a\":3,\"##b\":4,\"ab\":5,\"!\":6,\"\\u4e2d\":7,\"##\\u03c3\":8}}}";

static const char *BUILTIN_VOCAB = "[PAD]\n[UNK]\n[CLS]\n[SEP]\n[MASK]\na\n##b\nab\n!\n\xe4\xb8\xad\n##\xcf\x83\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (size < 1) return 0;
    const uint8_t mode = data[0];
    data++;
    size--;
    const uint8_t *json = NULL, *text = data;
    size_t json_size = 0, text_size = size;
    for (size_t i = 0; i + 1 < size; i++) {
        if (data[i] == 0xFF && data[i + 1] == 0xFE) {
            json = data;
            json_size = i;
            text = data + i + 2;
            text_size = size - i - 2;
            break;
        }
    }
    /* copies, so that ASan sees reads past the end of exactly the bytes given */
    uint8_t *jcopy = json ? malloc(json_size ? json_size : 1) : NULL;
    if (jcopy && json_size) memcpy(jcopy, json, json_size);
    char *tcopy = malloc(text_size ? text_size : 1);
    if (text_size) memcpy(tcopy, text, text_size);

    tokenizer_files f;
    memset(&f, 0, sizeof f);
    if (!json) {
        f.tokenizer_json = (tokenizer_bytes){(const uint8_t *)BUILTIN_JSON, strlen(BUILTIN_JSON)};
    } else {
        tokenizer_bytes b = {jcopy, json_size};
        switch (mode & 3) {
        case 0: f.tokenizer_json = b; break;
        case 1: f.vocab_txt = b; break;
        case 2:
            f.vocab_txt = (tokenizer_bytes){(const uint8_t *)BUILTIN_VOCAB, strlen(BUILTIN_VOCAB)};
            f.tokenizer_config_json = b;
            break;
        default:
            f.tokenizer_json = (tokenizer_bytes){(const uint8_t *)BUILTIN_JSON, strlen(BUILTIN_JSON)};
            f.sentence_bert_config_json = b;
            break;
        }
    }
    int max_length = (mode >> 2) == 0 ? 0 : (mode >> 2) == 1 ? -1 : (int)(mode >> 2);

    tokenizer *tok = NULL;
    es_error err;
    if (tokenizer_create(&f, &tok, &err) == ES_OK) {
        int32_t ids[64];
        size_t n = 0;
        es_status st = tokenizer_encode(tok, tcopy, text_size, max_length, ids, 64, &n, &err);
        if (st == ES_OK && n > 64) abort(); /* ok with more ids than room is a bug */
        int32_t lens[3], lengths[3];
        lens[0] = (int32_t)(text_size / 3);
        lens[1] = (int32_t)(text_size / 3);
        lens[2] = (int32_t)(text_size - 2 * (text_size / 3));
        const int32_t *all = NULL;
        size_t total = 0;
        if (tokenizer_encode_batch(tok, tcopy, lens, 3, max_length, lengths, &all, &total, &err) == ES_OK) {
            size_t sum = 0;
            for (int i = 0; i < 3; i++) sum += (size_t)lengths[i];
            if (sum != total) abort();
            int32_t vs = tokenizer_vocab_size(tok);
            for (size_t i = 0; i < total; i++)
                if (all[i] < 0 || all[i] >= vs) abort(); /* every id must be a valid row */
        }
        tokenizer_free(tok);
    }
    free(jcopy);
    free(tcopy);
    return 0;
}
