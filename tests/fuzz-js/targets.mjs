// targets.mjs — the JS parsers under property-based fuzzing (fast-check): parseMapFile, the text
// inputs (parseTexts: .txt/.jsonl/.csv), parseCsv, and parseNpy with its writer formatNpy.
//
// Each target is {name, properties: [{name, arbitrary, check}], check, decode(bytes, file)}:
//   a check runs the parser once and throws if a property fails: the parser may only ever throw an
//   EmbedscapeError, what it accepts must be consistent (lengths agree, values in range), and the
//   round trips (writer → parser) give back what was written.
// Seeds live in tests/fuzz/seeds/<target>/: a plain file is an input for the target's own check
// (decode turns its bytes into one); a `*.case.json` is a failing input a run found, for one named
// property, written by encodeCase (JSON with NaN, -0, undefined and typed arrays tagged).
// Generators are structure-aware (a map with one field of a wrong type, a CSV of quotes and commas,
// an .npy header with odd shapes) and mixed with raw bytes and byte-level mutations of valid files.

import path from 'node:path';

import fc from 'fast-check';

import { EmbedscapeError } from '../../web/lib/errors.js';
import { createMapFile, parseMapFile } from '../../web/lib/mapfile.js';
import { parseTexts, parseCsv, parseNpy, formatNpy } from '../../web/lib/io.js';

/** Executions of each parser, counted where the parser is called (reported by the runner). */
export const executions = { mapfile: 0, texts: 0, csv: 0, npy: 0 };

const INT_MAX = 2 ** 31 - 1;

function ok(cond, what) { if (!cond) throw new Error(`property failed: ${what}`); }

/** Runs fn; an EmbedscapeError is a clean refusal (returns undefined), anything else fails. */
function refusesCleanly(fn) {
  try { return { value: fn() }; } catch (e) {
    if (e instanceof EmbedscapeError) {
      ok(typeof e.message === 'string' && e.message.length > 0 && !e.message.includes('undefined'), `a clear message: ${e.message}`);
      return null;
    }
    throw e;
  }
}

// ------------------------------------------------------------------------------------------- values

/** Values that break naive checks: wrong types, edges of the integer range, non-finite numbers. */
const odd = fc.oneof(
  fc.constantFrom(NaN, Infinity, -Infinity, -0, 0, 1, -1, -2, 0.5, 1.5, 2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 53, -(2 ** 31) - 1,
    '', '0', 'x', '-1', null, true, false, undefined, [], {}, [0], { word: 'w', score: 1 }),
  fc.integer({ min: -3, max: 8 }),
  fc.double(),
  fc.string({ maxLength: 6 }),
  fc.jsonValue({ maxDepth: 2 }),
);
/** Mostly a good value, sometimes an odd one (rarer inside arrays, so that whole maps get through). */
const mostly = (good, weight = 8) => fc.oneof({ arbitrary: good, weight }, { arbitrary: odd, weight: 1 });
const item = (good) => mostly(good, 60);
const coordinate = fc.oneof({ arbitrary: fc.double({ min: -1e6, max: 1e6, noNaN: true }), weight: 20 }, { arbitrary: fc.double({ noNaN: true }), weight: 1 });
const arrayOf = (one, n) => fc.oneof({ arbitrary: fc.array(one, { minLength: n, maxLength: n }), weight: 30 }, { arbitrary: fc.array(one, { maxLength: n + 2 }), weight: 1 }, { arbitrary: odd, weight: 1 });

// ------------------------------------------------------------------------------------------ mapfile

const keyword = fc.record({ word: item(fc.string({ maxLength: 8 })), score: item(fc.double({ min: 0, max: 3, noNaN: true })) }, { requiredKeys: [] });
const cluster = fc.record({
  label: item(fc.integer({ min: 0, max: 6 })),
  size: item(fc.integer({ min: 0, max: 3 })),
  keywords: mostly(fc.array(item(keyword), { maxLength: 3 })),
  name: mostly(fc.string({ maxLength: 5 })),
  extra: odd,
}, { requiredKeys: ['label', 'size'] });

