// types.test.mjs — the shipped TypeScript declarations (web/embedscape.d.ts,
// web/component/embedscape-map.d.ts) match the modules and type-check real code:
//  1. the names each module exports at run time = the value names its .d.ts declares (a new export
//     without a declaration, or a declaration of something that is not exported, fails); the same for
//     the public methods of <embedscape-map>;
//  2. tests/types/usage.ts (a realistic use of the API and the element) compiles with zero
//     diagnostics under strict settings, and the .d.ts files themselves have none;
//  3. tests/types/misuse.ts: every `// @ts-expect-error` line is an error (so the types are not `any`);
//  4. tests/types/node-usage.ts compiles for Node without the DOM library (lib es2022 + @types/node);
//  5. the option interfaces name the options the functions accept, and the defaults their comments
//     give are the defaults the code uses (UMAP_DEFAULTS, HDBSCAN_DEFAULTS: web/lib/options.js);
//  6. the objects the functions really return and the progress payloads they really report (a tiny
//     random-weight BERT, UMAP, HDBSCAN, keywords, a session, map file in one worker) have exactly the
//     properties the declared interfaces name: none undeclared (`_private` fields aside), none required
//     missing.

import test from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import ts from 'typescript';
import { ROOT } from './helpers.mjs';
import { writeRandomBert } from './lib/random-bert.mjs';

const API_DTS = path.join(ROOT, 'web', 'embedscape.d.ts');
const COMPONENT_DTS = path.join(ROOT, 'web', 'component', 'embedscape-map.d.ts');

/** Names of the runtime values a .d.ts exports (types and interfaces left out). */
function declaredValues(file) {
  const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
  const names = new Set();
  // A .d.ts module exports every top-level declaration unless it has an `export {}` statement.
  const explicit = sf.statements.some((st) => ts.isExportDeclaration(st) && !st.moduleSpecifier
    && st.exportClause && ts.isNamedExports(st.exportClause) && st.exportClause.elements.length === 0);
  const exported = (node) => !explicit || (ts.getCombinedModifierFlags(node) & ts.ModifierFlags.Export) !== 0;
  for (const st of sf.statements) {
    if (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) {
      if (exported(st) && st.name) names.add(st.name.text);
    } else if (ts.isVariableStatement(st)) {
      if (exported(st)) for (const d of st.declarationList.declarations) names.add(d.name.getText(sf));
    } else if (ts.isModuleDeclaration(st) && exported(st) && ts.isIdentifier(st.name)
      && !(st.flags & ts.NodeFlags.GlobalAugmentation)) {
      names.add(st.name.text); // a namespace (exports a value when it holds one)
    } else if (ts.isExportDeclaration(st) && !st.isTypeOnly) {
      if (st.moduleSpecifier) throw new Error(`${path.basename(file)}: re-exports from other files are not followed by this test`);
      if (st.exportClause && ts.isNamedExports(st.exportClause)) {
        for (const el of st.exportClause.elements) if (!el.isTypeOnly) names.add(el.name.text);
      }
    } else if (ts.isExportAssignment(st)) {
      names.add('default');
    }
  }
  return names;
}

function compareNames(runtime, declared, what) {
  const missing = [...runtime].filter((n) => !declared.has(n)).sort();
  const extra = [...declared].filter((n) => !runtime.has(n)).sort();
  assert.deepEqual(
    { exportedButNotDeclared: missing, declaredButNotExported: extra },
    { exportedButNotDeclared: [], declaredButNotExported: [] },
    `${what}: the .d.ts and the module disagree`,
  );
}

test('web/embedscape.d.ts declares exactly the exports of web/embedscape.js', async () => {
  const mod = await import(pathToFileURL(path.join(ROOT, 'web', 'embedscape.js')).href);
  compareNames(new Set(Object.keys(mod)), declaredValues(API_DTS), 'embedscape.js');
  // the Node entry exports the same names
  const node = await import(pathToFileURL(path.join(ROOT, 'web', 'embedscape.node.js')).href);
  compareNames(new Set(Object.keys(node)), declaredValues(API_DTS), 'embedscape.node.js');
});

