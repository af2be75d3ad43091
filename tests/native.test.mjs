// Runs every native C test binary (tests/c/test_*.c, built by build.sh with AddressSanitizer and
// UBSan). A binary passes when it exits 0 and the sanitizers report nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './helpers.mjs';

const dir = path.join(ROOT, 'build', 'native');
const cdir = path.join(ROOT, 'tests', 'c');
const sources = existsSync(cdir) ? readdirSync(cdir).filter((f) => /^test_.*\.c$/.test(f)) : [];

for (const src of sources) {
  const name = src.replace(/\.c$/, '');
  test(`native C test ${name} (ASan + UBSan)`, () => {
    const bin = path.join(dir, name);
    assert.ok(existsSync(bin), `${bin} is missing: run ./build.sh`);
    const r = spawnSync(bin, [], {
      cwd: ROOT,
      encoding: 'utf8',
      env: { ...process.env, ASAN_OPTIONS: 'detect_leaks=1:abort_on_error=0', UBSAN_OPTIONS: 'print_stacktrace=1:halt_on_error=1' },
      timeout: 300_000,
    });
    const out = (r.stdout ?? '') + (r.stderr ?? '');
    if (out.trim()) console.log(out.trim().split('\n').map((l) => `# ${l}`).join('\n'));
    assert.equal(r.status, 0, `${name} exited with ${r.status ?? r.signal}`);
    assert.doesNotMatch(out, /runtime error:|AddressSanitizer|LeakSanitizer/, 'sanitizer finding');
  });
}
