// mapbinary.js — the saved map as one binary file (".embedscape"), for maps too big for JSON: a
// million points open in a second, with no giant parse. The same content as the JSON map
// (mapfile.js), columnar:
//
//   bytes 0..7   magic 89 45 53 4D 41 50 0D 0A  ("\x89ESMAP\r\n": a text-mode transfer breaks it visibly)
//   bytes 8..11  header length H (uint32, little-endian)
//   H bytes      header, UTF-8 JSON: {format: "embedscape-map", version: 1, encoding: "binary", n,
//                created, model, params, clusters, columns: [{name, type: "number"|"string"}],
//                sections: [{name, type: "f32"|"f64"|"i32"|"u32"|"u8", offset, length}]}
//   sections     each at an offset that is a multiple of 8 (from the start of the file), length in bytes:
//                x, y (f32 n), labels (i32 n), probabilities (f32 n), outlier_scores (f32 n, optional),
//                texts.utf8 (u8: every text's UTF-8, one after the other), texts.bytes and texts.chars
//                (u32 n + 1: where text i starts in texts.utf8, in bytes and in UTF-16 units),
//                for each column k: column.k (f64 n, NaN = missing) when it holds numbers, else
//                column.k.utf8 / column.k.bytes / column.k.chars like the texts, and column.k.missing
//                (u8 n, 1 = no value).
//
// Readers check everything as hostile input (a map file is something people mail around): every
// section inside the file, offsets that only grow, finite coordinates, labels >= -1, probabilities
// in [0, 1]; a violation names the field and the index. Texts are decoded in slices (a few MB at a
// time, then cut by their UTF-16 offsets), so the async reader never holds the thread for long.

import { EmbedscapeError } from './errors.js';
import { MAP_FORMAT, MAP_VERSION, checkColumns } from './mapfile.js';

export const MAP_BINARY_MAGIC = Uint8Array.from([0x89, 0x45, 0x53, 0x4d, 0x41, 0x50, 0x0d, 0x0a]);
const TYPES = { f32: [Float32Array, 4], f64: [Float64Array, 8], i32: [Int32Array, 4], u32: [Uint32Array, 4], u8: [Uint8Array, 1] };
const SLICE_BYTES = 1 << 20; // texts decoded this many bytes at a time

/** True when the bytes start like a binary map. */
export function isMapBinary(bytes) {
  const b = bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes);
  return b.length >= 8 && MAP_BINARY_MAGIC.every((v, i) => b[i] === v);
}

const fail = (msg) => { throw new EmbedscapeError(`map file: ${msg}`); };

// ------------------------------------------------------------------------------------------ writing

/** Strings as {utf8, bytes, chars}: their UTF-8 one after the other and where each starts. */
function* packStrings(list, n, missing) {
  const enc = new TextEncoder();
  const bytes = new Uint32Array(n + 1), chars = new Uint32Array(n + 1);
  let buf = new Uint8Array(Math.max(1024, n * 16)), used = 0, nchars = 0;
  for (let i = 0; i < n; i++) {
    const v = list[i];
    const s = v === null || v === undefined ? '' : String(v);
    if (missing) missing[i] = v === null || v === undefined ? 1 : 0;
    if (used + 3 * s.length > buf.length) {
      const bigger = new Uint8Array(Math.max(2 * buf.length, used + 3 * s.length + 1024));
      bigger.set(buf.subarray(0, used));
      buf = bigger;
    }
    used += enc.encodeInto(s, buf.subarray(used)).written;
    nchars += s.length;
    bytes[i + 1] = used;
    chars[i + 1] = nchars;
    if (i % 20000 === 19999) yield;
  }
  return { utf8: buf.subarray(0, used), bytes, chars };
}

