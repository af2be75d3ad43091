// hub.js — models named by their Hugging Face Hub id ('sentence-transformers/all-MiniLM-L6-v2'), as
// loadModel and loadTokenizer take them besides folders:
//   - a local folder of that name wins (a path in Node, a folder next to the page in a browser);
//   - in a browser each file is downloaded once, with progress, and kept in the Cache Storage
//     (hubFolder; the page uses the same cache);
//   - in Node each file is downloaded once into the cache folder (platform().cacheDir(): resumed when
//     a download broke off, its size and the Hub's sha256 checked: web/lib/hub.node.js); a model whose
//     files are all there loads without the network.
// Files are read on demand (a tokenizer reads no weights). Every source is a Folder as in folder.js.
//
//   const folder = await openModelSource('sentence-transformers/all-MiniLM-L6-v2');
//   const weights = await folder.read('model.safetensors', { onProgress: ({ loaded, total }) => … });

import { EmbedscapeError, abortError, isAbortError } from './errors.js';
import { openFolder, readResponse, withReadJson } from './folder.js';
import { platform } from './platform.js';

export const DEFAULT_HUB = 'https://huggingface.co';
export const HUB_REPO = 'sentence-transformers/all-MiniLM-L6-v2';
/** Size of all-MiniLM-L6-v2's files when the Hub cannot be asked (model.safetensors + the small files). */
export const HUB_APPROX_BYTES = 90_868_376 + 1_100_000;
const CACHE_NAME = 'embedscape-models-v1';

/** True for what reads as a Hub id: 'org/name' (one slash, no scheme, no leading ./ or /, no trailing /). */
export function isHubId(s) {
  return typeof s === 'string' && /^[A-Za-z0-9][\w.-]*\/[A-Za-z0-9][\w.-]*$/.test(s) && !s.includes('..');
}

/** The address files of a Hub repository are downloaded from: …/<repo>/resolve/<revision>/ */
export function hubBase(repo, { hubUrl = DEFAULT_HUB, revision = 'main' } = {}) {
  return `${String(hubUrl).replace(/\/+$/, '')}/${repo}/resolve/${encodeURIComponent(revision)}/`;
}

export const HUB_BASE = hubBase(HUB_REPO);

/** 'https://huggingface.co/org/name/resolve/main/' -> 'org/name' */
function repoOf(base) {
  const m = /\/([^/]+\/[^/]+)\/resolve\/[^/]+\/$/.exec(new URL(base).pathname);
  return m ? decodeURIComponent(m[1]) : base;
}

async function openCache() {
  try {
    return typeof caches !== 'undefined' ? await caches.open(CACHE_NAME) : null;
  } catch {
    return null; // the Cache API is missing outside secure contexts
  }
}

/** True when the browser's cache holds the Hub model at `base` (its config and weights). */
export async function hubModelCached(base = HUB_BASE) {
  const cache = await openCache();
  if (!cache) return false;
  const [a, b] = await Promise.all([cache.match(base + 'config.json'), cache.match(base + 'model.safetensors')]);
  return !!(a?.ok && b?.ok);
}

/**
 * What the Hub download will take: {bytes, reachable}. bytes is asked from the Hub, or an
 * approximation (all-MiniLM-L6-v2's) when it does not answer (reachable false: offline, or blocked).
 */
export async function hubDownloadSize(base = HUB_BASE) {
  try {
    const r = await fetch(base + 'model.safetensors', { method: 'HEAD' });
    const n = Number(r.headers.get('content-length'));
    return { bytes: r.ok && n > 1e6 ? n + 1_100_000 : HUB_APPROX_BYTES, reachable: r.ok };
  } catch {
    return { bytes: HUB_APPROX_BYTES, reachable: false };
  }
}

const size = (n) => (n < 1 << 20 ? `${Math.ceil(n / 1024)} kB` : `${(n / (1 << 20)).toFixed(1)} MB`);

