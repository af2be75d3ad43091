// browser.helpers.mjs — for the browser tests of the web component and the offline handout: a small
// static file server for the repository, and Debian's Chromium driven by playwright-core (never a
// downloaded browser) with a fresh profile. A missing Chromium fails under CI=true and skips locally.
import http from 'node:http';
import { existsSync, mkdtempSync, rmSync, createReadStream, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ROOT } from '../helpers.mjs';

export const CHROMIUM = '/usr/bin/chromium';
export const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'];

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json', '.css': 'text/css', '.txt': 'text/plain; charset=utf-8', '.png': 'image/png',
  '.svg': 'image/svg+xml', '.wasm': 'application/wasm', '.jsonl': 'text/plain; charset=utf-8',
};

/**
 * Serves `dir` (default: the repository root) on 127.0.0.1. Returns {url, requests: [paths], close()}.
 * `extra` maps URL paths to folders outside `dir` (e.g. {'/model/': '/path/to/model'}); `cors` adds
 * Access-Control-Allow-Origin: * (a CDN serving the component to other sites); `headers` are added to
 * every response (e.g. a site's Content-Security-Policy).
 */
export function serveStatic(dir = ROOT, extra = {}, { cors = false, headers = {} } = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const u = new URL(req.url, 'http://x');
    const p = decodeURIComponent(u.pathname);
    requests.push(p);
    let base = dir, rel = p;
    for (const [prefix, folder] of Object.entries(extra)) {
      if (p.startsWith(prefix)) { base = folder; rel = p.slice(prefix.length - 1); break; }
    }
    const file = path.join(base, path.normalize(rel).replace(/^(\.\.[/\\])+/, ''));
    if (!file.startsWith(path.resolve(base))) { res.writeHead(403); res.end(); return; }
    let st;
    try { st = statSync(file); } catch { res.writeHead(404); res.end('not found'); return; }
    if (st.isDirectory()) { res.writeHead(404); res.end('not found'); return; }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': st.size, 'cache-control': 'no-store', ...(cors ? { 'access-control-allow-origin': '*' } : {}), ...headers });
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(file).pipe(res);
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({
      url: `http://127.0.0.1:${server.address().port}`,
      requests,
      close: () => new Promise((r) => { server.closeAllConnections(); server.close(r); }),
    });
  }));
}

/**
 * Launches Chromium with a fresh profile, or returns null after skipping the test (locally) when it
 * is not installed. Returns {context, page, close()}.
 * @param {import('node:test').TestContext} t
 */
export async function launchChromium(t, contextOptions = {}) {
  if (!existsSync(CHROMIUM)) {
    const why = `Chromium is not installed at ${CHROMIUM} (Debian: apt-get install chromium)`;
    if (process.env.CI) throw new Error(why);
    t.skip(why);
    console.log(`# SKIPPED: ${why}`);
    return null;
  }
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(path.join(tmpdir(), 'embedscape-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: CHROMIUM_ARGS,
    headless: true,
    viewport: { width: 1100, height: 800 },
    ...contextOptions,
  });
  const page = context.pages()[0] ?? await context.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(`console: ${m.text()}`); });
  return {
    context,
    page,
    errors,
    close: async () => {
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Counts pixels of a canvas (the element itself, or the canvas in its shadow root) close to each of the given #rrggbb colours blended on a background. */
export function countColors(page, hostSelector, colors, { alpha = 0.9, background = '#ffffff', tolerance = 10 } = {}) {
  return page.evaluate(({ hostSelector, colors, alpha, background, tolerance }) => {
    const host = document.querySelector(hostSelector);
    const canvas = host.shadowRoot ? host.shadowRoot.querySelector('canvas') : host;
    const { data } = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
    const rgb = (h) => [1, 3, 5].map((i) => parseInt(h.slice(i, i + 2), 16));
    const bg = rgb(background);
    const targets = colors.map((c) => rgb(c).map((v, k) => Math.round(v * alpha + bg[k] * (1 - alpha))));
    const counts = colors.map(() => 0);
    let other = 0;
    for (let p = 0; p < data.length; p += 4) {
      let hit = false;
      for (let t = 0; t < targets.length; t++) {
        const c = targets[t];
        if (Math.abs(data[p] - c[0]) <= tolerance && Math.abs(data[p + 1] - c[1]) <= tolerance && Math.abs(data[p + 2] - c[2]) <= tolerance) { counts[t]++; hit = true; break; }
      }
      if (!hit && (Math.abs(data[p] - bg[0]) > 8 || Math.abs(data[p + 1] - bg[1]) > 8 || Math.abs(data[p + 2] - bg[2]) > 8)) other++;
    }
    return { counts, other, width: canvas.width, height: canvas.height };
  }, { hostSelector, colors, alpha, background, tolerance });
}