function* writeParts(m) {
  const n = m.texts.length;
  if (m.xy.n !== n || m.xy.dim < 2) throw new EmbedscapeError(`map: ${n} texts but coordinates for ${m.xy.n} points of ${m.xy.dim} dimensions`);
  if (m.labels.length !== n) throw new EmbedscapeError(`map: ${n} texts but ${m.labels.length} labels`);
  const sections = [];
  const add = (name, type, arr) => sections.push({ name, type, arr });
  const x = new Float32Array(n), y = new Float32Array(n);
  for (let i = 0; i < n; i++) { x[i] = m.xy.data[i * m.xy.dim]; y[i] = m.xy.data[i * m.xy.dim + 1]; }
  add('x', 'f32', x); add('y', 'f32', y);
  add('labels', 'i32', Int32Array.from(m.labels));
  add('probabilities', 'f32', m.probabilities ? Float32Array.from(m.probabilities) : new Float32Array(n).fill(1));
  if (m.outlierScores) add('outlier_scores', 'f32', Float32Array.from(m.outlierScores));
  yield;
  const t = yield* packStrings(m.texts, n, null);
  add('texts.utf8', 'u8', t.utf8); add('texts.bytes', 'u32', t.bytes); add('texts.chars', 'u32', t.chars);
  const columns = [];
  (m.columns ?? []).forEach((c, k) => {
    columns.push({ name: c.name, type: c.type });
  });
  for (let k = 0; k < (m.columns ?? []).length; k++) {
    const c = m.columns[k];
    if (c.values.length !== n) throw new EmbedscapeError(`map: column "${c.name}" has ${c.values.length} values for ${n} texts`);
    if (c.type === 'number') {
      const v = new Float64Array(n);
      for (let i = 0; i < n; i++) v[i] = c.values[i] === null || c.values[i] === undefined ? NaN : Number(c.values[i]);
      add(`column.${k}`, 'f64', v);
    } else {
      const missing = new Uint8Array(n);
      const s = yield* packStrings(c.values, n, missing);
      add(`column.${k}.utf8`, 'u8', s.utf8); add(`column.${k}.bytes`, 'u32', s.bytes); add(`column.${k}.chars`, 'u32', s.chars);
      add(`column.${k}.missing`, 'u8', missing);
    }
    yield;
  }
  const header = {
    format: MAP_FORMAT, version: MAP_VERSION, encoding: 'binary', n,
    created: new Date().toISOString(), model: m.model ?? null, params: m.params ?? {},
    clusters: m.clusters ?? [], columns, sections: [],
  };
  // offsets depend on the header's length, which depends on the offsets: lay out twice
  let headerBytes;
  for (let round = 0; round < 3; round++) {
    headerBytes = new TextEncoder().encode(JSON.stringify(header));
    let off = align8(12 + headerBytes.length);
    header.sections = sections.map((s) => { const e = { name: s.name, type: s.type, offset: off, length: s.arr.byteLength }; off = align8(off + s.arr.byteLength); return e; });
  }
  headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const total = header.sections.length ? align8(header.sections.at(-1).offset + header.sections.at(-1).length) : align8(12 + headerBytes.length);
  const out = new Uint8Array(total);
  out.set(MAP_BINARY_MAGIC, 0);
  new DataView(out.buffer).setUint32(8, headerBytes.length, true);
  out.set(headerBytes, 12);
  if (align8(12 + headerBytes.length) > header.sections[0].offset) throw new EmbedscapeError('map: binary layout error');
  sections.forEach((s, i) => out.set(new Uint8Array(s.arr.buffer, s.arr.byteOffset, s.arr.byteLength), header.sections[i].offset));
  return out;
}

const align8 = (v) => Math.ceil(v / 8) * 8;

/**
 * The binary map of {texts, xy, labels, probabilities?, outlierScores?, clusters?, columns?, params?, model?}
 * (the fields of createMapFile, plus columns: [{name, type: 'number'|'string', values}]).
 * @returns {Uint8Array}
 */
export function formatMapBinary(m) {
  const g = writeParts(m);
  for (;;) { const r = g.next(); if (r.done) return r.value; }
}

/** formatMapBinary, giving the thread back (await pause()) between slices of the work. */
export async function formatMapBinaryAsync(m, pause = () => new Promise((r) => setTimeout(r, 0))) {
  const g = writeParts(m);
  for (;;) { const r = g.next(); if (r.done) return r.value; await pause(); }
}

// ------------------------------------------------------------------------------------------ reading

