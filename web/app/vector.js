// vector.js — step 3, "Look at one vector": a text's numbers and a colour strip of them (asked of the
// session: the vectors stay in its worker).

import { $, el, clear, shorten } from './dom.js';
import { divergingColor } from '../lib/palette.js';

const option = (texts, i) => el('option', { value: i, text: `${i + 1}. ${shorten(texts[i], 100)}` });

/**
 * Makes a <select> pick one of the texts (used by the steps that pick a text). It holds only the
 * chosen text until the user reaches for it (focus or pointer): a browser measures every option of a
 * select to lay it out, which for hundreds of texts is a long task in the middle of a run.
 */
export function fillTextSelect(sel, texts, chosen = 0) {
  clear(sel);
  sel.append(option(texts, chosen));
  sel.disabled = false;
  sel.value = String(chosen);
  const fill = () => {
    if (sel.dataset.filledFor === String(texts.length) && sel.options.length === texts.length) return;
    const keep = Number(sel.value);
    clear(sel);
    const frag = document.createDocumentFragment();
    for (let i = 0; i < texts.length; i++) frag.append(option(texts, i));
    sel.append(frag);
    sel.value = String(keep);
    sel.dataset.filledFor = String(texts.length);
  };
  sel.onfocus = fill; // a property, not a listener: a new call replaces the previous texts' filler
  sel.onpointerdown = fill;
  delete sel.dataset.filledFor;
}

/** A select that says why it is empty. */
export function emptyTextSelect(sel, why) {
  sel.onfocus = sel.onpointerdown = null;
  clear(sel);
  sel.append(el('option', { text: why }));
  sel.disabled = true;
}

export function mount(app) {
  let req = 0;
  async function show(i) {
    if (!app.state.vectors || !app.session) return;
    const mine = ++req;
    let row;
    try { row = await app.session.vector(i); } catch (e) { if (!app.isAbort(e)) app.error(e); return; }
    if (mine !== req) return;
    const dim = row.length;
    let norm = 0, maxAbs = 0;
    for (const x of row) { norm += x * x; maxAbs = Math.max(maxAbs, Math.abs(x)); }
    $('vector-caption').textContent = `${dim} numbers · length ${Math.sqrt(norm).toFixed(3)} · largest |value| ${maxAbs.toFixed(3)}`;
    $('vector-numbers').textContent = '[' + Array.from(row, (x) => (x >= 0 ? ' ' : '') + x.toFixed(4)).join(', ') + ' ]';
    // one pixel per dimension, stretched by CSS (image-rendering: pixelated keeps the bands sharp)
    const c = $('vector-strip');
    c.width = dim;
    c.height = 1;
    const ctx = c.getContext('2d');
    const img = ctx.createImageData(dim, 1);
    const scale = maxAbs > 0 ? 1 / maxAbs : 1;
    for (let d = 0; d < dim; d++) {
      const [r, g, b] = divergingColor(row[d] * scale).match(/\d+/g).map(Number);
      img.data.set([r, g, b, 255], 4 * d);
    }
    ctx.putImageData(img, 0, 0);
  }
  app.on('vectors', () => {
    fillTextSelect($('vector-select'), app.state.texts);
    show(0);
  });
  app.on('map-opened', () => {
    emptyTextSelect($('vector-select'), 'a saved map has no vectors — embed the texts to see them');
    $('vector-caption').textContent = '';
    $('vector-numbers').textContent = '';
  });
  $('vector-select').addEventListener('change', (e) => show(Number(e.target.value)));
}
