// The command line's error contract, as a user meets it: every failure is one line on stderr
// (`embedscape: error: …`), exit 1 (2 for bad usage), never a stack trace; outputs are checked before
// the work and written whole or not at all; a closed pipe ends quietly. One row per errno:
//   ENOSPC   --output /dev/full, and a full tmpfs (the old file survives)      [tmpfs: root + unshare]
//   EROFS    a read-only bind mount of the output folder                       [root + unshare]
//   EACCES   a chmod 0555 folder, written by a user other than root            [root: setpriv to nobody]
//   EIO      standard output on a terminal whose other end is closed           [python3's pty module]
//   EEXIST   convert into an existing folder; ENOENT a missing output folder;
//   EISDIR   a folder given as the output file; ENOTDIR a path through a file;
//   EPIPE    standard output closed by the reader (`| head -c1`): exit 141, nothing on stderr.
// Rows that need a mechanism this machine lacks are skipped with the reason.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  mkdtempSync, rmSync, writeFileSync, readFileSync, readdirSync, mkdirSync, symlinkSync, chmodSync, statSync, existsSync, lstatSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import { CLI, needShared } from './helpers.mjs';
import { formatNpy } from '../web/lib/io.js';
import { UMAP_OPTIONS, HDBSCAN_OPTIONS, EMBED_OPTIONS, cliOptions } from '../web/lib/options.js';

const tmp = mkdtempSync(path.join(tmpdir(), 'embedscape-cli-errors-'));
test.after(() => {
  spawnSync('chmod', ['-R', 'u+w', tmp]);
  rmSync(tmp, { recursive: true, force: true });
});

const cli = (args, o = {}) => spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8', timeout: 120_000, ...o });

function matrix(n, d, seed = 1) {
  let s = seed;
  const a = new Float32Array(n * d).map(() => { s = (s * 1103515245 + 12345) % 2147483648; return s / 2147483648 - 0.5; });
  return formatNpy(a, [n, d]);
}
const small = path.join(tmp, 'small.npy');
const big = path.join(tmp, 'big.npy');
writeFileSync(small, matrix(40, 4));
writeFileSync(big, matrix(3000, 8));