test('web/component/embedscape-map.d.ts declares exactly the exports, methods and readMap result of the component', async () => {
  // The module defines a class extending HTMLElement: give Node a stand-in (customElements stays
  // undefined, so nothing is registered).
  const had = 'HTMLElement' in globalThis;
  if (!had) globalThis.HTMLElement = class HTMLElement {};
  try {
    const mod = await import(pathToFileURL(path.join(ROOT, 'web', 'component', 'embedscape-map.js')).href);
    compareNames(new Set(Object.keys(mod)), declaredValues(COMPONENT_DTS), 'embedscape-map.js');

    // public methods (not _private) of the element = the methods its class declaration names, and its
    // attribute properties (accessors on the prototype) = the properties it declares writable
    const proto = mod.EmbedscapeMap.prototype;
    const own = Object.getOwnPropertyNames(proto).filter((k) => k !== 'constructor' && !k.startsWith('_'));
    const runtime = new Set(own.filter((k) => typeof Object.getOwnPropertyDescriptor(proto, k).value === 'function'));
    const accessors = new Set(own.filter((k) => Object.getOwnPropertyDescriptor(proto, k).set));
    const text = readFileSync(COMPONENT_DTS, 'utf8');
    const sf = ts.createSourceFile(COMPONENT_DTS, text, ts.ScriptTarget.ES2022, true);
    const cls = sf.statements.find((st) => ts.isClassDeclaration(st) && st.name?.text === 'EmbedscapeMap');
    const instance = (m) => !(ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Static);
    const declared = new Set(cls.members.filter((m) => ts.isMethodDeclaration(m) && instance(m))
      .map((m) => m.name.getText(sf)).filter((k) => k !== 'addEventListener' && k !== 'removeEventListener'));
    compareNames(runtime, declared, 'EmbedscapeMap methods');
    const writable = new Set(cls.members.filter((m) => ts.isPropertyDeclaration(m) && instance(m) && !(ts.getCombinedModifierFlags(m) & ts.ModifierFlags.Readonly))
      .map((m) => m.name.getText(sf)));
    compareNames(accessors, writable, 'EmbedscapeMap attribute properties');
    for (const a of accessors) assert.ok(mod.EmbedscapeMap.observedAttributes.includes(a) || a === 'loading', `${a} is an observed attribute`);

    // readMap's result has the properties of MapData
    const { createMapFile } = await import(pathToFileURL(path.join(ROOT, 'web', 'embedscape.js')).href);
    const map = createMapFile({
      texts: ['rain today', 'more rain', 'sunny', 'odd one'],
      xy: { data: new Float32Array([0, 0, 0, 1, 5, 5, 9, 0]), n: 4, dim: 2 },
      labels: [0, 0, 1, -1],
      clusters: [{ label: 0, size: 2, keywords: [{ word: 'rain', score: 0.5 }] }],
      model: 'test',
    });
    conforms(mod.readMap(map), declaredShapes(COMPONENT_DTS).of('MapData'), 'readMap result');
  } finally {
    if (!had) delete globalThis.HTMLElement;
  }
});

const STRICT = {
  noEmit: true,
  strict: true,
  module: ts.ModuleKind.ESNext,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts', 'lib.dom.iterable.d.ts'],
  types: [],
  noUnusedLocals: false,
  allowJs: false,
  exactOptionalPropertyTypes: false,
};

function format(diags) {
  return diags.map((d) => {
    const msg = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file) return msg;
    const { line, character } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    return `${path.relative(ROOT, d.file.fileName)}:${line + 1}:${character + 1} TS${d.code}: ${msg}`;
  }).join('\n');
}

