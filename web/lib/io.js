// io.js — file formats shared by the CLI, the page and the tests, on bytes (no file system here, so it
// works in browsers too): text inputs (.txt one per line, .jsonl with a "text" field, .csv first
// column or a "text" column) and .npy float32 matrices.

import { EmbedscapeError } from './errors.js';

// fatal: false = the WHATWG decoder's replacement behaviour: every invalid sequence becomes U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: false });

/** Decodes bytes as UTF-8 exactly as TextDecoder does (invalid bytes -> U+FFFD, BOM dropped). */
export function decodeUtf8(bytes) {
  return decoder.decode(bytes);
}

/** Splits text into lines (\n, \r\n or \r), dropping one trailing empty line. */
export function splitLines(text) {
  const lines = text.split(/\r\n|\n|\r/);
  if (lines.length && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** Parses one CSV record stream (RFC 4180: quotes, doubled quotes, newlines inside quotes). */
export function parseCsv(text) {
  const rows = [];
  // started: the current field was opened by a quote, so `""` alone on the last line is a row
  let row = [], field = '', i = 0, quoted = false, started = false;
  while (i < text.length) {
    const c = text[i];
    if (quoted) {
      if (c === '"') {
        if (text[i + 1] === '"') { field += '"'; i += 2; continue; }
        quoted = false; i++; continue;
      }
      field += c; i++; continue;
    }
    if (c === '"' && field === '' && !started) { quoted = true; started = true; i++; continue; }
    if (c === ',') { row.push(field); field = ''; started = false; i++; continue; }
    if (c === '\n' || c === '\r') {
      row.push(field); rows.push(row); row = []; field = ''; started = false;
      i += (c === '\r' && text[i + 1] === '\n') ? 2 : 1;
      continue;
    }
    field += c; i++;
  }
  if (field !== '' || started || row.length) { row.push(field); rows.push(row); }
  return rows;
}

/**
 * Reads texts from a file's bytes, by its name's extension.
 *  .jsonl: one JSON object per line with a string "text" field (blank lines skipped);
 *  .csv: the "text" column if the header has one, else the first column (header kept if no "text" column);
 *  anything else: one text per line.
 * @param {Uint8Array} bytes @param {string} name file name (for the extension and messages)
 * @returns {string[]}
 */
export function parseTexts(bytes, name = 'input.txt') {
  const text = decodeUtf8(bytes);
  const lower = name.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) {
    const out = [];
    const lines = splitLines(text);
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() === '') continue;
      let obj;
      try { obj = JSON.parse(lines[i]); } catch (e) {
        throw new EmbedscapeError(`${name}: line ${i + 1} is not valid JSON (${e.message})`);
      }
      if (!obj || typeof obj !== 'object' || typeof obj.text !== 'string') {
        throw new EmbedscapeError(`${name}: line ${i + 1} has no string "text" field`);
      }
      out.push(obj.text);
    }
    return out;
  }
  if (lower.endsWith('.csv')) {
    const rows = parseCsv(text);
    if (!rows.length) return [];
    const col = rows[0].findIndex((h) => h.trim().toLowerCase() === 'text');
    if (col >= 0) return rows.slice(1).map((r) => r[col] ?? '').filter((t) => t !== '');
    return rows.map((r) => r[0] ?? '').filter((t) => t !== '');
  }
  return splitLines(text);
}

// ---------------------------------------------------------------------------------------------- tables

/** Header names that say "this is the text" (checked in this order, case-insensitive). */
const TEXT_NAMES = ['text', 'texts', 'sentence', 'content', 'body', 'message', 'description', 'comment', 'review', 'abstract', 'question', 'title', 'summary'];

