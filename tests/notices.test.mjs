// Licences: LICENSE (MIT) and web/THIRD_PARTY_NOTICES.txt, the notices of the third-party code compiled
// into the engine. The notices must name every third-party folder the Makefile compiles and carry
// its licence file verbatim; every library the wasm link pulls in from Emscripten (found by relinking
// with the Makefile's own command and --trace) must have its section, and every copyright line at the
// top of a linked library source must be in the notices. Both files ship in the npm package and the
// handout (folder and zip), and the page links the notices.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT, needShared } from './helpers.mjs';
import { buildHandout } from '../web/handout/build-handout.mjs';
import { readZip } from '../web/handout/zip.mjs';

const NOTICES_FILE = path.join(ROOT, 'web', 'THIRD_PARTY_NOTICES.txt');
const NOTICES = readFileSync(NOTICES_FILE, 'utf8');
const LICENSE = readFileSync(path.join(ROOT, 'LICENSE'), 'utf8');
const flat = (s) => s.replace(/\s+/g, ' ').trim();

/** What the build made or used is needed: missing, it fails under CI and skips elsewhere. */
const needBuilt = (t, p, what) => need(t, existsSync(p), `${what} is missing (run ./build.sh)`);

function need(t, ok, why) {
  if (ok) return true;
  if (process.env.CI) throw new Error(why);
  t.skip(why);
  console.log(`# SKIPPED: ${why}`);
  return false;
}

