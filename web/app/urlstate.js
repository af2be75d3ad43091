// urlstate.js — the view in the page's address, so that a link (or a reload) brings it back: the
// input (an id of texts kept in this browser, cache.js), the UMAP and HDBSCAN settings, the colouring,
// the filters, the search, the selection (its regions on the map) and where the map is looked at.
// The address's #fragment holds it (it never reaches a server): #d=…&nn=15&md=0.1&mcs=5&ms=5&c=…
// &f=[…]&q=…&s=[…]&v=cx,cy,zoom. A reload finds the texts and their vectors in this browser and
// draws the same map without embedding anything.

import { $ } from './dom.js';
import { inputId, storeInput, loadInput } from './cache.js';

const round = (v) => Number(v.toPrecision(6));

/** The state in the address, parsed (unknown or broken parts are left out). */
export function readHash(hash = location.hash) {
  const p = new URLSearchParams(hash.replace(/^#/, ''));
  const num = (k) => (p.has(k) && Number.isFinite(Number(p.get(k))) ? Number(p.get(k)) : undefined);
  const json = (k) => { try { return p.has(k) ? JSON.parse(p.get(k)) : undefined; } catch { return undefined; } };
  const v = (p.get('v') ?? '').split(',').map(Number);
  const regions = json('s');
  return {
    id: p.get('d') ?? null,
    umap: { n_neighbors: num('nn'), min_dist: num('md') },
    hdbscan: { min_cluster_size: num('mcs'), min_samples: p.get('ms') === 'auto' ? 'auto' : num('ms') },
    color: p.get('c') ?? null,
    filters: Array.isArray(json('f')) ? json('f').filter((f) => f && typeof f.column === 'string' && (f.kind === 'values' ? Array.isArray(f.values) : f.kind === 'range' && Number.isFinite(f.min) && Number.isFinite(f.max))) : [],
    search: p.get('q') ?? '',
    regions: Array.isArray(regions) ? regions.filter((r) => Array.isArray(r) && Array.isArray(r[1]) && r[1].length >= 6).map(([add, flat]) => ({ additive: !!add, polygon: Array.from({ length: flat.length >> 1 }, (_, k) => [Number(flat[2 * k]), Number(flat[2 * k + 1])]) })) : [],
    view: v.length === 3 && v.every(Number.isFinite) ? { cx: v[0], cy: v[1], zoom: v[2] } : null,
  };
}

export function mount(app) {
  const state = app.state;
  let inputKey = null; // the id of what the map shows
  let restoring = null; // the address's state, until the map it describes is on screen
  let keyFor = null; // the texts inputKey was computed for

  function write() {
    if (restoring || !state.xy) return;
    const p = new URLSearchParams();
    if (inputKey) p.set('d', inputKey);
    const u = state.params.umap ?? {}, h = state.params.hdbscan ?? {};
    if (u.n_neighbors) p.set('nn', u.n_neighbors);
    if (u.min_dist !== undefined) p.set('md', u.min_dist);
    if (h.min_cluster_size) p.set('mcs', h.min_cluster_size);
    if (state.origin === 'embed') p.set('ms', $('min-samples-auto').checked ? 'auto' : String(h.min_samples ?? ''));
    if (app.colorBy && app.colorBy !== 'cluster') p.set('c', app.colorBy);
    if (app.filters?.length) p.set('f', JSON.stringify(app.filters));
    if (app.searchQuery) p.set('q', app.searchQuery);
    if (app.selection) p.set('s', JSON.stringify(app.selection.regions.map((r) => [r.additive ? 1 : 0, r.polygon.flat().map(round)])));
    const v = app.view.getView();
    if (!v.fitted) p.set('v', [v.cx, v.cy, v.zoom].map(round).join(','));
    const hash = `#${p.toString()}`;
    if (hash !== location.hash) history.replaceState(history.state, '', hash);
  }
  let timer = 0;
  const later = () => { clearTimeout(timer); timer = setTimeout(write, 250); };
  app.writeUrlState = write;

  /** Puts the address's colouring, filters, search, selection and view on the map on screen. */
  async function applyRest(r) {
    if (r.color) app.setColorBy(r.color);
    if (r.filters.length) app.setFilters(r.filters);
    if (r.search) await app.runSearch(r.search);
    if (r.regions.length) app.setSelectionRegions(r.regions);
    if (r.view) app.view.setView(r.view);
  }

  // the first map on screen after a restore gets the rest of the address; after that, every change
  // is written back
  const settled = async () => {
    if (restoring) {
      const r = restoring;
      restoring = null;
      await applyRest(r);
    }
    write();
  };
  app.on('ready', async () => {
    if (state.origin === 'embed' && !restoring && keyFor !== state.texts) {
      keyFor = state.texts;
      inputKey = await inputId(state.texts, JSON.stringify((state.columns ?? []).map((c) => c.name)));
      storeInput({ id: inputKey, kind: 'texts', texts: state.texts, columns: state.columns ?? [], source: state.source ?? null }).catch((e) => app.notKept('these texts', 'a reload of this page will not find them', e));
    }
    settled();
  });
  app.on('map-opened', async ({ bytes, name }) => {
    inputKey = null;
    if (bytes && bytes.length <= 32 << 20 && !restoring) {
      inputKey = `m${await inputId([String(bytes.length), name ?? ''], '')}${(await inputId([new TextDecoder().decode(bytes.subarray(0, 1 << 16))])).slice(0, 6)}`;
      storeInput({ id: inputKey, kind: 'map', bytes, name }).catch(() => {});
    }
    settled();
  });
  for (const ev of ['color-by', 'filters', 'search', 'selection']) app.on(ev, later);
  app.on('view-changed', later);

  // on load: the settings go to the controls at once; the input is looked up in this browser
  const r = readHash();
  if (r.umap.n_neighbors || r.umap.min_dist !== undefined) app.setUmapControls(r.umap);
  if (r.hdbscan.min_cluster_size) {
    const h = { ...r.hdbscan };
    if (h.min_samples === 'auto') h.min_samples = h.min_cluster_size;
    app.setHdbscanControls(h, 1e9);
    if (r.hdbscan.min_samples === 'auto' || r.hdbscan.min_samples === undefined) {
      $('min-samples-auto').checked = true;
      $('min-samples').disabled = true;
    }
  }
  if (r.id) {
    restoring = r;
    loadInput(r.id).then(async (input) => {
      if (!input) {
        restoring = null;
        app.status('This link belongs to texts that this browser does not have: open or paste them, and press “Embed and map”.');
        return;
      }
      inputKey = r.id;
      if (input.kind === 'map') { await app.openMap(input.bytes, input.name); return; }
      app.setTexts(input.texts, 'Restored from this browser', { columns: input.columns ?? [], name: input.source?.name ?? null });
      app.startEmbedding();
    }).catch(() => { restoring = null; });
  }
}
