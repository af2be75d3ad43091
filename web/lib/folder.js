// folder.js — reads the files of a model folder from wherever it is: a path on disk (Node), a URL
// (browsers and Node; http(s), and file: in Node), or files the user picked / the caller holds in
// memory ({files: {name: Uint8Array|ArrayBuffer|Blob}}, names relative to the folder, e.g.
// '1_Pooling/config.json'). Files are read on demand; a missing file is null, never an exception,
// because many files of a model folder are optional.
//
//   const f = openFolder('models/all-MiniLM-L6-v2/');
//   const config = await f.readJson('config.json');          // object, or null when absent
//   const weights = await f.read('model.safetensors', { onProgress: ({loaded, total}) => … });

import { EmbedscapeError, abortError } from './errors.js';
import { platform } from './platform.js';
import { toBytes } from './bytes.js';

export { TOKENIZER_FILES, BERT_FILES, MODEL_FILES } from './modelfiles.js';


/** Reads a Response body with byte progress; a fired signal stops it (rejecting with signal.reason). */
export async function readResponse(res, onProgress, signal) {
  const total = Number(res.headers.get('content-length')) || 0;
  if (!res.body || !res.body.getReader) {
    const b = new Uint8Array(await res.arrayBuffer());
    onProgress?.({ loaded: b.length, total: b.length });
    return b;
  }
  const reader = res.body.getReader();
  const chunks = [];
  let loaded = 0;
  for (;;) {
    if (signal?.aborted) { reader.cancel().catch(() => {}); throw abortError(signal); }
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    loaded += value.length;
    onProgress?.({ loaded, total });
  }
  const out = new Uint8Array(loaded);
  let o = 0;
  for (const c of chunks) { out.set(c, o); o += c.length; }
  return out;
}

function baseName(s) {
  const parts = String(s).replace(/[?#].*$/, '').split(/[\\/]/).filter(Boolean);
  return parts[parts.length - 1] ?? 'model';
}

/**
 * @typedef {{name: string, list: () => string[]|null, has: (f: string) => Promise<boolean>,
 *   read: (f: string, opts?: {onProgress?: (p: {loaded: number, total: number}) => void, signal?: AbortSignal}) => Promise<Uint8Array|null>,
 *   readJson: (f: string) => Promise<any>, size: (f: string) => Promise<number|null>}} Folder
 */

/**
 * Opens a model folder.
 * @param {string|URL|{files: Record<string, Uint8Array|ArrayBuffer|Blob>, name?: string}|Folder} source
 * @returns {Folder}
 */
export function openFolder(source) {
  if (source && typeof source === 'object' && typeof source.read === 'function' && typeof source.readJson === 'function') return source;
  let folder;
  if (source && typeof source === 'object' && !(source instanceof URL) && source.files) folder = memoryFolder(source);
  else if (source instanceof URL || (typeof source === 'string' && /^[a-z][a-z0-9+.-]*:\/\//i.test(source))) {
    const url = new URL(String(source));
    if (platform().fs && url.protocol === 'file:') folder = nodeFolder(decodeURIComponent(url.pathname));
    else folder = urlFolder(url);
  } else if (typeof source === 'string') {
    folder = platform().fs ? nodeFolder(source) : urlFolder(new URL(source, globalThis.location?.href));
  } else {
    throw new EmbedscapeError('model source must be a folder path, a URL, or {files: {...}}');
  }
  return withReadJson(folder);
}

/** Adds readJson(f) to a folder: its file parsed, null when absent, a clear error when not JSON. */
export function withReadJson(folder) {
  folder.readJson = async (f) => {
    const b = await folder.read(f);
    if (!b) return null;
    try {
      return JSON.parse(new TextDecoder().decode(b));
    } catch (e) {
      throw new EmbedscapeError(`${f} in ${folder.name} is not valid JSON: ${e.message}`);
    }
  };
  return folder;
}

function memoryFolder({ files, name }) {
  const map = new Map();
  for (const [k, v] of Object.entries(files)) map.set(k.replace(/^\.?\//, ''), v);
  // A folder picked with <input webkitdirectory> names files "folder/sub/file": strip the common top.
  const keys = [...map.keys()];
  const tops = new Set(keys.map((k) => k.split('/')[0]));
  let stripped = null;
  if (tops.size === 1 && keys.every((k) => k.includes('/')) && !map.has('config.json')) {
    stripped = [...tops][0];
    for (const k of keys) { map.set(k.slice(stripped.length + 1), map.get(k)); map.delete(k); }
  }
  return {
    name: name ?? stripped ?? 'model',
    list: () => [...map.keys()],
    has: async (f) => map.has(f),
    size: async (f) => {
      const v = map.get(f);
      if (v == null) return null;
      return typeof Blob !== 'undefined' && v instanceof Blob ? v.size : toBytes(v, f).length;
    },
    read: async (f) => {
      const v = map.get(f);
      if (v == null) return null;
      if (typeof Blob !== 'undefined' && v instanceof Blob) return new Uint8Array(await v.arrayBuffer());
      return toBytes(v, f);
    },
  };
}

function urlFolder(url) {
  const base = new URL(url.href.endsWith('/') ? url.href : url.href + '/');
  const fetchFile = async (f, init) => {
    try {
      return await fetch(new URL(f, base), init);
    } catch (e) {
      throw new EmbedscapeError(`could not download ${new URL(f, base).href}: ${e.message}`, { cause: e });
    }
  };
  return {
    name: baseName(base.pathname),
    list: () => null,
    has: async (f) => {
      const r = await fetchFile(f, { method: 'HEAD' });
      return r.ok;
    },
    size: async (f) => {
      const r = await fetchFile(f, { method: 'HEAD' });
      if (!r.ok) return null;
      const n = Number(r.headers.get('content-length'));
      return Number.isFinite(n) && n > 0 ? n : null;
    },
    read: async (f, opts = {}) => {
      const r = await fetchFile(f, { signal: opts.signal });
      if (r.status === 404 || r.status === 410) return null;
      if (!r.ok) throw new EmbedscapeError(`could not download ${new URL(f, base).href}: HTTP ${r.status}`);
      return readResponse(r, opts.onProgress, opts.signal);
    },
  };
}

/** A folder on disk (Node.js: platform().fs). */
function nodeFolder(dir) {
  const fs = platform().fs;
  const file = (f) => fs.join(dir, f);
  return {
    name: baseName(dir),
    path: dir,
    list: () => null,
    has: async (f) => { try { return (await fs.stat(file(f))).isFile(); } catch { return false; } },
    size: async (f) => { try { return (await fs.stat(file(f))).size; } catch { return null; } },
    read: async (f, opts = {}) => {
      try {
        const b = await fs.readFile(file(f));
        opts.onProgress?.({ loaded: b.length, total: b.length });
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      } catch (e) {
        if (e.code === 'ENOENT') {
          try { await fs.stat(dir); } catch { throw new EmbedscapeError(`model folder not found: ${dir}`); }
          return null;
        }
        if (e.code === 'EISDIR') throw new EmbedscapeError(`${file(f)} is a folder, not a file`);
        if (e.code === 'EACCES' || e.code === 'EPERM') throw new EmbedscapeError(`${file(f)}: permission denied`);
        throw new EmbedscapeError(`${file(f)} could not be read: ${e.message}`, { cause: e });
      }
    },
  };
}
