// embedscape.node.js — the public API in Node.js (the package's "node" export condition): the same
// names as embedscape.js, with pool workers on worker_threads and model folders given as paths.
import './lib/platform.node.js';

export * from './embedscape.js';
