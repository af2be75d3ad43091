// The offline handout: built with the random-weight bert-tiny model into a temporary folder, opened
// from a file:// URL in headless Chromium (no server, and the network is cut off for the page):
// the bundled page starts, its workers run the classic engine from a Blob, the embedded sample set
// and model are served from memory, and — once every pipeline stage is in the build — a sample set is
// embedded and drawn as a clustered map. The zip holds exactly the folder. Screenshots go to
// test-artifacts/handout/.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { ROOT, artifactDir, needShared } from '../helpers.mjs';
import { launchChromium } from './browser.helpers.mjs';
import { readZip } from '../../web/handout/zip.mjs';

const work = mkdtempSync(path.join(tmpdir(), 'embedscape-handout-'));
const out = path.join(work, 'handout');
const zip = path.join(work, 'handout.zip');
const shots = artifactDir('handout');
let built = null;

function build(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(ROOT, 'web', 'handout', 'build-handout.mjs'), ...args], (err, stdout, stderr) => resolve({ code: err ? err.code : 0, stdout, stderr }));
  });
}

before(async () => {
  const model = path.join(ROOT, '..', 'shared', 'fixtures', 'bert-tiny');
  built = await build(['--model', model, '--out', out, '--zip', zip]);
});
after(() => rmSync(work, { recursive: true, force: true }));

function walk(dir, base = dir) {
  return readdirSync(dir).flatMap((f) => {
    const p = path.join(dir, f);
    return statSync(p).isDirectory() ? walk(p, base) : [path.relative(base, p).split(path.sep).join('/')];
  });
}

