// tokenize.mjs — `embedscape tokenize`: the token ids of each text, one JSON line per text,
// {"ids":[101, …, 102]} with [CLS] and [SEP] included, exactly as the model's Hugging Face tokenizer.

import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { parseTexts } from '../lib/io.js';
import { loadTokenizer } from '../lib/tokenizer.js';
import { UsageError } from './errors.mjs';

export const summary = "token ids of each text as the model's own tokenizer gives them (JSONL {\"ids\":[…]}, [CLS]/[SEP] included)";
export const usage = '--model DIR --input F [--output F.jsonl] [--max-length N]';
export const options = [
  { name: 'model', type: 'string', required: true, metavar: 'DIR', help: 'model folder with tokenizer.json (or vocab.txt + tokenizer_config.json)' },
  { name: 'input', type: 'string', required: true, metavar: 'F', help: 'texts: .txt (one per line), .jsonl ("text" field) or .csv ("text" or first column)' },
  { name: 'output', type: 'string', metavar: 'F.jsonl', help: 'where to write the ids (default: standard output)' },
  { name: 'max-length', type: 'int', metavar: 'N', help: "at most N ids per text including [CLS]/[SEP]; 0 = no truncation (default: the model's max_seq_length)" },
];

// Texts per engine call: bounds the memory of one batch on big inputs.
const CHUNK = 8192;

export async function run(opts, io) {
  if (opts.maxLength !== undefined && opts.maxLength < 0) throw new UsageError(`--max-length must be >= 0 (0 = no truncation), got ${opts.maxLength}`);
  const tok = await loadTokenizer(opts.model);
  const texts = parseTexts(new Uint8Array(await readFile(opts.input)), path.basename(opts.input));
  const parts = [];
  for (let start = 0; start < texts.length; start += CHUNK) {
    const { ids, lengths } = await tok.encodeBatch(texts.slice(start, start + CHUNK), { maxLength: opts.maxLength });
    let o = 0;
    const lines = new Array(lengths.length);
    for (let i = 0; i < lengths.length; i++) {
      lines[i] = `{"ids":[${ids.subarray(o, o + lengths[i]).join(',')}]}\n`;
      o += lengths[i];
    }
    parts.push(lines.join(''));
  }
  await tok.dispose();
  const out = parts.join('');
  if (opts.output) await writeFile(opts.output, out);
  else await new Promise((resolve, reject) => io.stdout.write(out, (e) => (e ? reject(e) : resolve())));
}
