// _dir.mjs — the folder a benchmark writes into. A folder given with --dir is used only when it is
// new, empty, or was made by a benchmark (it holds the marker file); any other folder is refused,
// so a benchmark never replaces the files of a folder it did not create (a real model, say).

import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const MARKER = 'embedscape-bench.json';

/**
 * Claims `dir` for a benchmark; returns what the marker says (null for a folder just claimed).
 * Throws with a message (for the bench to print) when the folder is someone else's.
 * @param {string} dir @param {string} bench the benchmark's name, for the message
 */
export function claimBenchDir(dir, bench) {
  const marker = path.join(dir, MARKER);
  if (existsSync(dir)) {
    if (!statSync(dir).isDirectory()) throw new Error(`bench ${bench}: --dir ${dir} is a file, not a folder`);
    if (existsSync(marker)) return readFileSync(marker, 'utf8');
    if (readdirSync(dir).length) {
      throw new Error(`bench ${bench}: --dir ${dir} is not empty and was not made by a benchmark (it has no ${MARKER}); `
        + 'give a new or empty folder, so that its files are not replaced');
    }
  } else mkdirSync(dir, { recursive: true });
  // claimed before anything else is written: a run cut short leaves a folder the next run may reuse
  writeFileSync(marker, JSON.stringify({ claimed: true }));
  return null;
}

/** Records what the benchmark made in its folder (compared by the next run). */
export function markBenchDir(dir, what) {
  writeFileSync(path.join(dir, MARKER), what);
}
