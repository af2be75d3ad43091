// similarity.mjs — `embedscape similarity`: cosine similarities between the rows of a .npy matrix,
// as JSON lines, one line per query row:
//   without --top: {"index": i, "similarities": [s_0, …, s_{n-1}]}       (s_i itself included)
//   with --top K:  {"index": i, "neighbors": [{"index": j, "score": s}, …]} (best first, i left out)
// Every row is a query unless --query picks one.

import { EmbedscapeError } from '../lib/errors.js';
import { INT_MAX } from '../lib/options.js';
import { similarityTo, cosineSimilarity, topK, topKAll } from '../lib/similarity.js';
import { option } from './common.mjs';
import { readMatrix, openOutput } from './files.mjs';

export const summary = 'cosine similarities between the rows of a matrix, one JSON line per query row: '
  + '{"index":i,"similarities":[…]} (all rows, itself included), or with --top K '
  + '{"index":i,"neighbors":[{"index":j,"score":s},…]} (the K most similar other rows, best first)';
export const usage = '--input V.npy [--query I] [--top K] [--output F.jsonl]';
export const options = [
  option.input('V.npy', 'float32 matrix [n, d] (e.g. the output of embed)'),
  { name: 'query', type: 'int', min: 0, max: INT_MAX, metavar: 'I', help: 'only this row (0-based) as the query (default: every row)' },
  { name: 'top', type: 'int', min: 1, max: INT_MAX, metavar: 'K', help: 'list only the K most similar other rows per query (default: all similarities)' },
  option.output('F.jsonl', 'where to write the lines (default: standard output)', { required: false }),
];

// A full n x n table is held in memory (4 n^2 bytes); above this, ask for --query or --top.
const MAX_FULL = 8192;

const fmt = (s) => String(s);

export async function run(opts, io) {
  const out = await openOutput(opts.output, { stdout: io.stdout });
  try {
    const m = await readMatrix(opts.input);
    const { n } = m;
    if (opts.query !== undefined && opts.query >= n) {
      throw new EmbedscapeError(`--query ${opts.query} is out of range: the matrix has ${n} rows (0..${n - 1})`);
    }
    if (opts.top === undefined && opts.query === undefined && n > MAX_FULL) {
      throw new EmbedscapeError(`${n} rows make a ${n} x ${n} table: too big; pick one row with --query I or the best K with --top K`);
    }
    // lines are written in batches so that a big table never becomes one huge string
    let pending = [];
    const line = async (l, force = false) => {
      if (l) pending.push(l);
      if (!pending.length || (!force && pending.length < 64)) return;
      const text = pending.join('');
      pending = [];
      await out.write(text);
    };
    if (opts.top !== undefined) {
      const rows = opts.query !== undefined ? [[opts.query, await topK(m, opts.query, opts.top)]] : (await topKAll(m, opts.top)).map((r, i) => [i, r]);
      for (const [i, r] of rows) await line(`{"index":${i},"neighbors":[${r.map((e) => `{"index":${e.index},"score":${fmt(e.score)}}`).join(',')}]}\n`);
    } else if (opts.query !== undefined) {
      const s = await similarityTo(m, opts.query);
      await line(`{"index":${opts.query},"similarities":[${Array.from(s, fmt).join(',')}]}\n`);
    } else {
      const s = await cosineSimilarity(m);
      for (let i = 0; i < n; i++) await line(`{"index":${i},"similarities":[${Array.from(s.subarray(i * n, (i + 1) * n), fmt).join(',')}]}\n`);
    }
    await line('', true);
    await out.commit();
  } finally {
    await out.discard();
  }
}
