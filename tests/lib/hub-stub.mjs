// hub-stub.mjs — a stand-in for the Hugging Face Hub on 127.0.0.1, for the fetch script's and
// loadModel's tests: it serves a model folder as repository REPO the way the Hub does (302 from
// /<repo>/resolve/<rev>/<file> to a storage host on another port for LFS files, with the sha256 in
// X-Linked-Etag and the size in X-Linked-Size; Range requests on the storage host).
import http from 'node:http';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { MODEL_FILES } from '../../web/lib/modelfiles.js';

export const REPO = 'test-org/bert-tiny';
const sha256 = (b) => createHash('sha256').update(b).digest('hex');
const sha1 = (b) => createHash('sha1').update(b).digest('hex');

/**
 * A stand-in for the Hub serving `dir` as repository REPO (LFS files redirect to a storage host on another port). Knobs (reset per test):
 *  dropAfter: on the next GET of the weights, send this many bytes then cut the connection;
 *  wrongSha: announce a wrong sha256; hide: file names answered with 404; status: answer everything with it.
 * cors: answer pages of other origins too. storageName: the origin the redirects name for the storage
 * host (a browser test that maps an https address onto storageUrl), default storageUrl.
 * Returns {url, storageUrl, files, log, knobs, close()}.
 */
export function startHub(dir, { cors = false, storageName = null } = {}) {
  const files = new Map();
  for (const f of MODEL_FILES) if (existsSync(path.join(dir, f))) files.set(f, readFileSync(path.join(dir, f)));
  const hub = { files, log: [], knobs: {} };
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    hub.log.push({ method: req.method, path: url.pathname, range: req.headers.range ?? null, auth: req.headers.authorization ?? null });
    if (cors) res.setHeader('access-control-allow-origin', '*'); // as the Hub and its storage host answer browsers
    const k = hub.knobs;
    if (k.status) { res.writeHead(k.status); res.end(); return; }
    let m = /^\/([^/]+\/[^/]+)\/resolve\/([^/]+)\/(.+)$/.exec(url.pathname);
    if (m) {
      const name = decodeURIComponent(m[3]);
      if (m[1] !== REPO || m[2] !== 'main' || !files.has(name) || k.hide?.includes(name)) {
        res.writeHead(404, { 'x-error-code': 'EntryNotFound' }); res.end('Entry not found'); return;
      }
      const body = files.get(name);
      if (name.endsWith('.safetensors')) { // an LFS file: redirect to the storage host
        const sha = k.wrongSha ? '0'.repeat(64) : sha256(body);
        res.writeHead(302, { location: `${storageName ?? hub.storageUrl}/storage/${sha256(body)}?name=${encodeURIComponent(name)}`, 'x-linked-etag': `"${sha}"`, 'x-linked-size': String(body.length), etag: `W/"${sha1(body)}"` });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-length': body.length, etag: `"${sha1(body)}"` }); // git blob id, not a sha256
      res.end(req.method === 'HEAD' ? undefined : body);
      return;
    }
    m = /^\/storage\/([0-9a-f]{64})$/.exec(url.pathname);
    const body = m && [...files.values()].find((b) => sha256(b) === m[1]);
    if (!body) { res.writeHead(404); res.end(); return; }
    let start = 0;
    const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? '');
    if (range) {
      start = Number(range[1]);
      if (start >= body.length) { res.writeHead(416, { 'content-range': `bytes */${body.length}` }); res.end(); return; }
      res.writeHead(206, { 'content-length': body.length - start, 'content-range': `bytes ${start}-${body.length - 1}/${body.length}`, 'accept-ranges': 'bytes' });
    } else {
      res.writeHead(200, { 'content-length': body.length, 'accept-ranges': 'bytes' });
    }
    if (req.method === 'HEAD') { res.end(); return; }
    if (k.dropAfter && req.method === 'GET') {
      const n = k.dropAfter;
      k.dropAfter = 0;
      res.write(body.subarray(start, start + n), () => setTimeout(() => res.socket.destroy(), 20));
      return;
    }
    res.end(body.subarray(start));
  });
  // The storage host is another origin, as on the real Hub (the same handler on a second port).
  const storage = http.createServer((req, res) => server.emit('request', req, res));
  const listen = (srv) => new Promise((r) => srv.listen(0, '127.0.0.1', () => r(`http://127.0.0.1:${srv.address().port}`)));
  return Promise.all([listen(server), listen(storage)]).then(([url, storageUrl]) => {
    hub.url = url;
    hub.storageUrl = storageUrl;
    const close = (srv) => new Promise((r) => { srv.closeAllConnections(); srv.close(r); });
    hub.close = () => Promise.all([close(server), close(storage)]);
    return hub;
  });
}

