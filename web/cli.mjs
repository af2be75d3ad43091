#!/usr/bin/env node
// cli.mjs — the embedscape command line: `node web/cli.mjs <command> [options]`.
// Each command lives in web/cli/<command>.mjs and exports
//   { summary: string, usage?: string, options: [{name, key?, type: 'string'|'int'|'number'|'bool'|'choice',
//     default?, help, choices?, min?, max?, exclusiveMin?, required?, metavar?}], run(opts, io) }
// Stage options come from the specs of web/lib/options.js (cliOptions), so the CLI, the JS API and
// the page share one type, range, default and help per option. This file parses options from that
// table (so `--help` always lists every option with its default), strictly: whole numbers in digits
// within the option's range, numbers in decimal notation. Every failure is one line on stderr,
// `embedscape: error: …`, exit 1 (2 for bad usage); a closed standard output (`| head`) ends quietly
// with 141 as Unix tools do; only a bug in embedscape itself shows a stack trace.

import './lib/platform.node.js';
import { EmbedscapeError } from './lib/errors.js';
import { getDefaultPool } from './lib/pool.js';
import { UsageError } from './cli/errors.mjs';
import { isFsError, describeFsError, cleanUpOnSignals } from './cli/files.mjs';

export const COMMANDS = ['tokenize', 'embed', 'similarity', 'umap', 'hdbscan', 'map', 'convert', 'fetch-model'];

export { UsageError };

function optionHelp(o) {
  const arg = o.type === 'bool' ? '' : ` ${o.metavar ?? (o.choices ? o.choices.join('|') : o.type === 'string' ? 'VALUE' : o.type === 'number' ? 'X' : 'N')}`;
  const def = o.required ? ' (required)' : o.default !== undefined && o.default !== null && o.type !== 'bool' ? ` (default: ${o.default})` : '';
  return `  --${o.name}${arg}\n      ${o.help}${def}`;
}

export function commandHelp(name, mod) {
  const lines = [`usage: embedscape ${name} ${mod.usage ?? '[options]'}`, '', mod.summary, '', 'options:'];
  for (const o of mod.options) lines.push(optionHelp(o));
  lines.push('  --help\n      show this help and exit');
  return lines.join('\n');
}

function mainHelp() {
  return [
    'usage: embedscape <command> [options]',
    '',
    'Sentence embeddings, similarities, UMAP maps and HDBSCAN clusters, computed locally.',
    '',
    'commands:',
    '  tokenize     token ids of each text (JSONL)',
    '  embed        sentence embeddings (.npy)',
    '  similarity   cosine similarities (JSONL)',
    '  umap         UMAP projection (.npy in, .npy out)',
    '  hdbscan      HDBSCAN clusters (.npy in, JSON out)',
    '  map          the whole pipeline: texts in, map JSON out',
    '  convert      write a smaller (f16 or q8) copy of a model folder',
    '  fetch-model  download or copy a model folder into models/',
    '',
    "Run 'embedscape <command> --help' for the options of one command.",
  ].join('\n');
}

