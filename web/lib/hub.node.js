// hub.node.js — a Hugging Face Hub repository as a model folder in Node.js: each file is downloaded
// once into the cache folder (platform().cacheDir()/<org>/<name>, @<revision> unless main) by the
// fetch script's Hub (models/fetch-model.mjs: resumes a broken download from its .part file, checks
// the size and, for the weights, the Hub's sha256), then read from disk. Files the repository does not
// have are remembered (.missing.json), so a model whose files are all known loads without the
// network. Loaded lazily by platform.node.js when loadModel gets a Hub id.

import { readFile, writeFile, mkdir } from 'node:fs/promises';
import path from 'node:path';

import { EmbedscapeError } from './errors.js';
import { Hub } from '../../models/fetch-model.mjs';

const MISSING = '.missing.json';
const silent = { write() {}, isTTY: false };

/** The network error's own code (ECONNREFUSED, ENOTFOUND, …) or message, under fetch's "fetch failed". */
function reason(e) {
  let why = e?.message ?? String(e);
  for (let c = e?.cause, i = 0; c && i < 4; c = c.cause, i++) {
    if (c.code) return c.code;
    if (c.message) why = c.message;
  }
  return why;
}

/**
 * @param {string} repo 'org/name' @param {{hubUrl: string, revision: string, cacheDir: string, local: string|null}} o
 */
export async function nodeHubFolder(repo, { hubUrl, revision, cacheDir, local }) {
  const dir = path.join(cacheDir, ...repo.split('/')) + (revision === 'main' ? '' : `@${revision}`);
  const origin = new URL(hubUrl).origin;
  let missing = new Set();
  try { missing = new Set(JSON.parse(await readFile(path.join(dir, MISSING), 'utf8'))); } catch { /* none yet */ }
  const hub = new Hub({ hub: hubUrl, model: repo, revision, io: { stdout: silent, stderr: silent }, quiet: true, retries: 3 });
  const notHere = local ? `no model folder ${local} here, ` : '';

  async function fromDisk(f) {
    try {
      const b = await readFile(path.join(dir, f));
      return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    } catch (e) {
      if (e.code === 'ENOENT') return null;
      throw new EmbedscapeError(`${path.join(dir, f)} could not be read: ${e.message}`, { cause: e });
    }
  }

  async function download(f, onProgress) {
    let info;
    try {
      info = await hub.describe(f);
    } catch (e) {
      if (e?.message?.startsWith('could not reach')) {
        throw new EmbedscapeError(`${repo}: ${notHere}${f} not in the model cache (${dir}), and ${origin} cannot be reached (${reason(e)}). Connect once to download it, or give loadModel the path of a model folder (npm run fetch-model puts one in models/).`, { cause: e });
      }
      throw new EmbedscapeError(`${repo}: ${e.message}`, { cause: e });
    }
    if (info.missing) {
      if (f === 'config.json') throw new EmbedscapeError(`${repo}: ${local ? `no model folder ${local} here, and ` : ''}no such model on ${origin} (${hub.fileUrl(f).href}: HTTP 404)`);
      missing.add(f);
      await mkdir(dir, { recursive: true });
      await writeFile(path.join(dir, MISSING), JSON.stringify([...missing]));
      return null;
    }
    const dest = path.join(dir, f);
    await mkdir(path.dirname(dest), { recursive: true });
    hub.onProgress = onProgress ? (p) => onProgress({ loaded: p.loaded, total: p.total }) : null;
    try {
      await hub.download(f, info, dest);
    } catch (e) {
      throw new EmbedscapeError(`${repo}: ${e.message}`, { cause: e });
    } finally {
      hub.onProgress = null;
    }
    return fromDisk(f);
  }

  const folder = {
    name: repo.split('/').pop(),
    hubId: repo,
    path: dir,
    list: () => null,
    has: async (f) => (await folder.read(f)) !== null,
    size: async (f) => (await folder.read(f))?.length ?? null,
    read: async (f, opts = {}) => {
      const b = await fromDisk(f);
      if (b) { opts.onProgress?.({ loaded: b.length, total: b.length }); return b; }
      if (missing.has(f)) return null;
      return download(f, opts.onProgress);
    },
    readJson: async (f) => {
      const b = await folder.read(f);
      if (!b) return null;
      try { return JSON.parse(new TextDecoder().decode(b)); } catch (e) { throw new EmbedscapeError(`${f} in ${dir} is not valid JSON: ${e.message}`); }
    },
  };
  return folder;
}
