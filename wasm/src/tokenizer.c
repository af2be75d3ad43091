/* tokenizer.c — BertNormalizer + BertPreTokenizer + WordPiece + post-processing (see tokenizer.h).
 *
 * Data layout: every string the tokenizer knows (vocabulary entries, added tokens, the subword
 * prefix) is stored once as Unicode code points in one pool; two open-addressing hash tables index
 * the vocabulary: `full` by the whole entry and `cont` by entries that start with the subword prefix,
 * keyed without it, so a "##piece" lookup needs no string building. Text is decoded once to code
 * points and every later step (added-token matching, normalization, splitting, WordPiece) works on
 * code points in scratch vectors the tokenizer owns: encoding allocates nothing per token.
 */
#include "tokenizer.h"

#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cJSON.h"
#include "utf8proc.h"

/* ------------------------------------------------------------------------------------------------
 * small growable vectors */

typedef struct cp_vec {
    uint32_t *v;
    size_t n, cap;
} cp_vec;

typedef struct id_vec {
    int32_t *v;
    size_t n, cap;
} id_vec;

static int grow(void **v, size_t *cap, size_t need, size_t elem) {
    if (need <= *cap) return 1;
    size_t c = *cap ? *cap : 64;
    while (c < need) {
        if (c > SIZE_MAX / 2 / elem) return 0;
        c *= 2;
    }
    void *p = realloc(*v, c * elem);
    if (!p) return 0;
    *v = p;
    *cap = c;
    return 1;
}

static int cp_reserve(cp_vec *a, size_t extra) { return grow((void **)&a->v, &a->cap, a->n + extra, sizeof *a->v); }
static int id_reserve(id_vec *a, size_t extra) { return grow((void **)&a->v, &a->cap, a->n + extra, sizeof *a->v); }

/* ------------------------------------------------------------------------------------------------
 * UTF-8 */

/* Appends the code points of bytes to out, reading invalid sequences as U+FFFD, one per maximal
 * subpart (the WHATWG decoder, i.e. TextDecoder without fatal). out must have room for len code
 * points (each byte yields at most one). */
static void utf8_decode_lossy(const uint8_t *s, size_t len, uint32_t *out, size_t *n_out) {
    size_t i = 0, n = 0;
    while (i < len) {
        uint8_t b = s[i];
        if (b < 0x80) { out[n++] = b; i++; continue; }
        uint32_t cp;
        int need;
        uint8_t lo = 0x80, hi = 0xBF;
        if (b >= 0xC2 && b <= 0xDF) { need = 1; cp = b & 0x1F; }
        else if (b >= 0xE0 && b <= 0xEF) {
            need = 2; cp = b & 0x0F;
            if (b == 0xE0) lo = 0xA0;
            if (b == 0xED) hi = 0x9F;
        } else if (b >= 0xF0 && b <= 0xF4) {
            need = 3; cp = b & 0x07;
            if (b == 0xF0) lo = 0x90;
            if (b == 0xF4) hi = 0x8F;
        } else { out[n++] = 0xFFFD; i++; continue; }
        i++;
        int ok = 1;
        while (need > 0) {
            if (i >= len || s[i] < lo || s[i] > hi) { ok = 0; break; } /* the offending byte is re-read */
            cp = (cp << 6) | (s[i] & 0x3F);
            lo = 0x80; hi = 0xBF;
            i++; need--;
        }
        out[n++] = ok ? cp : 0xFFFD;
    }
    *n_out = n;
}

/* Strict decoding for vocabulary strings: returns 0 on any invalid sequence. */
static int utf8_decode_strict(const uint8_t *s, size_t len, uint32_t *out, size_t *n_out) {
    size_t i = 0, n = 0;
    while (i < len) {
        utf8proc_int32_t cp;
        utf8proc_ssize_t k = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
        if (k <= 0) return 0;
        out[n++] = (uint32_t)cp;
        i += (size_t)k;
    }
    *n_out = n;
    return 1;
}

/* ------------------------------------------------------------------------------------------------
 * character classes (Hugging Face tokenizers' BertNormalizer / BertPreTokenizer definitions) */

enum { A_CTRL = 1, A_WS = 2, A_PUNCT = 4, A_UPPER = 8 };

/* Rust's char::is_whitespace (the White_Space property). */
static int is_ws(uint32_t c) {
    if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
    return c == 0x85 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x2028 ||
           c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}

static int category(uint32_t c) { return utf8proc_category((utf8proc_int32_t)c); }

/* unicode_categories' is_other(): control, format or private use. */
static int is_other(uint32_t c) {
    int k = category(c);
    return k == UTF8PROC_CATEGORY_CC || k == UTF8PROC_CATEGORY_CF || k == UTF8PROC_CATEGORY_CO;
}

static int is_punct_cat(int k) { return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO; }

