// random-bert.mjs — writes a random-weight BERT sentence-transformers folder in the exact Hugging Face
// layout (model.safetensors as F32, F16 or BF16, optional `bert.` prefix, config.json, modules.json,
// 1_Pooling/config.json, sentence_bert_config.json, tokenizer files), and returns the weights as
// stored (after rounding to the file's dtype), in float64, for a reference forward pass.
//
// Tokenizer: 'minilm' copies the real all-MiniLM-L6-v2 tokenizer files from ../shared (through
// tests/helpers.mjs; vocabulary 30522), 'generated' writes a small vocab.txt of its own.

import { mkdirSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { shared } from '../helpers.mjs';
import { writeSafetensors, f32ToF16Bits, f16BitsToF32, f32ToBf16Bits } from '../../web/lib/safetensors.js';

/** A small deterministic PRNG (mulberry32). */
export function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const GENERATED_WORDS = ['the', 'sun', 'is', 'shining', 'map', 'cluster', 'word', 'embedding', 'browser', 'model',
  'umbrella', 'weather', 'great', 'day', 'time', 'it', 'a', 'an', 'of', 'and', 'to', 'in', 'on', 'with'];

/** vocab.txt of a small uncased WordPiece vocabulary. */
export function generatedVocab() {
  const v = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
  for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789') v.push(c);
  for (const c of 'abcdefghijklmnopqrstuvwxyz0123456789') v.push('##' + c);
  for (const p of '.,!?\'"-:;()') v.push(p);
  v.push(...GENERATED_WORDS, '##s', '##ing', '##ed');
  return v;
}

/** The minilm tokenizer files if ../shared has them, else null. */
export function minilmTokenizerFiles() {
  const dir = shared('models', 'all-MiniLM-L6-v2');
  if (!existsSync(path.join(dir, 'tokenizer.json'))) return null;
  const files = {};
  for (const f of ['tokenizer.json', 'tokenizer_config.json', 'vocab.txt', 'special_tokens_map.json']) {
    if (existsSync(path.join(dir, f))) files[f] = readFileSync(path.join(dir, f));
  }
  return files;
}

function roundTo(dtype, x) {
  if (dtype === 'F16') return f16BitsToF32(f32ToF16Bits(x));
  if (dtype === 'BF16') { const b = f32ToBf16Bits(x); const f = new Float32Array(new Uint32Array([b << 16]).buffer); return f[0]; }
  return Math.fround(x);
}

function encode(dtype, values) {
  const n = values.length;
  if (dtype === 'F32') { const out = new Uint8Array(4 * n), dv = new DataView(out.buffer); values.forEach((v, i) => dv.setFloat32(4 * i, v, true)); return out; }
  const out = new Uint8Array(2 * n), dv = new DataView(out.buffer);
  values.forEach((v, i) => dv.setUint16(2 * i, dtype === 'F16' ? f32ToF16Bits(v) : f32ToBf16Bits(v), true));
  return out;
}

/**
 * Writes the folder and returns {dir, config, weights: Map(name without prefix → Float64Array), pooling, normalize, vocab}.
 * @param {string} dir
 * @param {{layers?: number, hidden?: number, heads?: number, intermediate?: number, maxPositions?: number, typeVocab?: number,
 *   dtype?: 'F32'|'F16'|'BF16', prefix?: string, pooling?: 'mean'|'cls'|'max', normalize?: boolean, maxSeqLength?: number,
 *   eps?: number, seed?: number, tokenizer?: 'minilm'|'generated', scale?: number, writeTokenizer?: boolean}} [o]
 */
export function writeRandomBert(dir, o = {}) {
  const {
    layers = 3, hidden = 48, heads = 3, intermediate = 80, maxPositions = 64, typeVocab = 2, dtype = 'F32',
    prefix = '', pooling = 'cls', normalize = false, eps = 1e-12, seed = 1, scale = 0.15,
  } = o;
  let tokFiles = o.tokenizer === 'generated' ? null : minilmTokenizerFiles();
  let vocab;
  if (tokFiles) vocab = 30522;
  else {
    const words = generatedVocab();
    vocab = words.length;
    tokFiles = {
      'vocab.txt': words.join('\n') + '\n',
      'tokenizer_config.json': JSON.stringify({ do_lower_case: true, model_max_length: 512, tokenize_chinese_chars: true, strip_accents: null }),
    };
  }
  const maxSeqLength = o.maxSeqLength ?? Math.min(maxPositions, 256);
  const rand = rng(seed);
  const uni = () => 2 * rand() - 1;
  const weights = new Map();
  const tensors = [];
  const add = (name, shape, gen) => {
    const n = shape.reduce((a, b) => a * b, 1);
    const v = new Float64Array(n);
    for (let i = 0; i < n; i++) v[i] = roundTo(dtype, gen());
    weights.set(name, v);
    tensors.push({ name: prefix + name, dtype, shape, bytes: encode(dtype, v) });
  };
  const H = hidden, F = intermediate;
  add('embeddings.word_embeddings.weight', [vocab, H], () => uni());
  add('embeddings.position_embeddings.weight', [maxPositions, H], () => uni() * 0.5);
  add('embeddings.token_type_embeddings.weight', [typeVocab, H], () => uni() * 0.5);
  add('embeddings.LayerNorm.weight', [H], () => 1 + 0.2 * uni());
  add('embeddings.LayerNorm.bias', [H], () => 0.1 * uni());
  const lin = (name, out, inp) => {
    const s = 1.5 / Math.sqrt(inp);
    add(`${name}.weight`, [out, inp], () => s * uni());
    add(`${name}.bias`, [out], () => scale * uni());
  };
  for (let l = 0; l < layers; l++) {
    const p = `encoder.layer.${l}.`;
    lin(p + 'attention.self.query', H, H);
    lin(p + 'attention.self.key', H, H);
    lin(p + 'attention.self.value', H, H);
    lin(p + 'attention.output.dense', H, H);
    add(p + 'attention.output.LayerNorm.weight', [H], () => 1 + 0.2 * uni());
    add(p + 'attention.output.LayerNorm.bias', [H], () => 0.1 * uni());
    lin(p + 'intermediate.dense', F, H);
    lin(p + 'output.dense', H, F);
    add(p + 'output.LayerNorm.weight', [H], () => 1 + 0.2 * uni());
    add(p + 'output.LayerNorm.bias', [H], () => 0.1 * uni());
  }
  add('pooler.dense.weight', [H, H], () => 0.1 * uni());
  add('pooler.dense.bias', [H], () => 0.1 * uni());
  const config = {
    _name_or_path: `random-bert-h${H}-l${layers}-a${heads}-i${F}-seed${seed}`, architectures: ['BertModel'], model_type: 'bert',
    hidden_act: 'gelu', hidden_size: H, num_hidden_layers: layers, num_attention_heads: heads, intermediate_size: F,
    vocab_size: vocab, max_position_embeddings: maxPositions, type_vocab_size: typeVocab, layer_norm_eps: eps,
    position_embedding_type: 'absolute', pad_token_id: 0, torch_dtype: dtype === 'F32' ? 'float32' : dtype === 'F16' ? 'float16' : 'bfloat16',
  };
  mkdirSync(path.join(dir, '1_Pooling'), { recursive: true });
  writeFileSync(path.join(dir, 'model.safetensors'), writeSafetensors(tensors, { format: 'pt' }));
  writeFileSync(path.join(dir, 'config.json'), JSON.stringify(config, null, 2));
  const modules = [
    { idx: 0, name: '0', path: '', type: 'sentence_transformers.models.Transformer' },
    { idx: 1, name: '1', path: '1_Pooling', type: 'sentence_transformers.models.Pooling' },
  ];
  if (normalize) modules.push({ idx: 2, name: '2', path: '2_Normalize', type: 'sentence_transformers.models.Normalize' });
  writeFileSync(path.join(dir, 'modules.json'), JSON.stringify(modules, null, 2));
  writeFileSync(path.join(dir, '1_Pooling', 'config.json'), JSON.stringify({
    word_embedding_dimension: H, pooling_mode_cls_token: pooling === 'cls', pooling_mode_mean_tokens: pooling === 'mean',
    pooling_mode_max_tokens: pooling === 'max', pooling_mode_mean_sqrt_len_tokens: false,
  }, null, 2));
  writeFileSync(path.join(dir, 'sentence_bert_config.json'), JSON.stringify({ max_seq_length: maxSeqLength, do_lower_case: false }));
  if (o.writeTokenizer !== false) for (const [f, b] of Object.entries(tokFiles)) writeFileSync(path.join(dir, f), b);
  return { dir, config, weights, pooling, normalize, vocab, maxSeqLength, eps };
}

/** erf in double precision (Taylor series below 2.5, continued fraction for erfc above). */
export function erf(x) {
  const ax = Math.abs(x);
  if (ax < 2.5) {
    let term = x, sum = x;
    const x2 = x * x;
    for (let n = 1; n < 80; n++) {
      term *= -x2 / n;
      const d = term / (2 * n + 1);
      sum += d;
      if (Math.abs(d) < 1e-17 * Math.abs(sum)) break;
    }
    return (2 / Math.sqrt(Math.PI)) * sum;
  }
  let f = ax;
  for (let k = 80; k >= 1; k--) f = ax + (k / 2) / f;
  const erfc = Math.exp(-ax * ax) / Math.sqrt(Math.PI) / f;
  return x > 0 ? 1 - erfc : erfc - 1;
}

/**
 * Plain float64 forward pass of a sentence-transformers BERT: ids of one text → pooled vector.
 * @param {{config: object, weights: Map<string, Float64Array>, pooling: string, normalize: boolean, eps: number}} m
 * @param {number[]|Int32Array} ids
 */
export function referenceEmbed(m, ids) {
  const W = (n) => m.weights.get(n);
  const H = m.config.hidden_size, nh = m.config.num_attention_heads, dh = H / nh, F = m.config.intermediate_size, eps = m.config.layer_norm_eps;
  const T = ids.length;
  const ln = (x, g, b) => {
    for (let t = 0; t < T; t++) {
      let mean = 0, v = 0;
      for (let j = 0; j < H; j++) mean += x[t * H + j];
      mean /= H;
      for (let j = 0; j < H; j++) v += (x[t * H + j] - mean) ** 2;
      v /= H;
      const r = 1 / Math.sqrt(v + eps);
      for (let j = 0; j < H; j++) x[t * H + j] = (x[t * H + j] - mean) * r * g[j] + b[j];
    }
  };
  const linear = (x, inp, name, out) => {
    const w = W(name + '.weight'), b = W(name + '.bias'), y = new Float64Array(T * out);
    for (let t = 0; t < T; t++) for (let o = 0; o < out; o++) {
      let s = b[o];
      for (let k = 0; k < inp; k++) s += x[t * inp + k] * w[o * inp + k];
      y[t * out + o] = s;
    }
    return y;
  };
  let x = new Float64Array(T * H);
  const we = W('embeddings.word_embeddings.weight'), pe = W('embeddings.position_embeddings.weight'), te = W('embeddings.token_type_embeddings.weight');
  for (let t = 0; t < T; t++) for (let j = 0; j < H; j++) x[t * H + j] = we[ids[t] * H + j] + pe[t * H + j] + te[j];
  ln(x, W('embeddings.LayerNorm.weight'), W('embeddings.LayerNorm.bias'));
  for (let l = 0; l < m.config.num_hidden_layers; l++) {
    const p = `encoder.layer.${l}.`;
    const q = linear(x, H, p + 'attention.self.query', H), k = linear(x, H, p + 'attention.self.key', H), v = linear(x, H, p + 'attention.self.value', H);
    const ctx = new Float64Array(T * H);
    for (let h = 0; h < nh; h++) for (let i = 0; i < T; i++) {
      const s = new Float64Array(T);
      let mx = -Infinity;
      for (let j = 0; j < T; j++) {
        let d = 0;
        for (let e = 0; e < dh; e++) d += q[i * H + h * dh + e] * k[j * H + h * dh + e];
        s[j] = d / Math.sqrt(dh);
        mx = Math.max(mx, s[j]);
      }
      let sum = 0;
      for (let j = 0; j < T; j++) { s[j] = Math.exp(s[j] - mx); sum += s[j]; }
      for (let e = 0; e < dh; e++) {
        let c = 0;
        for (let j = 0; j < T; j++) c += (s[j] / sum) * v[j * H + h * dh + e];
        ctx[i * H + h * dh + e] = c;
      }
    }
    const a = linear(ctx, H, p + 'attention.output.dense', H);
    for (let i = 0; i < T * H; i++) a[i] += x[i];
    ln(a, W(p + 'attention.output.LayerNorm.weight'), W(p + 'attention.output.LayerNorm.bias'));
    x = a;
    const f = linear(x, H, p + 'intermediate.dense', F);
    for (let i = 0; i < T * F; i++) f[i] = 0.5 * f[i] * (1 + erf(f[i] / Math.SQRT2));
    const o = linear(f, F, p + 'output.dense', H);
    for (let i = 0; i < T * H; i++) o[i] += x[i];
    ln(o, W(p + 'output.LayerNorm.weight'), W(p + 'output.LayerNorm.bias'));
    x = o;
  }
  const out = new Float64Array(H);
  if (m.pooling === 'cls') for (let j = 0; j < H; j++) out[j] = x[j];
  else if (m.pooling === 'max') for (let j = 0; j < H; j++) { out[j] = -Infinity; for (let t = 0; t < T; t++) out[j] = Math.max(out[j], x[t * H + j]); }
  else for (let j = 0; j < H; j++) { for (let t = 0; t < T; t++) out[j] += x[t * H + j]; out[j] /= T; }
  if (m.normalize) {
    const n = Math.max(Math.sqrt(out.reduce((a, b) => a + b * b, 0)), 1e-12);
    for (let j = 0; j < H; j++) out[j] /= n;
  }
  return out;
}
