// engine.js — one instance of the WebAssembly engine and the few helpers every stage needs to call it:
// copying typed arrays in and out of the wasm heap, C strings, and turning a failed status into an
// Error carrying the engine's own message. The worker-side stage modules (tokenizer.js, bert.js,
// umap.js, ...) are thin users of this class; nothing else touches the Emscripten module, and nothing
// on the main side (web/lib/) imports this file.
//
// Heap views are re-read on every access: memory growth replaces the underlying buffer. Pointers are
// unsigned 32-bit (the module may grow past 2 GiB), hence `>>> 0` before indexing.

import createEngineModule from '../engine/engine.mjs';
import { EmbedscapeError, STATUS } from '../lib/errors.js';

export { EmbedscapeError, STATUS };

const utf8 = new TextEncoder();

export class Engine {
  /** @param {any} module the instantiated Emscripten module */
  constructor(module) {
    this.M = module;
  }

  // ------------------------------------------------------------------ heap views
  get u8() { return this.M.HEAPU8; }
  get i8() { return this.M.HEAP8; }
  get i16() { return this.M.HEAP16; }
  get i32() { return this.M.HEAP32; }
  get u32() { return this.M.HEAPU32; }
  get f32() { return this.M.HEAPF32; }
  get f64() { return this.M.HEAPF64; }

  // ------------------------------------------------------------------ calls and errors
  /** Message of the last failure inside the engine. */
  lastError() {
    return this.M.UTF8ToString(this.M._es_last_error_message());
  }

  /**
   * Throws an EmbedscapeError with the engine's message unless status is 0.
   * @param {number} status @param {string} [context] prefix for the message, e.g. 'tokenizer.json'
   */
  check(status, context) {
    if (status === 0) return;
    const msg = this.lastError() || `engine status ${status}`;
    if (status === STATUS.CANCELLED) throw new DOMException(msg, 'AbortError');
    throw new EmbedscapeError(context ? `${context}: ${msg}` : msg, { status });
  }

  /**
   * Calls an exported function `_name` and checks its status.
   * @param {string} name exported C name without the leading underscore
   * @param {...number} args
   */
  call(name, ...args) {
    const fn = this.M['_' + name];
    if (typeof fn !== 'function') throw new EmbedscapeError(`engine has no function ${name} (rebuild with ./build.sh)`);
    this.check(fn(...args));
  }

  /** Calls an exported function and returns its raw result. */
  raw(name, ...args) {
    const fn = this.M['_' + name];
    if (typeof fn !== 'function') throw new EmbedscapeError(`engine has no function ${name} (rebuild with ./build.sh)`);
    return fn(...args);
  }

  // ------------------------------------------------------------------ memory
  /** Allocates n bytes (n may be 0: a valid, freeable pointer is still returned). */
  malloc(n) {
    const p = this.M._malloc(Math.max(1, n)) >>> 0;
    if (p === 0) throw new EmbedscapeError(`out of memory allocating ${n} bytes in the engine`, { status: STATUS.NOMEM });
    return p;
  }

  free(p) {
    if (p) this.M._free(p);
  }

  /** Copies a typed array (or ArrayBuffer) into a fresh allocation; returns its pointer. */
  copyIn(data) {
    const bytes = data instanceof Uint8Array ? data
      : ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
        : new Uint8Array(data);
    const p = this.malloc(bytes.length);
    this.u8.set(bytes, p);
    return p;
  }

  /** A NUL-terminated UTF-8 copy of a JS string; free it with free(). */
  cstr(s) {
    const bytes = utf8.encode(s);
    const p = this.malloc(bytes.length + 1);
    this.u8.set(bytes, p);
    this.u8[p + bytes.length] = 0;
    return p;
  }

  /** Reads a NUL-terminated UTF-8 string. */
  str(p) {
    return this.M.UTF8ToString(p);
  }

  /** Copies n float32 values out of the heap. */
  readF32(p, n) { return this.f32.slice(p >>> 2, (p >>> 2) + n); }
  /** Copies n float64 values out of the heap. */
  readF64(p, n) { return this.f64.slice(p >>> 3, (p >>> 3) + n); }
  /** Copies n int32 values out of the heap. */
  readI32(p, n) { return this.i32.slice(p >>> 2, (p >>> 2) + n); }
  /** Copies n bytes out of the heap. */
  readU8(p, n) { return this.u8.slice(p, p + n); }
  /** Reads one int32 / uint32 / float32 / float64 at p. */
  getI32(p) { return this.i32[p >>> 2]; }
  getU32(p) { return this.u32[p >>> 2]; }
  getF32(p) { return this.f32[p >>> 2]; }
  getF64(p) { return this.f64[p >>> 3]; }

  /**
   * Runs fn with temporary allocations that are freed afterwards, whatever happens.
   * @template T @param {(alloc: (n:number)=>number, copy: (d:any)=>number) => T} fn
   */
  scoped(fn) {
    const ptrs = [];
    const alloc = (n) => { const p = this.malloc(n); ptrs.push(p); return p; };
    const copy = (d) => { const p = this.copyIn(d); ptrs.push(p); return p; };
    try {
      return fn(alloc, copy);
    } finally {
      for (const p of ptrs) this.free(p);
    }
  }

  /** Bytes currently reserved by the wasm memory (grows, never shrinks). */
  heapSize() { return this.u8.length; }

  /** Bytes of the heap in use by allocations (what a leak makes grow). */
  heapInUse() { return this.raw('es_heap_in_use'); }

  /** True when the engine was built with 128-bit SIMD kernels. */
  hasSimd() { return this.raw('es_has_simd') === 1; }

  version() { return this.str(this.raw('es_version')); }
}

/**
 * Instantiates a fresh engine. Each call is an independent wasm instance with its own memory.
 * @returns {Promise<Engine>}
 */
export async function createEngine() {
  const M = await createEngineModule({
    print: (s) => console.log(s),
    printErr: (s) => console.error(s),
  });
  return new Engine(M);
}
