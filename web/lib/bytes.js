// bytes.js — the one conversion from what callers hand over (bytes, buffers, strings, Blobs) to the
// Uint8Array the engine copies in.

import { EmbedscapeError } from './errors.js';

const encoder = new TextEncoder();

/** Uint8Array view of bytes, an ArrayBuffer, any typed array, or a string's UTF-8; null for null/undefined. */
export function toBytes(v, name = 'file') {
  if (v == null) return null;
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  if (v instanceof ArrayBuffer) return new Uint8Array(v);
  if (typeof v === 'string') return encoder.encode(v);
  throw new EmbedscapeError(`${name}: expected bytes (Uint8Array/ArrayBuffer), a Blob or a string`);
}

/** The same for a map of files, reading Blobs: {name: Uint8Array}. */
export async function filesToBytes(files) {
  if (!files || typeof files !== 'object') throw new EmbedscapeError('model files must be an object {name: bytes}');
  const out = {};
  for (const [k, v] of Object.entries(files)) {
    out[k] = typeof Blob !== 'undefined' && v instanceof Blob ? new Uint8Array(await v.arrayBuffer()) : toBytes(v, k);
  }
  return out;
}
