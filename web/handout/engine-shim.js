// engine-shim.js — stands in for web/engine/engine.mjs inside the handout's bundles. The engine is
// the classic build (web/engine/engine.classic.js), which defines a global createEngineModule: the
// worker Blob starts with its text; in the page it is started on first use (adapter.js loadEngine).
export default function createEngineModule(opts) {
  const g = typeof globalThis !== 'undefined' ? globalThis : self;
  if (typeof g.createEngineModule === 'function') return g.createEngineModule(opts);
  const H = g.EMBEDSCAPE_HANDOUT;
  if (H && typeof H.loadEngine === 'function') return H.loadEngine().then((create) => create(opts));
  return Promise.reject(new Error('embedscape handout: the engine is not loaded'));
}
