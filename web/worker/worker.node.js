// worker.node.js — a pool worker in Node.js (a worker_thread). Everything it does is in dispatch.js
// and ops.js; only the port differs from the browser's worker.js.
import { parentPort } from 'node:worker_threads';
import { serve } from './dispatch.js';

serve({ post: (m, t) => parentPort.postMessage(m, t), on: (fn) => parentPort.on('message', fn) });
