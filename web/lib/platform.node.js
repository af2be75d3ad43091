// platform.node.js — the Node.js side of platform.js: pool workers are worker_threads running
// web/worker/worker.node.js, model folders may be paths, and models downloaded from the Hugging Face
// Hub are kept in a cache folder (web/lib/hub.node.js). Importing this module installs it (web/embedscape.node.js does).

import { Worker } from 'node:worker_threads';
import os from 'node:os';
import path from 'node:path';
import { readFile, stat, mkdir, writeFile, rename, rm } from 'node:fs/promises';

import { setPlatform, whenReady, workerStartError } from './platform.js';

function nodeWorker(w, url) {
  let onMessage = () => {}, onError = () => {};
  w.on('message', (m) => onMessage(m));
  w.on('error', (e) => onError(e));
  w.on('exit', (code) => { if (code !== 0) onError(new Error(`the worker exited with code ${code}`)); });
  return {
    url: String(url),
    post: (m, t) => w.postMessage(m, t),
    listen: (msg, err) => { onMessage = msg; onError = err; },
    ref: () => w.ref(),
    unref: () => w.unref(),
    terminate: () => w.terminate(),
  };
}

/** Where Hub downloads are kept: $EMBEDSCAPE_CACHE, else $XDG_CACHE_HOME/embedscape, else ~/.cache/embedscape. */
function cacheDir() {
  if (process.env.EMBEDSCAPE_CACHE) return path.resolve(process.env.EMBEDSCAPE_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'embedscape');
}

setPlatform({
  name: 'node',
  threads: () => Math.max(1, os.availableParallelism ? os.availableParallelism() : os.cpus().length),
  async spawnWorker(workerUrl) {
    const url = workerUrl ?? new URL('../worker/worker.node.js', import.meta.url);
    let h;
    try {
      h = nodeWorker(new Worker(url), url);
      await whenReady(h.listen, url);
    } catch (e) {
      h?.terminate();
      throw workerStartError(url, e);
    }
    return h;
  },
  fs: { readFile, stat, mkdir, writeFile, rename, rm, join: path.join, resolve: path.resolve },
  cacheDir,
  /** The Hub's address: $HF_ENDPOINT, as for the Hugging Face libraries, else hub.js's default. */
  hubUrl: () => process.env.HF_ENDPOINT || undefined,
  /** A Hub repository as a folder in the cache (web/lib/hub.node.js, loaded on first use). */
  async hubFolder(repo, opts) {
    const { nodeHubFolder } = await import('./hub.node.js');
    return nodeHubFolder(repo, { ...opts, cacheDir: cacheDir() });
  },
});
