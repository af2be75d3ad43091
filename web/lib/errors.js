// errors.js — the errors and status codes of the JS API. No imports: modules that only need these
// (the map file format, text and .npy parsing, keywords, the web component) stay free of the engine.

/** An error reported by the engine or by the JS layer for a user mistake (never a bug). */
export class EmbedscapeError extends Error {
  /** @param {string} message @param {{status?: number, cause?: unknown}} [opts] */
  constructor(message, opts = {}) {
    super(message, opts.cause !== undefined ? { cause: opts.cause } : undefined);
    this.name = 'EmbedscapeError';
    /** engine status code (see wasm/src/status.h), 0 when the error comes from JS */
    this.status = opts.status ?? 0;
  }
}

/** Engine status codes (wasm/src/status.h); EmbedscapeError.status holds one of them. */
export const STATUS = Object.freeze({
  OK: 0, NOMEM: 1, ARG: 2, FORMAT: 3, MODEL: 4, NUMERIC: 5, CANCELLED: 6, INTERNAL: 7,
});

/**
 * What a cancelled call rejects with: the signal's own reason (as fetch() and the DOM do), else a
 * DOMException named AbortError.
 * @param {AbortSignal} [signal] @param {string} [message]
 */
export function abortError(signal, message = 'This operation was aborted') {
  if (signal?.aborted && signal.reason !== undefined) return signal.reason;
  return new DOMException(message, 'AbortError');
}

/** True for what abortError() makes (and any error named AbortError). */
export const isAbortError = (e) => !!e && (e.name === 'AbortError' || e.name === 'TimeoutError');

/** Throws abortError(signal) when the signal has fired. */
export function throwIfAborted(signal) {
  if (signal?.aborted) throw abortError(signal);
}