const mapObject = fc.integer({ min: 0, max: 7 }).chain((n) => fc.record({
  format: fc.oneof({ arbitrary: fc.constant('embedscape-map'), weight: 12 }, { arbitrary: odd, weight: 1 }),
  version: fc.oneof({ arbitrary: fc.constant(1), weight: 12 }, { arbitrary: odd, weight: 1 }),
  created: mostly(fc.constant('2026-01-01T00:00:00.000Z')),
  model: mostly(fc.oneof(fc.constant(null), fc.string({ maxLength: 5 }))),
  params: mostly(fc.record({ umap: mostly(fc.dictionary(fc.string({ maxLength: 4 }), mostly(fc.integer()), { maxKeys: 3 })), hdbscan: mostly(fc.dictionary(fc.string({ maxLength: 4 }), mostly(fc.integer()), { maxKeys: 3 })) }, { requiredKeys: [] })),
  texts: arrayOf(item(fc.string({ maxLength: 6 })), n),
  x: arrayOf(item(coordinate), n),
  y: arrayOf(item(coordinate), n),
  labels: arrayOf(item(fc.integer({ min: -1, max: 6 })), n),
  probabilities: arrayOf(item(fc.double({ min: 0, max: 1, noNaN: true })), n),
  outlier_scores: arrayOf(item(fc.double({ min: 0, max: 1, noNaN: true })), n),
  clusters: mostly(fc.uniqueArray(item(cluster), { maxLength: 4, selector: (c) => (c && typeof c === 'object' ? c.label : c) })),
  unknown: odd,
}, { requiredKeys: ['format', 'version', 'texts', 'x', 'y', 'labels'] }));

/** A JSON text with a few characters replaced, inserted or cut. */
const mutatedText = (base) => fc.tuple(base, fc.array(fc.tuple(fc.nat(), fc.nat(3), fc.string({ maxLength: 3, unit: fc.constantFrom('"', ',', '[', ']', '{', '}', ':', '-', '1', 'e', 'n', ' ', '\\') })), { minLength: 1, maxLength: 4 }))
  .map(([s, edits]) => {
    for (const [at, cut, add] of edits) { const i = s.length ? at % (s.length + 1) : 0; s = s.slice(0, i) + add + s.slice(i + cut); }
    return s;
  });

function checkMap(input) {
  executions.mapfile++;
  const r = refusesCleanly(() => parseMapFile(input));
  if (!r) return;
  const p = r.value;
  const n = p.n;
  ok(Number.isInteger(n) && n >= 0 && p.texts.length === n, 'n = texts.length');
  for (const k of ['x', 'y', 'labels', 'probabilities']) ok(Array.isArray(p[k]) && p[k].length === n, `${k} has n entries`);
  ok(p.labelsArray instanceof Int32Array && p.labelsArray.length === n && p.xy.data.length === 2 * n, 'typed arrays have n entries');
  for (let i = 0; i < n; i++) {
    ok(typeof p.texts[i] === 'string', 'texts are strings');
    ok(Number.isInteger(p.labels[i]) && p.labels[i] >= -1 && p.labels[i] <= INT_MAX && p.labelsArray[i] === p.labels[i], 'labels are integers >= -1, unchanged');
    ok(p.probabilities[i] >= 0 && p.probabilities[i] <= 1, 'probabilities in [0, 1]');
    ok(Number.isFinite(p.xy.data[2 * i]) && Number.isFinite(p.xy.data[2 * i + 1]), 'coordinates finite (as float32, as they are drawn)');
  }
  const seen = new Set();
  for (const c of p.clusters) {
    ok(c && Number.isInteger(c.label) && c.label >= 0 && !seen.has(c.label) && Number.isInteger(c.size) && c.size >= 0 && c.size <= n, 'clusters: label once, size in range');
    seen.add(c.label);
    ok(Array.isArray(c.keywords) && c.keywords.every((k) => typeof k.word === 'string' && Number.isFinite(k.score)), 'keywords {word, score}');
  }
  // what it accepted, saved again, is accepted again with the same content (a map survives a round trip)
  const { xy, labelsArray, n: _n, ...plain } = p;
  const again = parseMapFile(JSON.stringify(plain));
  ok(again.n === n && again.labels.every((l, i) => l === p.labels[i]) && again.clusters.length === p.clusters.length, 'round trip through JSON');
  // and what createMapFile writes from it is accepted
  parseMapFile(JSON.stringify(createMapFile({ texts: p.texts, xy, labels: labelsArray, probabilities: p.probabilities, clusters: p.clusters })));
}

