#!/usr/bin/env node
// fetch-model.mjs — puts a sentence-transformers model folder into models/<name>/:
//   npm run fetch-model [-- --model sentence-transformers/all-MiniLM-L6-v2] [--dtype f16|q8]
//   npm run fetch-model -- --from path/to/a/model/folder
// (also `embedscape fetch-model ...`: web/cli/fetch-model.mjs re-exports this command).
//
// From the Hugging Face Hub (https://huggingface.co/<repo>/resolve/<revision>/<file>) it downloads
// the files a sentence-transformers folder holds, each into <file>.part first: an interrupted download
// resumes with an HTTP Range request (within the run, and on the next run), the size is checked
// against what the Hub announced, and for files stored with Git LFS (the weights) the Hub's sha256
// (X-Linked-Etag / ETag header) is checked before the file takes its real name. Files already present
// with the right size and checksum are not downloaded again. With --from it copies a local folder.
// With --dtype f16|q8 it then writes a smaller copy next to it with `embedscape convert`.

import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { EmbedscapeError } from '../web/lib/errors.js';
import { MODEL_FILES as FOLDER_FILES } from '../web/lib/modelfiles.js';

export const DEFAULT_MODEL = 'sentence-transformers/all-MiniLM-L6-v2';
export const DEFAULT_HUB = 'https://huggingface.co';

/** The files of a sentence-transformers folder; `required` ones must exist for the model to load. */
export const MODEL_FILES = FOLDER_FILES.map((name) => ({
  name, required: name === 'config.json' || name === 'model.safetensors', weights: name === 'model.safetensors',
}));

export const summary = 'download a sentence-transformers model folder from the Hugging Face Hub (or copy a local one) into models/<name>/';
export const usage = '[--model ORG/NAME] [--from DIR] [--dtype f32|f16|q8] [--out DIR] [--hub URL]';
export const options = [
  { name: 'model', type: 'string', default: DEFAULT_MODEL, metavar: 'ORG/NAME', help: 'model repository on the Hugging Face Hub' },
  { name: 'from', type: 'string', metavar: 'DIR', help: 'copy this local model folder instead of downloading' },
  { name: 'dtype', type: 'string', default: 'f32', choices: ['f32', 'f16', 'q8'], help: 'also write a smaller copy (f16 or q8 weights) to <out>-<dtype>/ with `embedscape convert`' },
  { name: 'out', type: 'string', metavar: 'DIR', help: 'destination folder (default: models/<name>, relative to the current folder)' },
  { name: 'hub', type: 'string', metavar: 'URL', help: 'Hub address (default: $HF_ENDPOINT, else https://huggingface.co)' },
  { name: 'revision', type: 'string', default: 'main', help: 'branch, tag or commit of the repository' },
  { name: 'retries', type: 'int', default: 3, help: 'attempts per file when a download breaks off (each resumes where the last stopped)' },
  { name: 'force', type: 'bool', default: false, help: 'download or copy again even when a file is already there' },
  { name: 'quiet', type: 'bool', default: false, help: 'print only warnings and errors' },
];

// ------------------------------------------------------------------------------------------ helpers

const MiB = 1024 * 1024;
const fmtBytes = (n) => (n >= MiB ? `${(n / MiB).toFixed(1)} MiB` : n >= 1024 ? `${(n / 1024).toFixed(1)} KiB` : `${n} B`);

async function statOrNull(p) {
  try { return await fs.stat(p); } catch (e) { if (e.code === 'ENOENT') return null; throw e; }
}

async function sha256File(p) {
  const h = createHash('sha256');
  await pipeline(createReadStream(p), h);
  return h.digest('hex');
}

