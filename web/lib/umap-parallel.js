// umap-parallel.js — UMAP with its kNN search shared by every worker of a pool. Each worker gets its
// own copy of the rows and runs parts of the search (the forest's trees, NN-descent's row chunks, the
// exact search's row blocks); their neighbour lists are merged in worker 0 between phases and sent
// back; worker 0 then builds the graph and runs the layout. The parts are fixed by n alone and the
// engine's lists do not depend on who ran which part, so the result is the same bytes with 1, 2 or
// 8 workers, and the same as runUmapWith in one engine (umap-learn's semantics, see knn.h).
//
//   umapParallel(pool, matrix, opts, {onProgress, signal, snapshotMs}) -> {embedding, info}
//   onProgress({status: 'knn', phase: 'exact'|'forest'|'descent', round, done, total}) between parts;
//   onProgress({status: 'layout', done: epoch, total: nEpochs, embedding?}) after every epoch (as umap()).
// Cancellation with an AbortSignal between parts and between epochs (rejects with signal.reason);
// the workers free what they hold either way.

import { abortError } from './errors.js';
import { OP } from './protocol.js';

let nextId = 1;

const range = (a, b) => Array.from({ length: b - a }, (_, i) => a + i);

/**
 * @param {import('./pool.js').WorkerPool} pool
 * @param {{data: Float32Array, n: number, dim: number}} matrix
 * @param {object} [opts] umap() options
 * @param {{onProgress?: (p: object) => void, onEpoch?: (e: object) => void, signal?: AbortSignal,
 *          snapshotMs?: number}} [run]
 * @returns {Promise<{embedding: {data: Float32Array, n: number, dim: number}, info: object}>}
 */
export async function umapParallel(pool, matrix, opts = {}, run = {}) {
  const { signal, onProgress, snapshotMs } = run;
  const progress = (p) => onProgress?.(p);
  const onLayout = (e) => progress(e);
  const args = { matrix: { data: matrix.data, n: matrix.n, dim: matrix.dim }, opts };
  if (matrix.n < 2) { // nothing to search: the one-worker path
    const r = await pool.run(OP.UMAP_RUN, { ...args, snapshotMs }, { signal, onProgress: onLayout });
    return r;
  }
  const check = () => { if (signal?.aborted) throw abortError(signal); };
  const id = `umap-parallel-${nextId++}`;
  check();
  const end = (workers) => Promise.all(range(0, workers).map((worker) => pool.run(OP.UMAP_KNN_END, { id }, { worker }).catch(() => {})));
  let infos;
  try {
    infos = await pool.broadcast(OP.UMAP_KNN_BEGIN, { id, ...args });
  } catch (e) {
    await end(pool.size);
    throw e;
  }
  const W = infos.length;
  const { method, parts } = infos[0];
  try {
    // every worker takes the next part until none is left
    const runParts = async (phase, total, round) => {
      let next = 0;
      let done = 0;
      progress({ status: 'knn', phase, round, done, total });
      await Promise.all(range(0, W).map(async (worker) => {
        while (next < total) {
          check();
          const part = next++;
          await pool.run(OP.UMAP_KNN_PART, { id, phase, part }, { worker });
          progress({ status: 'knn', phase, round, done: ++done, total });
        }
      }));
      check();
    };
    // the other workers' lists into worker 0, then worker 0's merged lists back to them
    const merge = async (then) => {
      const states = await Promise.all(range(1, W).map((worker) => pool.run(OP.UMAP_KNN_STATE, { id }, { worker })));
      const transfer = states.flatMap((st) => [st.indices.buffer, st.distances.buffer, st.flags.buffer]);
      const r = await pool.run(OP.UMAP_KNN_MERGE, { id, states, then, wantState: W > 1 }, { worker: 0, transfer });
      if (r.more && W > 1) {
        await Promise.all(range(1, W).map((worker) => pool.run(OP.UMAP_KNN_IMPORT, { id, state: r.state, rounds: r.rounds }, { worker })));
      }
      return r;
    };
    if (method === 'exact') {
      await runParts('exact', parts.exact, 0);
      await merge('none');
    } else {
      await runParts('forest', parts.forest, 0);
      let r = await merge('forest');
      while (r.more) {
        await runParts('descent', parts.descent, r.rounds + 1);
        r = await merge('round');
      }
    }
    check();
    return await pool.run(OP.UMAP_KNN_LAYOUT, { id, opts, snapshotMs },
      { worker: 0, signal, onProgress: onLayout });
  } finally {
    await end(W);
  }
}