test('the handout folder and its zip are built', (t) => {
  if (!needShared(t, 'fixtures', 'bert-tiny')) return;
  assert.equal(built.code, 0, built.stderr);
  const files = walk(out).sort();
  for (const f of ['index.html', 'README.txt', 'js/adapter.js', 'js/app.js', 'js/engine-and-worker.js', 'js/model.js', 'js/samples.js', 'app/style.css']) {
    assert.ok(files.includes(f), `${f} in the handout`);
  }
  const html = readFileSync(path.join(out, 'index.html'), 'utf8');
  assert.ok(!/type=["']module["']/.test(html), 'no ES module scripts (they do not run from file://)');
  assert.match(html, /script-src [^;]*blob:/);
  assert.ok(!html.includes('js/model.js'), 'the model script is loaded on first use, not with the page');
  // the zip holds exactly the folder, byte for byte
  const entries = readZip(readFileSync(zip));
  assert.deepEqual(entries.map((e) => e.name).sort(), files.map((f) => `embedscape-handout/${f}`));
  for (const e of entries) assert.ok(e.data.equals(readFileSync(path.join(out, e.name.slice('embedscape-handout/'.length)))), e.name);
  // the model inside is the one given, unchanged
  const weights = readFileSync(path.join(ROOT, '..', 'shared', 'fixtures', 'bert-tiny', 'model.safetensors')).toString('base64');
  assert.ok(readFileSync(path.join(out, 'js', 'model.js'), 'utf8').includes(JSON.stringify(weights)));
});

test('--dtype q8 embeds a converted, smaller copy of the model', async (t) => {
  const model = needShared(t, 'fixtures', 'bert-tiny');
  if (!model) return;
  if (!(await import('node:fs')).existsSync(path.join(ROOT, 'web', 'cli', 'convert.mjs'))) {
    const why = 'the convert command is not in this build yet';
    if (process.env.CI) throw new Error(why);
    t.skip(why);
    return;
  }
  const q8 = path.join(work, 'handout-q8');
  const r = await build(['--model', model, '--dtype', 'q8', '--out', q8, '--no-zip']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /model: bert-tiny-q8/);
  const js = readFileSync(path.join(q8, 'js', 'model.js'), 'utf8');
  assert.ok(js.includes('"models/bert-tiny-q8/model.safetensors"'));
  assert.ok(statSync(path.join(q8, 'js', 'model.js')).size < 0.7 * statSync(path.join(out, 'js', 'model.js')).size);
  assert.match(readFileSync(path.join(q8, 'js', 'engine-and-worker.js'), 'utf8'), /EMBEDSCAPE_HANDOUT\.model = "models\/bert-tiny-q8\/"/);
});

test('build errors are one clear line', async () => {
  const r = await build(['--model', path.join(work, 'nope'), '--out', path.join(work, 'x'), '--no-zip']);
  assert.equal(r.code, 1);
  assert.match(r.stderr, /^build-handout: error: --model .*nope: no config\.json there/);
  const r2 = await build(['--dtype', 'q4']);
  assert.equal(r2.code, 1);
  assert.match(r2.stderr, /^build-handout: error: --dtype must be f32, f16 or q8, got 'q4'/);
});

test('the handout runs from file:// in Chromium: engine in Blob workers, embedded samples and model, then a map', async (t) => {
  if (!needShared(t, 'fixtures', 'bert-tiny')) return;
  assert.equal(built.code, 0, built.stderr);
  const b = await launchChromium(t);
  if (!b) return;
  const { page, context } = b;
  try {
    // nothing may come from the network: the handout is offline
    const network = [];
    await context.route(/^(https?|wss?):/, (route) => { network.push(route.request().url()); return route.abort(); });
    await page.goto(pathToFileURL(path.join(out, 'index.html')).href);
    await page.waitForFunction(() => window.embedscape && window.EMBEDSCAPE_MODULES, null, { timeout: 20000 });
    assert.match(page.url(), /index\.html\?model=models%2Fbert-tiny%2F$/);
    const probe = await page.evaluate(async () => {
      const m = await window.EMBEDSCAPE_MODULES;
      const pool = m['web/lib/pool.js'].getDefaultPool();
      const info = await pool.broadcast('info', {});
      const sample = await (await fetch('samples/five-topics.txt')).text();
      const config = await (await fetch('models/bert-tiny/config.json')).json();
      const missing = (await fetch('models/bert-tiny/no-such-file.json')).status;
      return { info, lines: sample.trim().split('\n').length, hidden: config.hidden_size, missing, bundleError: String(window.__embedscapeBundleError ?? '') };
    });
    assert.equal(probe.bundleError, '');
    assert.ok(probe.info.length >= 1 && probe.info.every((i) => i.simd), JSON.stringify(probe.info));
    assert.equal(probe.lines, 200);
    assert.equal(probe.hidden, 32);
    assert.equal(probe.missing, 404);
    await page.screenshot({ path: path.join(shots, 'handout-start.png') });

    await page.selectOption('#sample-select', 'five-topics.txt');
    await page.waitForFunction(() => !document.querySelector('#embed-btn').disabled, null, { timeout: 10000 });
    await page.click('#embed-btn');
    await page.waitForFunction(() => ['ready', 'error'].includes(document.body.dataset.phase), null, { timeout: 120000 });
    const result = await page.evaluate(() => {
      const s = window.embedscape.state;
      return {
        phase: document.body.dataset.phase,
        error: document.querySelector('#error').hidden ? '' : document.querySelector('#error-text').textContent,
        n: s.texts.length, xy: s.xy && s.xy.n, labels: s.labels && s.labels.length,
        clusters: s.clusters.length, model: s.modelName, drawn: window.embedscape.view.n,
      };
    });
    assert.equal(result.error, '');
    assert.equal(result.phase, 'ready');
    assert.deepEqual({ n: result.n, xy: result.xy, labels: result.labels, drawn: result.drawn }, { n: 200, xy: 200, labels: 200, drawn: 200 });
    assert.ok(result.clusters >= 1, `${result.clusters} clusters`);
    // the canvas has coloured points on it
    const painted = await page.evaluate(() => {
      const c = document.querySelector('#map');
      const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let n = 0;
      for (let i = 0; i < d.length; i += 4) if (Math.max(d[i], d[i + 1], d[i + 2]) - Math.min(d[i], d[i + 1], d[i + 2]) > 60) n++;
      return n;
    });
    assert.ok(painted > 500, `${painted} coloured pixels on the map`);
    await page.locator('#map').scrollIntoViewIfNeeded();
    await page.screenshot({ path: path.join(shots, 'handout-map.png'), fullPage: false });
    assert.deepEqual(network, []);
    assert.deepEqual(b.errors, []);
  } finally {
    await b.close();
  }
});