const mapfile = {
  name: 'mapfile',
  properties: [
    { name: 'map objects with odd fields', arbitrary: mapObject, check: checkMap },
    { name: 'their JSON text', arbitrary: mapObject.map((m) => JSON.stringify(m)), check: checkMap },
    { name: 'mutated JSON text', arbitrary: mutatedText(mapObject.map((m) => JSON.stringify(m))), check: checkMap },
    { name: 'any JSON value', arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)), check: checkMap },
  ],
  check: checkMap,
  decode: (bytes) => new TextDecoder().decode(bytes),
};

// -------------------------------------------------------------------------------------------- texts

const NAMES = ['in.txt', 'in.csv', 'in.jsonl', 'in.ndjson', 'IN.CSV', 'noext'];
const textUnit = fc.constantFrom('a', 'b', ' ', ',', '"', '\n', '\r', '{', '}', ':', '\\', 't', 'e', 'x', '\u00e9', '\u0000', '\ufeff', '\ud800', '\u{1f600}');
const textBytes = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc.string({ unit: textUnit, maxLength: 40 }).map((s) => new TextEncoder().encode(s)),
  fc.array(fc.oneof(fc.string({ maxLength: 6 }).map((t) => JSON.stringify({ text: t })), fc.jsonValue({ maxDepth: 2 }).map((v) => JSON.stringify(v)), fc.constant('')), { maxLength: 5 })
    .map((lines) => new TextEncoder().encode(lines.join('\n'))),
);

function checkTexts([bytes, name]) {
  executions.texts++;
  const r = refusesCleanly(() => parseTexts(bytes, name));
  if (!r) return;
  const texts = r.value;
  ok(Array.isArray(texts) && texts.every((t) => typeof t === 'string'), 'an array of strings');
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) ok(texts.every((t) => t !== ''), 'csv: no empty texts');
  else if (!lower.endsWith('.jsonl') && !lower.endsWith('.ndjson')) ok(texts.every((t) => !/[\r\n]/.test(t)), 'txt: one line per text');
}

/** Well-formed strings (lone surrogates cannot survive UTF-8), not starting with a BOM. */
const wellFormed = (o) => fc.string(o).map((s) => s.toWellFormed().replace(/^\ufeff/, ''));

function checkTextsRoundTrip([texts, ext]) {
  executions.texts++;
  const body = ext === '.jsonl' ? texts.map((t) => JSON.stringify({ text: t }) + '\n').join('') : texts.map((t) => t + '\n').join('');
  const got = parseTexts(new TextEncoder().encode(body), `x${ext}`);
  ok(got.length === texts.length && got.every((t, i) => t === texts[i]), `${ext}: the texts written are the texts read`);
}

const texts = {
  name: 'texts',
  properties: [
    { name: 'any bytes, any extension', arbitrary: fc.tuple(textBytes, fc.constantFrom(...NAMES)), check: checkTexts },
    {
      name: 'round trip .txt and .jsonl',
      arbitrary: fc.oneof(
        fc.tuple(fc.array(wellFormed({ maxLength: 8, unit: 'binary' }).map((s) => s.replace(/[\r\n]/g, ' ')), { maxLength: 6 }), fc.constant('.txt')),
        fc.tuple(fc.array(wellFormed({ maxLength: 8, unit: 'binary' }), { maxLength: 6 }), fc.constant('.jsonl')),
      ),
      check: checkTextsRoundTrip,
    },
  ],
  check: checkTexts,
  // the seed's own extension says how to read it
  decode: (bytes, file) => [bytes, `seed${path.extname(file)}`],
};

// ---------------------------------------------------------------------------------------------- csv

const csvUnit = fc.constantFrom('a', 'b', ',', '"', '\n', '\r', ' ', '\u00e9');
const csvRows = fc.array(fc.array(fc.string({ unit: csvUnit, maxLength: 5 }), { minLength: 1, maxLength: 4 }), { maxLength: 5 });

