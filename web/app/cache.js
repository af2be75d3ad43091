// cache.js — the texts people bring and their vectors, kept in this browser (IndexedDB), so that a
// reload embeds nothing and an edit embeds only the new or changed lines. A vector is filed under
// the model's identity and the text itself: [model, text], the model being its name, the dtype it
// computes in and a SHA-256 of every file of its folder (config, tokenizer, weights) — another model,
// another dtype or other weights never get a vector computed by this one. The inputs (texts and
// their columns, or a saved map) are kept under an id that the page's address carries (urlstate.js).
// Everything here is optional: without IndexedDB (or crypto.subtle) the page embeds as before.

import { fmtInt } from './dom.js';

const DB_NAME = 'embedscape-cache';
const CHUNK = 1000; // keys read per transaction, so no task runs long
// vectors written per transaction: a put clones its vector on the main thread (1 000 MiniLM vectors
// took ~18 ms of a task while the layout ran; 250 keep each task a few ms)
const WRITE_CHUNK = 250;
const INPUTS_KEPT = 8;
const MAP_BYTES_KEPT = 32 << 20; // saved maps up to this size are kept for their links

let dbPromise = null;
function openDb() {
  if (typeof indexedDB === 'undefined') return Promise.resolve(null);
  dbPromise ??= new Promise((resolve) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => {
      const db = req.result;
      db.createObjectStore('vectors');
      db.createObjectStore('inputs', { keyPath: 'id' });
    };
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => resolve(null);
    req.onblocked = () => resolve(null);
  });
  return dbPromise;
}

const done = (req) => new Promise((resolve, reject) => { req.onsuccess = () => resolve(req.result); req.onerror = () => reject(req.error); });
const txDone = (tx) => new Promise((resolve, reject) => { tx.oncomplete = () => resolve(); tx.onerror = tx.onabort = () => reject(tx.error); });
const pause = () => new Promise((r) => setTimeout(r, 0));

const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The identity of a model: "name|dtype|sha256 of its files". null when it cannot be computed (then
 * nothing is cached for it).
 */
export async function modelIdentity(model) {
  // the model's fingerprint: a SHA-256 over every file of its folder, made by the worker that loaded it
  if (!model?.fingerprint) return null;
  return `${model.name}|${model.config?.dtype ?? '?'}|${model.fingerprint}`;
}

/**
 * Cached vectors of texts for a model identity: {rows, data} (rows found, their vectors row by row).
 * Each text is looked up by itself: duplicates and edits find what they can.
 */
export async function lookupVectors(identity, texts, dim) {
  const db = await openDb();
  const rows = [], chunks = [];
  if (!db || !identity) return { rows, data: new Float32Array(0) };
  for (let a = 0; a < texts.length; a += CHUNK) {
    const tx = db.transaction('vectors', 'readonly');
    const store = tx.objectStore('vectors');
    const b = Math.min(texts.length, a + CHUNK);
    const got = await Promise.all(Array.from({ length: b - a }, (_, k) => done(store.get([identity, texts[a + k]]))));
    got.forEach((v, k) => { if (v instanceof Float32Array && v.length === dim) { rows.push(a + k); chunks.push(v); } });
    await pause();
  }
  const data = new Float32Array(rows.length * dim);
  chunks.forEach((v, k) => data.set(v, k * dim));
  return { rows, data };
}

/**
 * Which texts have a vector filed under a model identity: Uint8Array (1 = known). Only the keys are
 * read, so that asking for many texts stays cheap (the run's own lookup checks the vectors too).
 */
export async function knownTexts(identity, texts) {
  const db = await openDb();
  const known = new Uint8Array(texts.length);
  if (!db || !identity) return known;
  for (let a = 0; a < texts.length; a += CHUNK) {
    const store = db.transaction('vectors', 'readonly').objectStore('vectors');
    const b = Math.min(texts.length, a + CHUNK);
    const got = await Promise.all(Array.from({ length: b - a }, (_, k) => done(store.getKey([identity, texts[a + k]]))));
    got.forEach((key, k) => { if (key !== undefined) known[a + k] = 1; });
    await pause();
  }
  return known;
}

