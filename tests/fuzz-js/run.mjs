// node tests/fuzz-js/run.mjs [--runs=N] [--seed=S] [--only=mapfile,npy] [--keep]
//
// Fuzzes the JS parsers (targets.mjs) with fast-check: N runs of every property of every target
// (default 2000), from fast-check seed S (default: random, printed so that a run can be repeated).
// Prints the executions of each parser. A failing input is shrunk, reported, and with --keep
// written to tests/fuzz/seeds/<target>/regress-<hash>.case.json, which `npm test` replays from then on.
// Exit status 1 when a property failed.

import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

import fc from 'fast-check';

import { TARGETS, executions, encodeCase } from './targets.mjs';

export const SEEDS = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', 'fuzz', 'seeds');

/**
 * Runs every property of the chosen targets; returns [{target, property, runs, failure?}].
 * @param {{runs?: number, seed?: number, only?: string[], keep?: boolean, log?: (s: string) => void}} [o]
 */
export function fuzz({ runs = 2000, seed = Date.now() % 2 ** 31, only, keep = false, log = () => {} } = {}) {
  const out = [];
  for (const target of TARGETS) {
    if (only && !only.includes(target.name)) continue;
    for (const p of target.properties) {
      const r = fc.check(fc.property(p.arbitrary, (input) => { p.check(input); }), { numRuns: runs, seed, endOnFailure: false });
      const row = { target: target.name, property: p.name, runs: r.numRuns };
      if (r.failed) {
        const input = r.counterexample?.[0];
        const shown = encodeCase(p.name, input).replace(/\s+/g, ' ');
        row.failure = `${r.errorInstance?.message ?? r.error}; input ${shown.length > 300 ? shown.slice(0, 300) + '…' : shown} (seed ${seed})`;
        if (keep) {
          const text = encodeCase(p.name, input);
          const dir = path.join(SEEDS, target.name);
          mkdirSync(dir, { recursive: true });
          row.kept = path.join(dir, `regress-${createHash('sha1').update(text).digest('hex').slice(0, 12)}.case.json`);
          writeFileSync(row.kept, text);
        }
      }
      log(`${target.name} / ${p.name}: ${row.runs} runs${row.failure ? ` FAILED: ${row.failure}${row.kept ? `\n  kept as ${row.kept}` : ''}` : ''}`);
      out.push(row);
    }
  }
  return out;
}

const isMain = process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url);
if (isMain) {
  const flag = (name) => process.argv.find((a) => a.startsWith(`--${name}=`))?.split('=')[1];
  const seed = flag('seed') !== undefined ? Number(flag('seed')) : Date.now() % 2 ** 31;
  const runs = Number(flag('runs') ?? 2000);
  const only = flag('only')?.split(',');
  console.log(`fuzzing the JS parsers: ${runs} runs per property, fast-check seed ${seed}`);
  const t0 = performance.now();
  const rows = fuzz({ runs, seed, only, keep: process.argv.includes('--keep'), log: (s) => console.log(s) });
  const secs = ((performance.now() - t0) / 1000).toFixed(1);
  console.log(`executions per parser (${secs} s): ${Object.entries(executions).filter(([k]) => !only || only.includes(k)).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  process.exitCode = rows.some((r) => r.failure) ? 1 : 0;
}