function checkCsv(text) {
  executions.csv++;
  const rows = parseCsv(text); // on text it never refuses: every input is some table
  ok(Array.isArray(rows) && rows.every((r) => Array.isArray(r) && r.length >= 1 && r.every((f) => typeof f === 'string')), 'rows of string fields');
  const quotes = (text.match(/"/g) ?? []).length;
  const fieldChars = rows.reduce((a, r) => a + r.reduce((b, f) => b + f.length, 0), 0);
  ok(fieldChars <= text.length, 'fields hold no more than the text');
  ok(quotes > 0 || rows.every((r) => r.every((f) => !/[\r\n]/.test(f))), 'without quotes, no field holds a line break');
}

/** RFC 4180 writer: every field quoted, quotes doubled. */
const writeCsv = (rows, eol) => rows.map((r) => r.map((f) => `"${f.replace(/"/g, '""')}"`).join(',')).join(eol) + (rows.length ? eol : '');

function checkCsvRoundTrip([rows, eol, trailing]) {
  executions.csv++;
  let text = writeCsv(rows, eol);
  if (!trailing && text.endsWith(eol)) text = text.slice(0, -eol.length);
  const got = parseCsv(text);
  ok(JSON.stringify(got) === JSON.stringify(rows), `round trip: ${JSON.stringify(rows)} -> ${JSON.stringify(got)}`);
}

const csv = {
  name: 'csv',
  properties: [
    { name: 'any text', arbitrary: fc.oneof(fc.string({ unit: csvUnit, maxLength: 40 }), fc.string({ maxLength: 40 })), check: checkCsv },
    { name: 'round trip of quoted fields', arbitrary: fc.tuple(csvRows, fc.constantFrom('\n', '\r\n'), fc.boolean()), check: checkCsvRoundTrip },
    { name: 'unquoted fields, \\n or \\r\\n', arbitrary: fc.tuple(fc.array(fc.array(fc.string({ unit: fc.constantFrom('a', 'b', ' ', '\u00e9'), minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 3 }), { maxLength: 4 }), fc.constantFrom('\n', '\r\n')), check: ([rows, eol]) => { executions.csv++; ok(JSON.stringify(parseCsv(rows.map((r) => r.join(',')).join(eol))) === JSON.stringify(rows), 'plain rows'); } },
  ],
  check: checkCsv,
  decode: (bytes) => new TextDecoder().decode(bytes),
};

// ---------------------------------------------------------------------------------------------- npy

/** An .npy file from parts: magic, version, header length (maybe wrong), header, data bytes. */
function npyBytes({ major, header, hlenDelta, data }) {
  const h = new TextEncoder().encode(header);
  const pre = major === 1 ? 10 : 12;
  const out = new Uint8Array(pre + h.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, major, 0]);
  const dv = new DataView(out.buffer);
  const hlen = Math.max(0, h.length + hlenDelta);
  if (major === 1) dv.setUint16(8, hlen & 0xffff, true); else dv.setUint32(8, hlen, true);
  out.set(h, pre);
  out.set(data, pre + h.length);
  return out;
}
const oddDim = fc.constantFrom('-1', '1e3', '0x2', '2.0', '', ' 3 ', '4294967296', '9007199254740993', 'None', "'2'");
const npyFile = fc.record({
  major: fc.oneof({ arbitrary: fc.constant(1), weight: 6 }, fc.constantFrom(2, 3, 0, 4)),
  descr: fc.oneof({ arbitrary: fc.constantFrom('<f4', '<f8'), weight: 6 }, fc.constantFrom('=f4', '|f4', '=f8', '>f4', '<i4', '<f2', '', "f4'")),
  fortran: fc.oneof({ arbitrary: fc.constant('False'), weight: 6 }, fc.constantFrom('True', 'false', '')),
  shape: fc.array(fc.oneof({ arbitrary: fc.nat(5), weight: 8 }, oddDim), { maxLength: 3 }),
  extra: fc.oneof({ arbitrary: fc.constant(''), weight: 6 }, fc.constantFrom(", 'x': 1", " 'descr': '<f8',", ')', "'shape': (9, 9),")),
  hlenDelta: fc.oneof({ arbitrary: fc.constant(0), weight: 6 }, fc.constantFrom(-1, 1, -5, 1000, 70000)),
  dataDelta: fc.oneof({ arbitrary: fc.constant(0), weight: 4 }, fc.integer({ min: -9, max: 9 })),
}).chain(({ major, descr, fortran, shape, extra, hlenDelta, dataDelta }) => {
  const header = `{'descr': '${descr}', 'fortran_order': ${fortran}, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), ${extra}}\n`;
  const need = shape.reduce((a, v) => a * (typeof v === 'number' ? v : 1), 1) * (descr.endsWith('8') ? 8 : 4);
  return fc.uint8Array({ minLength: Math.max(0, need + dataDelta), maxLength: Math.max(0, need + dataDelta) })
    .map((data) => npyBytes({ major, header, hlenDelta, data }));
});
const flips = (base) => fc.tuple(base, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 6 }), fc.nat(8))
  .map(([b, edits, cut]) => { const c = b.slice(0, Math.max(0, b.length - (cut === 8 ? b.length >> 1 : 0))); for (const [i, v] of edits) if (c.length) c[i % c.length] = v; return c; });

