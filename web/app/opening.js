// opening.js — step 1, "What does embedding mean?": the talk's opening picture — an anchor sentence,
// a paraphrase (pulled closer in training) and an unrelated sentence (pushed apart) — measured with
// the loaded model: the three cosines and the angles they make, drawn at their true angles.

import { $, el, clear } from './dom.js';
import { Surface, haloText } from './plot.js';

const deg = (c) => (Math.acos(Math.max(-1, Math.min(1, c))) * 180) / Math.PI;

export function mount(app) {
  const ids = ['op-anchor', 'op-positive', 'op-negative'];
  let measured = null; // {texts, sim: Float32Array 3x3}
  let req = 0;

  const surface = new Surface($('op-canvas'), draw);

  async function measure({ load = false } = {}) {
    const texts = ids.map((id) => $(id).value.trim());
    if (texts.some((t) => !t)) { $('op-verdict').textContent = 'Write a sentence in each of the three boxes.'; return; }
    if (!app.model && !load) return;
    const mine = ++req;
    $('op-measure').disabled = true;
    try {
      if (!app.model) {
        $('op-verdict').textContent = 'Getting the model ready…';
        app.model = await app.getModel();
        app.emit('model', { model: app.model });
        return; // the 'model' event measures
      }
      const vectors = await app.model.embed(texts);
      const sim = await app.api.cosineSimilarity(vectors, { pool: app.model.pool });
      if (mine !== req) return;
      measured = { texts, sim };
      show();
    } catch (e) {
      if (!app.isAbort(e)) app.error(e);
    } finally {
      if (mine === req) $('op-measure').disabled = false;
    }
  }
  app.measureOpening = () => measure({ load: true });

  function show() {
    const { sim } = measured;
    const rows = [['anchor', 'paraphrase', sim[1]], ['anchor', 'unrelated', sim[2]], ['paraphrase', 'unrelated', sim[5]]];
    const body = clear($('op-body'));
    for (const [a, b, c] of rows) {
      body.append(el('tr', {}, el('td', { text: `${a} ↔ ${b}` }), el('td', { className: 'score', text: c.toFixed(3) }), el('td', { className: 'score', text: `${deg(c).toFixed(0)}°` })));
    }
    const pos = sim[1], neg = sim[2];
    $('op-verdict').textContent = pos > neg
      ? `The paraphrase is closer to the anchor (cosine ${pos.toFixed(3)}) than the unrelated sentence (${neg.toFixed(3)}): training pulled the pair together and pushed the stranger away.`
      : `Here the unrelated sentence came out closer (cosine ${neg.toFixed(3)} against ${pos.toFixed(3)}): this model has not learned what the sentences mean — a model with random weights, like a test model, does that.`;
    $('op-model').textContent = `measured with ${app.state.modelName ?? 'the loaded model'}`;
    surface.request();
  }

  /** The anchor along the axis, the other two at their true angles to it (above and below). */
  function draw(ctx, w, h, c) {
    const ox = 28, oy = h / 2, len = Math.min(w - ox - 150, h / 2 - 16);
    const arrow = (angle, color, label, sub) => {
      const x = ox + len * Math.cos(angle), y = oy - len * Math.sin(angle);
      ctx.strokeStyle = color; ctx.fillStyle = color; ctx.lineWidth = 2.5;
      ctx.beginPath(); ctx.moveTo(ox, oy); ctx.lineTo(x, y); ctx.stroke();
      const a = Math.atan2(oy - y, x - ox);
      ctx.beginPath();
      ctx.moveTo(x, y);
      ctx.lineTo(x - 10 * Math.cos(a - 0.4), y + 10 * Math.sin(a - 0.4));
      ctx.lineTo(x - 10 * Math.cos(a + 0.4), y + 10 * Math.sin(a + 0.4));
      ctx.fill();
      haloText(ctx, label, x + 8, y + 4, c, { font: `600 13px ${c.sans}`, color });
      if (sub) haloText(ctx, sub, x + 8, y + 20, c, { color: c.muted });
    };
    ctx.strokeStyle = c.line; ctx.lineWidth = 1;
    ctx.beginPath(); ctx.arc(ox, oy, len, -Math.PI / 2, Math.PI / 2); ctx.stroke();
    if (!measured) {
      arrow(0, c.accent, 'anchor');
      haloText(ctx, 'measured once the model is loaded', ox + 10, oy + 40, c, { color: c.muted });
      return;
    }
    const { sim } = measured;
    const ap = Math.acos(Math.max(-1, Math.min(1, sim[1]))), an = Math.acos(Math.max(-1, Math.min(1, sim[2])));
    // the angle arcs
    for (const [angle, sign] of [[ap, 1], [an, -1]]) {
      ctx.strokeStyle = c.muted; ctx.lineWidth = 1;
      ctx.beginPath(); ctx.arc(ox, oy, 34, sign > 0 ? -angle : 0, sign > 0 ? 0 : angle); ctx.stroke();
      haloText(ctx, `${deg(Math.cos(angle)).toFixed(0)}°`, ox + 40 * Math.cos(angle / 2) + 2, oy - sign * 40 * Math.sin(angle / 2) + 4, c, { color: c.muted });
    }
    arrow(0, c.accent, 'anchor');
    arrow(ap, '#1a9e77', 'paraphrase', `cos ${sim[1].toFixed(3)}`);
    arrow(-an, '#d6336c', 'unrelated', `cos ${sim[2].toFixed(3)}`);
  }

  let timer = 0;
  for (const id of ids) {
    $(id).addEventListener('input', () => { clearTimeout(timer); timer = setTimeout(() => measure(), 400); });
  }
  $('op-measure').addEventListener('click', () => measure({ load: true }));
  app.on('model', () => measure());
}
