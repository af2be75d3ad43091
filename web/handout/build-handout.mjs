#!/usr/bin/env node
// build-handout.mjs — the offline handout: one folder (and a .zip of it) that a workshop attendee opens
// by double-clicking index.html. Everything is inside: the page, the engine, the sample sets and a
// model. It runs from file:// with no server and no network.
//
//   ./build.sh --handout [--model DIR] [--dtype f32|f16|q8] [--out DIR]
//   node web/handout/build-handout.mjs [--model DIR] [--dtype q8] [--out dist/handout] [--zip F | --no-zip]
//
// Chromium refuses ES modules and fetch() on file:// pages, so:
//   * the page's modules (web/index.html → web/app/main.js → …) are bundled into one classic script
//     (bundle.mjs); web/engine/engine.mjs is replaced by a shim over the classic engine build;
//   * the worker is the single-file worker of web/worker/build-inline.mjs (the classic engine,
//     web/engine/engine.classic.js, wasm inlined, followed by web/worker/worker.js bundled), started
//     from a Blob;
//   * the model files and sample sets are embedded as base64 in classic scripts, and adapter.js
//     answers the page's fetch() calls for them from memory (the model's script, tens of MB, is only
//     loaded when the page first reads a model file, so the page is usable at once).
// The page's own code is not changed: adapter.js runs before it (see there).

import { readFile, writeFile, mkdir, rm, readdir, stat, copyFile, mkdtemp } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import '../lib/platform.node.js';
import { bundle } from './bundle.mjs';
import { inlineWorkerSource } from '../worker/build-inline.mjs';
import { makeZip } from './zip.mjs';
import { MODEL_FILES } from '../lib/modelfiles.js';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '..', '..');
const WEB = path.join(ROOT, 'web');

const NOTICES = 'THIRD_PARTY_NOTICES.txt';
const TYPES = { '.json': 'application/json', '.txt': 'text/plain; charset=utf-8', '.csv': 'text/csv; charset=utf-8',
  '.jsonl': 'text/plain; charset=utf-8', '.safetensors': 'application/octet-stream' };

const USAGE = `usage: node web/handout/build-handout.mjs [--model DIR] [--dtype f32|f16|q8] [--out DIR] [--zip FILE | --no-zip]

Writes the offline handout folder (default dist/handout/) and a zip of it (default
dist/embedscape-handout.zip). --model: the model folder to put inside (default models/all-MiniLM-L6-v2
when it exists; without a model the attendee picks a model folder in the page). --dtype f16|q8 embeds a
smaller converted copy (made with 'embedscape convert').`;

class BuildError extends Error {}

function parseArgs(argv) {
  const o = { model: null, dtype: 'f32', out: path.join(ROOT, 'dist', 'handout'), zip: undefined };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const val = () => { if (i + 1 >= argv.length) throw new BuildError(`${a} needs a value`); return argv[++i]; };
    if (a === '--model') o.model = val();
    else if (a === '--dtype') { o.dtype = val(); if (!['f32', 'f16', 'q8'].includes(o.dtype)) throw new BuildError(`--dtype must be f32, f16 or q8, got '${o.dtype}'`); }
    else if (a === '--out') o.out = path.resolve(val());
    else if (a === '--zip') o.zip = path.resolve(val());
    else if (a === '--no-zip') o.zip = null;
    else if (a === '-h' || a === '--help') { console.log(USAGE); process.exit(0); }
    else throw new BuildError(`unknown option '${a}'\n${USAGE}`);
  }
  if (o.zip === undefined) o.zip = path.join(path.dirname(o.out), 'embedscape-handout.zip');
  return o;
}

const fmt = (n) => (n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);

/** A JS statement assigning base64 file contents, split in lines so editors and diff tools cope. */
function filesScript(files, comment) {
  const parts = [`// ${comment}`, 'window.EMBEDSCAPE_HANDOUT = window.EMBEDSCAPE_HANDOUT || { files: {}, types: {} };', '(function (H) {'];
  for (const [name, bytes] of files) {
    parts.push(`H.files[${JSON.stringify(name)}] = ${JSON.stringify(Buffer.from(bytes).toString('base64'))};`);
    parts.push(`H.types[${JSON.stringify(name)}] = ${JSON.stringify(TYPES[path.extname(name)] ?? 'application/octet-stream')};`);
  }
  parts.push('})(window.EMBEDSCAPE_HANDOUT);', '');
  return parts.join('\n');
}

