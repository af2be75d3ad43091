// The JS parsers under fuzzing (targets.mjs): every seed in tests/fuzz/seeds/<target>/ replayed
// (hand-made edge cases and the failing inputs earlier runs kept), then a short bounded round of
// every property from a fixed fast-check seed (FUZZ_SEED=n for another; FUZZ_RUNS=n for more runs).
// The long runs are `node tests/fuzz-js/run.mjs --runs=N`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import path from 'node:path';

import { TARGETS, executions, seedCase } from './targets.mjs';
import { fuzz, SEEDS } from './run.mjs';

for (const target of TARGETS) {
  test(`fuzz seeds replay cleanly: ${target.name} (JS)`, () => {
    const dir = path.join(SEEDS, target.name);
    const files = existsSync(dir) ? readdirSync(dir).sort() : [];
    assert.ok(files.length > 0, `no seeds in ${dir}`);
    for (const f of files) {
      const { property, check, input } = seedCase(target, new Uint8Array(readFileSync(path.join(dir, f))), f);
      assert.doesNotThrow(() => check(input), `${target.name}/${f} (${property})`);
    }
  });
}

test('a short fuzzing round of every JS parser finds nothing', (t) => {
  const seed = Number(process.env.FUZZ_SEED ?? 20260101);
  const runs = Number(process.env.FUZZ_RUNS ?? 1500);
  const before = { ...executions };
  const rows = fuzz({ runs, seed });
  const failed = rows.filter((r) => r.failure);
  assert.deepEqual(failed.map((r) => `${r.target} / ${r.property}: ${r.failure}`), []);
  const counts = Object.entries(executions).map(([k, v]) => `${k} ${v - before[k]}`).join(', ');
  t.diagnostic(`fast-check seed ${seed}, ${runs} runs per property; executions: ${counts}`);
  for (const [k, v] of Object.entries(executions)) assert.ok(v - before[k] >= runs, `${k} ran`);
});
