// embedscape as an installed package in browser apps bundled by esbuild, Vite, webpack 5 and Rollup,
// each with no configuration beyond what the tool needs to bundle an npm package at all (Rollup: the
// node-resolve plugin): the repository is packed with `npm pack`, installed from the tarball into a
// temporary folder as a user would, and two tiny apps are bundled per tool — one that embeds, maps and
// clusters texts with a random-weight model, one that only shows a saved map with <embedscape-map>.
// Each app runs in one headless Chromium; the vectors, the layout and the labels must be the bytes
// that the package's Node entry gives for the same texts and options. The gzip sizes of what each
// page downloaded are printed (the bundlers' own minifiers; Rollup has none without a plugin).
//
// The bundlers run through their JavaScript APIs with the options their command lines would take:
//   esbuild src/main.js --bundle --minify --outdir=dist      vite build
//   (and README's recipe: esbuild ... --splitting --format=esm)
//   webpack (zero-config: mode production, ./src → ./dist)   rollup with plugins: [nodeResolve()], format es
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, mkdirSync, writeFileSync, readFileSync, readdirSync, rmSync, copyFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { ROOT, shared, needShared } from '../helpers.mjs';
import { serveStatic, launchChromium } from './browser.helpers.mjs';

const run = promisify(execFile);
const TEXTS = readFileSync(path.join(ROOT, 'web', 'samples', 'five-topics.txt'), 'utf8').split('\n').filter(Boolean).slice(0, 48);
const UMAP = { nNeighbors: 8, nEpochs: 200, seed: 7 };
const HDBSCAN = { minClusterSize: 4 };
// files an app cannot work without: the entries, the worker, its single-file copy, the engine
const NEEDED = ['web/embedscape.js', 'web/embedscape.node.js', 'web/component/embedscape-map.js', 'web/worker/worker.js',
  'web/worker/inline.js', 'web/engine/engine.mjs', 'web/engine/engine.classic.js', 'web/embedscape.d.ts', 'models/fetch-model.mjs'];

const EMBED_APP = `import { loadModel, umap, hdbscan } from 'embedscape';
const TEXTS = ${JSON.stringify(TEXTS)};
async function main() {
  const model = await loadModel(new URL('/model/', location.href).href);
  const vectors = await model.embed(TEXTS);
  const xy = await umap(vectors, ${JSON.stringify(UMAP)});
  const { labels } = await hdbscan(xy, ${JSON.stringify(HDBSCAN)});
  return { vectors: Array.from(vectors.data), xy: Array.from(xy.data), labels: Array.from(labels) };
}
window.embedscapeResult = main().catch((e) => ({ error: String((e && e.message) || e) }));
`;
const COMPONENT_APP = `import 'embedscape/component';\n`;
const COMPONENT_HTML = '<embedscape-map src="map.json" loading="eager" style="height: 400px"></embedscape-map>';

let work = null;
let tarball = null;
let packed = [];
let node = null; // the Node entry's results for the same input

const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;

before(async () => {
  if (!existsSync(shared('fixtures', 'bert-tiny'))) return; // the tests say what is missing
  work = mkdtempSync(path.join(tmpdir(), 'embedscape-bundlers-'));
  const { stdout } = await run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', work], { cwd: ROOT, maxBuffer: 1 << 24 });
  const info = JSON.parse(stdout)[0];
  tarball = path.join(work, info.filename);
  packed = info.files.map((f) => f.path);
  writeFileSync(path.join(work, 'package.json'), JSON.stringify({ name: 'apps', private: true, dependencies: { embedscape: `file:./${info.filename}` } }));
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', '--ignore-scripts', '--no-package-lock'], { cwd: work });
});

after(async () => {
  await node?.dispose();
  if (work) rmSync(work, { recursive: true, force: true });
});

/** The app's sources in a fresh folder under the install: src/main.js (+ index.html for Vite). */
function makeApp(name, source, body) {
  const dir = path.join(work, name);
  mkdirSync(path.join(dir, 'src'), { recursive: true });
  writeFileSync(path.join(dir, 'src', 'main.js'), source);
  writeFileSync(path.join(dir, 'index.html'), `<!doctype html><meta charset="utf-8"><title>${name}</title>${body}<script type="module" src="/src/main.js"></script>\n`);
  return dir;
}