function readHeader(b) {
  if (!isMapBinary(b)) fail('not a binary embedscape map (the first 8 bytes are not \\x89ESMAP\\r\\n)');
  if (b.length < 12) fail('the file ends inside its header');
  const H = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(8, true);
  if (12 + H > b.length) fail(`the header says it is ${H} bytes long, the file has ${b.length - 12} after the length`);
  let h;
  try { h = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(b.subarray(12, 12 + H))); } catch (e) { fail(`the header is not valid UTF-8 JSON (${e.message})`); }
  if (!h || typeof h !== 'object' || Array.isArray(h)) fail('the header must be a JSON object');
  if (h.format !== MAP_FORMAT) fail(`"format" must be "${MAP_FORMAT}", got ${JSON.stringify(h.format)}`);
  if (h.version !== MAP_VERSION) fail(`version ${JSON.stringify(h.version)} is not supported (this build reads version ${MAP_VERSION})`);
  if (h.encoding !== 'binary') fail(`"encoding" must be "binary", got ${JSON.stringify(h.encoding)}`);
  if (!Number.isInteger(h.n) || h.n < 0) fail(`"n" must be a whole number >= 0, got ${JSON.stringify(h.n)}`);
  if (!Array.isArray(h.sections)) fail('"sections" must be an array');
  const sec = new Map();
  h.sections.forEach((s, i) => {
    if (!s || typeof s.name !== 'string') fail(`sections[${i}].name must be a string`);
    if (!TYPES[s.type]) fail(`sections[${i}].type must be one of ${Object.keys(TYPES).join(', ')}, got ${JSON.stringify(s.type)}`);
    for (const k of ['offset', 'length']) if (!Number.isInteger(s[k]) || s[k] < 0) fail(`sections[${i}].${k} must be a whole number >= 0, got ${JSON.stringify(s[k])}`);
    if (s.offset % 8) fail(`sections[${i}] ("${s.name}") starts at ${s.offset}, not a multiple of 8`);
    if (s.offset < 12 + H || s.offset + s.length > b.length) fail(`sections[${i}] ("${s.name}") runs outside the file (${s.offset}..${s.offset + s.length} of ${b.length} bytes)`);
    if (s.length % TYPES[s.type][1]) fail(`sections[${i}] ("${s.name}") is ${s.length} bytes, not a whole number of ${s.type}`);
    if (sec.has(s.name)) fail(`sections[${i}]: "${s.name}" is listed twice`);
    sec.set(s.name, s);
  });
  return { h, sec };
}

function view(b, sec, name, type, count, optional = false) {
  const s = sec.get(name);
  if (!s) { if (optional) return null; fail(`the section "${name}" is missing`); }
  if (s.type !== type) fail(`the section "${name}" must be ${type}, is ${s.type}`);
  const [T, w] = TYPES[type];
  if (count !== undefined && s.length !== count * w) fail(`the section "${name}" holds ${s.length / w} values, expected ${count}`);
  // copied: the views must not keep the whole file alive, and alignment is then guaranteed
  return new T(b.buffer.slice(b.byteOffset + s.offset, b.byteOffset + s.offset + s.length));
}

/** {utf8, bytes, chars} of a string section, checked: offsets start at 0, only grow, end at the sizes. */
function stringSections(b, sec, base, n) {
  const utf8 = view(b, sec, `${base}.utf8`, 'u8');
  const bytes = view(b, sec, `${base}.bytes`, 'u32', n + 1), chars = view(b, sec, `${base}.chars`, 'u32', n + 1);
  if (bytes[0] !== 0 || chars[0] !== 0) fail(`${base}.bytes[0] and ${base}.chars[0] must be 0`);
  for (let i = 0; i < n; i++) {
    if (bytes[i + 1] < bytes[i]) fail(`${base}.bytes[${i + 1}] is smaller than ${base}.bytes[${i}]`);
    if (chars[i + 1] < chars[i]) fail(`${base}.chars[${i + 1}] is smaller than ${base}.chars[${i}]`);
  }
  if (bytes[n] !== utf8.length) fail(`${base}.bytes[${n}] is ${bytes[n]}, ${base}.utf8 has ${utf8.length} bytes`);
  return { utf8, bytes, chars };
}

/** Decodes strings [0, n) slice by slice; pause() between slices (async reader). */
function* decodeStrings({ utf8, bytes, chars }, n, what) {
  const out = new Array(n);
  const dec = new TextDecoder('utf-8');
  let a = 0;
  while (a < n) {
    let b = a + 1;
    while (b < n && bytes[b + 1] - bytes[a] < SLICE_BYTES) b++;
    const s = dec.decode(utf8.subarray(bytes[a], bytes[b]));
    const c0 = chars[a];
    if (s.length !== chars[b] - c0) fail(`${what} ${a}..${b - 1}: the UTF-16 offsets (${what}.chars) do not match the text`);
    for (let i = a; i < b; i++) out[i] = s.slice(chars[i] - c0, chars[i + 1] - c0);
    a = b;
    yield;
  }
  return out;
}

