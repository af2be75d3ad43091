// engine-shim.js — stands in for web/engine/engine.mjs inside single-file bundles (the worker of
// web/worker/build-inline.mjs): the engine there is the classic build (web/engine/engine.classic.js,
// wasm inlined), whose text comes first and defines a global createEngineModule.
export default function createEngineModule(opts) {
  const g = typeof globalThis !== 'undefined' ? globalThis : self;
  if (typeof g.createEngineModule === 'function') return g.createEngineModule(opts);
  return Promise.reject(new Error('embedscape: the engine is not loaded in this bundle'));
}
