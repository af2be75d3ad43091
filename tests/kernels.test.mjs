// The SIMD kernels against their scalar twins, inside the wasm engine (the native build has no wasm
// SIMD): GEMM f32/int8 at every m in 1..2·MR+1, n in 1..2·NR+1, k around 1, odd values and the k
// block, with an odd row stride; LayerNorm, softmax, GELU and exp on grids and random rows. Twins
// must agree bit for bit and both must be close to double precision (see wasm/src/kernels_check.c);
// then the stages' own kernels: similarity's dot/distance, UMAP's SGD pushes and fast power, and
// NN-descent's tiles (bit for bit) — all through the engine's one self-test, es_selftest.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createEngine } from '../web/worker/index.js';

test('wasm SIMD kernels agree with their scalar twins at tile edges (es_selftest: every kernel check)', async () => {
  const e = await createEngine();
  assert.equal(e.hasSimd(), true, 'the engine is built with SIMD');
  const [status, count] = e.scoped((alloc) => {
    const p = alloc(4);
    const st = e.raw('es_selftest', p);
    return [st, e.getI32(p)];
  });
  assert.equal(status, 0, `kernel check failed: ${e.lastError()}`);
  assert.ok(count > 10000, `only ${count} cases checked`);
});

test('GEMM micro-benchmark entry points run and free', async () => {
  const e = await createEngine();
  for (const kind of [0, 1]) {
    const h = e.scoped((alloc) => { const p = alloc(4); e.call('es_gemm_bench_create', kind, 5, 17, 33, p); return e.getU32(p); });
    e.raw('es_gemm_bench_run', h, 2);
    e.raw('es_gemm_bench_free', h);
  }
  assert.throws(() => e.scoped((alloc) => e.call('es_gemm_bench_create', 0, 0, 1, 1, alloc(4))), /bad arguments/);
});
