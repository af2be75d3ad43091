// adapter.js — runs first in the offline handout (a classic script: the handout opens from file://,
// where Chromium allows neither ES modules nor fetch()). It lets the unchanged page code work there:
//   * fetch() of a file the handout embeds (the model, the sample sets) is answered from memory;
//     files the handout does not have are refused as they would be on file://;
//   * `new Worker(<the page's worker/worker.js>)` starts a classic worker from a Blob of the single-file
//     worker instead (a file:// page cannot start a worker from a file);
//   * the page is pointed at the embedded model (its ?model= parameter), unless one is given.
// The build (build-handout.mjs) fills window.EMBEDSCAPE_HANDOUT before this script runs:
//   {files: {path: base64}, types: {path: mime}, model: 'models/<name>/' | null,
//    lazy: {script: 'js/model.js', files: {path: {size, type}}} | null (files loaded on first read),
//    workerSource: string (the single-file worker: engine + worker code)}
(function () {
  'use strict';
  var H = window.EMBEDSCAPE_HANDOUT;
  if (!H) throw new Error('embedscape handout: the data scripts did not load');
  var root = new URL('.', document.baseURI).href;

  function relPath(url) {
    var u;
    try { u = new URL(url, document.baseURI); } catch (e) { return null; }
    var href = u.origin === 'null' || u.protocol === 'file:' ? u.protocol + '//' + u.host + u.pathname : u.href.split(/[?#]/)[0];
    if (href.indexOf(root) !== 0) return null;
    return decodeURIComponent(href.slice(root.length));
  }

  var cache = Object.create(null);
  function bytesOf(p) {
    if (cache[p]) return cache[p];
    var b64 = H.files[p];
    var out;
    if (typeof Uint8Array.fromBase64 === 'function') {
      out = Uint8Array.fromBase64(b64);
    } else {
      var bin = atob(b64);
      out = new Uint8Array(bin.length);
      for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    }
    // the big weights are decoded once and then dropped from the string table
    if (out.length > (4 << 20)) { H.files[p] = null; cache[p] = out; }
    return out;
  }

  /** True when p lies in the embedded model folder (so a missing optional file there is a 404). */
  function inEmbeddedFolder(p) {
    return !!H.model && p.indexOf(H.model) === 0;
  }

  // The model's script is big (tens of MB): it is loaded when the page first reads a model file, so
  // that the page is usable at once. H.lazy = {script, files: {path: {size, type}}} says what it holds.
  var lazyLoad = null;
  function loadLazy() {
    if (!lazyLoad) {
      lazyLoad = new Promise(function (resolve, reject) {
        var s = document.createElement('script');
        s.src = H.lazy.script;
        s.onload = function () { resolve(); };
        s.onerror = function () { lazyLoad = null; reject(new TypeError('the model inside the handout (' + H.lazy.script + ') could not be loaded')); };
        document.head.appendChild(s);
      });
    }
    return lazyLoad;
  }
  function lazyEntry(p) {
    return H.lazy && H.lazy.files && Object.prototype.hasOwnProperty.call(H.lazy.files, p) ? H.lazy.files[p] : null;
  }
  function has(p) {
    return Object.prototype.hasOwnProperty.call(H.files, p) && (H.files[p] !== null || !!cache[p]);
  }
  function respond(p, method) {
    var body = bytesOf(p);
    var headers = { 'content-type': (H.types && H.types[p]) || 'application/octet-stream', 'content-length': String(body.length) };
    return new Response(method === 'HEAD' ? null : body, { status: 200, headers: headers });
  }

  var realFetch = window.fetch ? window.fetch.bind(window) : null;
  window.fetch = function (input, init) {
    var url = typeof input === 'string' ? input : input instanceof URL ? input.href : input && input.url;
    var method = String((init && init.method) || (input && typeof input === 'object' && input.method) || 'GET').toUpperCase();
    var p = url ? relPath(url) : null;
    if (p !== null && has(p)) return Promise.resolve(respond(p, method));
    var lazy = p !== null ? lazyEntry(p) : null;
    if (lazy) {
      if (method === 'HEAD') {
        return Promise.resolve(new Response(null, { status: 200, headers: { 'content-type': lazy.type, 'content-length': String(lazy.size) } }));
      }
      return loadLazy().then(function () { return respond(p, method); });
    }
    // Other files: a missing one inside the embedded model folder, and any file: URL (which a file://
    // page can never fetch), are a plain 404 — what the page expects of a file that is not there.
    var isFile = false;
    try { isFile = new URL(url, document.baseURI).protocol === 'file:'; } catch (e) { /* not a URL */ }
    if ((p !== null && inEmbeddedFolder(p)) || isFile) return Promise.resolve(new Response(null, { status: 404, statusText: 'Not Found' }));
    if (!realFetch) return Promise.reject(new TypeError('fetch is not available'));
    return realFetch(input, init);
  };

  var workerUrl = null;
  function workerBlobUrl() {
    if (!workerUrl) {
      workerUrl = URL.createObjectURL(new Blob([H.workerSource], { type: 'text/javascript' }));
    }
    return workerUrl;
  }
  var pageWorker = new URL('worker/worker.js', root).href;
  var RealWorker = window.Worker;
  if (RealWorker) {
    var HandoutWorker = function (url, opts) {
      var u = String(url);
      if (u === pageWorker) return new RealWorker(workerBlobUrl(), { name: (opts && opts.name) || 'embedscape' });
      return new RealWorker(url, opts);
    };
    HandoutWorker.prototype = RealWorker.prototype;
    window.Worker = HandoutWorker;
  }

  // Point the page at the embedded model unless the address names one.
  if (H.model && !/[?&]model=/.test(location.search)) {
    var q = (location.search ? location.search + '&' : '?') + 'model=' + encodeURIComponent(H.model);
    try { history.replaceState(history.state, '', q + location.hash); } catch (e) { H.replaceStateFailed = String(e); }
  }
})();
