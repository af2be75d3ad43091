// safetensors.js — reading, writing and converting safetensors files in plain JavaScript, for
// `embedscape convert` (smaller f16 / q8 copies of a model folder) and the test models. The engine has
// its own strict reader (wasm/src/safetensors.c); this one only needs to be right about the files we
// write. No engine, no Node built-ins.

import { EmbedscapeError } from './errors.js';

const ST_SIZES = { BOOL: 1, U8: 1, I8: 1, I16: 2, U16: 2, F16: 2, BF16: 2, I32: 4, U32: 4, F32: 4, F64: 8, I64: 8, U64: 8 };

/**
 * Reads the header of a safetensors file (the engine does the strict checks when it loads).
 * @param {Uint8Array} bytes
 * @returns {{tensors: {name: string, dtype: string, shape: number[], bytes: Uint8Array}[], metadata: object|null}}
 */
export function parseSafetensors(bytes) {
  if (bytes.length < 8) throw new EmbedscapeError('model.safetensors is too short');
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const hlen = Number(dv.getBigUint64(0, true));
  if (hlen > bytes.length - 8) throw new EmbedscapeError('model.safetensors: header length exceeds the file');
  let header;
  try { header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + hlen))); } catch (e) {
    throw new EmbedscapeError(`model.safetensors: the header is not valid JSON (${e.message})`);
  }
  const base = 8 + hlen, tensors = [];
  for (const [name, t] of Object.entries(header)) {
    if (name === '__metadata__') continue;
    const [b, e] = t.data_offsets ?? [];
    const n = (t.shape ?? []).reduce((a, x) => a * x, 1);
    if (!ST_SIZES[t.dtype] || !(b <= e) || base + e > bytes.length || n * ST_SIZES[t.dtype] !== e - b) {
      throw new EmbedscapeError(`model.safetensors: tensor '${name}' has a bad dtype, shape or data_offsets`);
    }
    tensors.push({ name, dtype: t.dtype, shape: t.shape, bytes: bytes.subarray(base + b, base + e) });
  }
  return { tensors, metadata: header.__metadata__ ?? null };
}

/**
 * Writes a safetensors file. Data is laid out in the given order, 8-byte aligned header.
 * @param {{name: string, dtype: string, shape: number[], bytes: Uint8Array}[]} tensors
 * @param {Record<string, string>} [metadata]
 */
export function writeSafetensors(tensors, metadata) {
  const header = {};
  if (metadata) header.__metadata__ = metadata;
  let off = 0;
  for (const t of tensors) {
    header[t.name] = { dtype: t.dtype, shape: t.shape, data_offsets: [off, off + t.bytes.length] };
    off += t.bytes.length;
  }
  let h = JSON.stringify(header);
  h += ' '.repeat((8 - ((8 + h.length) % 8)) % 8);
  const hb = new TextEncoder().encode(h);
  const out = new Uint8Array(8 + hb.length + off);
  new DataView(out.buffer).setBigUint64(0, BigInt(hb.length), true);
  out.set(hb, 8);
  let o = 8 + hb.length;
  for (const t of tensors) { out.set(t.bytes, o); o += t.bytes.length; }
  return out;
}

const f32buf = new Float32Array(1), u32buf = new Uint32Array(f32buf.buffer);

/** float → IEEE half bits, round to nearest even (overflow → ±Inf). */
export function f32ToF16Bits(x) {
  f32buf[0] = x;
  const bits = u32buf[0], sign = (bits >>> 16) & 0x8000, ax = bits & 0x7fffffff;
  if (ax >= 0x7f800000) return sign | 0x7c00 | (ax > 0x7f800000 ? 0x200 : 0);
  if (ax >= 0x477ff000) return sign | 0x7c00;
  if (ax < 0x38800000) {
    if (ax < 0x33000000) return sign;
    const e = ax >>> 23, man = (ax & 0x7fffff) | 0x800000, shift = 126 - e;
    let half = man >>> shift;
    const rem = man & ((1 << shift) - 1), mid = 1 << (shift - 1);
    if (rem > mid || (rem === mid && (half & 1))) half++;
    return sign | half;
  }
  let h = (ax - 0x38000000) >>> 13;
  const rem = ax & 0x1fff;
  if (rem > 0x1000 || (rem === 0x1000 && (h & 1))) h++;
  return sign | h;
}

/** IEEE half bits → float. */
export function f16BitsToF32(h) {
  const s = h & 0x8000 ? -1 : 1, e = (h >> 10) & 0x1f, m = h & 0x3ff;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
}