/** A number as written in a cell ("12", "-3.5", "1e3", " 7 "), else null. */
function cellNumber(s) {
  if (typeof s === 'number') return Number.isFinite(s) ? s : null;
  if (typeof s !== 'string') return null;
  const t = s.trim();
  if (!t || !/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return null;
  const v = Number(t);
  return Number.isFinite(v) ? v : null;
}

/** The field that holds the texts: a conventional name, else the one with the longest non-numeric values. */
function guessTextField(fields) {
  for (const want of TEXT_NAMES) {
    const f = fields.find((c) => c.name.trim().toLowerCase() === want);
    if (f) return f.name;
  }
  let best = null, bestLen = -1;
  for (const f of fields) {
    let len = 0, k = 0, numeric = 0;
    for (let i = 0; i < f.values.length && k < 500; i++) {
      const v = f.values[i];
      if (v === null || v === '') continue;
      k++;
      if (typeof v === 'number' || cellNumber(v) !== null) numeric++;
      len += String(v).length;
    }
    if (!k || numeric === k) continue;
    if (len / k > bestLen) { bestLen = len / k; best = f.name; }
  }
  return best ?? fields[0]?.name ?? null;
}

/**
 * Reads every column of a table file: .csv (a header row, RFC 4180) or .jsonl / .ndjson (one object
 * per line; nested values are kept as their JSON text). Other files are one text per line.
 *   {kind: 'csv'|'jsonl'|'lines', fields: [{name, values: (string|number|boolean|null)[]}], textField}
 * textField: the column chosen to embed ("text" or another usual name, else the column with the
 * longest non-numeric values). tableColumns() then splits it into texts and the other columns.
 * @param {Uint8Array} bytes @param {string} name file name (for the extension and messages)
 */
export function parseTable(bytes, name = 'input.txt') {
  const text = decodeUtf8(bytes);
  const lower = name.toLowerCase();
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) {
    const rows = [];
    const lines = splitLines(text);
    for (let i = 0; i < lines.length; i++) {
      if (lines[i].trim() === '') continue;
      let obj;
      try { obj = JSON.parse(lines[i]); } catch (e) { throw new EmbedscapeError(`${name}: line ${i + 1} is not valid JSON (${e.message})`); }
      if (!obj || typeof obj !== 'object' || Array.isArray(obj)) throw new EmbedscapeError(`${name}: line ${i + 1} is not a JSON object`);
      rows.push(obj);
    }
    const names = [];
    const seen = new Set();
    for (const r of rows) for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); names.push(k); }
    const fields = names.map((k) => ({
      name: k,
      values: rows.map((r) => {
        const v = r[k];
        if (v === undefined || v === null) return null;
        if (typeof v === 'object') return JSON.stringify(v);
        return v;
      }),
    }));
    return { kind: 'jsonl', fields, textField: guessTextField(fields) };
  }
  if (lower.endsWith('.csv')) {
    const rows = parseCsv(text);
    if (!rows.length) return { kind: 'csv', fields: [], textField: null };
    const head = rows[0].map((h, k) => h.trim() || `column ${k + 1}`);
    // the same name twice gets a number, so every column can be told apart
    const names = head.map((h, k) => (head.indexOf(h) === k ? h : `${h} (${k + 1})`));
    const width = Math.max(...rows.map((r) => r.length));
    while (names.length < width) names.push(`column ${names.length + 1}`);
    const body = rows.slice(1).filter((r) => !(r.length === 1 && r[0] === ''));
    const fields = names.map((nm, k) => ({ name: nm, values: body.map((r) => (r[k] === undefined || r[k] === '' ? null : r[k])) }));
    return { kind: 'csv', fields, textField: guessTextField(fields) };
  }
  const lines = splitLines(text);
  return { kind: 'lines', fields: [{ name: 'text', values: lines }], textField: 'text' };
}

/**
 * The texts of a table (its textField; rows without a text are left out) and its other columns,
 * typed: a column whose every value is a number (or empty) is 'number', else 'string'.
 * @returns {{texts: string[], columns: {name: string, type: 'number'|'string', values: (number|string|null)[]}[], rows: number[]}}
 *   rows: the table row of each text
 */