const npyMatrix = fc.tuple(fc.nat(6), fc.nat(5)).chain(([n, d]) => fc.tuple(fc.constant([n, d]), fc.float32Array({ minLength: n * d, maxLength: n * d })));

function checkNpy(bytes) {
  executions.npy++;
  const r = refusesCleanly(() => parseNpy(bytes, 'fuzz.npy'));
  if (!r) return;
  const { data, shape } = r.value;
  ok(Array.isArray(shape) && shape.length === 2 && shape.every((v) => Number.isInteger(v) && v >= 0), 'shape [n, d] of whole numbers');
  ok(data instanceof Float32Array && data.length === shape[0] * shape[1], 'data has n x d values');
  ok(data.length * 4 <= bytes.length, 'no more values than bytes');
}

const sameFloats = (a, b) => a.length === b.length && a.every((v, i) => Object.is(v, b[i]) || (Number.isNaN(v) && Number.isNaN(b[i])));

function checkNpyRoundTrip([shape, data]) {
  executions.npy++;
  const bytes = formatNpy(data, shape);
  ok((bytes.length - data.length * 4) % 64 === 0, 'header padded to 64 bytes, as numpy writes it');
  const back = parseNpy(bytes);
  ok(back.shape[0] === shape[0] && back.shape[1] === shape[1] && sameFloats(back.data, data), 'formatNpy then parseNpy gives the matrix back, bit for bit');
  // and 1-D (n,) reads as [n, 1]
  const flat = parseNpy(formatNpy(data, [data.length]));
  ok(flat.shape[0] === data.length && flat.shape[1] === 1 && sameFloats(flat.data, data), '1-D round trip');
}

const npy = {
  name: 'npy',
  properties: [
    { name: 'made-up headers', arbitrary: npyFile, check: checkNpy },
    { name: 'byte flips of valid files', arbitrary: flips(npyMatrix.map(([s, d]) => formatNpy(d, s))), check: checkNpy },
    { name: 'any bytes', arbitrary: fc.uint8Array({ maxLength: 96 }), check: checkNpy },
    { name: 'formatNpy round trip', arbitrary: npyMatrix, check: checkNpyRoundTrip },
  ],
  check: checkNpy,
  decode: (bytes) => bytes,
};

// ----------------------------------------------------------------------------------- seed cases

const TAGS = { NaN, Infinity, '-Infinity': -Infinity, '-0': -0 };
function tagged(v) {
  if (typeof v === 'number') return Number.isFinite(v) && !Object.is(v, -0) ? v : { $number: Object.is(v, -0) ? '-0' : String(v) };
  if (v === undefined) return { $undefined: true };
  if (v instanceof Uint8Array) return { $u8: Buffer.from(v).toString('base64') };
  if (v instanceof Float32Array) return { $f32: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  if (Array.isArray(v)) return v.map(tagged);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, tagged(x)]));
  return v;
}
function untagged(v) {
  if (Array.isArray(v)) return v.map(untagged);
  if (v && typeof v === 'object') {
    const keys = Object.keys(v);
    if (keys.length === 1 && typeof v.$number === 'string') return TAGS[v.$number];
    if (keys.length === 1 && v.$undefined === true) return undefined;
    if (keys.length === 1 && typeof v.$u8 === 'string') return new Uint8Array(Buffer.from(v.$u8, 'base64'));
    if (keys.length === 1 && typeof v.$f32 === 'string') { const b = Buffer.from(v.$f32, 'base64'); return new Float32Array(b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)); }
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, untagged(x)]));
  }
  return v;
}

/** A failing input of one property as a seed file's text. */
export const encodeCase = (property, input) => JSON.stringify({ property, input: tagged(input) }, null, 1) + '\n';

/** {check, input} of a seed file (a *.case.json or a plain input of the target). */
export function seedCase(target, bytes, file) {
  if (!file.endsWith('.case.json')) return { property: '(seed)', check: target.check, input: target.decode(bytes, file) };
  const { property, input } = JSON.parse(new TextDecoder().decode(bytes));
  const p = target.properties.find((q) => q.name === property);
  if (!p) throw new Error(`${file}: no property '${property}' in target ${target.name}`);
  return { property, check: p.check, input: untagged(input) };
}

export const TARGETS = [mapfile, texts, csv, npy];