// One program for both files (the declarations are parsed and bound once).
let program = null;
function getProgram() {
  program ??= ts.createProgram({
    rootNames: [path.join(ROOT, 'tests', 'types', 'usage.ts'), path.join(ROOT, 'tests', 'types', 'misuse.ts')],
    options: { ...STRICT, skipLibCheck: false, skipDefaultLibCheck: true },
  });
  return program;
}

function diagnosticsOf(file) {
  const p = getProgram();
  const sf = p.getSourceFile(file);
  assert.ok(sf, `${path.relative(ROOT, file)} is part of the program`);
  return [...p.getSyntacticDiagnostics(sf), ...p.getSemanticDiagnostics(sf)];
}

test('the declarations type-check usage.ts under strict settings with zero diagnostics', () => {
  const p = getProgram();
  assert.equal(format(p.getOptionsDiagnostics()), '');
  assert.equal(format(p.getGlobalDiagnostics()), '');
  for (const f of [API_DTS, COMPONENT_DTS]) {
    assert.ok(p.getSourceFile(f), `${path.relative(ROOT, f)} is what the imports resolve to`);
    assert.equal(format(diagnosticsOf(f)), '', `${path.relative(ROOT, f)} has errors of its own`);
  }
  assert.equal(format(diagnosticsOf(path.join(ROOT, 'tests', 'types', 'usage.ts'))), '');
});

test('misuse.ts: every @ts-expect-error marks a real type error', () => {
  const file = path.join(ROOT, 'tests', 'types', 'misuse.ts');
  const diags = diagnosticsOf(file);
  // An unused @ts-expect-error is itself reported (TS2578): the line it marks was accepted.
  assert.equal(format(diags), '');
  const expected = readFileSync(file, 'utf8').split('\n').filter((l) => l.includes('// @ts-expect-error')).length;
  assert.ok(expected >= 10, `misuse.ts has ${expected} deliberate errors`);
});

test('node-usage.ts: the API type-checks in a Node program without the DOM library', (t) => {
  try {
    createRequire(import.meta.url).resolve('@types/node/package.json');
  } catch {
    const why = '@types/node is not installed (it comes with the devDependencies)';
    if (process.env.CI) throw new Error(why);
    t.skip(why);
    return;
  }
  const file = path.join(ROOT, 'tests', 'types', 'node-usage.ts');
  const p = ts.createProgram({
    rootNames: [file],
    options: { ...STRICT, lib: ['lib.es2022.d.ts'], types: ['node'], skipLibCheck: false, skipDefaultLibCheck: true },
  });
  assert.ok(!p.getSourceFiles().some((f) => /lib\.dom\.d\.ts$/.test(f.fileName)), 'no DOM types in this program');
  for (const f of [file, API_DTS]) {
    const sf = p.getSourceFile(f);
    assert.ok(sf, `${path.relative(ROOT, f)} is part of the program`);
    assert.equal(format([...p.getSyntacticDiagnostics(sf), ...p.getSemanticDiagnostics(sf)]), '');
  }
});

/** Members of an exported interface: name -> the literal of "(default X)" in its comment (or undefined). */
function interfaceDefaults(file, name) {
  const text = readFileSync(file, 'utf8');
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.ES2022, true);
  const decl = sf.statements.find((st) => ts.isInterfaceDeclaration(st) && st.name.text === name);
  assert.ok(decl, `${name} is declared`);
  const out = new Map();
  for (const m of decl.members) {
    const key = m.name.getText(sf);
    const comments = (ts.getLeadingCommentRanges(text, m.getFullStart()) ?? []).map((r) => text.slice(r.pos, r.end)).join(' ');
    const lit = /\(default ([^)]*)\)/.exec(comments)?.[1]?.trim();
    let value;
    if (lit !== undefined) {
      if (/^-?\d+(\.\d+)?$/.test(lit)) value = Number(lit);
      else if (/^'[^']*'$/.test(lit)) value = lit.slice(1, -1);
      else if (lit === 'true' || lit === 'false') value = lit === 'true';
      else if (/^0 = /.test(lit)) value = 0;
    }
    out.set(key, value);
  }
  return out;
}

