// helpers.mjs — shared by the node --test suites: where things are, and how a test that needs the
// reference files beside the repository (../shared: real tokenizer, goldens, fixtures) behaves when
// they are missing — it fails loudly under CI=true and skips with a visible message elsewhere.

import { existsSync, mkdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import path from 'node:path';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const SHARED = path.resolve(ROOT, '..', 'shared');
export const CLI = path.join(ROOT, 'web', 'cli.mjs');
export const ARTIFACTS = path.join(ROOT, 'test-artifacts');

/** Absolute path of a file under ../shared. */
export function shared(...parts) {
  return path.join(SHARED, ...parts);
}

/**
 * Returns the path if it exists. Otherwise: under CI, throws (the test fails and says what is
 * missing); locally, marks the test skipped with the reason and returns null.
 * @param {import('node:test').TestContext} t
 */
export function needShared(t, ...parts) {
  const p = shared(...parts);
  if (existsSync(p)) return p;
  const why = `reference file missing: ../shared/${parts.join('/')}`;
  if (process.env.CI) throw new Error(`${why} (CI must have ../shared beside the checkout)`);
  t.skip(why);
  console.log(`# SKIPPED: ${why}`);
  return null;
}

/** A folder for test outputs (screenshots, exported files) kept after the run. */
export function artifactDir(name) {
  const d = path.join(ARTIFACTS, name);
  mkdirSync(d, { recursive: true });
  return d;
}
