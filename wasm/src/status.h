/* status.h — the one status enum every stage returns, and the error record that carries a readable
 * message with it.
 *
 * Basic usage:
 *     es_error err = {0};
 *     es_status st = tokenizer_create_from_json(bytes, n, NULL, &tok_out, &err);
 *     if (st != ES_OK) printf("%s: %s\n", es_status_string(st), err.message);
 *
 * Stages never print, exit or abort: they fill the caller's es_error (which may be NULL) and return.
 */
#ifndef EMBEDSCAPE_STATUS_H
#define EMBEDSCAPE_STATUS_H

#include <stddef.h>

typedef enum es_status {
    ES_OK = 0,
    ES_ERR_NOMEM = 1,     /* an allocation failed */
    ES_ERR_ARG = 2,       /* a caller passed an invalid argument or option */
    ES_ERR_FORMAT = 3,    /* a file (JSON, safetensors, vocab, npy) is malformed */
    ES_ERR_MODEL = 4,     /* a model folder is inconsistent: missing tensor, wrong shape, bad config */
    ES_ERR_NUMERIC = 5,   /* NaN or Inf in the input */
    ES_ERR_CANCELLED = 6, /* the caller asked to stop */
    ES_ERR_INTERNAL = 7   /* a bug: an invariant did not hold */
} es_status;

#define ES_ERROR_MESSAGE_MAX 512

typedef struct es_error {
    es_status status;
    char message[ES_ERROR_MESSAGE_MAX];
} es_error;

/* A static English name for a status ("out of memory", ...). Never NULL. */
const char *es_status_string(es_status st);

/* Records st and a printf-style message in err (if err is not NULL) and returns st, so that a
 * failing path reads `return es_fail(err, ES_ERR_ARG, "n_neighbors must be >= 2, got %d", k);`. */
es_status es_fail(es_error *err, es_status st, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Clears err to ES_OK with an empty message. */
void es_error_clear(es_error *err);

#endif