function* readParts(input) {
  const b = input instanceof Uint8Array ? input : new Uint8Array(input);
  const { h, sec } = readHeader(b);
  const n = h.n;
  const xs = view(b, sec, 'x', 'f32', n), ys = view(b, sec, 'y', 'f32', n);
  const data = new Float32Array(2 * n);
  for (let i = 0; i < n; i++) {
    const x = xs[i], y = ys[i];
    if (!Number.isFinite(x)) fail(`x[${i}] must be a finite number, got ${x}`);
    if (!Number.isFinite(y)) fail(`y[${i}] must be a finite number, got ${y}`);
    data[2 * i] = x; data[2 * i + 1] = y;
  }
  yield;
  const labelsArray = view(b, sec, 'labels', 'i32', n);
  for (let i = 0; i < n; i++) if (labelsArray[i] < -1) fail(`labels[${i}] must be an integer >= -1, got ${labelsArray[i]}`);
  const probabilities = view(b, sec, 'probabilities', 'f32', n);
  for (let i = 0; i < n; i++) if (!(probabilities[i] >= 0 && probabilities[i] <= 1)) fail(`probabilities[${i}] must be a number in [0, 1], got ${probabilities[i]}`);
  yield;
  const outlier = view(b, sec, 'outlier_scores', 'f32', n, true);
  if (outlier) for (let i = 0; i < n; i++) if (!(outlier[i] >= 0 && outlier[i] <= 1)) fail(`outlier_scores[${i}] must be a number in [0, 1], got ${outlier[i]}`);
  yield;
  const texts = yield* decodeStrings(stringSections(b, sec, 'texts', n), n, 'texts');
  if (h.columns !== undefined && !Array.isArray(h.columns)) fail('"columns" must be an array');
  const columns = [];
  for (let k = 0; k < (h.columns ?? []).length; k++) {
    const c = h.columns[k];
    if (!c || typeof c !== 'object') fail(`columns[${k}] must be an object {name, type}`);
    if (c.type === 'number') {
      const v = view(b, sec, `column.${k}`, 'f64', n);
      const values = new Array(n);
      for (let i = 0; i < n; i++) values[i] = Number.isNaN(v[i]) ? null : v[i];
      columns.push({ name: c.name, type: 'number', values });
    } else if (c.type === 'string') {
      const values = yield* decodeStrings(stringSections(b, sec, `column.${k}`, n), n, `column.${k}`);
      const missing = view(b, sec, `column.${k}.missing`, 'u8', n);
      for (let i = 0; i < n; i++) if (missing[i]) values[i] = null;
      columns.push({ name: c.name, type: 'string', values });
    } else fail(`columns[${k}].type must be "number" or "string", got ${JSON.stringify(c.type)}`);
    yield;
  }
  checkColumns(columns, n);
  if (h.clusters !== undefined && !Array.isArray(h.clusters)) fail('"clusters" must be an array');
  const clusters = (h.clusters ?? []).map((c, i) => {
    if (!c || typeof c !== 'object' || !Number.isInteger(c.label) || c.label < 0) fail(`clusters[${i}].label must be an integer >= 0`);
    if (!Number.isInteger(c.size) || c.size < 0 || c.size > n) fail(`clusters[${i}].size must be an integer from 0 to ${n}`);
    const kw = c.keywords ?? [];
    if (!Array.isArray(kw)) fail(`clusters[${i}].keywords must be an array of {word, score}`);
    kw.forEach((w, j) => {
      if (!w || typeof w.word !== 'string') fail(`clusters[${i}].keywords[${j}].word must be a string`);
      if (!Number.isFinite(w.score)) fail(`clusters[${i}].keywords[${j}].score must be a finite number`);
    });
    for (const f of ['name', 'description']) if (c[f] !== undefined && typeof c[f] !== 'string') fail(`clusters[${i}].${f} must be a string`);
    return { ...c, keywords: kw.map((w) => ({ ...w })) };
  });
  if (h.model !== undefined && h.model !== null && typeof h.model !== 'string') fail('"model" must be a string or null');
  const params = h.params && typeof h.params === 'object' && !Array.isArray(h.params) ? h.params : {};
  return {
    format: MAP_FORMAT, version: MAP_VERSION, created: typeof h.created === 'string' ? h.created : null, model: h.model ?? null,
    params, n, texts, clusters, columns, xy: { data, n, dim: 2 }, labelsArray, probabilities,
    ...(outlier ? { outlier_scores: outlier } : {}),
  };
}

/**
 * Reads a binary map: {format, version, created, model, params, n, texts, clusters, columns,
 * xy: {data, n, dim: 2}, labelsArray: Int32Array, probabilities: Float32Array, outlier_scores?}.
 * Throws EmbedscapeError naming the field (and index) of the first problem.
 * @param {Uint8Array|ArrayBuffer} bytes
 */
export function parseMapBinary(bytes) {
  const g = readParts(bytes);
  for (;;) { const r = g.next(); if (r.done) return r.value; }
}

/** parseMapBinary, giving the thread back (await pause()) between slices of the work. */
export async function parseMapBinaryAsync(bytes, pause = () => new Promise((r) => setTimeout(r, 0))) {
  const g = readParts(bytes);
  for (;;) { const r = g.next(); if (r.done) return r.value; await pause(); }
}
