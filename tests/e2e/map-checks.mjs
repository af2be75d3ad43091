// map-checks.mjs — steps of the browser tests on a drawn map that read the same with a playwright page
// (Chromium) and a puppeteer page (Firefox): both take page.evaluate(fn, arg), page.$eval,
// page.waitForSelector(selector, {timeout}) and page.mouse.move(x, y, {steps}).
import assert from 'node:assert/strict';

/**
 * On the page (web/index.html): hovers a point with no other point within 12 px (`preferIndex` when
 * that one stands alone) and returns {i, x, y, text, shown}, `shown` being the tooltip's text.
 */
export async function hoverLonelyPoint(page, preferIndex = -1) {
  await page.$eval('#map', (c) => c.scrollIntoView({ block: 'nearest' }));
  const target = await page.evaluate((prefer) => {
    const v = globalThis.embedscape.view;
    const pos = (i) => v.pointPosition(i);
    const lonely = (i) => {
      const [x, y] = pos(i);
      if (x < 10 || y < 10 || x > v.cssW - 10 || y > v.cssH - 10) return false;
      for (let j = 0; j < v.n; j++) if (j !== i && Math.hypot(pos(j)[0] - x, pos(j)[1] - y) < 12) return false;
      return true;
    };
    let i = prefer >= 0 && lonely(prefer) ? prefer : -1;
    for (let k = 0; i < 0 && k < v.n; k++) if (lonely(k)) i = k;
    if (i < 0) return null;
    const r = v.canvas.getBoundingClientRect();
    return { i, x: r.left + pos(i)[0], y: r.top + pos(i)[1], text: v.texts[i] };
  }, preferIndex);
  assert.ok(target, 'some point on the map stands alone');
  await page.mouse.move(target.x - 30, target.y - 30);
  await page.mouse.move(target.x, target.y, { steps: 4 });
  await page.waitForSelector('#tooltip:not([hidden])', { timeout: 5000 });
  const shown = await page.$eval('#tooltip .tip-text', (e) => e.textContent);
  return { ...target, shown };
}

/**
 * In an <embedscape-map> (`host`, a selector): types `word` in the search box and checks that the count
 * shown is the number of the map's texts containing it.
 */
export async function checkComponentSearch(page, host, word, texts) {
  await page.evaluate(({ host, word }) => {
    const s = document.querySelector(host).shadowRoot.querySelector('input[type=search]');
    s.value = word;
    s.dispatchEvent(new Event('input'));
  }, { host, word });
  const want = texts.filter((s) => s.toLowerCase().includes(word.toLowerCase())).length;
  const count = await page.evaluate((h) => document.querySelector(h).shadowRoot.querySelector('.count').textContent, host);
  assert.equal(count, `${want} match${want === 1 ? '' : 'es'}`);
}

/** Adds <embedscape-map id src model loading="eager"> at the top of the page's <main>, in view. */
export function addLiveMap(page, { id, src, model }) {
  return page.evaluate(({ id, src, model }) => {
    const el = document.createElement('embedscape-map');
    el.id = id;
    el.setAttribute('src', src);
    el.setAttribute('model', model);
    el.setAttribute('loading', 'eager');
    (document.querySelector('main') ?? document.body).prepend(el);
    el.scrollIntoView();
  }, { id, src, model });
}

/**
 * Types `text` in the "place your own" box of the <embedscape-map> `host` (a selector) and presses
 * Place; resolves with the detail of its embedscape-place event, or rejects with what the box says.
 */
export function placeText(page, host, text, timeout = 60_000) {
  return page.evaluate(({ host, text, timeout }) => new Promise((resolve, reject) => {
    const el = document.querySelector(host);
    const out = () => el.shadowRoot.querySelector('.live output').textContent;
    const poll = setInterval(() => { if (/^Could not/.test(out())) { clearInterval(poll); reject(new Error(out())); } }, 100);
    const timer = setTimeout(() => { clearInterval(poll); reject(new Error(`no placement: ${out()}`)); }, timeout);
    el.addEventListener('embedscape-place', (e) => { clearInterval(poll); clearTimeout(timer); resolve(e.detail); }, { once: true });
    el.shadowRoot.querySelector('.live input').value = text;
    el.shadowRoot.querySelector('.live button').click();
  }), { host, text, timeout });
}
