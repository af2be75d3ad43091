// The fused tokenize + embed entry (es_bert_embed_texts, BertModel.embedUtf8): the texts' UTF-8 bytes
// go in, the vectors come out, the ids never cross into JS — and the vectors are bit for bit those of
// the two-step path (tokenizer.encodeBatch at the model's max_seq_length, then es_bert_embed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { writeRandomBert } from './lib/random-bert.mjs';
import { createEngine, createBertModel } from '../web/worker/index.js';
import { EmbedscapeError } from '../web/embedscape.node.js';
import { readModelFiles } from '../web/internals.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'embedscape-fused-'));
test.after(() => rmSync(tmp, { recursive: true, force: true }));

/** texts as UTF-8 bytes back to back, and the byte count of each */
function pack(texts) {
  const enc = new TextEncoder();
  const parts = texts.map((t) => enc.encode(t));
  const bytes = new Uint8Array(parts.reduce((s, p) => s + p.length, 0));
  let o = 0;
  for (const p of parts) { bytes.set(p, o); o += p.length; }
  return { bytes, lens: parts.map((p) => p.length) };
}

test('embedUtf8 gives embedTexts\' vectors bit for bit, truncation, empty and odd texts included', async () => {
  const ref = writeRandomBert(path.join(tmp, 'm'), { layers: 2, hidden: 40, heads: 5, intermediate: 72, pooling: 'mean', normalize: true, dtype: 'F32', maxSeqLength: 12, seed: 9 });
  const engine = await createEngine();
  const m = createBertModel(engine, (await readModelFiles(ref.dir)).files);
  const texts = ['The sun is shining', '', 'Bring an umbrella, it will rain all day and all night long, they say', 'Ünïcödé ✓ 雨 🌧',
    'x'.repeat(300), 'It\'s daytime'];
  const two = m.embedTexts(texts);
  const { bytes, lens } = pack(texts);
  const fused = m.embedUtf8(bytes, lens);
  assert.deepEqual(fused.data, two.data);
  assert.equal(fused.tokens, two.tokens);
  assert.deepEqual([...fused.lengths], texts.map((t) => m.tokenizer.encode(t, m.config.maxSeqLength).length));
  assert.ok(fused.lengths[2] === 12, 'truncated to max_seq_length');
  // invalid UTF-8 reads as U+FFFD, as TextDecoder does
  const bad = new Uint8Array([0x61, 0xff, 0x62]);
  assert.deepEqual(m.embedUtf8(bad, [3]).data, m.embedTexts([new TextDecoder().decode(bad)]).data);
  assert.equal(m.embedUtf8(new Uint8Array(0), []).data.length, 0);
  assert.throws(() => m.embedUtf8(bytes, [bytes.length + 1]), /lens add up to/);
  assert.throws(() => m.embedUtf8(bytes, [-1]), /lens\[0\] must be a whole number/);
  assert.throws(() => m.embedUtf8('text', [4]), (e) => e instanceof EmbedscapeError && /Uint8Array/.test(e.message));
  const before = engine.heapSize();
  for (let i = 0; i < 3; i++) m.embedUtf8(bytes, lens);
  assert.equal(engine.heapSize(), before);
  m.free();
  assert.throws(() => m.embedUtf8(bytes, lens), /freed/);
});