/** Parses argv against a command's option table; every value is checked against its spec. */
export function parseOptions(argv, options) {
  const byName = new Map(options.map((o) => [o.name, o]));
  const key = (o) => o.key ?? camel(o.name);
  const out = {};
  for (const o of options) if (o.default !== undefined) out[key(o)] = o.default;
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument '${a}'`);
    let value;
    const eq = a.indexOf('=');
    if (eq >= 0) { value = a.slice(eq + 1); a = a.slice(0, eq); }
    const name = a.slice(2);
    const o = byName.get(name);
    if (!o) throw new UsageError(`unknown option --${name}${suggest(name, options)}`);
    if (o.type === 'bool') {
      if (value === undefined) out[key(o)] = true;
      else if (value === 'true' || value === '1') out[key(o)] = true;
      else if (value === 'false' || value === '0') out[key(o)] = false;
      else throw new UsageError(`--${name} takes no value (or =true/=false)`);
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      value = argv[++i];
    }
    out[key(o)] = convert(o, value);
  }
  for (const o of options) {
    if (o.required && out[key(o)] === undefined) throw new UsageError(`--${o.name} is required`);
  }
  return out;
}

function camel(name) { return name.replace(/-([a-z])/g, (_, c) => c.toUpperCase()); }

/** ' (did you mean --min-dist?)' for a misspelt or snake_case option name. */
function suggest(name, options) {
  const k = name.replace(/_/g, '-').toLowerCase();
  const hit = options.find((o) => o.name === k) ?? options.find((o) => o.name.startsWith(k) || k.startsWith(o.name));
  return hit ? ` (did you mean --${hit.name}?)` : '';
}

const INT = /^[+-]?\d+$/;
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

/** Converts one value; whole numbers are digits only, and nothing is rounded or wrapped into range. */
function convert(o, value) {
  if (o.choices && !o.choices.includes(value)) throw new UsageError(`--${o.name} must be one of ${o.choices.join(', ')}, got '${value}'`);
  if (o.type !== 'int' && o.type !== 'number') return value;
  if (o.type === 'int' && !INT.test(value)) {
    throw new UsageError(`--${o.name} needs a whole number written in digits, got '${value}'`);
  }
  if (o.type === 'number' && !DECIMAL.test(value)) throw new UsageError(`--${o.name} needs a number, got '${value}'`);
  const v = Number(value);
  const low = o.min !== undefined && (o.exclusiveMin ? !(v > o.min) : !(v >= o.min));
  if (low) throw new UsageError(`--${o.name} must be ${o.exclusiveMin ? '>' : '>='} ${o.min}, got ${value}`);
  if (o.max !== undefined && !(v <= o.max)) throw new UsageError(`--${o.name} must be <= ${o.max}, got ${value}`);
  if (!Number.isFinite(v)) throw new UsageError(`--${o.name} is out of range, got ${value}`);
  return v === 0 ? 0 : v; // no -0
}

/** One line for an error a user or the system caused; null for a bug (shown with its stack). */
function errorLine(e) {
  if (e instanceof EmbedscapeError || e?.name === 'EmbedscapeError' || e?.name === 'AbortError') return e.message;
  if (isFsError(e)) {
    const verb = { open: 'open', read: 'read', write: 'write', scandir: 'list', mkdir: 'create', rename: 'rename', stat: 'read', lstat: 'read', unlink: 'remove', copyfile: 'copy' }[e.syscall] ?? e.syscall ?? 'access';
    return `cannot ${verb} ${e.path ?? 'a file'}: ${describeFsError(e)}`;
  }
  if (e instanceof RangeError && /allocation failed|Invalid (typed )?array length|out of memory/i.test(e.message)) return `out of memory (${e.message}); try a smaller input`;
  if (e?.code === 'ERR_STRING_TOO_LONG') return 'the output is too large to build in memory; try a smaller input or --query / --top';
  return null;
}

export async function main(argv, io = { stdout: process.stdout, stderr: process.stderr }) {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    io.stdout.write(mainHelp() + '\n');
    return cmd ? 0 : 2;
  }
  if (cmd === '--version') {
    const { readFile } = await import('node:fs/promises');
    const pkg = JSON.parse(await readFile(new URL('../package.json', import.meta.url), 'utf8'));
    io.stdout.write(pkg.version + '\n');
    return 0;
  }
  if (!COMMANDS.includes(cmd)) {
    io.stderr.write(`embedscape: error: unknown command '${cmd}' (commands: ${COMMANDS.join(', ')})\n`);
    return 2;
  }
  let mod;
  try {
    mod = await import(`./cli/${cmd}.mjs`);
  } catch (e) {
    if (e?.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes(`cli/${cmd}.mjs`)) {
      io.stderr.write(`embedscape: error: the '${cmd}' command is not part of this build\n`);
      return 1;
    }
    throw e;
  }
  if (rest.includes('--help') || rest.includes('-h')) {
    io.stdout.write(commandHelp(cmd, mod) + '\n');
    return 0;
  }
  try {
    const opts = parseOptions(rest, mod.options);
    await mod.run(opts, io);
    return 0;
  } catch (e) {
    if (e instanceof UsageError || e?.name === 'UsageError') {
      io.stderr.write(`embedscape: error: ${e.message} (see 'embedscape ${cmd} --help')\n`);
      return 2;
    }
    if (e?.code === 'EPIPE') return 141; // the reader went away (`| head`): stop quietly, as Unix tools do
    const line = errorLine(e);
    if (line === null) throw e; // a bug: keep the stack
    io.stderr.write(`embedscape: error: ${line.replace(/\s*\n\s*/g, ' ')}\n`);
    return 1;
  }
}

const isMain = process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL((await import('node:fs')).realpathSync(process.argv[1])).href;
if (isMain) {
  // A closed standard output (`embedscape similarity … | head -c1`) ends the run quietly with 141,
  // as SIGPIPE ends Unix tools; other stream errors reach the write that failed and are reported there.
  process.stdout.on('error', (e) => { if (e?.code === 'EPIPE') process.exit(141); });
  process.stderr.on('error', () => {});
  cleanUpOnSignals();
  const code = await main(process.argv.slice(2));
  // The default worker pool unrefs idle workers; dispose it so the process ends promptly.
  getDefaultPool().dispose();
  process.exitCode = code;
}