/** The error of a download that broke off: which file, how far it got, and that nothing of it was kept. */
function interrupted(f, base, loaded, total, why) {
  return new EmbedscapeError(`the download of ${f} from ${new URL(base).host} was interrupted after ${size(loaded)}${total ? ` of ${size(total)}` : ''} (${why}). ` +
    'Nothing of it was kept: try the download again.');
}

/**
 * A Hub repository as a Folder through the browser's Cache Storage: each file is downloaded once, and
 * kept only when it arrived whole. onNotKept(file, error): a downloaded file could not be kept (the
 * storage is full: QuotaExceededError); it is used this time all the same.
 * @param {string} [base] @param {{onNotKept?: (file: string, error: Error) => void}} [opts]
 */
export function hubFolder(base = HUB_BASE, { onNotKept } = {}) {
  const repo = repoOf(base);
  const folder = {
    name: repo.split('/').pop(),
    hubId: repo,
    list: () => null,
    has: async (f) => (await folder.read(f)) !== null,
    size: async () => null,
    read: async (f, opts = {}) => {
      const url = base + f;
      const cache = await openCache();
      const hit = await cache?.match(url);
      if (hit?.status === 404) return null; // the repository has no such file (remembered, for offline visits)
      if (hit) return readResponse(hit, opts.onProgress, opts.signal);
      let r;
      try {
        r = await fetch(url, { signal: opts.signal });
      } catch (e) {
        if (opts.signal?.aborted) throw abortError(opts.signal);
        throw new EmbedscapeError(`${repo} is not in this browser's cache and ${new URL(base).origin} cannot be reached (${e.message}): are you offline?`, { cause: e });
      }
      if (r.status === 404) {
        if (f === 'config.json') throw new EmbedscapeError(`'${repo}' is not a model on ${new URL(base).origin} (${url}: HTTP 404)`);
        try { await cache?.put(url, new Response(null, { status: 404 })); } catch { /* not remembered */ }
        return null;
      }
      if (r.status === 401 || r.status === 403) throw new EmbedscapeError(`${url}: HTTP ${r.status} — the repository '${repo}' is private or gated`);
      if (!r.ok) throw new EmbedscapeError(`could not download ${url}: HTTP ${r.status}`);
      const total = Number(r.headers.get('content-length')) || 0;
      let loaded = 0, bytes;
      try {
        bytes = await readResponse(r, (p) => { loaded = p.loaded; opts.onProgress?.(p); }, opts.signal);
      } catch (e) {
        if (isAbortError(e)) throw e;
        throw interrupted(f, base, loaded, total, e.message);
      }
      // a body that ends short of its Content-Length without an error (a proxy may end it so) is not
      // the file; an encoded body's Content-Length counts the encoded bytes, so there it says nothing
      if (total && bytes.length < total && !r.headers.has('content-encoding')) throw interrupted(f, base, bytes.length, total, 'the connection closed early');
      try {
        await cache?.put(url, new Response(bytes, { headers: { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) } }));
      } catch (e) {
        onNotKept?.(f, e); // the storage is full: the model still works this time
      }
      return bytes;
    },
  };
  return withReadJson(folder);
}

/**
 * Opens what loadModel / loadTokenizer were given: a folder as openFolder does, or a Hub id
 * ('org/name') when no local folder of that name has a config.json.
 * @param {any} source @param {{hubUrl?: string, revision?: string}} [opts]
 */
export async function openModelSource(source, opts = {}) {
  if (!isHubId(source)) return openFolder(source);
  let local = null;
  try {
    local = openFolder(source);
    if (await local.has('config.json')) return local;
  } catch { /* no such folder here (or no page to resolve it against) */ }
  const hubUrl = opts.hubUrl ?? platform().hubUrl?.() ?? DEFAULT_HUB;
  const revision = opts.revision ?? 'main';
  if (platform().hubFolder) return platform().hubFolder(source, { hubUrl, revision, local: local?.path ?? null });
  return hubFolder(hubBase(source, { hubUrl, revision }));
}
