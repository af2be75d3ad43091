/* api_core.c — instance-wide exports: version, last error, build facts. */
#include "api.h"

#include <malloc.h>
#include <string.h>

static es_error g_last_error; /* one per wasm instance; see api.h */

es_error *es_api_error(void) { return &g_last_error; }

es_error *es_api_begin(void) {
    es_error_clear(&g_last_error);
    return &g_last_error;
}

es_status es_api_return(es_status st) {
    if (st == ES_OK) es_error_clear(&g_last_error);
    else if (g_last_error.status != st || g_last_error.message[0] == '\0') {
        /* a stage returned a status without a message: keep at least its name */
        g_last_error.status = st;
        strncpy(g_last_error.message, es_status_string(st), sizeof g_last_error.message - 1);
        g_last_error.message[sizeof g_last_error.message - 1] = '\0';
    }
    return st;
}

ES_EXPORT const char *es_last_error_message(void) { return g_last_error.message; }

ES_EXPORT const char *es_version(void) { return "0.1.0"; }

/* 1 when this build's kernels use 128-bit wasm SIMD, 0 for the scalar fallback. */
ES_EXPORT int es_has_simd(void) {
#ifdef __wasm_simd128__
    return 1;
#else
    return 0;
#endif
}

/* Bytes the allocator has handed out and not had back (dlmalloc's mallinfo): what a leak makes grow,
 * while the wasm memory itself only ever grows. */
ES_EXPORT double es_heap_in_use(void) {
    struct mallinfo mi = mallinfo();
    return (double)mi.uordblks;
}
