// embed.js — step 2, "Embedding": the progress of a run's embedding (texts, tokens per second, time
// left) and the Cancel button, which stops whatever runs.

import { $, fmtInt, fmtDuration } from './dom.js';

export function mount(app) {
  let t0 = 0, lastPaint = 0;
  const bar = $('embed-progress');

  app.on('reset', () => {
    bar.max = 1; bar.value = 0;
    for (const id of ['embed-done', 'embed-rate', 'embed-left', 'embed-took']) $(id).textContent = '–';
    t0 = 0;
  });
  app.on('progress', (p) => {
    if (p.status !== 'embed') return;
    const now = performance.now();
    t0 ||= now - p.elapsed * 1000;
    if (now - lastPaint < 60 && p.done < p.total) return;
    lastPaint = now;
    const secs = (now - t0) / 1000;
    bar.max = p.total || 1;
    bar.value = p.done;
    $('embed-done').textContent = `${fmtInt(p.done)} / ${fmtInt(p.total)}`;
    if (p.tokens && secs > 0) $('embed-rate').textContent = fmtInt(Math.round(p.tokens / secs));
    if (p.done > 0 && p.done < p.total) $('embed-left').textContent = fmtDuration((secs / p.done) * (p.total - p.done));
  });
  app.on('vectors', ({ n }) => {
    bar.max = 1; bar.value = 1;
    $('embed-done').textContent = `${fmtInt(n)} / ${fmtInt(n)}`;
    $('embed-left').textContent = '0 s';
    $('embed-took').textContent = fmtDuration(app.state.timings.embed);
  });
  $('cancel-btn').addEventListener('click', () => {
    app.cancel();
    $('map-phase').textContent = '';
  });
}
