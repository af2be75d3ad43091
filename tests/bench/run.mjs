// npm run bench [-- NAME ...]: runs tests/bench/NAME.mjs for each NAME (all benchmarks when none is
// given). Each benchmark measures embedscape and its peers in the same run and prints ratios; none
// of them asserts anything about time, and CI never runs them. A benchmark that writes files (embed's
// random model) writes only into a new or empty --dir, or one a benchmark made (tests/bench/_dir.mjs).
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

const dir = path.dirname(fileURLToPath(import.meta.url));
const all = readdirSync(dir).filter((f) => f.endsWith('.mjs') && f !== 'run.mjs' && !f.startsWith('_')).map((f) => f.replace(/\.mjs$/, ''));
const args = process.argv.slice(2);
const names = args.filter((a) => !a.startsWith('--'));
const flags = args.filter((a) => a.startsWith('--'));
const chosen = names.length ? names : all;
for (const name of chosen) {
  if (!all.includes(name)) {
    console.error(`bench: unknown benchmark '${name}' (have: ${all.join(', ')})`);
    process.exit(2);
  }
}
for (const name of chosen) {
  console.log(`\n=== bench ${name} ===`);
  const mod = await import(path.join(dir, `${name}.mjs`));
  await mod.default(flags);
}
