// modelsource.js — where the page gets its model from, in this order:
//   1. ?model=URL in the page address (a folder URL; used by tests and by workshops hosting their own copy);
//   2. a folder next to the page: ./models/<name>/ or ../models/<name>/;
//   3. the Hugging Face Hub, downloaded once with progress and kept in the browser's Cache API
//      (web/lib/hub.js, which loadModel uses for Hub ids too);
//   4. files the user picks (a folder, or several files).
// Every source is a "folder" object ({name, read(file, {onProgress, signal}), readJson, has, size,
// list}) as web/lib/folder.js defines, so the model loader reads files on demand whatever the source.

import { readResponse } from '../lib/folder.js';

export { HUB_REPO, HUB_BASE, HUB_APPROX_BYTES, hubModelCached, hubDownloadSize, hubFolder } from '../lib/hub.js';

export const MODEL_NAME = 'all-MiniLM-L6-v2';

const decoder = new TextDecoder();

function addReadJson(folder) {
  folder.readJson = async (f) => {
    const b = await folder.read(f);
    if (!b) return null;
    try {
      return JSON.parse(decoder.decode(b));
    } catch (e) {
      throw new Error(`${f} in ${folder.name} is not valid JSON: ${e.message}`);
    }
  };
  return folder;
}

/** The ?model= parameter of the page address, resolved against it, or null. */
export function modelFromQuery(loc = globalThis.location) {
  const v = new URLSearchParams(loc.search).get('model');
  if (!v) return null;
  const u = new URL(v, loc.href);
  if (!u.pathname.endsWith('/')) u.pathname += '/';
  return u.href;
}

/** Folder URLs next to the page where a model may have been put. */
export function localCandidates(loc = globalThis.location, name = MODEL_NAME) {
  return [new URL(`./models/${name}/`, loc.href).href, new URL(`../models/${name}/`, loc.href).href];
}

/** The first candidate folder URL that has a config.json and a model.safetensors, or null. */
export async function findLocalModel(candidates) {
  for (const base of candidates) {
    try {
      const c = await fetch(new URL('config.json', base), { method: 'HEAD', cache: 'no-store' });
      if (!c.ok) continue;
      const w = await fetch(new URL('model.safetensors', base), { method: 'HEAD', cache: 'no-store' });
      if (w.ok) return base;
    } catch { /* not served here */ }
  }
  return null;
}

/** A folder read over HTTP(S) from a base URL (no caching). */
export function urlFolder(base) {
  const name = decodeURIComponent(new URL(base).pathname.split('/').filter(Boolean).pop() ?? 'model');
  return addReadJson({
    name,
    list: () => null,
    has: async (f) => (await fetch(new URL(f, base), { method: 'HEAD' })).ok,
    size: async (f) => {
      const r = await fetch(new URL(f, base), { method: 'HEAD' });
      const n = Number(r.headers.get('content-length'));
      return r.ok && n > 0 ? n : null;
    },
    read: async (f, opts = {}) => {
      const url = new URL(f, base);
      const r = await fetch(url, { signal: opts.signal });
      if (r.status === 404 || r.status === 410) return null;
      if (!r.ok) throw new Error(`could not download ${url.href}: HTTP ${r.status}`);
      return readResponse(r, opts.onProgress, opts.signal);
    },
  });
}

/**
 * A folder made of files the user picked: a whole folder (<input webkitdirectory>, names carry the
 * folder's path) or several loose files. Two loose "config.json" are told apart by their content
 * (the pooling one has "pooling_mode_*" keys).
 * @param {FileList|File[]} fileList
 */
export async function pickedFolder(fileList) {
  const files = {};
  const loose = [];
  let top = null;
  for (const f of fileList) {
    const rel = f.webkitRelativePath || '';
    if (rel) {
      const parts = rel.split('/');
      top = parts[0];
      files[parts.slice(1).join('/')] = f;
    } else {
      loose.push(f);
    }
  }
  for (const f of loose) {
    if (f.name === 'config.json' && files['config.json']) {
      // decide which of the two is the pooling config
      const [a, b] = [files['config.json'], f];
      const aText = await a.text();
      if (/pooling_mode_/.test(aText)) { files['1_Pooling/config.json'] = a; files['config.json'] = b; }
      else files['1_Pooling/config.json'] = b;
    } else if (f.name === 'config.json' && /pooling_mode_/.test(await f.text())) {
      files['1_Pooling/config.json'] = f;
    } else {
      files[f.name] = f;
    }
  }
  const names = Object.keys(files);
  if (!names.includes('config.json') || !names.some((n) => n.endsWith('.safetensors'))) {
    throw new Error(`the chosen files are not a model folder: need config.json, model.safetensors and tokenizer.json (got ${names.join(', ') || 'nothing'})`);
  }
  return addReadJson({
    name: top ?? MODEL_NAME,
    list: () => names,
    has: async (f) => f in files,
    size: async (f) => files[f]?.size ?? null,
    read: async (f, opts = {}) => {
      const file = files[f];
      if (!file) return null;
      const b = new Uint8Array(await file.arrayBuffer());
      opts.onProgress?.({ loaded: b.length, total: b.length });
      return b;
    },
  });
}

/**
 * Wraps a folder so that every byte read is reported: onProgress({file, loaded, total}) with loaded
 * and total summed over the files read so far (total at least `expectedTotal`).
 */
export function withProgress(folder, onProgress, expectedTotal = 0) {
  const seen = new Map();
  const report = (file) => {
    let loaded = 0, total = 0;
    for (const v of seen.values()) { loaded += v.loaded; total += Math.max(v.total, v.loaded); }
    onProgress({ file, loaded, total: Math.max(total, expectedTotal) });
  };
  return addReadJson({
    ...folder,
    read: (f, opts = {}) => folder.read(f, {
      ...opts,
      onProgress: (p) => {
        seen.set(f, { loaded: p.loaded, total: p.total || 0 });
        report(f);
        opts.onProgress?.(p);
      },
    }),
  });
}
