#!/usr/bin/env node
// cli.mjs — the embedscape command line: `node web/cli.mjs <command> [options]`.
// Each command lives in web/cli/<command>.mjs and exports
//   { summary: string, usage?: string, options: [{name, type: 'string'|'int'|'number'|'bool', default?, help, choices?, required?}],
//     run(opts, io) }
// This file parses options from that table (so `--help` always lists every option with its default),
// and turns user mistakes into one line on stderr: `embedscape: error: …`, exit 1 (2 for bad usage).

import './lib/platform.node.js';
import { EmbedscapeError } from './lib/errors.js';
import { getDefaultPool } from './lib/pool.js';
import { UsageError } from './cli/errors.mjs';

export const COMMANDS = ['tokenize', 'embed', 'similarity', 'umap', 'hdbscan', 'map', 'convert', 'fetch-model'];

export { UsageError };

function optionHelp(o) {
  const arg = o.type === 'bool' ? '' : ` ${o.metavar ?? (o.choices ? o.choices.join('|') : o.type === 'string' ? 'VALUE' : 'N')}`;
  const def = o.required ? ' (required)' : o.default !== undefined && o.default !== null ? ` (default: ${o.default})` : '';
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

/** Parses argv against a command's option table. */
export function parseOptions(argv, options) {
  const byName = new Map(options.map((o) => [o.name, o]));
  const out = {};
  for (const o of options) if (o.default !== undefined) out[camel(o.name)] = o.default;
  for (let i = 0; i < argv.length; i++) {
    let a = argv[i];
    if (!a.startsWith('--')) throw new UsageError(`unexpected argument '${a}'`);
    let value;
    const eq = a.indexOf('=');
    if (eq >= 0) { value = a.slice(eq + 1); a = a.slice(0, eq); }
    const name = a.slice(2);
    const o = byName.get(name);
    if (!o) throw new UsageError(`unknown option --${name}`);
    if (o.type === 'bool') {
      if (value === undefined) out[camel(name)] = true;
      else if (value === 'true' || value === '1') out[camel(name)] = true;
      else if (value === 'false' || value === '0') out[camel(name)] = false;
      else throw new UsageError(`--${name} takes no value (or =true/=false)`);
      continue;
    }
    if (value === undefined) {
      if (i + 1 >= argv.length) throw new UsageError(`--${name} needs a value`);
      value = argv[++i];
    }
    out[camel(name)] = convert(o, value);
  }
  for (const o of options) {
    if (o.required && out[camel(o.name)] === undefined) throw new UsageError(`--${o.name} is required`);
  }
  return out;
}

function camel(name) { return name.replace(/-([a-z])/g, (_, c) => c.toUpperCase()); }

function convert(o, value) {
  if (o.choices && !o.choices.includes(value)) throw new UsageError(`--${o.name} must be one of ${o.choices.join(', ')}, got '${value}'`);
  if (o.type === 'int') {
    if (!/^[+-]?\d+$/.test(value)) throw new UsageError(`--${o.name} needs a whole number, got '${value}'`);
    return Number(value);
  }
  if (o.type === 'number') {
    const v = Number(value);
    if (value.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${o.name} needs a number, got '${value}'`);
    return v;
  }
  return value;
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
      io.stderr.write(`embedscape: error: ${e.message}\n(see 'embedscape ${cmd} --help')\n`);
      return 2;
    }
    if (e instanceof EmbedscapeError || e?.name === 'EmbedscapeError' || e?.name === 'AbortError') {
      io.stderr.write(`embedscape: error: ${e.message}\n`);
      return 1;
    }
    if (e && (e.code === 'ENOENT' || e.code === 'EACCES' || e.code === 'EISDIR' || e.code === 'ENOTDIR')) {
      io.stderr.write(`embedscape: error: ${e.code === 'ENOENT' ? 'no such file' : e.code === 'EACCES' ? 'permission denied' : e.code === 'EISDIR' ? 'is a folder, not a file' : 'not a folder'}: ${e.path ?? ''}\n`);
      return 1;
    }
    throw e; // a bug: keep the stack
  }
}

const isMain = process.argv[1] && import.meta.url === (await import('node:url')).pathToFileURL((await import('node:fs')).realpathSync(process.argv[1])).href;
if (isMain) {
  const code = await main(process.argv.slice(2));
  // The default worker pool unrefs idle workers; dispose it so the process ends promptly.
  getDefaultPool().dispose();
  process.exitCode = code;
}