test('UmapOptions: the options umap() accepts, with the defaults of UMAP_DEFAULTS', async () => {
  const api = await import(pathToFileURL(path.join(ROOT, 'web', 'embedscape.js')).href);
  const declared = interfaceDefaults(API_DTS, 'UmapOptions');
  for (const k of Object.keys(api.UMAP_DEFAULTS)) assert.ok(declared.has(k), `UmapOptions lacks '${k}' (a key of UMAP_DEFAULTS)`);
  for (const [k, v] of declared) {
    if (v !== undefined && k in api.UMAP_DEFAULTS) assert.equal(api.UMAP_DEFAULTS[k], v, `UmapOptions.${k}: the comment says default ${v}`);
  }
  // every declared option is one umap() knows (a wrong value is rejected as a value, not as an unknown
  // option), and an undeclared one is rejected — both before any worker starts
  const m = { data: new Float32Array(6), n: 3, dim: 2 };
  for (const k of declared.keys()) {
    await assert.rejects(api.umap(m, { [k]: { not: 'valid' } }), (e) => {
      assert.equal(e.name, 'EmbedscapeError');
      assert.doesNotMatch(e.message, /unknown option/, `umap() does not know the declared option '${k}'`);
      return true;
    });
  }
  await assert.rejects(api.umap(m, { nNeigbors: 5 }), /umap: unknown option 'nNeigbors'/);
  await assert.rejects(api.umap(m, { n_neighbors: 5 }), /unknown option 'n_neighbors' \(did you mean 'nNeighbors'\?\)/);
});

test('HdbscanOptions: the options hdbscan() takes, with the defaults of HDBSCAN_DEFAULTS', async () => {
  const api = await import(pathToFileURL(path.join(ROOT, 'web', 'embedscape.js')).href);
  const declared = interfaceDefaults(API_DTS, 'HdbscanOptions');
  const normalized = { ...api.HDBSCAN_DEFAULTS, minSamples: api.HDBSCAN_DEFAULTS.minClusterSize };
  assert.deepEqual([...declared.keys()].sort(), Object.keys(normalized).sort());
  for (const [k, v] of declared) {
    if (v !== undefined) assert.equal(normalized[k], v, `HdbscanOptions.${k}: the comment says default ${v}`);
  }
  assert.equal(normalized.minSamples, normalized.minClusterSize, 'minSamples defaults to minClusterSize');
});

/** Property names of exported types of the .d.ts, through the type checker (extends, Omit, generics). */
function declaredShapes(file = API_DTS) {
  const p = ts.createProgram({ rootNames: [file], options: { ...STRICT, skipLibCheck: true } });
  const checker = p.getTypeChecker();
  const mod = checker.getSymbolAtLocation(p.getSourceFile(file));
  const exports = new Map(checker.getExportsOfModule(mod).map((sym) => [sym.name, sym]));
  const props = (type) => {
    const all = new Set(), required = new Set();
    for (const prop of checker.getPropertiesOfType(type)) {
      all.add(prop.name);
      if (!(prop.flags & ts.SymbolFlags.Optional)) required.add(prop.name);
    }
    return { all, required };
  };
  const typeOf = (name) => {
    const sym = exports.get(name);
    assert.ok(sym, `${name} is exported by the .d.ts`);
    return checker.getDeclaredTypeOfSymbol(sym);
  };
  return {
    /** {all, required} of an exported interface or type alias */
    of: (name) => props(typeOf(name)),
    /** {all, required} of the variant of a union whose `key` property is the literal `value` */
    variant: (name, key, value) => {
      const t = typeOf(name);
      assert.ok(t.isUnion(), `${name} is a union`);
      const v = t.types.find((u) => {
        const k = u.getProperty(key);
        return k && checker.getTypeOfSymbol(k).value === value;
      });
      assert.ok(v, `${name} has a variant with ${key} = ${JSON.stringify(value)}`);
      return props(v);
    },
  };
}

