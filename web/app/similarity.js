// similarity.js — step 4, "Which texts are similar?": every text against a chosen text or a sentence
// of one's own (embedded with the same model), sorted by cosine similarity. The scores are computed in
// the session's worker, where the vectors are.

import { $, el, clear, fmtInt, shorten } from './dom.js';
import { fillTextSelect, emptyTextSelect } from './vector.js';


export function mount(app) {
  let req = 0;

  /** @param {number|string} query a text's index, or a sentence of one's own */
  let lastQuery = 0;
  async function show(query) {
    lastQuery = query;
    if (!app.state.vectors || !app.session) return;
    const mine = ++req;
    const texts = app.state.texts;
    const i = typeof query === 'number' ? query : -1;
    try {
      let q = query;
      if (typeof query === 'string') {
        const v = await app.model.embed(query);
        if (mine !== req) return;
        q = v.data;
      }
      const scores = await app.session.similarities(q);
      if (mine !== req) return;
      $('sim-caption').textContent = `Query: “${typeof query === 'string' ? query : shorten(texts[i], 120)}”` +
        (typeof query === 'string' ? ' (your sentence)' : '');
      // "where would this sentence go?": placed on the map by UMAP's transform (a map laid out here)
      app.view?.setPins?.([]);
      $('sim-placed').textContent = '';
      if (typeof query === 'string' && app.state.xy) {
        app.session.place(q).then((p) => {
          if (mine !== req) return;
          const [x, y] = p.embedding.data;
          app.view?.setPins?.([{ x, y, label: shorten(query, 40) }]);
          const near = texts[p.indices[0]];
          $('sim-placed').textContent = `On the map your sentence is the ◆, placed among the texts it is nearest to (nearest: “${shorten(near, 80)}”).`;
        }).catch((e) => { if (!app.isAbort(e)) $('sim-placed').textContent = `It could not be placed on the map: ${e.message}`; });
      }
      // the query itself (always 1) is the caption, not a row: four texts give the talk's table
      const order = Array.from(scores.keys()).filter((j) => j !== i && Number.isFinite(scores[j])).sort((a, b) => scores[b] - scores[a] || a - b);
      const shown = order.slice(0, Number($('sim-length').value) || 25);
      const body = clear($('sim-body'));
      shown.forEach((j, rank) => {
        const s = scores[j];
        const bar = el('span', { className: 'scorebar', 'aria-hidden': 'true' }, el('span'));
        bar.firstChild.style.width = `${Math.max(0, Math.min(1, s)) * 100}%`;
        body.append(el('tr', { className: j === i ? 'self' : null },
          el('td', { text: String(rank + 1) }),
          el('td', { className: 'score' }, s.toFixed(3), bar),
          el('td', { className: 'text-cell', text: texts[j] })));
      });
      if (order.length > shown.length) {
        body.append(el('tr', {}, el('td', { colspan: 3, className: 'muted', text: `… and ${fmtInt(order.length - shown.length)} less similar texts` })));
      }
    } catch (e) {
      if (!app.isAbort(e)) app.error(e);
    }
  }
  app.showSimilarity = show;
  // a new map: the pin of the old one means nothing on it (the next query places it again)
  app.on('layout', () => { app.view?.setPins?.([]); $('sim-placed').textContent = ''; });

  app.on('vectors', () => {
    fillTextSelect($('query-select'), app.state.texts);
    $('query-text').disabled = false;
    $('query-go').disabled = false;
    requestAnimationFrame(() => show(0));
  });
  app.on('map-opened', () => {
    emptyTextSelect($('query-select'), 'a saved map has no vectors — embed the texts to see them');
    $('query-text').disabled = true;
    $('query-go').disabled = true;
    $('sim-caption').textContent = '';
    clear($('sim-body'));
  });
  $('query-select').addEventListener('change', (e) => show(Number(e.target.value)));
  // the table's length is the reader's choice; the last comparison is shown again at that length
  $('sim-length').addEventListener('change', () => show(lastQuery));
  $('query-form').addEventListener('submit', (e) => {
    e.preventDefault();
    const q = $('query-text').value.trim();
    if (q && app.model && app.state.vectors) show(q);
  });
}
