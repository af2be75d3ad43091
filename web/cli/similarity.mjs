// similarity.mjs — `embedscape similarity`: cosine similarities between the rows of a .npy matrix,
// as JSON lines, one line per query row:
//   without --top: {"index": i, "similarities": [s_0, …, s_{n-1}]}       (s_i itself included)
//   with --top K:  {"index": i, "neighbors": [{"index": j, "score": s}, …]} (best first, i left out)
// Every row is a query unless --query picks one.

import { readFile } from 'node:fs/promises';
import { createWriteStream } from 'node:fs';
import path from 'node:path';

import { parseNpy } from '../lib/io.js';
import { EmbedscapeError } from '../lib/errors.js';
import { similarityTo, cosineSimilarity, topK, topKAll } from '../lib/similarity.js';

export const summary = 'cosine similarities between the rows of a matrix, one JSON line per query row: '
  + '{"index":i,"similarities":[…]} (all rows, itself included), or with --top K '
  + '{"index":i,"neighbors":[{"index":j,"score":s},…]} (the K most similar other rows, best first)';
export const usage = '--input V.npy [--query I] [--top K] [--output F.jsonl]';
export const options = [
  { name: 'input', type: 'string', required: true, metavar: 'V.npy', help: 'float32 matrix [n, d] (e.g. the output of embed)' },
  { name: 'query', type: 'int', metavar: 'I', help: 'only this row (0-based) as the query (default: every row)' },
  { name: 'top', type: 'int', metavar: 'K', help: 'list only the K most similar other rows per query (default: all similarities)' },
  { name: 'output', type: 'string', metavar: 'F.jsonl', help: 'where to write the lines (default: standard output)' },
];

// A full n x n table is held in memory (4 n^2 bytes); above this, ask for --query or --top.
const MAX_FULL = 8192;

const fmt = (s) => String(s);

export async function run(opts, io) {
  const { data, shape } = parseNpy(new Uint8Array(await readFile(opts.input)), path.basename(opts.input));
  const [n, dim] = shape;
  if (n < 1) throw new EmbedscapeError(`${path.basename(opts.input)}: the matrix has no rows`);
  const m = { data, n, dim };
  if (opts.query !== undefined && (opts.query < 0 || opts.query >= n)) {
    throw new EmbedscapeError(`--query ${opts.query} is out of range: the matrix has ${n} rows (0..${n - 1})`);
  }
  if (opts.top !== undefined && opts.top < 1) throw new EmbedscapeError(`--top must be >= 1, got ${opts.top}`);
  const out = opts.output ? createWriteStream(opts.output) : io.stdout;
  // lines are written in batches so that a big table never becomes one huge string
  let pending = [];
  const flush = async (force) => {
    if (!pending.length || (!force && pending.length < 64)) return;
    const text = pending.join('');
    pending = [];
    if (!out.write(text)) await new Promise((resolve) => out.once('drain', resolve));
  };
  const line = async (l) => { pending.push(l); await flush(false); };
  if (opts.top !== undefined) {
    const rows = opts.query !== undefined ? [[opts.query, await topK(m, opts.query, opts.top)]] : (await topKAll(m, opts.top)).map((r, i) => [i, r]);
    for (const [i, r] of rows) await line(`{"index":${i},"neighbors":[${r.map((e) => `{"index":${e.index},"score":${fmt(e.score)}}`).join(',')}]}\n`);
  } else if (opts.query !== undefined) {
    const s = await similarityTo(m, opts.query);
    await line(`{"index":${opts.query},"similarities":[${Array.from(s, fmt).join(',')}]}\n`);
  } else {
    if (n > MAX_FULL) throw new EmbedscapeError(`${n} rows make a ${n} x ${n} table: too big; pick one row with --query I or the best K with --top K`);
    const s = await cosineSimilarity(m);
    for (let i = 0; i < n; i++) await line(`{"index":${i},"similarities":[${Array.from(s.subarray(i * n, (i + 1) * n), fmt).join(',')}]}\n`);
  }
  await flush(true);
  if (opts.output) await new Promise((resolve, reject) => { out.on('error', reject); out.end(resolve); });
  else await new Promise((resolve, reject) => out.write('', (e) => (e ? reject(e) : resolve())));
}