/** float → bfloat16 bits, round to nearest even. */
export function f32ToBf16Bits(x) {
  f32buf[0] = x;
  const b = u32buf[0];
  if ((b & 0x7fffffff) > 0x7f800000) return (b >>> 16) | 0x40;
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

function tensorToF32(t) {
  const n = t.shape.reduce((a, x) => a * x, 1), out = new Float32Array(n);
  const dv = new DataView(t.bytes.buffer, t.bytes.byteOffset, t.bytes.byteLength);
  if (t.dtype === 'F32') for (let i = 0; i < n; i++) out[i] = dv.getFloat32(4 * i, true);
  else if (t.dtype === 'F16') for (let i = 0; i < n; i++) out[i] = f16BitsToF32(dv.getUint16(2 * i, true));
  else if (t.dtype === 'BF16') for (let i = 0; i < n; i++) { u32buf[0] = dv.getUint16(2 * i, true) << 16; out[i] = f32buf[0]; }
  else if (t.dtype === 'F64') for (let i = 0; i < n; i++) out[i] = dv.getFloat64(8 * i, true);
  else return null;
  return out;
}

function f32Bytes(a) {
  const out = new Uint8Array(a.length * 4), dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setFloat32(4 * i, a[i], true);
  return out;
}

function f16Bytes(a) {
  const out = new Uint8Array(a.length * 2), dv = new DataView(out.buffer);
  for (let i = 0; i < a.length; i++) dv.setUint16(2 * i, f32ToF16Bits(a[i]), true);
  return out;
}

/** The linear-layer weights q8 stores as int8 (everything the GEMMs multiply by). */
const Q8_WEIGHT = /(^|\.)encoder\.layer\.\d+\.(attention\.self\.(query|key|value)|attention\.output\.dense|intermediate\.dense|output\.dense)\.weight$/;

/**
 * Per-output-row int8 quantisation, as the engine does it: scale = max|w_row| / 127,
 * q = round-half-even(w · (127 / max|w_row|)), so q · scale ≈ w.
 * @param {Float32Array} w (rows, cols) @returns {{q: Int8Array, scale: Float32Array}}
 */
export function quantizeRowsQ8(w, rows, cols) {
  const q = new Int8Array(rows * cols), scale = new Float32Array(rows);
  const f = Math.fround;
  for (let i = 0; i < rows; i++) {
    let mx = 0;
    for (let j = 0; j < cols; j++) mx = Math.max(mx, Math.abs(w[i * cols + j]));
    const inv = mx > 0 ? f(127 / mx) : 0;
    scale[i] = f(mx / 127);
    for (let j = 0; j < cols; j++) {
      const v = f(w[i * cols + j] * inv);
      let r = Math.round(v);
      if (r - v === 0.5 && (r & 1)) r -= 1; // half to even
      q[i * cols + j] = Math.max(-127, Math.min(127, r));
    }
  }
  return { q, scale };
}

/**
 * A smaller copy of model.safetensors. f16: every float tensor as F16. q8: the linear-layer weights
 * of the encoder as I8 with a per-output-row F32 scale tensor named `<weight name>_scale`
 * (value = int8 × scale), embeddings as F16, LayerNorm parameters and biases kept F32.
 * @param {Uint8Array} bytes model.safetensors @param {'f16'|'q8'} dtype
 * @returns {Uint8Array}
 */
export function convertSafetensors(bytes, dtype) {
  if (dtype !== 'f16' && dtype !== 'q8') throw new EmbedscapeError(`convert: dtype must be f16 or q8, got '${dtype}'`);
  const { tensors, metadata } = parseSafetensors(bytes);
  const out = [];
  for (const t of tensors) {
    const v = tensorToF32(t);
    if (!v) { out.push(t); continue; } // integer buffers (e.g. position_ids) as they are
    if (dtype === 'q8' && Q8_WEIGHT.test(t.name) && t.shape.length === 2) {
      const [rows, cols] = t.shape;
      const { q, scale } = quantizeRowsQ8(v, rows, cols);
      out.push({ name: t.name, dtype: 'I8', shape: t.shape, bytes: new Uint8Array(q.buffer) });
      out.push({ name: `${t.name}_scale`, dtype: 'F32', shape: [rows], bytes: f32Bytes(scale) });
    } else if (dtype === 'f16' || (t.shape.length === 2 && /embeddings\./.test(t.name))) {
      out.push({ name: t.name, dtype: 'F16', shape: t.shape, bytes: f16Bytes(v) });
    } else {
      out.push({ name: t.name, dtype: 'F32', shape: t.shape, bytes: f32Bytes(v) });
    }
  }
  return writeSafetensors(out, { ...(metadata ?? {}), format: 'pt', 'embedscape.dtype': dtype });
}

