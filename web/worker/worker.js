// worker.js — a pool worker in a browser (a module Web Worker, or the classic single-file copy
// inline.js that build.sh makes of it). Everything it does is in dispatch.js and ops.js.
import { serve } from './dispatch.js';

serve({ post: (m, t) => self.postMessage(m, t), on: (fn) => { self.onmessage = (e) => fn(e.data); } });
