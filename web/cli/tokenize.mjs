// tokenize.mjs — `embedscape tokenize`: the token ids of each text, one JSON line per text,
// {"ids":[101, …, 102]} with [CLS] and [SEP] included, exactly as the model's Hugging Face tokenizer.

import path from 'node:path';

import { parseTexts } from '../lib/io.js';
import { INT_MAX } from '../lib/options.js';
import { loadTokenizer } from '../lib/tokenizer.js';
import { option, TEXTS_HELP } from './common.mjs';
import { readInput, openOutput } from './files.mjs';

export const summary = "token ids of each text as the model's own tokenizer gives them (JSONL {\"ids\":[…]}, [CLS]/[SEP] included)";
export const usage = '--model DIR --input F [--output F.jsonl] [--max-length N]';
export const options = [
  option.model('model folder with tokenizer.json (or vocab.txt + tokenizer_config.json)'),
  option.input('F', TEXTS_HELP),
  option.output('F.jsonl', 'where to write the ids (default: standard output)', { required: false }),
  { name: 'max-length', type: 'int', min: 0, max: INT_MAX, metavar: 'N', help: "at most N ids per text including [CLS]/[SEP]; 0 = no truncation (default: the model's max_seq_length)" },
];

// Texts per engine call: bounds the memory of one batch on big inputs.
const CHUNK = 8192;

export async function run(opts, io) {
  const out = await openOutput(opts.output, { stdout: io.stdout });
  let tok = null;
  try {
    tok = await loadTokenizer(opts.model);
    const texts = parseTexts(await readInput(opts.input, '--input'), path.basename(opts.input));
    for (let start = 0; start < texts.length; start += CHUNK) {
      const { ids, lengths } = await tok.encodeBatch(texts.slice(start, start + CHUNK), { maxLength: opts.maxLength });
      let o = 0;
      const lines = new Array(lengths.length);
      for (let i = 0; i < lengths.length; i++) {
        lines[i] = `{"ids":[${ids.subarray(o, o + lengths[i]).join(',')}]}\n`;
        o += lengths[i];
      }
      await out.write(lines.join(''));
    }
    await out.commit();
  } finally {
    await tok?.dispose();
    await out.discard();
  }
}
