// The handout's build tools on their own (no browser): the module bundler keeps the meaning of every
// import/export form our code uses and refuses what it cannot bundle; the zip writer produces archives
// that read back with the right CRC-32.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import { bundle } from '../../web/handout/bundle.mjs';
import { makeZip, readZip, crc32 } from '../../web/handout/zip.mjs';

function project(files) {
  const root = mkdtempSync(path.join(tmpdir(), 'embedscape-bundle-'));
  for (const [name, src] of Object.entries(files)) {
    mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    writeFileSync(path.join(root, name), src);
  }
  return root;
}

async function runBundle(code, base = 'file:///page/') {
  const ctx = vm.createContext({ console, URL, Promise, __bundleBase: base });
  vm.runInContext(code, ctx);
  return vm.runInContext('EXPORTS', ctx);
}

test('bundle: every import/export form keeps its meaning', async () => {
  const root = project({
    'web/lib/a.js': [
      '// a.js',
      'export const one = 1;',
      'export let counter = 0;',
      'export function bump() { counter++; return counter; }',
      'export async function later() { return 5; }',
      'export class Thing { get kind() { return "thing"; } }',
      'const hidden = 7, other = 8;',
      'export { hidden as seven, other };',
      'export default function greet(n) { return `hi ${n}`; }',
    ].join('\n'),
    'web/lib/b.js': [
      "import greet, { one, bump as inc } from './a.js';",
      "import * as A from './a.js';",
      'export * from "./a.js";',
      "export { Thing as Renamed } from './a.js';",
      "export * as ns from './a.js';",
      'await Promise.resolve();',
      'export const url = import.meta.url;',
      'export const two = one + 1;',
      'export const greeting = greet("b");',
      'export function count() { inc(); return A.counter; }',
      "export const dyn = () => import('./c.js').then((m) => m.default);",
      "export const node = () => import('node:fs');",
      'export default { answer: 42 };',
    ].join('\n'),
    'web/lib/c.js': 'export default "from c";\n',
    'web/main.js': [
      'import {',
      '  two,',
      '  seven,',
      "} from './lib/b.js';",
      "import b, * as B from './lib/b.js';",
      "import './lib/side.js';",
      'export const result = { two, seven, answer: b.answer, keys: Object.keys(B).sort() };',
      'export { B };',
    ].join('\n'),
    'web/lib/side.js': 'globalThis.sideEffect = "ran";\n',
  });
  try {
    const { code, modules } = await bundle(['web/main.js'], { root, base: 'web/', exportAs: 'EXPORTS' });
    assert.deepEqual(modules, ['web/lib/a.js', 'web/lib/b.js', 'web/lib/side.js', 'web/main.js', 'web/lib/c.js']);
    const mods = await runBundle(code);
    const main = mods['web/main.js'];
    assert.equal(main.result.two, 2);
    assert.equal(main.result.seven, 7);
    assert.equal(main.result.answer, 42);
    assert.deepEqual(Array.from(main.result.keys), ['Renamed', 'Thing', 'bump', 'count', 'counter', 'default', 'dyn', 'greeting', 'later', 'node', 'ns', 'one', 'other', 'seven', 'two', 'url']);
    const B = main.B;
    assert.equal(B.greeting, 'hi b');
    assert.equal(B.url, 'file:///page/lib/b.js');
    assert.equal(new B.Renamed().kind, 'thing');
    assert.equal(B.ns.one, 1);
    assert.equal(await B.later(), 5);
    // live bindings: a `let` export seen through the namespace changes when its module changes it
    assert.equal(B.count(), 1);
    assert.equal(B.count(), 2);
    assert.equal(B.counter, 2);
    assert.equal(await B.dyn(), 'from c');
    await assert.rejects(B.node(), /'node:fs' is not available in this bundle/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('bundle: cycles and unknown forms are build errors', async () => {
  const root = project({
    'x.js': "import { y } from './y.js';\nexport const x = 1;\n",
    'y.js': "import { x } from './x.js';\nexport const y = 2;\n",
    'bare.js': "import React from 'react';\n",
    'tpl.js': 'export const f = (n) => import(`./${n}.js`);\n',
    'destr.js': 'export const { a, b } = { a: 1, b: 2 };\n',
  });
  try {
    await assert.rejects(bundle(['x.js'], { root }), /import cycle: x\.js -> y\.js -> x\.js/);
    await assert.rejects(bundle(['bare.js'], { root }), /cannot bundle a static import of 'react'/);
    await assert.rejects(bundle(['tpl.js'], { root }), /a dynamic import without a literal specifier cannot be bundled/);
    await assert.rejects(bundle(['destr.js'], { root }), /export statement the bundler does not understand/);
    await assert.rejects(bundle(['missing.js'], { root }), /imports missing\.js, which cannot be read/);
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
});

test('bundle: the real page and worker bundle and parse as classic scripts', async () => {
  const root = path.resolve(import.meta.dirname ?? path.dirname(new URL(import.meta.url).pathname), '..', '..');
  const replace = { 'web/engine/engine.mjs': 'export default () => Promise.reject(new Error("no engine"));\n' };
  for (const entry of ['web/app/main.js', 'web/worker/worker.js', 'web/component/embedscape-map.js']) {
    const { code, modules } = await bundle([entry], { root, base: 'web/', replace });
    assert.ok(modules.includes(entry));
    assert.doesNotThrow(() => new vm.Script(code, { filename: entry }), `${entry} bundles to valid classic JavaScript`);
    assert.ok(!/^\s*(import|export)\s/m.test(code), `${entry}: no module syntax left`);
  }
});

test('zip: CRC-32 check value, round trip, stored and deflated members, UTF-8 names', () => {
  assert.equal(crc32(Buffer.from('123456789')), 0xcbf43926);
  assert.equal(crc32(Buffer.alloc(0)), 0);
  const random = Buffer.alloc(5000);
  for (let i = 0; i < random.length; i++) random[i] = (i * 2654435761) >>> 24;
  const entries = [
    { name: 'a/index.html', data: '<!doctype html>'.repeat(200) },
    { name: 'a/random.bin', data: random },
    { name: 'a/empty.txt', data: '' },
    { name: 'a/naïve — ü.txt', data: 'unicode name' },
  ];
  const z = makeZip(entries, { date: new Date(2026, 0, 2, 3, 4, 6) });
  const back = readZip(z);
  assert.deepEqual(back.map((e) => e.name), entries.map((e) => e.name));
  back.forEach((e, i) => assert.ok(e.data.equals(Buffer.from(entries[i].data)), e.name));
  assert.ok(z.length < 5000 + 3000 + 500, `compressed: ${z.length} bytes`);
  assert.throws(() => makeZip([{ name: '../evil', data: 'x' }]), /bad entry name/);
  assert.throws(() => makeZip([{ name: 'a', data: 'x' }, { name: 'a', data: 'y' }]), /duplicate entry/);
  const broken = Buffer.from(z);
  broken[60] ^= 0xff; // inside the first member's data (after its 30-byte header and 12-byte name)
  assert.throws(() => readZip(broken), /damaged|invalid|incorrect/i);
});
