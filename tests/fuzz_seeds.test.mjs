// Replays every fuzz target's seed corpus (tests/fuzz/seeds/<target>/) once under AddressSanitizer and
// UBSan: inputs that once crashed a parser are kept there as seeds, so this is the regression test.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, existsSync } from 'node:fs';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './helpers.mjs';

const srcDir = path.join(ROOT, 'tests', 'fuzz');
const targets = readdirSync(srcDir).filter((f) => /^fuzz_.*\.c$/.test(f)).map((f) => f.replace(/\.c$/, ''));

for (const name of targets) {
  test(`fuzz seeds replay cleanly: ${name}`, (t) => {
    const bin = path.join(ROOT, 'build', 'fuzz', name);
    if (!existsSync(bin)) {
      const why = `${bin} was not built (clang with libFuzzer missing?)`;
      if (process.env.CI) throw new Error(why);
      t.skip(why);
      return;
    }
    const seeds = path.join(srcDir, 'seeds', name.replace(/^fuzz_/, ''));
    if (!existsSync(seeds)) { t.diagnostic(`no seeds for ${name}`); return; }
    const r = spawnSync(bin, ['-runs=0', seeds], { encoding: 'utf8', timeout: 120_000 });
    const out = (r.stdout ?? '') + (r.stderr ?? '');
    const m = /Executed (\d+) inputs|INITED.*?(\d+) inputs|Done (\d+) runs/.exec(out);
    if (m) t.diagnostic(m[0]);
    assert.equal(r.status, 0, `${name} failed on its seeds:\n${out.split('\n').filter((l) => /ERROR|SUMMARY|crash-|#\d+ /.test(l)).slice(0, 12).join('\n')}`);
  });
}