/** The contract for a failure: exit code, one line starting `embedscape: error:`, matching re. */
function assertError(r, code, re, what) {
  assert.equal(r.status, code, `${what}: exit ${r.status}, stderr: ${r.stderr}`);
  assert.match(r.stderr, /^embedscape: error: /, what);
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `${what}: one line, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, `${what}: no stack trace`);
  assert.match(r.stderr, re, what);
}

const tempFiles = (dir) => readdirSync(dir).filter((f) => f.endsWith('.tmp'));
const sha = (f) => createHash('sha256').update(readFileSync(f)).digest('hex');

const isRoot = process.getuid?.() === 0;
/** Can this process give a folder a read-only bind mount (root, util-linux unshare + mount)? */
const canMount = (() => {
  if (!isRoot) return false;
  const d = mkdtempSync(path.join(tmp, 'probe-'));
  const r = spawnSync('unshare', ['-m', 'sh', '-c', 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1" && ! touch "$1/x" 2>/dev/null', 'sh', d], { encoding: 'utf8' });
  return r.status === 0;
})();
/**
 * Runs the CLI in a private mount namespace: `setup` (sh; $1 = dir) first, then the command, then
 * `after` (its status is the command's; $s holds it).
 */
const inMountNs = (setup, dir, args, after = '') => spawnSync('unshare', ['-m', 'sh', '-c',
  `${setup} || exit 99; d="$1"; shift; "$@"; s=$?; set -- "$d"; ${after} exit $s`, 'sh', dir, process.execPath, CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
const READ_ONLY = 'mount --bind "$1" "$1" && mount -o remount,bind,ro "$1"';
const TINY_TMPFS = 'mount -t tmpfs -o size=64k tmpfs "$1" && echo old > "$1/s.jsonl"';

test('errno table: every write failure is one line naming the output, the errno and what to do', async (t) => {
  const out = (name) => path.join(tmp, name);
  await t.test('ENOSPC: --output /dev/full', () => {
    assertError(cli(['umap', '--input', small, '--output', '/dev/full', '--n-epochs', '5']), 1, /cannot write --output \/dev\/full: no space left on the device \(ENOSPC\); free some space/, '/dev/full');
    assertError(cli(['similarity', '--input', small, '--output', '/dev/full']), 1, /ENOSPC/, 'similarity /dev/full');
  });
  await t.test('ENOSPC on a full file system: the old file is kept, no temporary file left', (tt) => {
    if (!canMount) { tt.skip('needs root with unshare/mount (a 64 KiB tmpfs)'); return; }
    const dir = out('full');
    mkdirSync(dir);
    const r = inMountNs(TINY_TMPFS, dir, ['similarity', '--input', big, '--top', '50', '--output', path.join(dir, 's.jsonl')], 'cat "$1/s.jsonl"; ls -a "$1" >&2;');
    assert.equal(r.status, 1, r.stderr);
    assert.match(r.stderr.split('\n')[0], /^embedscape: error: cannot write --output .*s\.jsonl: no space left on the device \(ENOSPC\)/);
    assert.equal(r.stdout, 'old\n', 'the file that was there is untouched');
    assert.doesNotMatch(r.stderr, /\.tmp/, 'the temporary file was removed');
  });
  await t.test('EROFS: a read-only bind mount of the output folder', (tt) => {
    if (!canMount) { tt.skip('needs root with unshare/mount for a read-only bind mount'); return; }
    const dir = out('ro');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'y.npy'), 'old');
    for (const args of [
      ['umap', '--input', small, '--output', path.join(dir, 'y.npy'), '--n-epochs', '5'],
      ['hdbscan', '--input', small, '--output', path.join(dir, 'l.json')],
      ['similarity', '--input', small, '--output', path.join(dir, 's.jsonl')],
    ]) {
      assertError(inMountNs(READ_ONLY, dir, args), 1, /cannot write --output .*: the file system is read-only \(EROFS\); write to a folder on a writable disk/, args[0]);
    }
    assert.equal(readFileSync(path.join(dir, 'y.npy'), 'utf8'), 'old');
  });
  await t.test('EACCES: a folder without write permission (chmod 0555)', (tt) => {
    const dir = out('noperm');
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    let run = (args) => cli(args);
    if (isRoot) {
      // chmod does not stop root: run the command as nobody
      if (spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'true']).status !== 0) { tt.skip('root without setpriv: chmod cannot stop root'); return; }
      chmodSync(tmp, 0o755);
      run = (args) => spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, CLI, ...args], { encoding: 'utf8', timeout: 120_000 });
    }
    assertError(run(['umap', '--input', small, '--output', path.join(dir, 'y.npy'), '--n-epochs', '5']), 1, /cannot write --output .*y\.npy: permission denied \(EACCES\)/, 'chmod 0555');
    assert.deepEqual(readdirSync(dir), []);
  });
  await t.test('EIO: standard output is a terminal whose other end was closed', (tt) => {
    const py = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import pty'], { stdio: 'ignore' }).status === 0);
    if (!py) { tt.skip('needs python3 (its pty module makes the hung-up terminal)'); return; }
    const script = 'import os, pty, subprocess, sys\nm, s = pty.openpty()\nos.close(m)\nr = subprocess.run(sys.argv[1:], stdout=s, stderr=subprocess.PIPE)\nsys.stderr.write(r.stderr.decode())\nsys.exit(r.returncode)\n';
    const r = spawnSync(py, ['-c', script, process.execPath, CLI, 'similarity', '--input', small], { encoding: 'utf8', timeout: 120_000 });
    assertError(r, 1, /cannot write to standard output: input\/output error .*\(EIO\)/, 'EIO');
  });
  await t.test('ENOENT: the output folder does not exist', () => {
    for (const cmd of [['umap', '--input', small], ['hdbscan', '--input', small], ['similarity', '--input', small]]) {
      assertError(cli([...cmd, '--output', path.join(tmp, 'missing', 'o.out')]), 1, /cannot write --output .*missing\/o\.out: the folder .*missing does not exist \(ENOENT\); create it first/, cmd[0]);
    }
    assert.ok(!existsSync(path.join(tmp, 'missing')));
  });
  await t.test('ENOENT: map checks its output before the pipeline (before even the model)', () => {
    const texts = out('three.txt');
    writeFileSync(texts, 'one\ntwo\nthree\n');
    assertError(cli(['map', '--model', path.join(tmp, 'no-model'), '--input', texts, '--output', path.join(tmp, 'missing', 'm.json')]), 1, /--output .*missing\/m\.json: the folder .* does not exist/, 'map');
  });
  await t.test('EISDIR: a folder given as the output file', () => {
    assertError(cli(['umap', '--input', small, '--output', tmp]), 1, /cannot write --output .*: it is a folder \(EISDIR\)/, 'umap');
    assertError(cli(['similarity', '--input', small, '--output', tmp]), 1, /EISDIR/, 'similarity');
    assertError(cli(['umap', '--input', tmp, '--output', out('y.npy')]), 1, /--input .* is a folder, not a file/, 'input folder');
  });
  await t.test('ENOTDIR: an output path through a file', () => {
    assertError(cli(['umap', '--input', small, '--output', path.join(small, 'y.npy')]), 1, /cannot write --output .*small\.npy\/y\.npy: .*is not a folder/, 'ENOTDIR');
  });
  await t.test('EEXIST: convert into an existing folder or file', (tt) => {
    const model = needShared(tt, 'fixtures', 'bert-tiny');
    if (!model) return;
    const dir = out('exists');
    mkdirSync(dir);
    writeFileSync(path.join(dir, 'keep.txt'), 'mine');
    assertError(cli(['convert', '--model', model, '--dtype', 'f16', '--output', dir]), 1, /cannot write --output .*exists: it already exists \(EEXIST\); choose a new folder, or pass --force/, 'folder');
    assertError(cli(['convert', '--model', model, '--dtype', 'f16', '--output', small]), 1, /it exists and is not a folder \(EEXIST\)/, 'file');
    assert.deepEqual(readdirSync(dir), ['keep.txt']);
    assert.deepEqual(tempFiles(tmp), []);
    // --force writes into it, keeping the other files
    const r = cli(['convert', '--model', model, '--dtype', 'f16', '--output', dir, '--force', '--quiet']);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(path.join(dir, 'keep.txt'), 'utf8'), 'mine');
    assert.ok(existsSync(path.join(dir, 'model.safetensors')) && existsSync(path.join(dir, '1_Pooling', 'config.json')));
  });
  await t.test('EPIPE: the reader closes standard output (| head -c1): exit 141, nothing on stderr', async () => {
    for (const args of [['similarity', '--input', big, '--top', '20'], ['similarity', '--input', big, '--query', '0']]) {
      const { code, stderr, got } = await new Promise((resolve) => {
        const p = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
        let err = '', got = 0;
        p.stderr.on('data', (d) => { err += d; });
        p.stdout.once('data', (d) => { got = d.length; p.stdout.destroy(); });
        p.on('close', (c) => resolve({ code: c, stderr: err, got }));
      });
      assert.ok(got > 0);
      if (args.includes('--top')) assert.equal(code, 141, `exit ${code}: ${stderr}`);
      else assert.ok(code === 0 || code === 141, `exit ${code}`); // one line may fit the pipe before it closes
      assert.equal(stderr, '', 'quiet');
    }
  });
});

test('outputs are written whole or not at all: a failed run leaves the old file, links are followed, modes kept', () => {
  const dir = mkdtempSync(path.join(tmp, 'atomic-'));
  const y = path.join(dir, 'y.npy');
  writeFileSync(y, 'previous result');
  chmodSync(y, 0o640);
  const bad = path.join(dir, 'nan.npy');
  const a = new Float32Array(40).fill(1); a[7] = NaN;
  writeFileSync(bad, formatNpy(a, [20, 2]));
  assertError(cli(['hdbscan', '--input', bad, '--output', y]), 1, /NaN value at row 3, column 1/, 'library error keeps its message');
  assertError(cli(['umap', '--input', small, '--output', y, '--min-dist', '3']), 1, /min_dist/, 'engine error keeps its message');
  assert.equal(readFileSync(y, 'utf8'), 'previous result');
  assert.deepEqual(tempFiles(dir), []);
  // success replaces it, keeping its permissions
  let r = cli(['umap', '--input', small, '--output', y, '--n-epochs', '5']);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(y).length, 128 + 40 * 2 * 4);
  assert.equal(statSync(y).mode & 0o777, 0o640);
  // a symbolic link is written through: the link stays, its target gets the data
  const target = path.join(dir, 'real.json'), link = path.join(dir, 'link.json');
  writeFileSync(target, '');
  symlinkSync(target, link);
  r = cli(['hdbscan', '--input', small, '--output', link]);
  assert.equal(r.status, 0, r.stderr);
  assert.ok(lstatSync(link).isSymbolicLink());
  assert.match(readFileSync(target, 'utf8'), /^\{"labels":/);
  // a dangling link is refused rather than replaced
  symlinkSync(path.join(dir, 'gone.json'), path.join(dir, 'dangling.json'));
  assertError(cli(['hdbscan', '--input', small, '--output', path.join(dir, 'dangling.json')]), 1, /symbolic link to a missing file/, 'dangling link');
  assert.deepEqual(tempFiles(dir), []);
});

test('an interrupted run (SIGINT) removes its temporary file and exits 130', async () => {
  const dir = mkdtempSync(path.join(tmp, 'sigint-'));
  const p = spawn(process.execPath, [CLI, 'umap', '--input', big, '--output', path.join(dir, 'y.npy'), '--n-epochs', '2000'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  p.stderr.on('data', (d) => { err += d; });
  const closed = new Promise((resolve) => p.on('close', (code, signal) => resolve({ code, signal })));
  // the temporary file exists from the start (it is the check that the folder is writable)
  for (let i = 0; i < 500 && tempFiles(dir).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
  assert.equal(tempFiles(dir).length, 1, `a temporary file while running (${err})`);
  p.kill('SIGINT');
  const { code } = await closed;
  assert.equal(code, 130, err);
  assert.deepEqual(readdirSync(dir), [], 'nothing left behind');
});

test('convert never writes into its own model folder, however the output is spelt', (t) => {
  const model = needShared(t, 'fixtures', 'bert-tiny');
  if (!model) return;
  const dir = mkdtempSync(path.join(tmp, 'convert-'));
  const conv = path.join(dir, 'conv2');
  let r = cli(['convert', '--model', model, '--dtype', 'f16', '--output', conv, '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  const before = sha(path.join(conv, 'model.safetensors'));
  symlinkSync(conv, path.join(dir, 'L'));
  symlinkSync(path.join(conv, 'model.safetensors'), path.join(dir, 'W'));
  const cases = [
    [['--model', path.join(dir, 'L'), '--output', conv], /are the same folder/],
    [['--model', path.join(dir, 'L'), '--output', conv, '--force'], /are the same folder/],
    [['--model', conv, '--output', path.join(dir, 'L'), '--force'], /are the same folder/],
    [['--model', conv, '--output', path.join(conv, '.', '..', 'conv2'), '--force'], /are the same folder/],
    [['--model', conv, '--output', path.join(conv, 'model.safetensors'), '--force'], /is inside the folder of --model/],
    [['--model', conv, '--output', path.join(dir, 'W'), '--force'], /is inside the folder of --model/],
    [['--model', conv, '--output', path.join(conv, 'sub')], /is inside the folder of --model/],
  ];
  for (const [args, re] of cases) assertError(cli(['convert', '--dtype', 'q8', ...args]), 1, re, args.join(' '));
  assert.equal(sha(path.join(conv, 'model.safetensors')), before, 'the source weights are untouched');
  assert.deepEqual(readdirSync(dir).sort(), ['L', 'W', 'conv2']);
  assertError(cli(['convert', '--dtype', 'q8', '--model', path.join(dir, 'nope'), '--output', path.join(dir, 'c')]), 1, /model folder not found/, 'missing model');
});

test('numbers are parsed strictly: whole numbers in digits, within the engine range, never wrapped', () => {
  const y = path.join(tmp, 'n.npy');
  const cases = [
    [['hdbscan', '--min-cluster-size', '4294967301'], /--min-cluster-size must be <= 2147483647, got 4294967301/],
    [['hdbscan', '--min-cluster-size', '1'], /--min-cluster-size must be >= 2, got 1/],
    [['hdbscan', '--min-samples', '0'], /--min-samples must be >= 1/],
    [['hdbscan', '--min-cluster-size', '5.0'], /--min-cluster-size needs a whole number written in digits, got '5\.0'/],
    [['hdbscan', '--cluster-selection-epsilon', '-0.5'], /must be >= 0, got -0\.5/],
    [['umap', '--n-epochs', '1e11'], /--n-epochs needs a whole number written in digits, got '1e11'/],
    [['umap', '--n-epochs', '99999999999'], /--n-epochs must be <= 2147483647/],
    [['umap', '--seed', '99999999999999999999'], /--seed must be <= 4294967295, got 99999999999999999999/],
    [['umap', '--seed', '4294967296'], /--seed must be <= 4294967295/],
    [['umap', '--seed', '-1'], /--seed must be >= 0/],
    [['umap', '--n-neighbors', '0x10'], /needs a whole number/],
    [['umap', '--n-neighbors', ''], /needs a whole number/],
    [['umap', '--n-components', '65'], /--n-components must be <= 64/],
    [['umap', '--min-dist', 'Infinity'], /--min-dist needs a number, got 'Infinity'/],
    [['umap', '--min-dist', 'NaN'], /needs a number/],
    [['umap', '--learning-rate', '0'], /--learning-rate must be > 0/],
    [['umap', '--learning-rate', '1e999'], /--learning-rate is out of range/],
    [['umap', '--set-op-mix-ratio', '1.5'], /--set-op-mix-ratio must be <= 1/],
    [['umap', '--metric', 'manhattan'], /--metric must be one of cosine, euclidean/],
    [['umap', '--n_neighbors', '5'], /unknown option --n_neighbors \(did you mean --n-neighbors\?\)/],
    [['similarity', '--top', '0'], /--top must be >= 1/],
    [['similarity', '--query', '-1'], /--query must be >= 0/],
  ];
  for (const [[cmd, ...rest], re] of cases) {
    assertError(cli([cmd, '--input', small, '--output', y, ...rest]), 2, re, `${cmd} ${rest.join(' ')}`);
  }
  // the largest seed is accepted (0 … 2^32-1), and gives its own layout
  for (const seed of ['0', '4294967295']) {
    const r = cli(['umap', '--input', small, '--output', y, '--n-epochs', '5', '--seed', seed]);
    assert.equal(r.status, 0, r.stderr);
  }
});

test('--threads is capped at 4x the cores, with a warning', (t) => {
  const model = needShared(t, 'fixtures', 'bert-tiny');
  if (!model) return;
  const texts = path.join(tmp, 'few.txt');
  writeFileSync(texts, 'a sentence\nanother one\n');
  const r = cli(['embed', '--model', model, '--input', texts, '--output', path.join(tmp, 'e.npy'), '--threads', '100000', '--quiet']);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /^embedscape: warning: --threads 100000 is more than 4x the \d+ cores? of this machine: using \d+\n$/);
  assertError(cli(['embed', '--model', model, '--input', texts, '--output', path.join(tmp, 'e.npy'), '--threads', '0']), 2, /--threads must be >= 1/, 'zero');
  assert.match(cli(['embed', '--help']).stdout, /--threads N\n\s+worker threads \(default: the number of cores, \d+ here; more than 4x the cores is capped/);
});

test('the option tables and --help come from the specs of web/lib/options.js', () => {
  const tables = {
    umap: cliOptions(UMAP_OPTIONS),
    hdbscan: cliOptions(HDBSCAN_OPTIONS),
    map: [...cliOptions(EMBED_OPTIONS), ...cliOptions(UMAP_OPTIONS, { exclude: ['nComponents'] }), ...cliOptions(HDBSCAN_OPTIONS)],
    embed: cliOptions(EMBED_OPTIONS),
  };
  for (const [cmd, opts] of Object.entries(tables)) {
    const help = cli([cmd, '--help']).stdout;
    for (const o of opts) {
      const arg = o.type === 'bool' ? '' : ` ${o.choices ? o.choices.join('|') : o.type === 'number' ? 'X' : 'N'}`;
      const i = help.indexOf(`\n  --${o.name}${arg}\n`);
      assert.ok(i >= 0, `${cmd} --help lists --${o.name}${arg}`);
      const text = help.slice(i).split('\n')[2];
      if (o.default !== undefined && o.type !== 'bool') assert.ok(text.endsWith(`(default: ${o.default})`), `${cmd} --${o.name}: ${text}`);
    }
  }
  // the embed and map tables no longer drift: both take --dtype auto
  assert.match(cli(['embed', '--help']).stdout, /--dtype auto\|f32\|f16\|q8/);
  assert.match(cli(['map', '--help']).stdout, /--dtype auto\|f32\|f16\|q8/);
});

test('the JS API refuses the same out-of-range whole numbers: nothing wraps into the engine', async () => {
  const { createEngine, runUmapWith, knnSearchWith, hdbscanRun } = await import('../web/worker/index.js');
  const e = await createEngine();
  const m = { data: Float32Array.from({ length: 60 }, (_, i) => Math.sin(i * 1.3)), n: 20, dim: 3 };
  for (const [opts, re] of [
    [{ nEpochs: 1e11 }, /nEpochs must be a whole number >= 1 and <= 2147483647, got 100000000000/],
    [{ nNeighbors: 4294967301 }, /nNeighbors must be .*<= 2147483647/],
    [{ seed: 2 ** 32 }, /seed must be a whole number >= 0 and <= 4294967295/],
    [{ seed: 1e20 }, /seed must be/],
    [{ seed: -1 }, /seed must be/],
  ]) await assert.rejects(runUmapWith(e, m, opts), re, JSON.stringify(opts));
  assert.throws(() => knnSearchWith(e, m, { k: 3, seed: 2 ** 40 }), /seed must be .*<= 4294967295/);
  for (const [opts, re] of [
    [{ minClusterSize: 4294967301 }, /minClusterSize must be a whole number >= 2 and <= 2147483647, got 4294967301/],
    [{ minSamples: 2 ** 32 + 3 }, /minSamples must be .*<= 2147483647/],
    [{ maxClusterSize: 2 ** 31 }, /maxClusterSize must be/],
  ]) assert.throws(() => hdbscanRun(e, m, opts), re, JSON.stringify(opts));
  // the largest seed runs
  const r = await runUmapWith(e, m, { seed: 2 ** 32 - 1, nEpochs: 5 });
  assert.equal(r.embedding.n, 20);
  // the public API checks the same specs before any worker starts
  const api = await import('../web/embedscape.node.js');
  await assert.rejects(api.umap(m, { nEpochs: 1e11 }), /umap: nEpochs must be a whole number >= 1 and <= 2147483647/);
  await assert.rejects(api.hdbscan(m, { minClusterSize: 4294967301 }), /hdbscan: minClusterSize must be a whole number >= 2 and <= 2147483647/);
  await assert.rejects(api.hdbscan(m, { min_cluster_size: 3 }), /hdbscan: unknown option 'min_cluster_size' \(did you mean 'minClusterSize'\?\)/);
  assert.throws(() => new api.WorkerPool({ size: 64 * api.defaultThreads() }), /more than 4 workers per core/);
});
