// page-server.mjs — what the browser tests need around the page: a small static file server for the
// repository (127.0.0.1, random port; extra routes map URL prefixes to folders, e.g. a test model),
// and a headless Debian Chromium driven by playwright-core.

import http from 'node:http';
import { createReadStream, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript; charset=utf-8', '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8', '.json': 'application/json', '.txt': 'text/plain; charset=utf-8',
  '.png': 'image/png', '.svg': 'image/svg+xml', '.wasm': 'application/wasm', '.md': 'text/markdown; charset=utf-8',
};

/**
 * Serves `root` over HTTP. routes: {'/prefix/': '/abs/folder'} served before the root.
 * Every request path is recorded in server.requests.
 * @returns {Promise<{url: string, requests: string[], close: () => Promise<void>}>}
 */
export async function serve(root, routes = {}) {
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    requests.push(url.pathname);
    let file = null;
    let p;
    try { p = decodeURIComponent(url.pathname); } catch { res.writeHead(400).end(); return; }
    for (const [prefix, dir] of Object.entries(routes)) {
      if (p.startsWith(prefix)) { file = path.join(dir, p.slice(prefix.length)); break; }
    }
    if (!file) file = path.join(root, p);
    const base = file.startsWith(root) ? root : Object.values(routes).find((d) => file.startsWith(d));
    if (!base || p.includes('..')) { res.writeHead(403).end(); return; }
    if (existsSync(file) && statSync(file).isDirectory()) file = path.join(file, 'index.html');
    if (!existsSync(file)) { res.writeHead(404, { 'content-type': 'text/plain' }).end('not found'); return; }
    const size = statSync(file).size;
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream', 'content-length': size, 'cache-control': 'no-store' });
    if (req.method === 'HEAD') { res.end(); return; }
    createReadStream(file).pipe(res);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () => new Promise((r) => { server.closeAllConnections?.(); server.close(() => r()); }),
  };
}

export const CHROMIUM = '/usr/bin/chromium';

/** True when Chromium is installed; otherwise fails under CI=true, or skips the test with the reason. */
export function needChromium(t) {
  if (existsSync(CHROMIUM)) return true;
  const why = `${CHROMIUM} is missing (apt-get install chromium)`;
  if (process.env.CI) throw new Error(why);
  t.skip(why);
  console.log(`# SKIPPED: ${why}`);
  return false;
}

/** Launches headless Chromium with a fresh profile; returns {browser, close}. */
export async function launchBrowser() {
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(path.join(os.tmpdir(), 'embedscape-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic'],
    viewport: { width: 1280, height: 900 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
  });
  return {
    context,
    close: async () => { await context.close(); rmSync(profile, { recursive: true, force: true }); },
  };
}