/** Adds what the handout needs to the page's Content-Security-Policy (scripts and workers from blob:, file: assets). */
function patchCsp(html) {
  return html.replace(/(<meta\s+http-equiv=["']Content-Security-Policy["']\s+content=")([^"]*)(")/i, (all, a, csp, b) => {
    const dirs = new Map(csp.split(';').map((d) => d.trim()).filter(Boolean).map((d) => { const [k, ...v] = d.split(/\s+/); return [k, v]; }));
    const add = (k, ...vals) => {
      const cur = dirs.get(k) ?? [...(dirs.get('default-src') ?? [])];
      for (const v of vals) if (!cur.includes(v)) cur.push(v);
      dirs.set(k, cur);
    };
    add('default-src', 'file:');
    add('script-src', 'file:', 'blob:');
    add('worker-src', 'blob:');
    add('connect-src', 'data:', 'blob:');
    add('img-src', 'file:', 'data:', 'blob:');
    add('style-src', 'file:');
    return a + [...dirs].map(([k, v]) => [k, ...v].join(' ')).join('; ') + b;
  });
}

async function listFiles(dir, base = dir) {
  const out = [];
  for (const e of await readdir(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out.push(...await listFiles(p, base));
    else out.push(path.relative(base, p).split(path.sep).join('/'));
  }
  return out;
}

async function resolveModel(o) {
  let dir = o.model;
  if (!dir) {
    const def = path.join(ROOT, 'models', 'all-MiniLM-L6-v2');
    if (existsSync(path.join(def, 'model.safetensors'))) dir = def;
    else return null;
  }
  dir = path.resolve(dir);
  if (!existsSync(path.join(dir, 'config.json'))) throw new BuildError(`--model ${dir}: no config.json there (not a model folder; see models/README.md)`);
  if (!existsSync(path.join(dir, 'model.safetensors'))) throw new BuildError(`--model ${dir}: no model.safetensors there (the weights are missing; see models/README.md)`);
  let name = path.basename(dir);
  if (o.dtype !== 'f32') {
    const convertPath = path.join(WEB, 'cli', 'convert.mjs');
    if (!existsSync(convertPath)) throw new BuildError(`--dtype ${o.dtype}: the 'convert' command is not part of this build`);
    const convert = await import(pathToFileURL(convertPath).href);
    const tmp = await mkdtemp(path.join(tmpdir(), 'embedscape-handout-'));
    const out = path.join(tmp, `${name}-${o.dtype}`);
    const defaults = {};
    for (const opt of convert.options ?? []) if (opt.default !== undefined) defaults[opt.name.replace(/-([a-z])/g, (_, c) => c.toUpperCase())] = opt.default;
    await convert.run({ ...defaults, model: dir, dtype: o.dtype, output: out }, { stdout: process.stdout, stderr: process.stderr });
    const { getDefaultPool } = await import('../embedscape.node.js');
    getDefaultPool().dispose();
    dir = out;
    name = `${name}-${o.dtype}`;
    return { dir, name, tmp };
  }
  return { dir, name, tmp: null };
}

export async function buildHandout(o) {
  const engineFile = path.join(WEB, 'engine', 'engine.classic.js');
  if (!existsSync(engineFile)) throw new BuildError('web/engine/engine.classic.js is missing: run ./build.sh first');
  const indexHtml = await readFile(path.join(WEB, 'index.html'), 'utf8');

  // 1. the page's module scripts → one bundle
  const entries = [];
  let html = indexHtml.replace(/^[ \t]*<script\s+type=["']module["']\s+src=["']([^"']+)["']\s*><\/script>[ \t]*\n?/gim, (all, src) => {
    entries.push(path.posix.join('web', src));
    return '';
  });
  if (/<script\s+type=["']module["']/i.test(html)) throw new BuildError('web/index.html has an inline module script; the handout bundler only follows <script type="module" src>');
  if (!entries.length) throw new BuildError('web/index.html has no <script type="module" src=…> to bundle');
  // the page never loads the engine; its workers are the single-file worker (inline.js's source),
  // started from a Blob by adapter.js, so the bundle needs neither
  const replace = {
    'web/engine/engine.mjs': await readFile(path.join(HERE, 'engine-shim.js'), 'utf8'),
    'web/worker/inline.js': 'export default (self.EMBEDSCAPE_HANDOUT && self.EMBEDSCAPE_HANDOUT.workerSource) || null;\n',
  };
  // EMBEDSCAPE_MODULES: a promise of the bundled modules by id (for tests and curious attendees' consoles)
  const app = await bundle(entries, { root: ROOT, base: 'web/', replace, exportAs: 'EMBEDSCAPE_MODULES' });
  const worker = await inlineWorkerSource();

  // 2. the folder
  await rm(o.out, { recursive: true, force: true });
  await mkdir(path.join(o.out, 'js'), { recursive: true });
  const written = new Map(); // relative path -> bytes
  const put = async (rel, data) => {
    const file = path.join(o.out, rel);
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, data);
    written.set(rel, typeof data === 'string' ? Buffer.byteLength(data) : data.length);
  };

  // assets the page links to (stylesheets, icons): copied as they are
  for (const m of indexHtml.matchAll(/\s(?:href|src)=["']([^"'#?:]+)["']/g)) {
    const rel = m[1];
    if (rel.endsWith('.js') || rel.endsWith('.mjs')) continue;
    const from = path.join(WEB, rel);
    if (existsSync(from) && (await stat(from)).isFile()) await put(rel, await readFile(from));
  }
  // files stylesheets refer to (url(...)) in the same folders
  for (const rel of [...written.keys()].filter((r) => r.endsWith('.css'))) {
    const css = await readFile(path.join(WEB, rel), 'utf8');
    for (const m of css.matchAll(/url\(\s*["']?([^"')#?:]+)["']?\s*\)/g)) {
      const r = path.posix.join(path.posix.dirname(rel), m[1]);
      const from = path.join(WEB, r);
      if (!written.has(r) && existsSync(from)) await put(r, await readFile(from));
    }
  }

  // the licences: embedscape's, and the notices of the third-party code compiled into the engine
  await put('LICENSE.txt', await readFile(path.join(ROOT, 'LICENSE')));
  if (!written.has(NOTICES)) await put(NOTICES, await readFile(path.join(WEB, NOTICES)));

  const samples = [];
  const samplesDir = path.join(WEB, 'samples');
  if (existsSync(samplesDir)) for (const f of await listFiles(samplesDir)) samples.push([`samples/${f}`, await readFile(path.join(samplesDir, f))]);

  const model = await resolveModel(o);
  let modelBytes = 0;
  const lazy = { script: 'js/model.js', files: {} };
  if (model) {
    const files = [];
    for (const f of MODEL_FILES) {
      const p = path.join(model.dir, f);
      if (existsSync(p)) {
        const b = await readFile(p);
        modelBytes += b.length;
        const name = `models/${model.name}/${f}`;
        files.push([name, b]);
        lazy.files[name] = { size: b.length, type: TYPES[path.extname(f)] ?? 'application/octet-stream' };
      }
    }
    // not in the page's <script> list: adapter.js loads it when the page first reads a model file
    await put('js/model.js', filesScript(files, `The model ${model.name}, embedded so that the page can load it from file://.`));
    if (model.tmp) await rm(model.tmp, { recursive: true, force: true });
  }
  const data = [
    '// The engine and the worker code, as text: the page starts its workers from a Blob of them.',
    'window.EMBEDSCAPE_HANDOUT = window.EMBEDSCAPE_HANDOUT || { files: {}, types: {} };',
    `window.EMBEDSCAPE_HANDOUT.model = ${JSON.stringify(model ? `models/${model.name}/` : null)};`,
    `window.EMBEDSCAPE_HANDOUT.lazy = ${JSON.stringify(model ? lazy : null)};`,
    `window.EMBEDSCAPE_HANDOUT.workerSource = ${JSON.stringify(worker.code)};`,
    '',
  ].join('\n');
  await put('js/engine-and-worker.js', data);
  await put('js/samples.js', filesScript(samples, 'The sample sets of the page.'));
  await put('js/adapter.js', await readFile(path.join(HERE, 'adapter.js')));
  await put('js/app.js', app.code);

  const scripts = ['js/engine-and-worker.js', 'js/samples.js', 'js/adapter.js', 'js/app.js']
    .map((s) => `  <script defer src="${s}"></script>`).join('\n');
  html = patchCsp(html).replace(/<\/head>/i, `${scripts}\n</head>`);
  await put('index.html', html);
  await put('README.txt', [
    'embedscape — offline handout',
    '',
    'Open index.html (double-click it). Everything runs inside your browser, without internet:',
    'the page, the WebAssembly engine, the sample texts' + (model ? ` and the language model (${model.name}).` : '.'),
    model ? '' : 'No model is inside this copy: the page asks you to choose a model folder (see models/README.md of the project).',
    'Tested in Chromium and Firefox. Nothing you paste leaves your computer.',
    '',
    `Licences: LICENSE.txt (embedscape, MIT) and ${NOTICES} (the code compiled into the engine).`,
    model ? `The model inside (${model.name}) comes under its own licence: see its model card.` : '',
    '',
  ].join('\n'));

  let zipBytes = null;
  if (o.zip) {
    const entries2 = [];
    for (const rel of [...written.keys()].sort()) entries2.push({ name: `embedscape-handout/${rel}`, data: await readFile(path.join(o.out, rel)) });
    const zip = makeZip(entries2);
    await mkdir(path.dirname(o.zip), { recursive: true });
    await writeFile(o.zip, zip);
    zipBytes = zip.length;
  }
  return { out: o.out, zip: o.zip, zipBytes, files: written, model: model?.name ?? null, modelBytes, appModules: app.modules, workerModules: worker.modules };
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  try {
    const o = parseArgs(process.argv.slice(2));
    const r = await buildHandout(o);
    const total = [...r.files.values()].reduce((a, b) => a + b, 0);
    console.log(`handout: ${path.relative(process.cwd(), r.out) || '.'}/ (${fmt(total)}; open index.html)`);
    for (const [rel, n] of [...r.files].sort((a, b) => b[1] - a[1]).slice(0, 6)) console.log(`  ${rel.padEnd(28)} ${fmt(n)}`);
    if (r.model) console.log(`  model: ${r.model} (${fmt(r.modelBytes)} of files, base64 inside js/model.js)`);
    else console.log('  no model inside (no --model, and models/all-MiniLM-L6-v2 has no weights): the page will ask for a model folder');
    if (r.zip) console.log(`zip: ${path.relative(process.cwd(), r.zip)} (${fmt(r.zipBytes)})`);
  } catch (e) {
    if (e instanceof BuildError || e?.code === 'ENOENT') {
      console.error(`build-handout: error: ${e.message}`);
      process.exit(1);
    }
    throw e;
  }
}