/** dist/index.html for the tools that do not write one: the bundle as a classic or a module script. */
function writePage(dir, body, module) {
  writeFileSync(path.join(dir, 'dist', 'index.html'), `<!doctype html><meta charset="utf-8">${body}<script ${module ? 'type="module" ' : ''}src="main.js"></script>\n`);
}

const BUNDLERS = {
  async esbuild(dir, body) {
    const esbuild = await import('esbuild');
    await esbuild.build({ absWorkingDir: dir, entryPoints: ['src/main.js'], bundle: true, minify: true, outdir: 'dist', logLevel: 'silent' });
    writePage(dir, body, false);
  },
  // the recipe README gives for esbuild: code splitting keeps what is imported lazily out of the page
  async 'esbuild --splitting'(dir, body) {
    const esbuild = await import('esbuild');
    await esbuild.build({ absWorkingDir: dir, entryPoints: ['src/main.js'], bundle: true, minify: true, splitting: true, format: 'esm', outdir: 'dist', logLevel: 'silent' });
    writePage(dir, body, true);
  },
  async vite(dir) {
    const { build } = await import('vite');
    await build({ root: dir, configFile: false, logLevel: 'silent' });
  },
  async webpack(dir, body) {
    const { default: webpack } = await import('webpack');
    const stats = await new Promise((resolve, reject) => webpack({ mode: 'production', context: dir, entry: './src/main.js', output: { path: path.join(dir, 'dist') } },
      (e, s) => (e ? reject(e) : resolve(s))));
    if (stats.hasErrors()) throw new Error(stats.toString({ all: false, errors: true }));
    writePage(dir, body, false);
  },
  async rollup(dir, body) {
    const { rollup } = await import('rollup');
    const { nodeResolve } = await import('@rollup/plugin-node-resolve');
    const warnings = [];
    const b = await rollup({ input: path.join(dir, 'src', 'main.js'), plugins: [nodeResolve()], onwarn: (w) => warnings.push(w.message) });
    await b.write({ dir: path.join(dir, 'dist'), format: 'es' });
    await b.close();
    assert.deepEqual(warnings, [], 'rollup warnings');
    writePage(dir, body, true);
  },
};

const slug = (name) => name.replace(/\W+/g, '-');

/** Every file under dir, relative. */
function filesUnder(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name), base) : [path.relative(base, path.join(dir, e.name))]));
}

/** What a bundled JavaScript file holds: page code, the module worker (the engine), the single-file worker (a string). */
function kind(file) {
  const s = readFileSync(file, 'latin1');
  const page = s.includes('the embedscape worker') || s.includes('embedscape-map'); // platform.js, the component
  const inline = s.includes('__bundleBase');
  const engine = s.includes('AGFzbQ'); // the wasm magic number, base64
  return [page && 'page', inline ? 'single-file worker' : engine && 'worker'].filter(Boolean).join(' + ') || 'other';
}

test('the packed package has what an app needs', (t) => {
  if (!needShared(t, 'fixtures', 'bert-tiny')) return;
  for (const f of NEEDED) assert.ok(packed.includes(f), `${f} is in the tarball`);
  assert.ok(!packed.some((f) => f.startsWith('tests/') || f.startsWith('build/') || f.startsWith('wasm/')), 'no tests, build output or C sources');
  const kbytes = statSync(tarball).size / 1024;
  console.log(`# npm pack: ${packed.length} files, ${kbytes.toFixed(0)} KB`);
});

