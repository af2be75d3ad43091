// platform.js — what differs between browsers and Node.js, behind one object, so that the rest of the
// main-side API (web/lib/) has no `node:` import and bundles for the browser as it is:
//   spawnWorker(url?)  starts one pool worker and resolves once its modules have loaded
//   threads()          the default number of workers (the cores)
//   fs                 Node only: {readFile, stat} for model folders given as paths
//   cacheDir()         Node only: where loadModel keeps models downloaded from the Hugging Face Hub
//   hubFolder(repo, o) Node only: a Hub repository as a folder in that cache (browsers: hub.js's Cache Storage)
//   hubUrl()           Node only: the Hub's address from the environment ($HF_ENDPOINT)
// This file holds the browser's (and any environment with Web Workers'); web/lib/platform.node.js
// replaces it when embedscape is imported through its "node" export condition (web/embedscape.node.js).

import { EmbedscapeError } from './errors.js';

let current = null;

/** Installs another platform (web/lib/platform.node.js does, for Node.js). */
export function setPlatform(p) { current = p; }

/** The platform in use. */
export function platform() { return current ?? browser; }

/**
 * Waits for a worker's {ready: true} message (sent once its modules have loaded), or its first error.
 * `listen(onMessage, onError)` attaches the two handlers.
 */
export function whenReady(listen, url, timeoutMs = 60000) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
    listen((m) => { if (m && m.ready) { clearTimeout(timer); resolve(); } }, (err) => { clearTimeout(timer); reject(err); });
  });
}

/** The message of a worker that did not start: its URL and what usually causes it. */
export function workerStartError(url, cause) {
  const why = cause?.message ? cause.message : 'the browser gave no reason';
  return new EmbedscapeError(
    `the embedscape worker ${url} failed to start (${why}). Likely causes: the file is not served ` +
    '(HTTP 404) or not as JavaScript; the page\'s Content-Security-Policy does not allow it (worker-src, ' +
    'script-src \'wasm-unsafe-eval\'); a bundler did not emit it (it is created with new Worker(new URL(' +
    '\'../worker/worker.js\', import.meta.url), {type: \'module\'}); pass {workerUrl} to WorkerPool to point at a copy)',
    { cause });
}

/** A Web Worker behind the handle the pool uses. */
function webWorker(w, url) {
  let onMessage = () => {}, onError = () => {};
  w.onmessage = (e) => onMessage(e.data);
  w.onerror = (e) => { e.preventDefault?.(); onError(new Error(e.message || 'worker error')); };
  w.onmessageerror = () => onError(new Error('a message from the worker could not be read'));
  return {
    url: String(url),
    post: (m, t) => w.postMessage(m, t),
    listen: (msg, err) => { onMessage = msg; onError = err; },
    ref: () => {},
    unref: () => {},
    terminate: () => w.terminate(),
  };
}

async function startWeb(make, url) {
  let w;
  try {
    w = make();
  } catch (e) {
    throw workerStartError(url, e); // e.g. SecurityError: a worker script from another origin
  }
  const h = webWorker(w, url);
  try {
    await whenReady(h.listen, url);
  } catch (e) {
    h.terminate();
    throw workerStartError(url, e);
  }
  return h;
}

/**
 * The same worker as one classic script (engine + worker code, made by build.sh), started from a Blob:
 * for bundlers that do not emit module workers (esbuild), pages whose script comes from another
 * origin (a CDN), and file:// pages. Needs worker-src blob: in a Content-Security-Policy.
 */
async function startInline() {
  let source;
  try {
    ({ default: source } = await import('../worker/inline.js'));
  } catch (e) {
    throw new Error(`its single-file copy web/worker/inline.js could not be loaded either (${e.message}; ./build.sh makes it)`);
  }
  const url = URL.createObjectURL(new Blob([source], { type: 'text/javascript' }));
  try {
    return await startWeb(() => new Worker(url, { name: 'embedscape' }), 'blob: (web/worker/inline.js)');
  } finally {
    URL.revokeObjectURL(url);
  }
}

let moduleWorkerFailed = false;

const browser = {
  name: 'browser',
  threads: () => Math.max(1, (globalThis.navigator && navigator.hardwareConcurrency) || 2),
  async spawnWorker(workerUrl) {
    if (typeof Worker === 'undefined') {
      throw new EmbedscapeError('this JavaScript environment has no Web Workers. In Node.js, import embedscape through its package entry (its "node" export condition) so that worker_threads are used.');
    }
    if (workerUrl) return startWeb(() => new Worker(workerUrl, { type: 'module', name: 'embedscape' }), workerUrl);
    if (moduleWorkerFailed) return startInline();
    try {
      // import.meta.url is empty in a classic-script bundle (esbuild's default iife format): new URL throws
      let url;
      try { url = new URL('../worker/worker.js', import.meta.url); } catch { throw new EmbedscapeError('the embedscape worker web/worker/worker.js has no address here (import.meta.url is empty: a classic-script bundle)'); }
      // one expression, as bundlers recognise it (Vite, webpack 5, Parcel emit the worker)
      return await startWeb(() => new Worker(new URL('../worker/worker.js', import.meta.url), { type: 'module', name: 'embedscape' }), url);
    } catch (first) {
      moduleWorkerFailed = true; // the pool's next workers go straight to the single-file copy
      try {
        return await startInline();
      } catch (second) {
        throw new EmbedscapeError(`${first.message}; ${second.message}`, { cause: first });
      }
    }
  },
  fs: null,
  cacheDir: () => null,
};