export function tableColumns(table, textField = table.textField) {
  const tf = table.fields.find((f) => f.name === textField);
  if (!tf) throw new EmbedscapeError(`the table has no column "${textField}"`);
  const rows = [];
  const texts = [];
  tf.values.forEach((v, i) => {
    if (v === null || v === undefined) return;
    const s = String(v);
    if (s.trim() === '') return;
    rows.push(i);
    texts.push(s);
  });
  const columns = [];
  for (const f of table.fields) {
    if (f.name === textField) continue;
    const vals = rows.map((i) => f.values[i] ?? null);
    const nums = vals.map((v) => (v === null ? null : typeof v === 'boolean' ? null : cellNumber(v)));
    const numeric = vals.every((v, i) => v === null || nums[i] !== null) && vals.some((v) => v !== null);
    columns.push(numeric
      ? { name: f.name, type: 'number', values: nums }
      : { name: f.name, type: 'string', values: vals.map((v) => (v === null ? null : String(v))) });
  }
  return { texts, columns, rows };
}

// ---------------------------------------------------------------------------------------------- .npy

/**
 * Parses a .npy file holding a float32 (or float64, converted) C-order matrix.
 * @param {Uint8Array} bytes
 * @returns {{data: Float32Array, shape: number[]}} shape is [n, d] (a 1-D array becomes [n, 1])
 */
export function parseNpy(bytes, name = 'input.npy') {
  const fail = (why) => { throw new EmbedscapeError(`${name}: not a readable .npy file: ${why}`); };
  if (bytes.length < 10 || bytes[0] !== 0x93 || String.fromCharCode(...bytes.subarray(1, 6)) !== 'NUMPY') fail('missing the \\x93NUMPY magic');
  const major = bytes[6];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let hlen, hstart;
  if (major === 1) { hlen = dv.getUint16(8, true); hstart = 10; }
  else if (major === 2 || major === 3) { if (bytes.length < 12) fail('truncated header'); hlen = dv.getUint32(8, true); hstart = 12; }
  else fail(`unknown version ${major}`);
  if (hstart + hlen > bytes.length) fail('header runs past the end of the file');
  const header = new TextDecoder('latin1').decode(bytes.subarray(hstart, hstart + hlen));
  const descr = /'descr'\s*:\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(header)?.[1];
  const shapeStr = /'shape'\s*:\s*\(([^)]*)\)/.exec(header)?.[1];
  if (!descr || !fortran || shapeStr === undefined) fail('header lacks descr, fortran_order or shape');
  if (fortran === 'True') fail('Fortran order is not supported; save with np.ascontiguousarray');
  const shape = shapeStr.split(',').map((s) => s.trim()).filter((s) => s !== '').map(Number);
  if (shape.some((v) => !Number.isInteger(v) || v < 0)) fail(`bad shape (${shapeStr})`);
  if (shape.length > 2) fail(`expected a 2-D array, got shape (${shape.join(', ')})`);
  const n = shape.length === 0 ? 1 : shape[0];
  const d = shape.length === 2 ? shape[1] : 1;
  const count = n * d;
  const start = hstart + hlen;
  let width;
  if (descr === '<f4' || descr === '=f4' || descr === '|f4') width = 4;
  else if (descr === '<f8' || descr === '=f8') width = 8;
  else fail(`dtype ${descr} is not supported (use float32)`);
  if (bytes.length - start < count * width) fail(`data is ${bytes.length - start} bytes, shape needs ${count * width}`);
  const data = new Float32Array(count);
  if (width === 4) {
    for (let i = 0; i < count; i++) data[i] = dv.getFloat32(start + 4 * i, true);
  } else {
    for (let i = 0; i < count; i++) data[i] = dv.getFloat64(start + 8 * i, true);
  }
  return { data, shape: [n, d] };
}

/**
 * Serialises a float32 C-order matrix as .npy (version 1.0).
 * @param {Float32Array} data @param {number[]} shape
 * @returns {Uint8Array}
 */
export function formatNpy(data, shape) {
  const count = shape.reduce((a, b) => a * b, 1);
  if (data.length !== count) throw new EmbedscapeError(`npy: data has ${data.length} values, shape ${shape} needs ${count}`);
  const shapeStr = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeStr}, }`;
  const total = 10 + header.length + 1;
  header += ' '.repeat((64 - (total % 64)) % 64) + '\n';
  const out = new Uint8Array(10 + header.length + count * 4);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0], 0);
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  const dv = new DataView(out.buffer, 10 + header.length);
  for (let i = 0; i < count; i++) dv.setFloat32(4 * i, data[i], true);
  return out;
}
