// files.mjs — how every command reads its inputs and writes its outputs, so that they all fail the
// same way: one clear EmbedscapeError naming the option, the path, what went wrong (with its errno)
// and what to do, and never a half-written or clobbered file.
//
//   const out = await openOutput(opts.output, { flag: '--output', stdout: io.stdout });  // before any work
//   try {
//     const bytes = await readInput(opts.input, '--input');   // or readMatrix (.npy)
//     …work…
//     await out.write(result);          // any number of times (streamed lines, one big buffer)
//     await out.commit();               // the file appears under its name only now
//   } finally { await out.discard(); }  // no-op after commit; else the temporary file is removed
//
// A regular output file is written to a temporary file in its own folder (`.NAME.PID-RANDOM.tmp`) and
// renamed over the target at the end, so a failed or interrupted run leaves the old file (if any)
// untouched. Opening that temporary file up front is the check that the folder exists and is
// writable, before minutes of work. Outputs that are not regular files (/dev/null, a FIFO, a
// terminal) are written in place: there is nothing to rename. A folder output (convert) is built in a
// temporary sibling folder and renamed into place the same way (openOutputFolder).

import { randomBytes } from 'node:crypto';
import { rmSync, unlinkSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

import { EmbedscapeError } from '../lib/errors.js';
import { parseNpy } from '../lib/io.js';

// errno → what it means for the user, and what to do about it
const WHY = {
  ENOENT: ['no such file or folder', ''],
  ENOTDIR: ['a part of the path is not a folder', 'check the path'],
  EISDIR: ['it is a folder', 'give a file name'],
  EACCES: ['permission denied', 'check the permissions or choose another folder'],
  EPERM: ['operation not permitted', 'check the permissions or choose another folder'],
  EROFS: ['the file system is read-only', 'write to a folder on a writable disk'],
  ENOSPC: ['no space left on the device', 'free some space or write to another disk'],
  EDQUOT: ['disk quota exceeded', 'free some space or write to another disk'],
  EFBIG: ['the file is too large for this file system', 'write to another disk'],
  EIO: ['input/output error (the disk, file system or terminal failed)', 'check the device, or write elsewhere'],
  EEXIST: ['it already exists', 'choose a new name'],
  ENOTEMPTY: ['the folder is not empty', 'choose a new folder'],
  EMFILE: ['too many open files', 'raise the limit (ulimit -n) or close other programs'],
  ENFILE: ['too many open files in the system', 'close other programs'],
  ENAMETOOLONG: ['the name is too long', 'choose a shorter path'],
  ELOOP: ['too many levels of symbolic links', 'check the links in the path'],
  ENXIO: ['no such device', 'check the path'],
  ENODEV: ['no such device', 'check the path'],
  EBUSY: ['the file is busy', 'try again when it is free'],
  ETXTBSY: ['the file is busy', 'try again when it is free'],
  EXDEV: ['the paths are on different file systems', 'write to the same disk'],
  EINVAL: ['invalid argument for this file or device', 'write to a regular file'],
  ERR_FS_FILE_TOO_LARGE: ['the file is larger than 2 GiB, more than can be read at once', 'split it into smaller files'],
};

/** True for the errors Node's fs reports from the operating system (and its own size limit). */
export function isFsError(e) {
  return !!e && typeof e.code === 'string' && (/^E[A-Z0-9]+$/.test(e.code) ? typeof e.syscall === 'string' || e.errno !== undefined : e.code in WHY);
}

/** "no space left on the device (ENOSPC); free some space or write to another disk" */
export function describeFsError(e) {
  const [why, todo] = WHY[e.code] ?? [String(e.message ?? e.code).replace(/^[A-Z0-9_]+: /, '').replace(/, \w+ '.*'$/, ''), ''];
  return `${why} (${e.code})${todo ? `; ${todo}` : ''}`;
}

/** An EmbedscapeError for an fs error: `cannot <verb> <what>: <why>`. */
export function fsError(e, verb, what) {
  if (e instanceof EmbedscapeError) return e;
  return new EmbedscapeError(`cannot ${verb} ${what}: ${describeFsError(e)}`, { cause: e });
}

const quote = (flag, file) => (flag ? `${flag} ${file}` : file);

/**
 * Reads a whole input file.
 * @param {string} file @param {string} [flag] the option that named it, for messages
 * @returns {Promise<Uint8Array>}
 */
export async function readInput(file, flag) {
  try {
    const b = await fs.readFile(file);
    return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  } catch (e) {
    if (e?.code === 'ENOENT') throw new EmbedscapeError(`no such file: ${file}`, { cause: e });
    if (e?.code === 'EISDIR') throw new EmbedscapeError(`${quote(flag, file)} is a folder, not a file`, { cause: e });
    if (isFsError(e)) throw fsError(e, 'read', quote(flag, file));
    throw e;
  }
}

/**
 * Reads a .npy input as a Matrix with at least one row.
 * @param {string} file @param {string} [flag] @returns {Promise<{data: Float32Array, n: number, dim: number}>}
 */
export async function readMatrix(file, flag = '--input') {
  const name = path.basename(file);
  const { data, shape: [n, dim] } = parseNpy(await readInput(file, flag), name);
  if (n < 1) throw new EmbedscapeError(`${name}: the matrix has no rows`);
  return { data, n, dim };
}

// Temporary files and folders of this process, removed if it exits before committing them.
const pending = new Set();
let hooked = false;
function track(p) {
  pending.add(p);
  if (!hooked) {
    hooked = true;
    process.on('exit', () => { for (const q of pending) try { rmSync(q, { recursive: true, force: true }); } catch { /* best effort */ } });
  }
}

/**
 * Makes an interrupt (Ctrl-C, kill) remove the temporary files before the process ends, with the
 * status a shell expects (128 + signal number). Called once by the command line.
 */
export function cleanUpOnSignals() {
  for (const [sig, num] of [['SIGINT', 2], ['SIGTERM', 15], ['SIGHUP', 1]]) {
    process.once(sig, () => process.exit(128 + num));
  }
}

const tempName = (target) => path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`);

async function statOrNull(p, flagFile) {
  try { return await fs.stat(p); } catch (e) {
    if (e?.code === 'ENOENT') return null;
    throw fsError(e, 'write', flagFile);
  }
}

/** Checks that the folder an output goes into exists; returns its real path. */
async function outputFolder(file, flagFile) {
  const dir = path.dirname(path.resolve(file));
  const st = await statOrNull(dir, flagFile);
  if (!st) throw new EmbedscapeError(`cannot write ${flagFile}: the folder ${path.dirname(file)} does not exist (ENOENT); create it first`);
  if (!st.isDirectory()) throw new EmbedscapeError(`cannot write ${flagFile}: ${dir} is not a folder`);
  try { return await fs.realpath(dir); } catch (e) { throw fsError(e, 'write', flagFile); }
}

/**
 * Where a file output really goes: {target, mode, direct}. A symbolic link is followed (its target
 * is replaced, not the link); a folder is refused; a device, FIFO or socket is written in place.
 */
async function resolveOutput(file, flagFile) {
  const abs = path.resolve(file);
  const st = await statOrNull(abs, flagFile);
  if (st?.isDirectory()) throw new EmbedscapeError(`cannot write ${flagFile}: it is a folder (EISDIR); give the name of a file (in it or elsewhere)`);
  if (st && !st.isFile()) return { target: abs, direct: true };
  if (st) {
    try { return { target: await fs.realpath(abs), mode: st.mode & 0o7777 }; } catch (e) { throw fsError(e, 'write', flagFile); }
  }
  const l = await fs.lstat(abs).catch(() => null);
  if (l?.isSymbolicLink()) throw new EmbedscapeError(`cannot write ${flagFile}: it is a symbolic link to a missing file (${await fs.readlink(abs).catch(() => '?')}); remove the link or give another name`);
  return { target: path.join(await outputFolder(file, flagFile), path.basename(abs)) };
}

/**
 * Opens an output: checks it and creates its temporary file now, before the work, so that a
 * missing folder, a read-only disk or a folder given as a file name fails at once.
 * @param {string|undefined} file the path; undefined or '-' = standard output (opts.stdout)
 * @param {{flag?: string, stdout?: NodeJS.WritableStream}} [o]
 * @returns {Promise<{path: string|null, write(data: Uint8Array|string): Promise<void>, commit(): Promise<void>, discard(): Promise<void>}>}
 */
export async function openOutput(file, { flag = '--output', stdout } = {}) {
  if (file === undefined || file === '-') return stdoutSink(stdout ?? process.stdout);
  const flagFile = quote(flag, file);
  const { target, mode, direct } = await resolveOutput(file, flagFile);
  const temp = direct ? null : tempName(target);
  let fh;
  try {
    fh = await fs.open(direct ? target : temp, direct ? 'w' : 'wx', mode ?? 0o666);
  } catch (e) { throw fsError(e, 'write', flagFile); }
  if (temp) track(temp);
  let done = false;
  const finish = async () => { if (!done) { done = true; await fh.close().catch(() => {}); } };
  return {
    path: target,
    async write(data) {
      try {
        const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
        let off = 0;
        while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten;
      } catch (e) { throw fsError(e, 'write', flagFile); }
    },
    async commit() {
      try {
        if (temp) {
          if (mode !== undefined) await fh.chmod(mode); // keep the permissions of the file replaced
          await fh.sync(); // the data is on disk before the name points at it
        }
        done = true;
        await fh.close();
        if (temp) { await fs.rename(temp, target); pending.delete(temp); }
      } catch (e) { throw fsError(e, 'write', flagFile); }
    },
    async discard() {
      await finish();
      if (temp && pending.has(temp)) { pending.delete(temp); await fs.unlink(temp).catch(() => {}); }
    },
  };
}

/** Standard output as an output: writes wait for the stream, errors (EIO, EPIPE) reject. */
function stdoutSink(stream) {
  const write = (data) => new Promise((resolve, reject) => {
    let settled = false;
    const onError = (e) => { if (!settled) { settled = true; reject(e); } };
    stream.once?.('error', onError);
    const ok = stream.write(data, (e) => {
      if (e) return onError(e);
      if (ok !== false) { settled = true; stream.removeListener?.('error', onError); resolve(); }
    });
    if (ok === false) stream.once('drain', () => { if (!settled) { settled = true; stream.removeListener?.('error', onError); resolve(); } });
  }).catch((e) => { throw e?.code === 'EPIPE' ? e : isFsError(e) ? fsError(e, 'write', 'to standard output') : e; });
  return { path: null, write, commit: () => write(''), discard: async () => {} };
}

/** True if `p` is `dir` or inside it (both real paths). */
export function isInside(p, dir) {
  const rel = path.relative(dir, p);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Opens a folder output (convert): refused when it resolves to one of `protect` ({path: a real
 * path, name: how the user named it}) or to anything inside it, and when it exists unless `force`. The files are written into a
 * temporary sibling folder (`folder.path`), moved into place by commit().
 * @param {string} dir @param {{flag?: string, force?: boolean, protect?: {path: string, name: string}[]}} [o]
 */
export async function openOutputFolder(dir, { flag = '--output', force = false, protect = [] } = {}) {
  const flagDir = quote(flag, dir);
  const abs = path.resolve(dir);
  const st = await statOrNull(abs, flagDir);
  const real = st ? await fs.realpath(abs).catch((e) => { throw fsError(e, 'write', flagDir); }) : path.join(await outputFolder(dir, flagDir), path.basename(abs));
  for (const { path: p, name } of protect) {
    if (real === p) throw new EmbedscapeError(`${flagDir} and ${name} are the same folder (${p}): writing there would overwrite the source; choose another folder`);
    if (isInside(real, p)) throw new EmbedscapeError(`${flagDir} is inside the folder of ${name} (${p}): writing there would overwrite or mix with the source; choose a folder outside it`);
  }
  if (st && !st.isDirectory()) throw new EmbedscapeError(`cannot write ${flagDir}: it exists and is not a folder (EEXIST); choose a new folder name`);
  if (st && !force) throw new EmbedscapeError(`cannot write ${flagDir}: it already exists (EEXIST); choose a new folder, or pass --force to replace the files in it`);
  const temp = tempName(real);
  try { await fs.mkdir(temp); } catch (e) { throw fsError(e, 'write', flagDir); }
  track(temp);
  let committed = false;
  return {
    path: temp,
    target: real,
    async commit() {
      try {
        if (!st) await fs.rename(temp, real);
        else {
          // --force: each file replaces its namesake by rename (a hard link elsewhere keeps its data)
          const move = async (from, to) => {
            for (const e of await fs.readdir(from, { withFileTypes: true })) {
              const s = path.join(from, e.name), d = path.join(to, e.name);
              if (e.isDirectory()) { await fs.mkdir(d, { recursive: true }); await move(s, d); } else await fs.rename(s, d);
            }
          };
          await move(temp, real);
          await fs.rm(temp, { recursive: true, force: true });
        }
        committed = true;
        pending.delete(temp);
      } catch (e) { throw fsError(e, 'write', flagDir); }
    },
    async discard() {
      if (committed || !pending.has(temp)) return;
      pending.delete(temp);
      await fs.rm(temp, { recursive: true, force: true }).catch(() => {});
    },
  };
}
