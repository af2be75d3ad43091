// npm run bench -- tokenize [--lines=N]
// Tokens per second of embedscape's tokenizer (C in wasm, one batch call) against
// @huggingface/transformers' AutoTokenizer on the same texts: the sentence corpus repeated to
// 100 000 lines, no truncation on either side. Both must give the same ids (checked), and the ratio
// of one run is printed. Needs the reference files beside the repository (../shared).
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import { loadTokenizer } from '../../web/embedscape.node.js';
import { splitLines } from '../../web/lib/io.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const MODELS = path.join(ROOT, '..', 'shared', 'models');
const MODEL = 'all-MiniLM-L6-v2';
const CORPUS = path.join(ROOT, '..', 'shared', 'fixtures', 'corpus', 'sentences-1k.txt');

export default async function bench(flags = []) {
  const linesFlag = flags.find((f) => f.startsWith('--lines='));
  const target = linesFlag ? Number(linesFlag.slice(8)) : 100_000;
  if (!existsSync(path.join(MODELS, MODEL, 'tokenizer.json')) || !existsSync(CORPUS)) {
    console.log('tokenize bench: skipped, ../shared/models/all-MiniLM-L6-v2 or ../shared/fixtures/corpus/sentences-1k.txt is missing');
    return;
  }
  const base = splitLines(readFileSync(CORPUS, 'utf8'));
  const texts = [];
  while (texts.length < target) texts.push(base[texts.length % base.length]);
  console.log(`${texts.length} lines (${base.length} distinct sentences repeated), ${MODEL}, no truncation`);

  // ours: warm up (first calls run in V8's baseline tier), then time one batch call
  const ours = await loadTokenizer(path.join(MODELS, MODEL));
  ours.encodeBatch(texts.slice(0, 2000), 0);
  let t0 = performance.now();
  const { ids, lengths } = ours.encodeBatch(texts, 0);
  const tOurs = (performance.now() - t0) / 1000;
  const nTokens = ids.length;

  // ours, one text per call (what a caller doing one sentence at a time sees)
  t0 = performance.now();
  let nOne = 0;
  for (const t of texts) nOne += ours.encode(t, 0).length;
  const tOursOne = (performance.now() - t0) / 1000;

  // @huggingface/transformers (transformers.js), from the same local folder, no network
  const { AutoTokenizer, env } = await import('@huggingface/transformers');
  env.allowRemoteModels = false;
  env.allowLocalModels = true;
  env.localModelPath = MODELS + path.sep;
  const peer = await AutoTokenizer.from_pretrained(MODEL);
  for (const t of texts.slice(0, 2000)) peer.encode(t);
  t0 = performance.now();
  const peerIds = new Array(texts.length);
  let nPeer = 0;
  for (let i = 0; i < texts.length; i++) {
    peerIds[i] = peer.encode(texts[i]);
    nPeer += peerIds[i].length;
  }
  const tPeer = (performance.now() - t0) / 1000;

  // same ids?
  let o = 0, same = 0;
  for (let i = 0; i < texts.length; i++) {
    const a = ids.subarray(o, o + lengths[i]);
    o += lengths[i];
    const b = peerIds[i];
    if (a.length === b.length && a.every((v, k) => v === b[k])) same++;
  }

  const rate = (n, t) => `${(n / t / 1e6).toFixed(2)} M tokens/s (${t.toFixed(3)} s)`;
  console.log(`embedscape encodeBatch      : ${rate(nTokens, tOurs)}`);
  console.log(`embedscape encode, 1 per call: ${rate(nOne, tOursOne)}`);
  console.log(`transformers.js encode       : ${rate(nPeer, tPeer)}`);
  console.log(`identical ids: ${same}/${texts.length} texts, ${nTokens} tokens`);
  console.log(`ratio (embedscape batch / transformers.js): ${((nTokens / tOurs) / (nPeer / tPeer)).toFixed(1)}x`);
  console.log(`ratio (embedscape 1-per-call / transformers.js): ${((nOne / tOursOne) / (nPeer / tPeer)).toFixed(1)}x`);
  ours.free();
}
