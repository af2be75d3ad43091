/* api.h — the only place that knows about Emscripten. The flat functions JS calls live in
 * wasm/src/api_<stage>.c, marked ES_EXPORT so that the linker exports them without a list in the
 * build; natively ES_EXPORT is empty and the same files compile into the C tests.
 *
 * Conventions for every exported function:
 *   - returns an es_status (0 = ok) or a value where no failure is possible;
 *   - results come back through out-pointers the caller allocated (or through a handle with
 *     accessors); the caller frees what it allocated with free();
 *   - on failure the message is kept in the instance's last error: es_last_error_message().
 */
#ifndef EMBEDSCAPE_API_H
#define EMBEDSCAPE_API_H

#include "status.h"

#ifdef __EMSCRIPTEN__
#include <emscripten/emscripten.h>
#define ES_EXPORT EMSCRIPTEN_KEEPALIVE
#else
#define ES_EXPORT
#endif

/* The error record of this engine instance. One wasm instance serves one caller (a worker), so the
 * flat API keeps the last failure here for JS to read; stages themselves take an es_error *. */
es_error *es_api_error(void);

/* Clears the last error and returns it, for an exported function to hand to the stage it calls:
 *     ES_EXPORT int es_thing_run(...) { es_error *err = es_api_begin(); return es_api_return(thing_run(..., err)); } */
es_error *es_api_begin(void);

/* Convenience for api_*.c: returns st after clearing the message on success. */
es_status es_api_return(es_status st);

#endif
