// common.mjs — the options several commands share (files, model, threads, quiet) and how --threads
// is chosen. Stage options are not here: they come from web/lib/options.js through cliOptions.

import { availableParallelism } from 'node:os';

import { INT_MAX } from '../lib/options.js';

/** More workers than this many per core only cost memory (each holds an engine and the model). */
export const THREADS_PER_CORE = 4;

const cores = () => Math.max(1, availableParallelism());

export const TEXTS_HELP = 'texts: .txt (one per line), .jsonl ("text" field) or .csv ("text" or first column)';

export const option = {
  model: (help = 'model folder (config.json, model.safetensors, tokenizer.json, sentence-transformers files)') =>
    ({ name: 'model', type: 'string', required: true, metavar: 'DIR', help }),
  input: (metavar, help, extra = {}) => ({ name: 'input', type: 'string', required: true, metavar, help, ...extra }),
  output: (metavar, help, extra = {}) => ({ name: 'output', type: 'string', required: true, metavar, help: `${help} (written whole or not at all)`, ...extra }),
  threads: () => ({
    name: 'threads', type: 'int', min: 1, max: INT_MAX, metavar: 'N',
    help: `worker threads (default: the number of cores, ${cores()} here; more than ${THREADS_PER_CORE}x the cores is capped to that, with a warning)`,
  }),
  quiet: (help = 'no progress on standard error') => ({ name: 'quiet', type: 'bool', default: false, help }),
};

/**
 * The number of workers for --threads: the cores by default; at most THREADS_PER_CORE per core
 * (64 workers on 2 cores used 1.9 GB and ran 19x slower), with a warning when capped.
 * @param {number|undefined} threads @param {{stderr: NodeJS.WritableStream}} io
 */
export function chooseThreads(threads, io) {
  const n = cores();
  if (threads === undefined) return n;
  const cap = THREADS_PER_CORE * n;
  if (threads > cap) {
    io.stderr.write(`embedscape: warning: --threads ${threads} is more than ${THREADS_PER_CORE}x the ${n} core${n === 1 ? '' : 's'} of this machine: using ${cap}\n`);
    return cap;
  }
  return threads;
}