test('LICENSE is the MIT licence of the embedscape authors, as package.json says, and opens the notices', () => {
  assert.equal(JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')).license, 'MIT');
  assert.match(LICENSE, /^MIT License\n\nCopyright \(c\) \d{4} the embedscape authors\n\nPermission is hereby granted, free of charge/);
  assert.ok(NOTICES.includes(LICENSE.trimEnd()), 'the notices reproduce LICENSE');
});

test('the notices name every third-party folder the Makefile compiles, with its licence file verbatim', (t) => {
  const makefile = readFileSync(path.join(ROOT, 'wasm', 'Makefile'), 'utf8');
  const tpSrc = /^TP_SRC\s*:=(.*)$/m.exec(makefile)?.[1] ?? '';
  const folders = [...new Set([...tpSrc.matchAll(/wasm\/third_party\/([^/\s]+)\//g)].map((m) => m[1]))];
  assert.ok(folders.length >= 2, `third-party folders in the Makefile: ${folders}`);
  for (const folder of folders) {
    const [, name, version] = /^(.+)-(\d[\w.]*)$/.exec(folder) ?? [];
    assert.ok(name, `${folder} is <name>-<version>`);
    assert.match(NOTICES, new RegExp(`^\\d+\\. ${name} ${version.replace(/\./g, '\\.')}\\b`, 'm'), `a section for ${name} ${version}`);
    const dir = path.join(ROOT, 'wasm', 'third_party', folder);
    if (!needBuilt(t, dir, `wasm/third_party/${folder}`)) return;
    const licences = readdirSync(dir).filter((f) => /^(LICEN[CS]E|COPYING)(\.md|\.txt)?$/i.test(f));
    assert.ok(licences.length >= 1, `${folder} has a licence file`);
    for (const f of licences) assert.ok(NOTICES.includes(readFileSync(path.join(dir, f), 'utf8').trimEnd()), `${folder}/${f} is in the notices verbatim`);
  }
});

test('the notices cover every library the wasm link pulls in, and every copyright line of the linked sources', { timeout: 120_000 }, (t) => {
  if (!needBuilt(t, path.join(ROOT, 'web', 'engine', 'engine.mjs'), 'web/engine/engine.mjs')) return;
  let emcc = true;
  try { execFileSync('emcc', ['--version'], { stdio: 'ignore' }); } catch { emcc = false; }
  if (!need(t, emcc, 'emcc is not on the PATH (Debian: apt-get install emscripten)')) return;
  // the Makefile's own link command, into a temporary file, with the linker listing what it loads
  const link = execFileSync('make', ['-n', '-B', '-f', 'wasm/Makefile', 'web/engine/engine.mjs'], { cwd: ROOT, encoding: 'utf8' })
    .split('\n').find((l) => /\s-o\s+web\/engine\/engine\.mjs\b/.test(l));
  assert.ok(link, 'the Makefile links web/engine/engine.mjs');
  const tmp = mkdtempSync(path.join(tmpdir(), 'embedscape-notices-'));
  let trace;
  try {
    const env = { ...process.env, NODE_PATH: ['/usr/share/nodejs', process.env.NODE_PATH].filter(Boolean).join(':') };
    const cmd = `${link.replace(/-o\s+web\/engine\/engine\.mjs/, `-o ${path.join(tmp, 'engine.mjs')}`)} -Wl,--trace`;
    trace = execFileSync('bash', ['-c', cmd], { cwd: ROOT, env, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 24 });
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  const members = [...trace.matchAll(/^(\S+\/lib([\w+-]+)\.a)\(([^)]+)\.o\)$/gm)].map((m) => ({ archive: m[1], lib: m[2], member: m[3] }));
  assert.ok(members.length > 10, `the trace lists library members:\n${trace.slice(0, 400)}`);

  // each library is one of the components the notices have a section for
  const SECTIONS = { c: ['musl libc', 'Emscripten'], compiler_rt: ['compiler-rt'], dlmalloc: ['dlmalloc'], stubs: ['Emscripten'] };
  const libs = [...new Set(members.map((m) => m.lib))].sort();
  for (const lib of libs) {
    assert.ok(SECTIONS[lib], `the engine now links lib${lib}.a: add its licence to web/THIRD_PARTY_NOTICES.txt and name it here`);
    for (const s of SECTIONS[lib]) assert.match(NOTICES, new RegExp(`^\\d+\\. ${s}\\b`, 'm'), `a section for ${s} (lib${lib}.a)`);
  }
  console.log(`# the wasm link pulls in: ${libs.map((l) => `lib${l}.a (${members.filter((m) => m.lib === l).length} members)`).join(', ')}`);

  // the copyright lines at the top of each linked member's source (Emscripten's system/lib, next to its cache)
  const root = members[0].archive.split('/cache/sysroot/')[0];
  const system = path.join(root, 'system', 'lib');
  if (!needBuilt(t, system, `Emscripten's library sources (${system})`)) return;
  const byName = new Map();
  for (const f of readdirSync(system, { recursive: true })) {
    const rel = String(f);
    if (!/\.(c|S|s)$/.test(rel) || /(^|\/)(libcxx|libcxxabi|libunwind|wasmfs|gl|html5|embind)\//.test(rel)) continue;
    if (/\/arch\//.test(rel) && !/\/arch\/emscripten\//.test(rel)) continue;
    const base = path.basename(rel).replace(/\.\w+$/, '');
    if (!byName.has(base)) byName.set(base, []);
    byName.get(base).push(path.join(system, rel));
  }
  const flatNotices = flat(NOTICES);
  const missing = new Set();
  let found = 0;
  for (const { member } of members) {
    for (const file of byName.get(member) ?? []) {
      found++;
      const head = readFileSync(file, 'utf8').split('\n').slice(0, 60);
      for (const line of head) {
        const m = /(Copyright\b.*)$/.exec(line);
        if (m && !flatNotices.includes(flat(m[1].replace(/\s*\*\/\s*$/, '')))) missing.add(`${flat(m[1])}  (${path.relative(system, file)})`);
      }
    }
  }
  assert.ok(found >= members.length * 0.9, `sources found for ${found} of ${members.length} members`);
  assert.deepEqual([...missing], [], 'copyright lines of linked sources missing from the notices');
});

test('the npm package ships LICENSE and the notices', () => {
  const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const files = JSON.parse(out)[0].files.map((f) => f.path);
  for (const f of ['LICENSE', 'web/THIRD_PARTY_NOTICES.txt']) assert.ok(files.includes(f), `${f} in the package`);
});

test('the page links the notices; the handout folder and its zip carry LICENSE.txt and the notices', async (t) => {
  const html = readFileSync(path.join(ROOT, 'web', 'index.html'), 'utf8');
  const href = /<a\s[^>]*href="([^"]*THIRD_PARTY_NOTICES\.txt)"/.exec(html)?.[1];
  assert.ok(href, 'web/index.html links the notices');
  assert.ok(existsSync(path.join(ROOT, 'web', href)), `${href} exists next to the page`);

  const model = needShared(t, 'fixtures', 'bert-tiny');
  if (!model) return;
  if (!needBuilt(t, path.join(ROOT, 'web', 'engine', 'engine.classic.js'), 'web/engine/engine.classic.js')) return;
  const work = mkdtempSync(path.join(tmpdir(), 'embedscape-notices-handout-'));
  try {
    const r = await buildHandout({ model, dtype: 'f32', out: path.join(work, 'handout'), zip: path.join(work, 'handout.zip') });
    const want = { 'LICENSE.txt': LICENSE, 'THIRD_PARTY_NOTICES.txt': NOTICES };
    const zip = new Map(readZip(readFileSync(r.zip)).map((e) => [e.name, e.data.toString('utf8')]));
    for (const [f, text] of Object.entries(want)) {
      assert.equal(readFileSync(path.join(r.out, f), 'utf8'), text, `${f} in the handout folder`);
      assert.equal(zip.get(`embedscape-handout/${f}`), text, `${f} in the handout zip`);
    }
    const page = readFileSync(path.join(r.out, 'index.html'), 'utf8');
    assert.ok(page.includes(`href="${href}"`) && existsSync(path.join(r.out, href)), 'the handout page links its copy of the notices');
    assert.match(readFileSync(path.join(r.out, 'README.txt'), 'utf8'), /LICENSE\.txt .*THIRD_PARTY_NOTICES\.txt/);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
});