/** Files vectors (rows x dim, row by row) under [identity, text]. */
export async function storeVectors(identity, texts, data, dim) {
  const db = await openDb();
  if (!db || !identity) return;
  for (let a = 0; a < texts.length; a += WRITE_CHUNK) {
    const tx = db.transaction('vectors', 'readwrite');
    const store = tx.objectStore('vectors');
    const b = Math.min(texts.length, a + WRITE_CHUNK);
    for (let k = a; k < b; k++) store.put(data.slice(k * dim, (k + 1) * dim), [identity, texts[k]]);
    await txDone(tx);
    await pause();
  }
}

/** An id for an input: a 64-bit FNV-1a hash of its texts, columns and name, in base 36. */
export async function inputId(texts, extra = '') {
  let h1 = 0x811c9dc5, h2 = 0x01000193 ^ 0x5bd1e995;
  const feed = (str) => {
    for (let i = 0; i < str.length; i++) {
      const c = str.charCodeAt(i);
      h1 = Math.imul(h1 ^ c, 0x01000193);
      h2 = Math.imul(h2 ^ c, 0x5bd1e995) ^ (h2 >>> 15);
    }
    h1 = Math.imul(h1 ^ 0x1f, 0x01000193);
  };
  feed(extra);
  for (let i = 0; i < texts.length; i++) {
    feed(texts[i]);
    if (i % 20000 === 19999) await pause();
  }
  return (h1 >>> 0).toString(36) + (h2 >>> 0).toString(36);
}

/** Keeps an input under its id ({id, kind: 'texts', texts, columns, name} or {id, kind: 'map', bytes, name}). */
export async function storeInput(input) {
  const db = await openDb();
  if (!db) return;
  const tx = db.transaction('inputs', 'readwrite');
  const store = tx.objectStore('inputs');
  store.put({ ...input, time: Date.now() });
  // only the most recent few
  const all = await done(store.getAllKeys());
  if (all.length > INPUTS_KEPT) {
    const items = await Promise.all(all.map((k) => done(store.get(k)).then((v) => ({ k, t: v?.time ?? 0 }))));
    items.sort((a, b) => a.t - b.t);
    for (const { k } of items.slice(0, items.length - INPUTS_KEPT)) store.delete(k);
  }
  await txDone(tx);
}

export async function loadInput(id) {
  const db = await openDb();
  if (!db || !id) return null;
  return (await done(db.transaction('inputs', 'readonly').objectStore('inputs').get(id))) ?? null;
}

export function mount(app) {
  const state = app.state;
  let identity = null; // {model, key}

  async function keyOf(model) {
    if (identity?.model !== model) identity = { model, key: modelIdentity(model).catch(() => null) };
    return identity.key;
  }
  app.modelIdentity = () => (app.model ? keyOf(app.model) : Promise.resolve(null));
  app.on('model', ({ model }) => { keyOf(model); });

  // before a run embeds: what this browser knows already goes in, only the rest is embedded
  app.beforeEmbed = async (session, signal) => {
    state.cache = { hits: 0, missing: [], key: null };
    const key = await keyOf(session.model);
    if (!key || signal?.aborted) return;
    const texts = state.texts;
    const { rows, data } = await lookupVectors(key, texts, session.model.dim);
    const known = new Uint8Array(texts.length);
    for (const r of rows) known[r] = 1;
    const missing = [];
    for (let i = 0; i < texts.length; i++) if (!known[i]) missing.push(i);
    state.cache = { hits: rows.length, missing, key };
    if (rows.length) session.setKnownVectors(rows, data);
    if (rows.length) app.status(missing.length ? `${fmtInt(rows.length)} texts known from before; embedding ${fmtInt(missing.length)} new or changed ones…` : `All ${fmtInt(rows.length)} texts known from before: nothing to embed.`);
  };

  // after a run embedded: keep the new vectors
  app.on('vectors', async () => {
    const c = state.cache;
    const session = app.session;
    if (!c?.key || !c.missing.length || !session) return;
    const texts = state.texts;
    try {
      for (let a = 0; a < c.missing.length; a += 2000) {
        const rows = c.missing.slice(a, a + 2000);
        const data = await session.vectorsOf(rows);
        if (app.session !== session || state.texts !== texts) return;
        await storeVectors(c.key, rows.map((i) => texts[i]), data, session.model.dim);
      }
      app.emit('vectors-kept', { n: c.missing.length });
    } catch (e) {
      app.notKept('the vectors of these texts', 'the texts are embedded again next time', e);
    }
  });
}