/** `W/"abc"` or `"abc"` → abc */
function cleanEtag(v) {
  return v ? v.replace(/^W\//, '').replace(/^"|"$/g, '') : null;
}

/**
 * Checks that a file is a readable safetensors file whose tensors fit exactly in it (a truncated or
 * HTML-error-page download fails here with a clear message). Returns the number of tensors.
 */
export async function checkSafetensors(file) {
  const fh = await fs.open(file, 'r');
  try {
    const { size } = await fh.stat();
    const fail = (why) => { throw new EmbedscapeError(`${file} is not a valid safetensors file: ${why}`); };
    if (size < 8) fail(`only ${size} bytes`);
    const head = Buffer.alloc(8);
    await fh.read(head, 0, 8, 0);
    const hlen = Number(head.readBigUInt64LE(0));
    if (hlen <= 1 || hlen > 100 * MiB || 8 + hlen > size) fail(`header length ${hlen} does not fit in ${size} bytes`);
    const hbuf = Buffer.alloc(hlen);
    await fh.read(hbuf, 0, hlen, 8);
    let header;
    try { header = JSON.parse(hbuf.toString('utf8')); } catch (e) { fail(`header is not JSON (${e.message})`); }
    let end = 0, count = 0;
    for (const [k, v] of Object.entries(header)) {
      if (k === '__metadata__') continue;
      const off = v?.data_offsets;
      if (!Array.isArray(off) || off.length !== 2) fail(`tensor ${k} has no data_offsets`);
      end = Math.max(end, off[1]);
      count++;
    }
    if (8 + hlen + end !== size) fail(`tensors end at byte ${8 + hlen + end} but the file has ${size} bytes (truncated download?)`);
    return count;
  } finally {
    await fh.close();
  }
}

/** Progress on stderr: one rewritten line on a terminal, a few lines otherwise. */
function progressPrinter(io, label, total, quiet) {
  const tty = !!io.stderr.isTTY;
  let lastPct = -1, lastT = 0;
  return {
    update(done) {
      if (quiet) return;
      const pct = total ? Math.floor((100 * done) / total) : -1;
      if (tty) {
        const now = Date.now();
        if (now - lastT < 100 && done !== total) return;
        lastT = now;
        io.stderr.write(`\r  ${label}: ${fmtBytes(done)}${total ? ` / ${fmtBytes(total)} (${pct}%)` : ''}   `);
      } else if (total && pct >= lastPct + 25) {
        lastPct = pct - (pct % 25);
        io.stderr.write(`  ${label}: ${pct}% (${fmtBytes(done)} / ${fmtBytes(total)})\n`);
      }
    },
    end() { if (!quiet && tty) io.stderr.write('\n'); },
  };
}

function networkMessage(url, e) {
  const code = e?.cause?.code ?? e?.code ?? '';
  const why = code || e?.cause?.message || e?.message || String(e);
  return `could not reach ${url.origin} (${why}). Check the network connection (and a proxy, if you need one), or copy a model folder from a machine that has it and run again with --from DIR.`;
}

// ------------------------------------------------------------------------------------------ Hub route

/** One repository on the Hub: what its files are (describe) and their downloads (download). loadModel
 * uses it too (web/lib/hub.node.js), with onProgress({file, loaded, total}) instead of printed lines. */
export class Hub {
  constructor({ hub, model, revision, io, quiet, retries, onProgress = null }) {
    this.onProgress = onProgress;
    this.base = new URL(hub.endsWith('/') ? hub : hub + '/');
    this.model = model;
    this.revision = revision;
    this.io = io;
    this.quiet = quiet;
    this.retries = Math.max(1, retries);
    this.token = process.env.HF_TOKEN || process.env.HUGGING_FACE_HUB_TOKEN || null;
  }

  fileUrl(name) {
    const parts = name.split('/').map(encodeURIComponent).join('/');
    return new URL(`${this.model}/resolve/${encodeURIComponent(this.revision)}/${parts}`, this.base);
  }

  headers(url, extra = {}) {
    // The token goes to the Hub only, never to the storage host a file is redirected to.
    const h = { 'user-agent': 'embedscape-fetch-model/1', ...extra };
    if (this.token && url.origin === this.base.origin) h.authorization = `Bearer ${this.token}`;
    return h;
  }

  async request(url, init) {
    try {
      return await fetch(url, { ...init, headers: this.headers(url, init.headers) });
    } catch (e) {
      throw new EmbedscapeError(networkMessage(url, e), { cause: e });
    }
  }

  /**
   * What the Hub says about a file without downloading it: {missing} or {url to download from,
   * size, sha256 (LFS files only)}. Follows the Hub's own relative redirects (renamed repositories)
   * but stops at the redirect to the storage host, whose headers carry the LFS size and hash.
   */
  async describe(name) {
    let url = this.fileUrl(name);
    let sha256 = null, size = null;
    for (let hop = 0; hop < 6; hop++) {
      const r = await this.request(url, { method: 'HEAD', redirect: 'manual' });
      const linkedEtag = cleanEtag(r.headers.get('x-linked-etag'));
      const etag = linkedEtag ?? cleanEtag(r.headers.get('etag'));
      if (etag && /^[0-9a-f]{64}$/i.test(etag) && !sha256) sha256 = etag.toLowerCase();
      const linkedSize = Number(r.headers.get('x-linked-size'));
      if (linkedSize > 0 && size === null) size = linkedSize;
      if (r.status === 404) return { missing: true, status: 404 };
      if (r.status === 401 || r.status === 403) {
        throw new EmbedscapeError(`${this.fileUrl(name).href}: HTTP ${r.status} — the repository '${this.model}' does not exist, is private, or is gated${this.token ? ' (the token in HF_TOKEN was not accepted)' : ' (for a gated or private model, accept its terms on the Hub and set HF_TOKEN)'}`);
      }
      if (r.status >= 300 && r.status < 400) {
        const loc = r.headers.get('location');
        if (!loc) throw new EmbedscapeError(`${url.href}: HTTP ${r.status} without a Location header`);
        const next = new URL(loc, url);
        if (next.origin === this.base.origin && !linkedEtag) { url = next; continue; }
        return { url: next, size, sha256 };
      }
      if (!r.ok) throw new EmbedscapeError(`${url.href}: HTTP ${r.status} ${r.statusText}`);
      const len = Number(r.headers.get('content-length'));
      if (size === null && len > 0) size = len;
      return { url, size, sha256 };
    }
    throw new EmbedscapeError(`${this.fileUrl(name).href}: too many redirects`);
  }

  /**
   * Downloads `info.url` into `dest` through `dest.part`, resuming from what is already in the .part
   * file. Verifies size and sha256 when known. Returns {bytes, sha256, resumedFrom}.
   */
  async download(name, info, dest) {
    const part = dest + '.part';
    const label = name;
    let lastError = null;
    for (let attempt = 1; attempt <= this.retries; attempt++) {
      let have = (await statOrNull(part))?.size ?? 0;
      if (info.size !== null && have > info.size) { await fs.rm(part, { force: true }); have = 0; }
      try {
        if (info.size === null || have < info.size) await this.fetchInto(info, part, have, label);
        return await this.finish(name, info, part, dest, have);
      } catch (e) {
        lastError = e;
        if (!e.retryable || attempt === this.retries) break;
        const now = (await statOrNull(part))?.size ?? 0;
        if (!this.quiet) this.io.stderr.write(`  ${label}: ${e.message}; resuming from ${fmtBytes(now)} (attempt ${attempt + 1} of ${this.retries})\n`);
      }
    }
    if (lastError?.retryable) {
      const now = (await statOrNull(part))?.size ?? 0;
      throw new EmbedscapeError(`${name}: ${lastError.message}. ${fmtBytes(now)} are kept in ${part}; run the same command again to resume.`);
    }
    throw lastError;
  }

  async fetchInto(info, part, have, label) {
    const headers = have > 0 ? { range: `bytes=${have}-` } : {};
    let r;
    try {
      r = await fetch(info.url, { headers: this.headers(info.url, headers), redirect: 'follow' });
    } catch (e) {
      throw Object.assign(new EmbedscapeError(networkMessage(info.url, e)), { retryable: true });
    }
    let append = false;
    if (have > 0 && r.status === 206) {
      const cr = r.headers.get('content-range') ?? '';
      const m = /^bytes (\d+)-/.exec(cr);
      if (!m || Number(m[1]) !== have) {
        await r.body?.cancel();
        throw Object.assign(new EmbedscapeError(`the server resumed at the wrong place (${cr || 'no Content-Range'})`), { retryable: true, restart: true });
      }
      append = true;
    } else if (r.status === 416 && info.size !== null && have === info.size) {
      await r.body?.cancel();
      return; // the .part file is already complete
    } else if (!r.ok) {
      await r.body?.cancel();
      const retryable = r.status >= 500 || r.status === 429 || r.status === 408;
      throw Object.assign(new EmbedscapeError(`${info.url.href}: HTTP ${r.status} ${r.statusText}`), { retryable });
    }
    // 200 to a Range request: the server sends the whole file, so start over.
    const start = append ? have : 0;
    const total = info.size ?? (Number(r.headers.get('content-length')) || 0) + start;
    const bar = progressPrinter(this.io, label, total, this.quiet);
    if (start > 0 && !this.quiet) this.io.stderr.write(`  ${label}: resuming at ${fmtBytes(start)}\n`);
    const out = createWriteStream(part, { flags: append ? 'a' : 'w' });
    let done = start;
    try {
      const reader = r.body.getReader();
      for (;;) {
        const { done: end, value } = await reader.read();
        if (end) break;
        done += value.length;
        if (!out.write(value)) await new Promise((res) => out.once('drain', res));
        bar.update(done);
        this.onProgress?.({ file: label, loaded: done, total });
      }
    } catch (e) {
      throw Object.assign(new EmbedscapeError(`download broke off after ${fmtBytes(done)} (${e?.cause?.code ?? e?.code ?? e?.message ?? e})`), { retryable: true });
    } finally {
      await new Promise((res, rej) => out.end((err) => (err ? rej(err) : res())));
      bar.end();
    }
    if (info.size !== null && done < info.size) {
      throw Object.assign(new EmbedscapeError(`download broke off at ${fmtBytes(done)} of ${fmtBytes(info.size)}`), { retryable: true });
    }
  }

  async finish(name, info, part, dest, resumedFrom) {
    const { size } = await fs.stat(part);
    if (info.size !== null && size !== info.size) {
      await fs.rm(part, { force: true });
      throw new EmbedscapeError(`${name}: downloaded ${size} bytes but the Hub announced ${info.size}; the partial file was deleted, run again`);
    }
    const sha = await sha256File(part);
    if (info.sha256 && sha !== info.sha256) {
      await fs.rm(part, { force: true });
      throw new EmbedscapeError(`${name}: sha256 mismatch — the Hub announced ${info.sha256}, the download has ${sha}. The damaged file was deleted; run the command again (if it happens again, the server or a proxy is altering the file).`);
    }
    await fs.rename(part, dest);
    return { bytes: size, sha256: sha, verified: !!info.sha256, resumedFrom };
  }
}

// ------------------------------------------------------------------------------------------ command

function say(io, quiet, s) { if (!quiet) io.stdout.write(s + '\n'); }

function missingWeightsMessage(out, model, hub) {
  const rel = path.relative(process.cwd(), out) || '.';
  return [
    `the weights (model.safetensors) are missing: ${rel} has the tokenizer and configs only, so it can tokenize but not embed.`,
    `  To get them: on a machine with internet access run \`npm run fetch-model -- --model ${model}\``,
    `  (downloads ${new URL(`${model}/resolve/main/model.safetensors`, hub.endsWith('/') ? hub : hub + '/').href}),`,
    `  or copy a model.safetensors of ${model} into ${rel}/ and run this command again to check it.`,
  ].join('\n');
}

async function fromFolder(src, out, opts, io) {
  const st = await statOrNull(src);
  if (!st) throw new EmbedscapeError(`--from: no such folder: ${src}`);
  if (!st.isDirectory()) throw new EmbedscapeError(`--from: not a folder: ${src}`);
  if (path.resolve(src) === path.resolve(out)) throw new EmbedscapeError(`--from and --out are the same folder (${out})`);
  const copied = [], missing = [];
  for (const f of MODEL_FILES) {
    const from = path.join(src, f.name), to = path.join(out, f.name);
    const s = await statOrNull(from);
    if (!s) { missing.push(f); continue; }
    const have = await statOrNull(to);
    if (have && !opts.force && have.size === s.size && (await sha256File(to)) === (await sha256File(from))) {
      copied.push(`${f.name} (already there)`);
      continue;
    }
    await fs.mkdir(path.dirname(to), { recursive: true });
    await fs.copyFile(from, to + '.part');
    await fs.rename(to + '.part', to);
    copied.push(`${f.name} (${fmtBytes(s.size)})`);
  }
  say(io, opts.quiet, `copied from ${src}:\n  ${copied.join('\n  ') || '(nothing)'}`);
  return { missing };
}

async function fromHub(out, opts, io) {
  const hub = opts.hub || process.env.HF_ENDPOINT || DEFAULT_HUB;
  if (!/^[\w.-]+(\/[\w.-]+)?$/.test(opts.model)) throw new EmbedscapeError(`--model must look like org/name (e.g. ${DEFAULT_MODEL}), got '${opts.model}'`);
  const h = new Hub({ hub, model: opts.model, revision: opts.revision, io, quiet: opts.quiet, retries: opts.retries });
  say(io, opts.quiet, `fetching ${opts.model} (${opts.revision}) from ${h.base.origin} into ${out}`);
  const missing = [];
  let checked = 0;
  for (const f of MODEL_FILES) {
    const info = await h.describe(f.name);
    if (info.missing) { missing.push(f); continue; }
    const dest = path.join(out, f.name);
    await fs.mkdir(path.dirname(dest), { recursive: true });
    const have = await statOrNull(dest);
    if (have && !opts.force && (info.size === null || have.size === info.size) && (!info.sha256 || (await sha256File(dest)) === info.sha256)) {
      say(io, opts.quiet, `  ${f.name}: already there (${fmtBytes(have.size)}${info.sha256 ? ', sha256 ok' : ''})`);
      continue;
    }
    if (opts.force) await fs.rm(dest + '.part', { force: true });
    const r = await h.download(f.name, info, dest);
    if (r.verified) checked++;
    say(io, opts.quiet, `  ${f.name}: ${fmtBytes(r.bytes)}${r.verified ? ', sha256 ok' : ''}${r.resumedFrom ? ` (resumed at ${fmtBytes(r.resumedFrom)})` : ''}`);
  }
  if (missing.some((f) => f.name === 'config.json')) {
    throw new EmbedscapeError(`${h.fileUrl('config.json').href} was not found: is '${opts.model}' a model repository on ${h.base.origin} (and '${opts.revision}' one of its branches)?`);
  }
  return { missing, checked, hub };
}

/**
 * Runs the command. opts: see `options` (camelCase keys); io: {stdout, stderr}.
 * Returns {out, missing: [file names], dtypeOut}.
 */
export async function run(opts, io = { stdout: process.stdout, stderr: process.stderr }) {
  opts = { model: DEFAULT_MODEL, dtype: 'f32', revision: 'main', retries: 3, force: false, quiet: false, ...opts };
  const name = opts.from ? path.basename(path.resolve(opts.from)) : opts.model.split('/').pop();
  const out = path.resolve(opts.out ?? path.join('models', name));
  await fs.mkdir(out, { recursive: true });

  const { missing } = opts.from ? await fromFolder(opts.from, out, opts, io) : await fromHub(out, opts, io);
  const hub = opts.hub || process.env.HF_ENDPOINT || DEFAULT_HUB;
  const missingNames = missing.map((f) => f.name);

  if (!missingNames.includes('config.json')) {
    try { JSON.parse(await fs.readFile(path.join(out, 'config.json'), 'utf8')); } catch (e) {
      throw new EmbedscapeError(`${path.join(out, 'config.json')} is not valid JSON (${e.message})`);
    }
  } else {
    throw new EmbedscapeError(`config.json is missing in ${opts.from}: that is not a model folder`);
  }
  if (missingNames.includes('tokenizer.json') && missingNames.includes('vocab.txt')) {
    io.stderr.write(`fetch-model: warning: neither tokenizer.json nor vocab.txt was found: the folder cannot tokenize text\n`);
  }
  const hasWeights = !missingNames.includes('model.safetensors');
  if (hasWeights) {
    const tensors = await checkSafetensors(path.join(out, 'model.safetensors'));
    say(io, opts.quiet, `model.safetensors: ${tensors} tensors, sizes consistent`);
  } else {
    io.stderr.write(`fetch-model: warning: ${missingWeightsMessage(out, opts.from && opts.model === DEFAULT_MODEL ? `sentence-transformers/${name}` : opts.model, hub)}\n`);
  }
  const optional = missingNames.filter((n) => n !== 'model.safetensors' && n !== 'tokenizer.json' && n !== 'vocab.txt');
  if (optional.length) say(io, opts.quiet, `not in the source (optional): ${optional.join(', ')}`);

  let dtypeOut = null;
  if (opts.dtype !== 'f32') {
    if (!hasWeights) throw new EmbedscapeError(`--dtype ${opts.dtype}: there are no weights to convert (model.safetensors is missing)`);
    dtypeOut = `${out}-${opts.dtype}`;
    let convert;
    try {
      convert = await import(pathToFileURL(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'web', 'cli', 'convert.mjs')).href);
    } catch (e) {
      if (e?.code === 'ERR_MODULE_NOT_FOUND') throw new EmbedscapeError(`--dtype ${opts.dtype}: the 'convert' command is not part of this build; the f32 folder is ready in ${out}`);
      throw e;
    }
    say(io, opts.quiet, `converting to ${opts.dtype}: ${dtypeOut}`);
    const defaults = {};
    for (const o of convert.options ?? []) if (o.default !== undefined) defaults[o.name.replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = o.default;
    // the <out>-<dtype> folder is this command's own: a second run refreshes it (convert's --force)
    await convert.run({ ...defaults, model: out, dtype: opts.dtype, output: dtypeOut, force: true }, io);
  }
  say(io, opts.quiet, `ready: ${path.relative(process.cwd(), dtypeOut ?? out) || '.'}${hasWeights ? '' : ' (without weights)'}`);
  return { out, missing: missingNames, dtypeOut };
}

// Run directly (npm run fetch-model): the CLI's parser, help and error reporting.
const isMain = !!process.argv[1] && import.meta.url === pathToFileURL(await fs.realpath(process.argv[1]).catch(() => '')).href;
// Not awaited: web/cli.mjs imports this module again (through web/cli/fetch-model.mjs), which must
// finish evaluating first.
if (isMain) {
  (async () => {
    const { main } = await import('../web/cli.mjs');
    const code = await main(['fetch-model', ...process.argv.slice(2)]);
    const { getDefaultPool } = await import('../web/embedscape.node.js');
    getDefaultPool().dispose();
    process.exitCode = code;
  })();
}