test('apps bundled by esbuild, Vite, webpack and Rollup give the Node entry\'s bytes in Chromium', async (t) => {
  const model = needShared(t, 'fixtures', 'bert-tiny');
  if (!model) return;
  const b = await launchChromium(t);
  if (!b) return;
  const report = [];
  try {
    // the reference: the installed package's Node entry (worker_threads), same texts and options
    const api = await import(pathToFileURL(path.join(work, 'node_modules', 'embedscape', 'web', 'embedscape.node.js')).href);
    const m = await api.loadModel(model);
    const vectors = await m.embed(TEXTS);
    const xy = await api.umap(vectors, UMAP);
    const { labels } = await api.hdbscan(xy, HDBSCAN);
    node = { dispose: async () => { await m.dispose(); api.getDefaultPool().dispose(); } };
    const want = { vectors: Buffer.from(vectors.data.buffer), xy: Buffer.from(xy.data.buffer), labels: Array.from(labels) };
    assert.ok(new Set(want.labels).size > 1, 'the reference found clusters');

    for (const name of Object.keys(BUNDLERS)) {
      await t.test(name, async () => {
        const row = { name };
        // --- an app that embeds, maps and clusters
        const dir = makeApp(`${slug(name)}-embed`, EMBED_APP, '');
        let t0 = performance.now();
        await BUNDLERS[name](dir, '');
        row.buildMs = performance.now() - t0;
        const dist = path.join(dir, 'dist');
        for (const f of filesUnder(dist)) {
          const s = readFileSync(path.join(dist, f), 'latin1');
          assert.ok(!s.includes(work) && !s.includes(ROOT), `${f} contains a path of the build machine`);
        }
        const server = await serveStatic(dist, { '/model/': model + '/' });
        t0 = performance.now();
        try {
          await b.page.goto(`${server.url}/index.html`);
          const got = await b.page.evaluate(() => window.embedscapeResult);
          row.runMs = performance.now() - t0;
          assert.equal(got.error, undefined, `the app failed: ${got.error}`);
          assert.ok(Buffer.from(Float32Array.from(got.vectors).buffer).equals(want.vectors), 'vectors equal the Node entry\'s bytes');
          assert.ok(Buffer.from(Float32Array.from(got.xy).buffer).equals(want.xy), 'the layout equals the Node entry\'s bytes');
          assert.deepEqual(got.labels, want.labels, 'labels equal the Node entry\'s');
          const js = [...new Set(server.requests)].filter((p) => /\.m?js$/.test(p)).map((p) => p.slice(1))
            .filter((f) => filesUnder(dist).includes(f));
          row.loaded = js.map((f) => ({ file: f, kind: kind(path.join(dist, f)), gzip: gz(path.join(dist, f)) }));
          row.worker = row.loaded.some((f) => f.kind === 'worker') ? 'module worker' : 'single-file worker from a Blob';
        } finally {
          await server.close();
        }

        // --- an app that only shows a saved map
        const cdir = makeApp(`${slug(name)}-component`, COMPONENT_APP, COMPONENT_HTML);
        await BUNDLERS[name](cdir, COMPONENT_HTML);
        const cdist = path.join(cdir, 'dist');
        copyFileSync(path.join(ROOT, 'web', 'examples', 'five-topics.map.json'), path.join(cdist, 'map.json'));
        const cserver = await serveStatic(cdist);
        try {
          await b.page.goto(`${cserver.url}/index.html`);
          const n = await b.page.waitForFunction(() => document.querySelector('embedscape-map')?.map?.n, null, { timeout: 20000 }).then((h) => h.jsonValue());
          assert.ok(n > 0, 'the component shows the map');
          const js = [...new Set(cserver.requests)].filter((p) => /\.m?js$/.test(p)).map((p) => p.slice(1));
          row.component = js.reduce((s, f) => s + gz(path.join(cdist, f)), 0);
          // esbuild without --splitting puts what is imported lazily (the engine, for the model
          // attribute) into the one bundle; the others leave it in chunks that a map never loads
          if (name !== 'esbuild') assert.ok(js.every((f) => kind(path.join(cdist, f)) === 'page'), `showing a map downloads no engine (${js.join(', ')})`);
        } finally {
          await cserver.close();
        }
        report.push(row);
      });
    }
  } finally {
    await b.close();
    for (const r of report) {
      const parts = r.loaded.map((f) => `${f.kind} ${kb(f.gzip)}`).join(', ');
      console.log(`# ${r.name}: build ${(r.buildMs / 1000).toFixed(1)} s, run ${(r.runMs / 1000).toFixed(1)} s, ${r.worker}; gzip downloaded: component only ${kb(r.component)}; embedding app ${parts}`);
    }
  }
});