function conforms(obj, shape, what) {
  assert.ok(obj && typeof obj === 'object', `${what} is an object`);
  const keys = new Set(Object.keys(obj).filter((k) => !k.startsWith('_')));
  const undeclared = [...keys].filter((k) => !shape.all.has(k)).sort();
  const missing = [...shape.required].filter((k) => !(k in obj)).sort(); // methods of a class live on its prototype
  assert.deepEqual({ undeclared, missing }, { undeclared: [], missing: [] }, `${what}: runtime object vs declaration`);
}

test('the objects and progress payloads the API really produces have the declared shapes', async (t) => {
  const api = await import(pathToFileURL(path.join(ROOT, 'web', 'embedscape.node.js')).href);
  const d = declaredShapes();
  const tmp = mkdtempSync(path.join(tmpdir(), 'embedscape-types-'));
  const pool = new api.WorkerPool({ size: 1 });
  t.after(() => { pool.dispose(); rmSync(tmp, { recursive: true, force: true }); });
  const { dir } = writeRandomBert(path.join(tmp, 'bert'), {
    layers: 1, hidden: 16, heads: 2, intermediate: 24, maxPositions: 32, tokenizer: 'generated', pooling: 'mean', normalize: true,
  });

  // model: load progress (every status), config, Model, embed progress and result
  const loadEvents = [];
  const model = await api.loadModel(dir, { pool, onProgress: (p) => loadEvents.push(p) });
  for (const status of ['download', 'load', 'ready']) {
    const events = loadEvents.filter((e) => e.status === status);
    assert.ok(events.length > 0, `loadModel reported '${status}'`);
    for (const e of events) conforms(e, d.variant('LoadProgress', 'status', status), `LoadProgress '${status}'`);
  }
  conforms(model, d.of('Model'), 'Model');
  conforms(model.config, d.of('BertConfig'), 'BertConfig');
  conforms((await pool.stats())[0], d.of('WorkerInfo'), 'WorkerInfo');
  const texts = [];
  for (let i = 0; i < 40; i++) texts.push(`${['rain', 'sun', 'snow', 'wind'][i % 4]} ${i} ${'abc'.repeat(1 + (i % 3))}`);
  const embedEvents = [];
  const vectors = await model.embed(texts, { onProgress: (p) => embedEvents.push(p) });
  assert.ok(embedEvents.length > 0, 'embed reported progress');
  for (const e of embedEvents) conforms(e, d.of('EmbedProgress'), 'EmbedProgress');
  conforms(vectors, d.of('ResultMatrix'), 'Model.embed result');
  assert.ok(vectors.data instanceof Float32Array && vectors.data.buffer instanceof ArrayBuffer);
  conforms(await model.embed('one text'), d.of('ResultMatrix'), 'Model.embed of one string');

  // similarity
  const [nb] = await api.topK(vectors, 0, 1, { pool });
  conforms(nb, d.of('Neighbor'), 'topK entry');

  // UMAP: epochs (with and without a snapshot) and the layout
  const epochs = [];
  const knnEvents = [];
  const xy = await api.umap(vectors, { nNeighbors: 5, nEpochs: 30, pool, onProgress: (e) => (e.status === 'knn' ? knnEvents : epochs).push(e) });
  assert.equal(epochs.length, 30);
  assert.ok(knnEvents.length >= 2, 'the shared kNN search reports its parts');
  for (const e of knnEvents) conforms(e, d.of('KnnProgress'), 'KnnProgress');
  for (const e of epochs) conforms(e, d.of('UmapProgress'), 'UmapProgress');
  assert.ok(epochs.at(-1).embedding, 'the last epoch carries the layout');
  conforms(epochs.at(-1).embedding, d.of('ResultMatrix'), 'UmapProgress.embedding');
  conforms(xy, d.of('ResultMatrix'), 'umap result');

  // HDBSCAN: one-shot with the condensed tree, and a clusterer
  const h = await api.hdbscan(xy, { minClusterSize: 4, condensedTree: true, pool });
  conforms(h, d.of('HdbscanResult'), 'HdbscanResult');
  conforms(h.condensedTree, d.of('CondensedTree'), 'CondensedTree');
  const clusterer = await api.createClusterer(xy, { minSamples: 3, pool });
  conforms(clusterer, d.of('Clusterer'), 'Clusterer');
  conforms(await clusterer.cluster({ minClusterSize: 5 }), d.of('HdbscanResult'), 'Clusterer.cluster result');
  await clusterer.dispose();

  // keywords and the map file
  const clusters = api.clusterKeywords(texts, h.labels, { topN: 3 });
  assert.ok(clusters.length > 0);
  conforms(clusters[0], d.of('ClusterKeywords'), 'clusterKeywords entry');
  if (clusters[0].keywords.length) conforms(clusters[0].keywords[0], d.of('Keyword'), 'Keyword');
  const map = api.createMapFile({ texts, xy, labels: h.labels, probabilities: h.probabilities, outlierScores: h.outlierScores, clusters, model: model.name, vectors });
  conforms(map, d.of('MapFile'), 'MapFile');
  conforms(map.vectors, d.of('MapVectors'), 'MapVectors');
  const parsed = api.parseMapFile(JSON.stringify(map));
  conforms(parsed, d.of('ParsedMapFile'), 'ParsedMapFile');
  conforms(parsed.vectorsMatrix, d.of('ResultMatrix'), 'ParsedMapFile.vectorsMatrix');

  // a session: its progress payloads and its result
  const session = await api.createSession({ model });
  conforms(session, d.of('Session'), 'Session');
  session.setTexts(texts);
  session.setOptions({ umap: { nNeighbors: 5, nEpochs: 20 }, hdbscan: { minClusterSize: 4 } });
  const seen = new Map();
  const result = await session.run({ onProgress: (p) => { if (!seen.has(p.status)) seen.set(p.status, p); } });
  conforms(result, d.of('SessionResult'), 'SessionResult');
  conforms(result.layoutInfo, d.of('UmapInfo'), 'UmapInfo');
  conforms(seen.get('embed'), d.of('EmbedProgress'), 'session progress: embed');
  conforms(seen.get('layout'), d.of('UmapProgress'), 'session progress: layout');
  conforms(seen.get('stage'), d.variant('SessionProgress', 'status', 'stage'), 'session progress: stage');
  conforms((await session.similar(0, 2))[0], d.of('Neighbor'), 'Session.similar entry');
  const graph = await session.graph();
  conforms(graph, d.of('NeighbourGraph'), 'Session.graph result');
  const stats = await session.distanceStats({ bins: 8 });
  conforms(stats, d.of('DistanceStats'), 'Session.distanceStats result');
  conforms(stats.cosine, d.of('Histogram'), 'Histogram');
  conforms(await session.labelsIn('layout'), { all: new Set(['labels', 'nClusters', 'space']), required: new Set(['labels', 'nClusters', 'space']) }, 'Session.labelsIn result');
  await session.dispose();
  await model.dispose();

  // tokenizer and folder
  const tok = await api.loadTokenizer(dir, { pool });
  conforms(tok, d.of('Tokenizer'), 'Tokenizer');
  conforms(await tok.encodeBatch(texts.slice(0, 2)), { all: new Set(['ids', 'lengths']), required: new Set(['ids', 'lengths']) }, 'encodeBatch');
  await tok.dispose();
  conforms(api.openFolder(dir), d.of('Folder'), 'Folder');
  conforms(api.openFolder({ files: { 'config.json': new Uint8Array(2) } }), d.of('Folder'), 'Folder (in memory)');
});
