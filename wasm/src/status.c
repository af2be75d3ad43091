#include "status.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

const char *es_status_string(es_status st) {
    switch (st) {
    case ES_OK: return "ok";
    case ES_ERR_NOMEM: return "out of memory";
    case ES_ERR_ARG: return "invalid argument";
    case ES_ERR_FORMAT: return "malformed input";
    case ES_ERR_MODEL: return "invalid model";
    case ES_ERR_NUMERIC: return "non-finite number";
    case ES_ERR_CANCELLED: return "cancelled";
    case ES_ERR_INTERNAL: return "internal error";
    }
    return "unknown status";
}

es_status es_fail(es_error *err, es_status st, const char *fmt, ...) {
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        err->status = st;
        vsnprintf(err->message, sizeof err->message, fmt, ap);
        va_end(ap);
    }
    return st;
}

void es_error_clear(es_error *err) {
    if (err) {
        err->status = ES_OK;
        err->message[0] = '\0';
    }
}