/* The ideograph blocks of the Rust BertNormalizer (note 0x2B920, not 0x2B820, as upstream has it). */
static int is_cjk(uint32_t c) {
    return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
           (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
           (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

/* A "word" character for single_word added tokens (regex \w: letters, marks, numbers, connectors). */
static int is_word_char(uint32_t c) {
    int k = category(c);
    return (k >= UTF8PROC_CATEGORY_LU && k <= UTF8PROC_CATEGORY_NO) || k == UTF8PROC_CATEGORY_PC;
}

/* ------------------------------------------------------------------------------------------------
 * the vocabulary hash tables */

typedef struct vocab_slot {
    uint32_t hash;
    int32_t id; /* -1 = empty */
    uint32_t off, len; /* code points in the pool */
} vocab_slot;

typedef struct cp_table {
    vocab_slot *slots;
    uint32_t mask;
    uint32_t count;
    uint32_t max_len; /* longest key, in code points */
} cp_table;

#define HASH_SEED 0x811C9DC5u

static inline uint32_t hash_step(uint32_t h, uint32_t c) { return (h ^ c) * 0x01000193u; }

static inline uint32_t hash_final(uint32_t h, uint32_t len) {
    h ^= len * 0x9E3779B1u;
    h ^= h >> 16;
    h *= 0x85EBCA6Bu;
    h ^= h >> 13;
    return h;
}

static uint32_t hash_cps(const uint32_t *s, size_t n) {
    uint32_t h = HASH_SEED;
    for (size_t i = 0; i < n; i++) h = hash_step(h, s[i]);
    return hash_final(h, (uint32_t)n);
}

static int table_init(cp_table *t, size_t expected) {
    size_t cap = 16;
    while (cap < expected * 2 + 1) cap *= 2;
    t->slots = malloc(cap * sizeof *t->slots);
    if (!t->slots) return 0;
    for (size_t i = 0; i < cap; i++) t->slots[i].id = -1;
    t->mask = (uint32_t)(cap - 1);
    t->count = 0;
    t->max_len = 0;
    return 1;
}

static inline int32_t table_find(const cp_table *t, const uint32_t *pool, const uint32_t *s, uint32_t len, uint32_t h) {
    uint32_t i = h & t->mask;
    for (;;) {
        const vocab_slot *e = &t->slots[i];
        if (e->id < 0) return -1;
        if (e->hash == h && e->len == len && memcmp(pool + e->off, s, len * sizeof *s) == 0) return e->id;
        i = (i + 1) & t->mask;
    }
}

/* Inserts or (for a repeated key: the last one wins, as in the reference loaders) updates. The table
 * was sized for all keys at init, so it never fills. */
static void table_put(cp_table *t, const uint32_t *pool, uint32_t off, uint32_t len, int32_t id) {
    uint32_t h = hash_cps(pool + off, len);
    uint32_t i = h & t->mask;
    for (;;) {
        vocab_slot *e = &t->slots[i];
        if (e->id < 0) {
            e->hash = h; e->id = id; e->off = off; e->len = len;
            t->count++;
            if (len > t->max_len) t->max_len = len;
            return;
        }
        if (e->hash == h && e->len == len && memcmp(pool + e->off, pool + off, len * sizeof *pool) == 0) {
            e->id = id;
            return;
        }
        i = (i + 1) & t->mask;
    }
}

/* ------------------------------------------------------------------------------------------------
 * the tokenizer */

typedef struct added_token {
    uint32_t off, len; /* content (normalized content for normalized tokens) in the pool */
    int32_t id;
    uint8_t lstrip, rstrip, single_word, normalized, special;
} added_token;

struct tokenizer {
    tokenizer_params p;
    int bert_pretokenizer; /* 0: no pre-tokenizer, each segment is one word */
    cp_vec pool;
    cp_table full, cont;
    uint32_t prefix_off, prefix_len;
    added_token *added;
    size_t n_added;
    int has_raw_added, has_norm_added;
    uint8_t first_raw[32], first_norm[32]; /* bitmaps of (first code point & 255) of added tokens */
    int32_t *pre_ids, *suf_ids;
    int vocab_size;
    uint8_t ascii[128];
    /* scratch */
    cp_vec text, norm;
    id_vec ids;
    uint32_t *hbuf; /* running hashes, max key length entries */
};

tokenizer_params tokenizer_default_params(void) {
    tokenizer_params p;
    memset(&p, 0, sizeof p);
    p.clean_text = 1;
    p.handle_chinese_chars = 1;
    p.strip_accents = 1;
    p.lowercase = 1;
    p.max_input_chars_per_word = 100;
    p.max_length = 0;
    p.unk_id = -1;
    return p;
}

/* Appends code points to the pool; returns the offset or UINT32_MAX when out of memory. */
static uint32_t pool_add(tokenizer *tok, const uint32_t *s, size_t n) {
    if (tok->pool.n + n > UINT32_MAX - 1) return UINT32_MAX;
    if (!cp_reserve(&tok->pool, n)) return UINT32_MAX;
    uint32_t off = (uint32_t)tok->pool.n;
    memcpy(tok->pool.v + off, s, n * sizeof *s);
    tok->pool.n += n;
    return off;
}

/* Decodes a UTF-8 string into the pool (strictly). Returns 1 ok, 0 invalid UTF-8, -1 out of memory. */
static int pool_add_utf8(tokenizer *tok, const char *s, size_t len, uint32_t *off, uint32_t *n_cp) {
    if (!cp_reserve(&tok->pool, len + 1)) return -1;
    size_t n = 0;
    if (!utf8_decode_strict((const uint8_t *)s, len, tok->pool.v + tok->pool.n, &n)) return 0;
    if (tok->pool.n + n > UINT32_MAX - 1) return -1;
    *off = (uint32_t)tok->pool.n;
    *n_cp = (uint32_t)n;
    tok->pool.n += n;
    return 1;
}

void tokenizer_free(tokenizer *tok) {
    if (!tok) return;
    free(tok->pool.v);
    free(tok->full.slots);
    free(tok->cont.slots);
    free(tok->added);
    free(tok->pre_ids);
    free(tok->suf_ids);
    free(tok->text.v);
    free(tok->norm.v);
    free(tok->ids.v);
    free(tok->hbuf);
    free(tok);
}

tokenizer_params tokenizer_get_params(const tokenizer *tok) { return tok->p; }
int tokenizer_max_length(const tokenizer *tok) { return tok->p.max_length; }
int tokenizer_vocab_size(const tokenizer *tok) { return tok->vocab_size; }

const int32_t *tokenizer_last_ids(const tokenizer *tok, size_t *n_out) {
    if (n_out) *n_out = tok->ids.n;
    return tok->ids.v;
}

int32_t tokenizer_token_to_id(const tokenizer *tok, const char *utf8, size_t len) {
    uint32_t *tmp = malloc((len + 1) * sizeof *tmp);
    if (!tmp) return -1;
    size_t n = 0;
    int32_t id = -1;
    if (utf8_decode_strict((const uint8_t *)utf8, len, tmp, &n)) {
        id = table_find(&tok->full, tok->pool.v, tmp, (uint32_t)n, hash_cps(tmp, n));
        if (id < 0) {
            for (size_t i = 0; i < tok->n_added; i++) {
                const added_token *a = &tok->added[i];
                if (!a->normalized && a->len == n && memcmp(tok->pool.v + a->off, tmp, n * sizeof *tmp) == 0) {
                    id = a->id;
                    break;
                }
            }
        }
    }
    free(tmp);
    return id;
}

/* ------------------------------------------------------------------------------------------------
 * normalization (BertNormalizer: clean_text -> handle_chinese_chars -> NFD + drop Mn -> lowercase) */

/* Per-character lowercase as Rust's char::to_lowercase: simple mappings, plus İ's two-character one. */
static inline int push_lower(const tokenizer *tok, cp_vec *out, uint32_t c) {
    if (tok->p.lowercase) {
        if (c == 0x130) {
            out->v[out->n++] = 'i';
            out->v[out->n++] = 0x307;
            return 2;
        }
        c = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
    }
    out->v[out->n++] = c;
    return 1;
}

/* Emits one character after clean_text/chinese handling: NFD + mark stripping (with canonical
 * reordering of the surviving non-starters) and lowercasing. out has room for 2 * 18 more. */
static void emit_char(const tokenizer *tok, cp_vec *out, uint32_t c, size_t *run_start) {
    if (!tok->p.strip_accents) {
        push_lower(tok, out, c);
        return;
    }
    utf8proc_int32_t d[18];
    utf8proc_ssize_t nd = utf8proc_decompose_char((utf8proc_int32_t)c, d, 18, UTF8PROC_DECOMPOSE, NULL);
    if (nd <= 0 || nd > 18) { d[0] = (utf8proc_int32_t)c; nd = 1; }
    for (utf8proc_ssize_t k = 0; k < nd; k++) {
        const utf8proc_property_t *pr = utf8proc_get_property(d[k]);
        if (pr->category == UTF8PROC_CATEGORY_MN) {
            if (pr->combining_class == 0) *run_start = out->n;
            continue;
        }
        unsigned ccc = pr->combining_class;
        size_t at = out->n;
        int m = push_lower(tok, out, (uint32_t)d[k]);
        if (ccc == 0) {
            *run_start = out->n;
        } else if (m == 1) {
            /* NFD's canonical ordering, applied to what survives: a stable insertion by class. */
            size_t j = at;
            while (j > *run_start && (unsigned)utf8proc_get_property((utf8proc_int32_t)out->v[j - 1])->combining_class > ccc) {
                uint32_t t = out->v[j - 1];
                out->v[j - 1] = out->v[j];
                out->v[j] = t;
                j--;
            }
        }
    }
}

/* Normalizes s[0..n) into out (cleared first). */
static es_status normalize(const tokenizer *tok, const uint32_t *s, size_t n, cp_vec *out, es_error *err) {
    out->n = 0;
    /* worst case per input character: 2 pad spaces + 18 decomposed, each possibly 2 when lowercased */
    if (n > (SIZE_MAX / sizeof(uint32_t)) / 40 || !cp_reserve(out, n * 3 + 64))
        return es_fail(err, ES_ERR_NOMEM, "tokenizer: out of memory normalizing %zu characters", n);
    const int clean = tok->p.clean_text, chinese = tok->p.handle_chinese_chars;
    size_t run_start = 0;
    for (size_t i = 0; i < n; i++) {
        if (out->cap - out->n < 48 && !cp_reserve(out, n - i + 64))
            return es_fail(err, ES_ERR_NOMEM, "tokenizer: out of memory normalizing %zu characters", n);
        uint32_t c = s[i];
        if (c < 0x80) {
            uint8_t a = tok->ascii[c];
            if (clean) {
                if (a & A_CTRL) continue;
                if (a & A_WS) c = ' ';
            }
            if ((a & A_UPPER) && tok->p.lowercase) c += 32;
            out->v[out->n++] = c;
            run_start = out->n;
            continue;
        }
        if (clean) {
            if (c == 0xFFFD || is_other(c)) continue;
            if (is_ws(c)) {
                out->v[out->n++] = ' ';
                run_start = out->n;
                continue;
            }
        }
        if (chinese && is_cjk(c)) {
            out->v[out->n++] = ' ';
            emit_char(tok, out, c, &run_start);
            out->v[out->n++] = ' ';
            run_start = out->n;
        } else {
            emit_char(tok, out, c, &run_start);
        }
    }
    return ES_OK;
}

/* ------------------------------------------------------------------------------------------------
 * added tokens */

/* Finds the leftmost (then longest) added token of the given kind in s[from..n). */
static int find_added(const tokenizer *tok, int normalized, const uint32_t *s, size_t n, size_t from,
                      size_t *ms, size_t *me, int32_t *id) {
    const uint8_t *first = normalized ? tok->first_norm : tok->first_raw;
    for (size_t i = from; i < n; i++) {
        uint32_t c = s[i];
        if (!(first[(c & 255) >> 3] & (1u << (c & 7)))) continue;
        const added_token *best = NULL;
        for (size_t k = 0; k < tok->n_added; k++) {
            const added_token *a = &tok->added[k];
            if (a->normalized != normalized || a->len == 0 || a->len > n - i) continue;
            if (best && a->len <= best->len) continue;
            const uint32_t *t = tok->pool.v + a->off;
            if (t[0] != c || memcmp(t, s + i, a->len * sizeof *t) != 0) continue;
            if (a->single_word && ((i > 0 && is_word_char(s[i - 1])) || (i + a->len < n && is_word_char(s[i + a->len]))))
                continue;
            best = a;
        }
        if (best) {
            size_t st = i, en = i + best->len;
            if (best->lstrip) while (st > from && is_ws(s[st - 1])) st--;
            if (best->rstrip) while (en < n && is_ws(s[en])) en++;
            *ms = st;
            *me = en;
            *id = best->id;
            return 1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------------------------------
 * WordPiece and the pre-tokenizer */

/* Appends the WordPiece ids of one word. */
static void wordpiece(tokenizer *tok, const uint32_t *w, size_t len) {
    id_vec *ids = &tok->ids;
    if (len > (size_t)tok->p.max_input_chars_per_word) {
        ids->v[ids->n++] = tok->p.unk_id;
        return;
    }
    const size_t mark = ids->n;
    const uint32_t *pool = tok->pool.v;
    size_t start = 0;
    while (start < len) {
        const cp_table *t = start == 0 ? &tok->full : &tok->cont;
        size_t maxend = len - start > t->max_len ? start + t->max_len : len;
        uint32_t h = HASH_SEED;
        for (size_t k = start; k < maxend; k++) {
            h = hash_step(h, w[k]);
            tok->hbuf[k - start] = h;
        }
        int32_t found = -1;
        size_t end = maxend;
        for (; end > start; end--) {
            uint32_t l = (uint32_t)(end - start);
            found = table_find(t, pool, w + start, l, hash_final(tok->hbuf[l - 1], l));
            if (found >= 0) break;
        }
        if (found < 0) {
            ids->n = mark;
            ids->v[ids->n++] = tok->p.unk_id;
            return;
        }
        ids->v[ids->n++] = found;
        start = end;
    }
}

static inline int is_punct(const tokenizer *tok, uint32_t c) {
    if (c < 0x80) return tok->ascii[c] & A_PUNCT;
    return is_punct_cat(category(c));
}

/* BertPreTokenizer: split on whitespace (dropped) and around each punctuation character (kept). */
static void pretokenize(tokenizer *tok, const uint32_t *s, size_t n) {
    if (!tok->bert_pretokenizer) {
        if (n) wordpiece(tok, s, n);
        return;
    }
    size_t i = 0;
    while (i < n) {
        uint32_t c = s[i];
        if (is_ws(c)) { i++; continue; }
        if (is_punct(tok, c)) { wordpiece(tok, s + i, 1); i++; continue; }
        size_t j = i + 1;
        while (j < n && !is_ws(s[j]) && !is_punct(tok, s[j])) j++;
        wordpiece(tok, s + i, j - i);
        i = j;
    }
}

/* Ensures room for the ids of n normalized characters (at most one id per character) plus one. */
static es_status reserve_ids(tokenizer *tok, size_t n, es_error *err) {
    if (!id_reserve(&tok->ids, n + 8)) return es_fail(err, ES_ERR_NOMEM, "tokenizer: out of memory for %zu token ids", n);
    return ES_OK;
}

/* Normalizes and tokenizes one raw segment (between raw added tokens), appending ids. */
static es_status encode_segment(tokenizer *tok, const uint32_t *s, size_t n, es_error *err) {
    if (n == 0) return ES_OK;
    es_status st = normalize(tok, s, n, &tok->norm, err);
    if (st != ES_OK) return st;
    const uint32_t *x = tok->norm.v;
    size_t nx = tok->norm.n;
    if ((st = reserve_ids(tok, nx, err)) != ES_OK) return st;
    size_t from = 0;
    while (from < nx) {
        size_t ms = nx, me = nx;
        int32_t id = -1;
        int found = tok->has_norm_added && find_added(tok, 1, x, nx, from, &ms, &me, &id);
        pretokenize(tok, x + from, (found ? ms : nx) - from);
        if (!found) break;
        tok->ids.v[tok->ids.n++] = id;
        from = me;
    }
    return ES_OK;
}

/* Encodes one text, appending [prefix] content [suffix] to tok->ids. */
static es_status encode_one(tokenizer *tok, const uint8_t *bytes, size_t len, int max_length, es_error *err) {
    const size_t n_special = (size_t)tok->p.n_prefix + (size_t)tok->p.n_suffix;
    int ml = max_length < 0 ? tok->p.max_length : max_length;
    size_t content_max = SIZE_MAX;
    if (ml > 0) {
        if ((size_t)ml < n_special)
            return es_fail(err, ES_ERR_ARG, "max_length %d is shorter than the %zu special tokens the model adds", ml, n_special);
        content_max = (size_t)ml - n_special;
    }
    if (!cp_reserve(&tok->text, len + 1)) return es_fail(err, ES_ERR_NOMEM, "tokenizer: out of memory for a text of %zu bytes", len);
    size_t n = 0;
    utf8_decode_lossy(bytes, len, tok->text.v, &n);
    tok->text.n = n;
    es_status st = reserve_ids(tok, n_special, err);
    if (st != ES_OK) return st;
    for (int i = 0; i < tok->p.n_prefix; i++) tok->ids.v[tok->ids.n++] = tok->pre_ids[i];
    const size_t content_start = tok->ids.n;
    const uint32_t *s = tok->text.v;
    size_t from = 0;
    while (from < n && tok->ids.n - content_start < content_max) {
        size_t ms = n, me = n;
        int32_t id = -1;
        int found = tok->has_raw_added && find_added(tok, 0, s, n, from, &ms, &me, &id);
        if ((st = encode_segment(tok, s + from, (found ? ms : n) - from, err)) != ES_OK) return st;
        if (!found) break;
        if ((st = reserve_ids(tok, 1, err)) != ES_OK) return st;
        tok->ids.v[tok->ids.n++] = id;
        from = me;
    }
    if (tok->ids.n - content_start > content_max) tok->ids.n = content_start + content_max;
    if ((st = reserve_ids(tok, n_special, err)) != ES_OK) return st;
    for (int i = 0; i < tok->p.n_suffix; i++) tok->ids.v[tok->ids.n++] = tok->suf_ids[i];
    return ES_OK;
}

es_status tokenizer_encode(tokenizer *tok, const char *utf8, size_t len, int max_length,
                           int32_t *ids_out, size_t cap, size_t *n_out, es_error *err) {
    if (!tok) return es_fail(err, ES_ERR_ARG, "tokenizer_encode: no tokenizer");
    if (!utf8 && len) return es_fail(err, ES_ERR_ARG, "tokenizer_encode: text is NULL");
    if (n_out) *n_out = 0;
    tok->ids.n = 0;
    es_status st = encode_one(tok, (const uint8_t *)utf8, len, max_length, err);
    if (st != ES_OK) return st;
    if (n_out) *n_out = tok->ids.n;
    if (tok->ids.n > cap)
        return es_fail(err, ES_ERR_ARG, "tokenizer_encode: output holds %zu ids, the text needs %zu", cap, tok->ids.n);
    if (tok->ids.n) memcpy(ids_out, tok->ids.v, tok->ids.n * sizeof *ids_out);
    return ES_OK;
}

es_status tokenizer_encode_batch(tokenizer *tok, const char *utf8, const int32_t *lens, size_t n,
                                 int max_length, int32_t *lengths_out, const int32_t **ids_out,
                                 size_t *n_ids_out, es_error *err) {
    if (!tok) return es_fail(err, ES_ERR_ARG, "tokenizer_encode_batch: no tokenizer");
    if (n && (!lens || !lengths_out)) return es_fail(err, ES_ERR_ARG, "tokenizer_encode_batch: lens and lengths_out are required");
    tok->ids.n = 0;
    size_t off = 0;
    for (size_t i = 0; i < n; i++) {
        if (lens[i] < 0) return es_fail(err, ES_ERR_ARG, "tokenizer_encode_batch: text %zu has a negative length", i);
        if (lens[i] > 0 && !utf8) return es_fail(err, ES_ERR_ARG, "tokenizer_encode_batch: text is NULL");
        size_t start = tok->ids.n;
        es_status st = encode_one(tok, (const uint8_t *)utf8 + off, (size_t)lens[i], max_length, err);
        if (st != ES_OK) return st;
        if (tok->ids.n - start > INT32_MAX) return es_fail(err, ES_ERR_ARG, "tokenizer_encode_batch: text %zu is too long", i);
        lengths_out[i] = (int32_t)(tok->ids.n - start);
        off += (size_t)lens[i];
    }
    if (ids_out) *ids_out = tok->ids.v;
    if (n_ids_out) *n_ids_out = tok->ids.n;
    return ES_OK;
}

/* ------------------------------------------------------------------------------------------------
 * configuration */

static const char *FILE_TJ = "tokenizer.json";
static const char *FILE_VOCAB = "vocab.txt";
static const char *FILE_TC = "tokenizer_config.json";
static const char *FILE_SB = "sentence_bert_config.json";
static const char *FILE_STM = "special_tokens_map.json";

/* Parses a JSON file; NULL bytes -> *out = NULL, ok. Errors name the file and the byte offset. */
static es_status parse_json(tokenizer_bytes b, const char *name, cJSON **out, es_error *err) {
    *out = NULL;
    if (!b.data) return ES_OK;
    /* cJSON 1.7.15 may read one byte past the given length (parse_string on an object that ends
     * right after a comma): parse a NUL-terminated copy so that byte is ours. */
    char *text = malloc(b.size + 1);
    if (!text) return es_fail(err, ES_ERR_NOMEM, "%s: out of memory (%zu bytes)", name, b.size);
    if (b.size) memcpy(text, b.data, b.size);
    text[b.size] = '\0';
    const char *end = NULL;
    cJSON *j = cJSON_ParseWithLengthOpts(text, b.size, &end, 0);
    size_t at = end && end >= text && end <= text + b.size ? (size_t)(end - text) : 0;
    free(text);
    if (!j) {
        if (b.size == 0) return es_fail(err, ES_ERR_FORMAT, "%s is empty", name);
        return es_fail(err, ES_ERR_FORMAT, "%s is not valid JSON (parse error near byte %zu of %zu)", name, at, b.size);
    }
    if (!cJSON_IsObject(j)) {
        cJSON_Delete(j);
        return es_fail(err, ES_ERR_FORMAT, "%s: expected a JSON object at the top level", name);
    }
    *out = j;
    return ES_OK;
}

static int json_int(const cJSON *v, long long lo, long long hi, long long *out) {
    if (!cJSON_IsNumber(v)) return 0;
    double d = v->valuedouble;
    if (!(d >= (double)lo && d <= (double)hi) || d != floor(d)) return 0;
    *out = (long long)d;
    return 1;
}

/* A bool field: absent or null -> def; otherwise must be a bool. Returns -1 for a wrong type. */
static int json_bool(const cJSON *obj, const char *key, int def) {
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!v || cJSON_IsNull(v)) return def;
    if (cJSON_IsBool(v)) return cJSON_IsTrue(v) ? 1 : 0;
    return -1;
}

/* A token given as a string or as {"content": "..."} (serialized AddedToken); NULL otherwise. */
static const char *json_token_string(const cJSON *v) {
    if (cJSON_IsString(v)) return v->valuestring;
    if (cJSON_IsObject(v)) {
        const cJSON *c = cJSON_GetObjectItemCaseSensitive(v, "content");
        if (cJSON_IsString(c)) return c->valuestring;
    }
    return NULL;
}

static es_status add_vocab_entry(tokenizer *tok, const char *s, size_t len, int32_t id, const char *file, const char *where, es_error *err) {
    uint32_t off = 0, n = 0;
    int r = pool_add_utf8(tok, s, len, &off, &n);
    if (r < 0) return es_fail(err, ES_ERR_NOMEM, "%s: out of memory reading the vocabulary", file);
    if (r == 0) return es_fail(err, ES_ERR_FORMAT, "%s: %s is not valid UTF-8", file, where);
    table_put(&tok->full, tok->pool.v, off, n, id);
    if (tok->prefix_len && n > tok->prefix_len &&
        memcmp(tok->pool.v + off, tok->pool.v + tok->prefix_off, tok->prefix_len * sizeof(uint32_t)) == 0)
        table_put(&tok->cont, tok->pool.v, off + tok->prefix_len, n - tok->prefix_len, id);
    if (id + 1 > tok->vocab_size) tok->vocab_size = id + 1;
    return ES_OK;
}

static es_status set_prefix(tokenizer *tok, const char *prefix, const char *file, es_error *err) {
    uint32_t off = 0, n = 0;
    int r = pool_add_utf8(tok, prefix, strlen(prefix), &off, &n);
    if (r < 0) return es_fail(err, ES_ERR_NOMEM, "out of memory");
    if (r == 0) return es_fail(err, ES_ERR_FORMAT, "%s: continuing_subword_prefix is not valid UTF-8", file);
    tok->prefix_off = off;
    tok->prefix_len = n;
    return ES_OK;
}

static es_status add_added_token(tokenizer *tok, const char *content, int32_t id, int lstrip, int rstrip,
                                 int single_word, int normalized, int special, const char *file, es_error *err) {
    /* one entry per content: a later duplicate replaces an earlier one */
    added_token *a = realloc(tok->added, (tok->n_added + 1) * sizeof *a);
    if (!a) return es_fail(err, ES_ERR_NOMEM, "out of memory");
    tok->added = a;
    uint32_t off = 0, n = 0;
    int r = pool_add_utf8(tok, content, strlen(content), &off, &n);
    if (r < 0) return es_fail(err, ES_ERR_NOMEM, "out of memory");
    if (r == 0) return es_fail(err, ES_ERR_FORMAT, "%s: added token %d is not valid UTF-8", file, (int)id);
    if (n == 0) return ES_OK; /* an empty token never matches */
    added_token t = {off, n, id, (uint8_t)lstrip, (uint8_t)rstrip, (uint8_t)single_word, (uint8_t)(normalized != 0), (uint8_t)special};
    for (size_t i = 0; i < tok->n_added; i++) {
        added_token *o = &tok->added[i];
        if (o->len == n && memcmp(tok->pool.v + o->off, tok->pool.v + off, n * sizeof(uint32_t)) == 0) {
            *o = t;
            return ES_OK;
        }
    }
    tok->added[tok->n_added++] = t;
    if (id + 1 > tok->vocab_size) tok->vocab_size = id + 1;
    return ES_OK;
}

/* Normalized added tokens are matched against normalized text: store their normalized form. Runs
 * once the normalizer switches are final. */
static es_status finish_added(tokenizer *tok, es_error *err) {
    memset(tok->first_raw, 0, sizeof tok->first_raw);
    memset(tok->first_norm, 0, sizeof tok->first_norm);
    tok->has_raw_added = tok->has_norm_added = 0;
    for (size_t i = 0; i < tok->n_added; i++) {
        added_token *a = &tok->added[i];
        if (a->normalized) {
            cp_vec tmp = {0};
            /* the pool may move while normalizing into tmp: copy the content first */
            uint32_t *src = malloc(a->len * sizeof *src);
            if (!src) return es_fail(err, ES_ERR_NOMEM, "out of memory");
            memcpy(src, tok->pool.v + a->off, a->len * sizeof *src);
            es_status st = normalize(tok, src, a->len, &tmp, err);
            free(src);
            if (st != ES_OK) { free(tmp.v); return st; }
            uint32_t off = tmp.n ? pool_add(tok, tmp.v, tmp.n) : 0;
            free(tmp.v);
            if (off == UINT32_MAX) return es_fail(err, ES_ERR_NOMEM, "out of memory");
            a->off = off;
            a->len = (uint32_t)tmp.n;
            if (!a->len) continue;
        }
        uint32_t c = tok->pool.v[a->off];
        uint8_t *bits = a->normalized ? tok->first_norm : tok->first_raw;
        bits[(c & 255) >> 3] |= (uint8_t)(1u << (c & 7));
        if (a->normalized) tok->has_norm_added = 1;
        else tok->has_raw_added = 1;
    }
    return ES_OK;
}

static es_status set_specials(tokenizer *tok, const int32_t *pre, int npre, const int32_t *suf, int nsuf, es_error *err) {
    free(tok->pre_ids);
    free(tok->suf_ids);
    tok->pre_ids = malloc(((size_t)npre + 1) * sizeof(int32_t));
    tok->suf_ids = malloc(((size_t)nsuf + 1) * sizeof(int32_t));
    if (!tok->pre_ids || !tok->suf_ids) return es_fail(err, ES_ERR_NOMEM, "out of memory");
    for (int i = 0; i < npre + nsuf; i++) {
        int32_t id = i < npre ? pre[i] : suf[i - npre];
        if (id < 0 || id >= tok->vocab_size)
            return es_fail(err, ES_ERR_MODEL, "the post-processor adds id %d, outside the vocabulary (size %d)", (int)id, tok->vocab_size);
    }
    if (npre) memcpy(tok->pre_ids, pre, (size_t)npre * sizeof(int32_t));
    if (nsuf) memcpy(tok->suf_ids, suf, (size_t)nsuf * sizeof(int32_t));
    tok->p.n_prefix = npre;
    tok->p.n_suffix = nsuf;
    return ES_OK;
}

/* The post-processor of tokenizer.json: TemplateProcessing, BertProcessing, RobertaProcessing or null. */
static es_status parse_post_processor(tokenizer *tok, const cJSON *pp, es_error *err) {
    if (!pp || cJSON_IsNull(pp)) return set_specials(tok, NULL, 0, NULL, 0, err);
    const cJSON *type = cJSON_GetObjectItemCaseSensitive(pp, "type");
    if (!cJSON_IsString(type)) return es_fail(err, ES_ERR_FORMAT, "%s: post_processor has no type", FILE_TJ);
    if (!strcmp(type->valuestring, "BertProcessing") || !strcmp(type->valuestring, "RobertaProcessing")) {
        int32_t ids[2];
        const char *names[2] = {"cls", "sep"};
        for (int k = 0; k < 2; k++) {
            const cJSON *pair = cJSON_GetObjectItemCaseSensitive(pp, names[k]);
            long long v;
            if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 || !json_int(cJSON_GetArrayItem(pair, 1), 0, INT32_MAX, &v))
                return es_fail(err, ES_ERR_FORMAT, "%s: post_processor.%s must be [token, id]", FILE_TJ, names[k]);
            ids[k] = (int32_t)v;
        }
        return set_specials(tok, &ids[0], 1, &ids[1], 1, err);
    }
    if (strcmp(type->valuestring, "TemplateProcessing") != 0)
        return es_fail(err, ES_ERR_MODEL, "%s: post_processor type '%s' is not supported (TemplateProcessing, BertProcessing, RobertaProcessing)",
                       FILE_TJ, type->valuestring);
    const cJSON *single = cJSON_GetObjectItemCaseSensitive(pp, "single");
    const cJSON *specials = cJSON_GetObjectItemCaseSensitive(pp, "special_tokens");
    if (!cJSON_IsArray(single)) return es_fail(err, ES_ERR_FORMAT, "%s: post_processor.single must be an array", FILE_TJ);
    int32_t buf[2][64];
    int nb[2] = {0, 0}, side = 0, seen_seq = 0;
    const cJSON *item;
    cJSON_ArrayForEach(item, single) {
        const cJSON *seq = cJSON_GetObjectItemCaseSensitive(item, "Sequence");
        const cJSON *sp = cJSON_GetObjectItemCaseSensitive(item, "SpecialToken");
        if (seq) {
            if (seen_seq) return es_fail(err, ES_ERR_MODEL, "%s: post_processor.single uses the sequence twice", FILE_TJ);
            seen_seq = 1;
            side = 1;
        } else if (sp) {
            const cJSON *name = cJSON_GetObjectItemCaseSensitive(sp, "id");
            if (!cJSON_IsString(name)) return es_fail(err, ES_ERR_FORMAT, "%s: post_processor SpecialToken without an id", FILE_TJ);
            const cJSON *def = cJSON_GetObjectItemCaseSensitive(specials, name->valuestring);
            const cJSON *ids = cJSON_GetObjectItemCaseSensitive(def, "ids");
            if (!cJSON_IsArray(ids))
                return es_fail(err, ES_ERR_MODEL, "%s: post_processor special token '%s' has no ids in special_tokens", FILE_TJ, name->valuestring);
            const cJSON *idv;
            cJSON_ArrayForEach(idv, ids) {
                long long v;
                if (!json_int(idv, 0, INT32_MAX, &v)) return es_fail(err, ES_ERR_FORMAT, "%s: special token '%s' has a bad id", FILE_TJ, name->valuestring);
                if (nb[side] >= 64) return es_fail(err, ES_ERR_MODEL, "%s: too many special tokens in post_processor.single", FILE_TJ);
                buf[side][nb[side]++] = (int32_t)v;
            }
        } else {
            return es_fail(err, ES_ERR_FORMAT, "%s: post_processor.single items must be Sequence or SpecialToken", FILE_TJ);
        }
    }
    if (!seen_seq) return es_fail(err, ES_ERR_MODEL, "%s: post_processor.single never places the text ($A)", FILE_TJ);
    return set_specials(tok, buf[0], nb[0], buf[1], nb[1], err);
}

static es_status load_tokenizer_json(tokenizer *tok, const cJSON *root, es_error *err) {
    const cJSON *model = cJSON_GetObjectItemCaseSensitive(root, "model");
    if (!cJSON_IsObject(model)) return es_fail(err, ES_ERR_FORMAT, "%s has no \"model\" object", FILE_TJ);
    const cJSON *mtype = cJSON_GetObjectItemCaseSensitive(model, "type");
    if (mtype && !(cJSON_IsString(mtype) && !strcmp(mtype->valuestring, "WordPiece")))
        return es_fail(err, ES_ERR_MODEL, "%s: model type '%s' is not supported (only WordPiece, as BERT uses)", FILE_TJ,
                       cJSON_IsString(mtype) ? mtype->valuestring : "?");
    const cJSON *vocab = cJSON_GetObjectItemCaseSensitive(model, "vocab");
    if (!cJSON_IsObject(vocab)) return es_fail(err, ES_ERR_FORMAT, "%s: model.vocab must be an object {token: id}", FILE_TJ);
    int nv = cJSON_GetArraySize(vocab);
    if (nv <= 0) return es_fail(err, ES_ERR_MODEL, "%s: model.vocab is empty", FILE_TJ);

    const cJSON *pfx = cJSON_GetObjectItemCaseSensitive(model, "continuing_subword_prefix");
    if (pfx && !cJSON_IsNull(pfx) && !cJSON_IsString(pfx)) return es_fail(err, ES_ERR_FORMAT, "%s: continuing_subword_prefix must be a string", FILE_TJ);
    es_status st = set_prefix(tok, cJSON_IsString(pfx) ? pfx->valuestring : "##", FILE_TJ, err);
    if (st != ES_OK) return st;
    const cJSON *mc = cJSON_GetObjectItemCaseSensitive(model, "max_input_chars_per_word");
    if (mc && !cJSON_IsNull(mc)) {
        long long v;
        if (!json_int(mc, 0, INT32_MAX, &v)) return es_fail(err, ES_ERR_FORMAT, "%s: max_input_chars_per_word must be a whole number >= 0", FILE_TJ);
        tok->p.max_input_chars_per_word = (int)v;
    }
    if (!table_init(&tok->full, (size_t)nv) || !table_init(&tok->cont, (size_t)nv))
        return es_fail(err, ES_ERR_NOMEM, "%s: out of memory for %d vocabulary entries", FILE_TJ, nv);
    const cJSON *e;
    cJSON_ArrayForEach(e, vocab) {
        long long v;
        if (!e->string) return es_fail(err, ES_ERR_FORMAT, "%s: vocab entry without a name", FILE_TJ);
        if (!json_int(e, 0, INT32_MAX - 1, &v))
            return es_fail(err, ES_ERR_FORMAT, "%s: vocab entry \"%.40s\" must map to a whole number id >= 0", FILE_TJ, e->string);
        if ((st = add_vocab_entry(tok, e->string, strlen(e->string), (int32_t)v, FILE_TJ, "a vocab entry", err)) != ES_OK) return st;
    }
    const cJSON *unk = cJSON_GetObjectItemCaseSensitive(model, "unk_token");
    const char *unk_s = cJSON_IsString(unk) ? unk->valuestring : "[UNK]";
    if (unk && !cJSON_IsNull(unk) && !cJSON_IsString(unk)) return es_fail(err, ES_ERR_FORMAT, "%s: model.unk_token must be a string", FILE_TJ);
    tok->p.unk_id = tokenizer_token_to_id(tok, unk_s, strlen(unk_s));
    if (tok->p.unk_id < 0) return es_fail(err, ES_ERR_MODEL, "%s: unk_token '%.40s' is not in the vocabulary", FILE_TJ, unk_s);

    /* normalizer */
    const cJSON *nz = cJSON_GetObjectItemCaseSensitive(root, "normalizer");
    if (!nz || cJSON_IsNull(nz)) {
        tok->p.clean_text = tok->p.handle_chinese_chars = tok->p.strip_accents = tok->p.lowercase = 0;
    } else {
        const cJSON *nt = cJSON_GetObjectItemCaseSensitive(nz, "type");
        if (!cJSON_IsString(nt) || strcmp(nt->valuestring, "BertNormalizer") != 0)
            return es_fail(err, ES_ERR_MODEL, "%s: normalizer type '%s' is not supported (only BertNormalizer)", FILE_TJ,
                           cJSON_IsString(nt) ? nt->valuestring : "?");
        int ct = json_bool(nz, "clean_text", 1), hc = json_bool(nz, "handle_chinese_chars", 1);
        int lc = json_bool(nz, "lowercase", 1), sa = json_bool(nz, "strip_accents", -2);
        if (ct < 0 || hc < 0 || lc < 0 || sa == -1)
            return es_fail(err, ES_ERR_FORMAT, "%s: BertNormalizer switches must be true, false (or null for strip_accents)", FILE_TJ);
        tok->p.clean_text = ct;
        tok->p.handle_chinese_chars = hc;
        tok->p.lowercase = lc;
        tok->p.strip_accents = sa == -2 ? lc : sa; /* null: follows lowercase */
    }
    /* pre-tokenizer */
    const cJSON *pt = cJSON_GetObjectItemCaseSensitive(root, "pre_tokenizer");
    if (!pt || cJSON_IsNull(pt)) tok->bert_pretokenizer = 0;
    else {
        const cJSON *ptt = cJSON_GetObjectItemCaseSensitive(pt, "type");
        if (!cJSON_IsString(ptt) || strcmp(ptt->valuestring, "BertPreTokenizer") != 0)
            return es_fail(err, ES_ERR_MODEL, "%s: pre_tokenizer type '%s' is not supported (only BertPreTokenizer)", FILE_TJ,
                           cJSON_IsString(ptt) ? ptt->valuestring : "?");
        tok->bert_pretokenizer = 1;
    }
    /* added tokens */
    const cJSON *added = cJSON_GetObjectItemCaseSensitive(root, "added_tokens");
    if (added && !cJSON_IsNull(added)) {
        if (!cJSON_IsArray(added)) return es_fail(err, ES_ERR_FORMAT, "%s: added_tokens must be an array", FILE_TJ);
        const cJSON *a;
        cJSON_ArrayForEach(a, added) {
            const cJSON *content = cJSON_GetObjectItemCaseSensitive(a, "content");
            long long id;
            if (!cJSON_IsString(content) || !json_int(cJSON_GetObjectItemCaseSensitive(a, "id"), 0, INT32_MAX - 1, &id))
                return es_fail(err, ES_ERR_FORMAT, "%s: each added_tokens entry needs a string content and a whole number id", FILE_TJ);
            int special = json_bool(a, "special", 0);
            int ls = json_bool(a, "lstrip", 0), rs = json_bool(a, "rstrip", 0), sw = json_bool(a, "single_word", 0);
            int nm = json_bool(a, "normalized", !special);
            if (special < 0 || ls < 0 || rs < 0 || sw < 0 || nm < 0)
                return es_fail(err, ES_ERR_FORMAT, "%s: added token '%.40s' has a non-boolean flag", FILE_TJ, content->valuestring);
            if ((st = add_added_token(tok, content->valuestring, (int32_t)id, ls, rs, sw, nm, special, FILE_TJ, err)) != ES_OK) return st;
        }
    }
    return parse_post_processor(tok, cJSON_GetObjectItemCaseSensitive(root, "post_processor"), err);
}

/* The vocab.txt route: one token per line (id = line number), switches and specials from
 * tokenizer_config.json / special_tokens_map.json with BertTokenizer's defaults. */
static es_status load_vocab_txt(tokenizer *tok, tokenizer_bytes vb, const cJSON *tc, const cJSON *stm, es_error *err) {
    if (vb.size == 0) return es_fail(err, ES_ERR_FORMAT, "%s is empty", FILE_VOCAB);
    const char *s = (const char *)vb.data;
    size_t lines = 0;
    for (size_t i = 0; i < vb.size; i++) {
        if (s[i] == '\n') lines++;
        else if (s[i] == '\0')
            return es_fail(err, ES_ERR_FORMAT, "%s: line %zu contains a NUL byte (not a text vocabulary)", FILE_VOCAB, lines + 1);
    }
    if (s[vb.size - 1] != '\n') lines++;
    if (lines > INT32_MAX - 1) return es_fail(err, ES_ERR_FORMAT, "%s: too many lines", FILE_VOCAB);
    es_status st = set_prefix(tok, "##", FILE_VOCAB, err);
    if (st != ES_OK) return st;
    if (!table_init(&tok->full, lines) || !table_init(&tok->cont, lines))
        return es_fail(err, ES_ERR_NOMEM, "%s: out of memory for %zu lines", FILE_VOCAB, lines);
    size_t start = 0;
    int32_t id = 0;
    char where[48];
    while (start < vb.size) {
        size_t end = start;
        while (end < vb.size && s[end] != '\n') end++;
        size_t len = end - start;
        if (len && s[start + len - 1] == '\r') len--;
        snprintf(where, sizeof where, "line %d", (int)id + 1);
        if ((st = add_vocab_entry(tok, s + start, len, id, FILE_VOCAB, where, err)) != ES_OK) return st;
        id++;
        start = end + 1;
    }
    /* switches: BertTokenizer(do_lower_case=True, tokenize_chinese_chars=True, strip_accents=None) */
    int lc = json_bool(tc, "do_lower_case", 1), hc = json_bool(tc, "tokenize_chinese_chars", 1);
    int sa = json_bool(tc, "strip_accents", -2);
    if (lc < 0 || hc < 0 || sa == -1) return es_fail(err, ES_ERR_FORMAT, "%s: do_lower_case, tokenize_chinese_chars and strip_accents must be booleans", FILE_TC);
    tok->p.lowercase = lc;
    tok->p.handle_chinese_chars = hc;
    tok->p.strip_accents = sa == -2 ? lc : sa;
    tok->p.clean_text = 1;
    tok->bert_pretokenizer = 1;
    const cJSON *mc = cJSON_GetObjectItemCaseSensitive(tc, "max_input_chars_per_word");
    long long v;
    if (mc && json_int(mc, 0, INT32_MAX, &v)) tok->p.max_input_chars_per_word = (int)v;

    /* special tokens: special_tokens_map.json over tokenizer_config.json over the defaults */
    static const char *keys[5] = {"unk_token", "cls_token", "sep_token", "pad_token", "mask_token"};
    static const char *defs[5] = {"[UNK]", "[CLS]", "[SEP]", "[PAD]", "[MASK]"};
    int32_t ids[5];
    for (int k = 0; k < 5; k++) {
        const char *name = defs[k];
        const char *x = json_token_string(cJSON_GetObjectItemCaseSensitive(tc, keys[k]));
        if (x) name = x;
        x = json_token_string(cJSON_GetObjectItemCaseSensitive(stm, keys[k]));
        if (x) name = x;
        ids[k] = tokenizer_token_to_id(tok, name, strlen(name));
        if (ids[k] < 0 && k < 3)
            return es_fail(err, ES_ERR_MODEL, "%s: the %s '%.40s' is not in the vocabulary", FILE_VOCAB, keys[k], name);
        if (ids[k] >= 0 && (st = add_added_token(tok, name, ids[k], 0, 0, 0, 0, 1, FILE_VOCAB, err)) != ES_OK) return st;
    }
    tok->p.unk_id = ids[0];
    /* added_tokens_decoder: {"id": {"content": ..., "lstrip": ..., ...}} */
    const cJSON *atd = cJSON_GetObjectItemCaseSensitive(tc, "added_tokens_decoder");
    if (cJSON_IsObject(atd)) {
        const cJSON *a;
        cJSON_ArrayForEach(a, atd) {
            char *endp = NULL;
            long idv = a->string ? strtol(a->string, &endp, 10) : -1;
            const char *content = json_token_string(a);
            if (!content || idv < 0 || idv >= INT32_MAX || !endp || *endp)
                return es_fail(err, ES_ERR_FORMAT, "%s: added_tokens_decoder entries must be \"id\": {\"content\": ...}", FILE_TC);
            int special = json_bool(a, "special", 0);
            int ls = json_bool(a, "lstrip", 0), rs = json_bool(a, "rstrip", 0), sw = json_bool(a, "single_word", 0);
            int nm = json_bool(a, "normalized", !special);
            if (special < 0 || ls < 0 || rs < 0 || sw < 0 || nm < 0)
                return es_fail(err, ES_ERR_FORMAT, "%s: added token '%.40s' has a non-boolean flag", FILE_TC, content);
            if ((st = add_added_token(tok, content, (int32_t)idv, ls, rs, sw, nm, special, FILE_TC, err)) != ES_OK) return st;
        }
    }
    return set_specials(tok, &ids[1], 1, &ids[2], 1, err);
}

/* transformers' BertTokenizerFast re-creates the normalizer from tokenizer_config.json's
 * do_lower_case / strip_accents / tokenize_chinese_chars; we follow the keys that are present. */
static es_status apply_config_overrides(tokenizer *tok, const cJSON *tc, es_error *err) {
    if (!tc) return ES_OK;
    const cJSON *cls = cJSON_GetObjectItemCaseSensitive(tc, "tokenizer_class");
    if (cJSON_IsString(cls) && strncmp(cls->valuestring, "BertTokenizer", 13) != 0) return ES_OK;
    int lc = json_bool(tc, "do_lower_case", -2), hc = json_bool(tc, "tokenize_chinese_chars", -2);
    if (lc == -1 || hc == -1) return es_fail(err, ES_ERR_FORMAT, "%s: do_lower_case and tokenize_chinese_chars must be booleans", FILE_TC);
    if (lc >= 0) tok->p.lowercase = lc;
    if (hc >= 0) tok->p.handle_chinese_chars = hc;
    const cJSON *sa = cJSON_GetObjectItemCaseSensitive(tc, "strip_accents");
    if (sa) {
        if (cJSON_IsNull(sa)) tok->p.strip_accents = tok->p.lowercase;
        else if (cJSON_IsBool(sa)) tok->p.strip_accents = cJSON_IsTrue(sa);
        else return es_fail(err, ES_ERR_FORMAT, "%s: strip_accents must be true, false or null", FILE_TC);
    } else if (lc >= 0) {
        tok->p.strip_accents = tok->p.lowercase;
    }
    return ES_OK;
}

static es_status resolve_max_length(tokenizer *tok, const cJSON *root, const cJSON *tc, const cJSON *sb, es_error *err) {
    long long v;
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(sb, "max_seq_length");
    if (m && !cJSON_IsNull(m)) {
        if (!json_int(m, 1, INT32_MAX, &v)) return es_fail(err, ES_ERR_FORMAT, "%s: max_seq_length must be a whole number >= 1", FILE_SB);
        tok->p.max_length = (int)v;
        return ES_OK;
    }
    /* transformers writes a huge integer (1e30) when the model sets no limit */
    m = cJSON_GetObjectItemCaseSensitive(tc, "model_max_length");
    if (m && json_int(m, 1, 1000000, &v)) {
        tok->p.max_length = (int)v;
        return ES_OK;
    }
    const cJSON *tr = cJSON_GetObjectItemCaseSensitive(root, "truncation");
    m = cJSON_GetObjectItemCaseSensitive(tr, "max_length");
    if (m && json_int(m, 1, INT32_MAX, &v)) tok->p.max_length = (int)v;
    return ES_OK;
}

es_status tokenizer_create(const tokenizer_files *files, tokenizer **tok_out, es_error *err) {
    if (!tok_out) return es_fail(err, ES_ERR_ARG, "tokenizer_create: tok_out is NULL");
    *tok_out = NULL;
    if (!files || (!files->tokenizer_json.data && !files->vocab_txt.data))
        return es_fail(err, ES_ERR_MODEL, "the model folder has neither tokenizer.json nor vocab.txt");
    tokenizer *tok = calloc(1, sizeof *tok);
    if (!tok) return es_fail(err, ES_ERR_NOMEM, "out of memory");
    tok->p = tokenizer_default_params();
    for (int c = 0; c < 128; c++) {
        uint8_t a = 0;
        if ((c < 0x20 || c == 0x7F) && c != '\t' && c != '\n' && c != '\r') a |= A_CTRL;
        if (c == '\t' || c == '\n' || c == '\r' || c == ' ') a |= A_WS;
        if ((c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126)) a |= A_PUNCT;
        if (c >= 'A' && c <= 'Z') a |= A_UPPER;
        tok->ascii[c] = a;
    }
    cJSON *root = NULL, *tc = NULL, *sb = NULL, *stm = NULL;
    es_status st;
    if ((st = parse_json(files->tokenizer_config_json, FILE_TC, &tc, err)) != ES_OK) goto fail;
    if ((st = parse_json(files->sentence_bert_config_json, FILE_SB, &sb, err)) != ES_OK) goto fail;
    if ((st = parse_json(files->special_tokens_map_json, FILE_STM, &stm, err)) != ES_OK) goto fail;
    if (files->tokenizer_json.data) {
        if ((st = parse_json(files->tokenizer_json, FILE_TJ, &root, err)) != ES_OK) goto fail;
        if ((st = load_tokenizer_json(tok, root, err)) != ES_OK) goto fail;
        if ((st = apply_config_overrides(tok, tc, err)) != ES_OK) goto fail;
    } else {
        if ((st = load_vocab_txt(tok, files->vocab_txt, tc, stm, err)) != ES_OK) goto fail;
    }
    if ((st = resolve_max_length(tok, root, tc, sb, err)) != ES_OK) goto fail;
    if ((st = finish_added(tok, err)) != ES_OK) goto fail;
    {
        uint32_t ml = tok->full.max_len > tok->cont.max_len ? tok->full.max_len : tok->cont.max_len;
        tok->hbuf = malloc(((size_t)ml + 1) * sizeof *tok->hbuf);
        if (!tok->hbuf) { st = es_fail(err, ES_ERR_NOMEM, "out of memory"); goto fail; }
    }
    cJSON_Delete(root);
    cJSON_Delete(tc);
    cJSON_Delete(sb);
    cJSON_Delete(stm);
    *tok_out = tok;
    return ES_OK;
fail:
    cJSON_Delete(root);
    cJSON_Delete(tc);
    cJSON_Delete(sb);
    cJSON_Delete(stm);
    tokenizer_free(tok);
    return st;
}
