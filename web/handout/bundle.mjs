// bundle.mjs — a tiny bundler for embedscape's own ES modules, for the offline handout: Chromium
// refuses ES modules on file:// pages, so the page's module graph becomes one classic script.
//
// It understands the import/export forms this code base uses, written at the start of a line:
//   import X from './a.js'; import { a, b as c } from './a.js'; import * as ns from './a.js';
//   import X, { a } from './a.js'; import './a.js';
//   export const|let|var|function|async function|class NAME ...; export default EXPR;
//   export { a, b as c }; export { a, b as c } from './a.js'; export * from './a.js';
//   import('./a.js') with a literal relative specifier (bundled; evaluated up front),
//   import('node:…') and other bare specifiers (Node-only branches: they reject in the bundle),
//   import.meta.url (the module's URL as if the page were served from the repository layout).
// Each module becomes an async function (so top-level await keeps working) that fills an exports
// object with getters; modules run once, dependencies first. A cycle in the static imports, or a form
// it does not understand, is a build error — never a silently wrong bundle.
//
//   const js = await bundle(['web/app/main.js'], { root, base: 'web/', replace: { 'web/engine/engine.mjs': shimText } });

import { readFile } from 'node:fs/promises';
import path from 'node:path';

const IDENT = '[A-Za-z_$][\\w$]*';

/** Parses `a, b as c, default as d` into [[imported, local], ...]. */
function specList(s, where) {
  return s.split(',').map((p) => p.trim()).filter(Boolean).map((p) => {
    const m = new RegExp(`^(${IDENT})(?:\\s+as\\s+(${IDENT}))?$`).exec(p);
    if (!m) throw new Error(`${where}: cannot bundle the import/export list item '${p}'`);
    return [m[1], m[2] ?? m[1]];
  });
}

/**
 * Transforms one module's source. Returns {code, deps: [specifier], dynamicDeps: [specifier]}.
 * `resolveId(spec)` maps a specifier to a module id or null (external); it is called for every
 * import so that the generated code can refer to ids.
 */
export function transformModule(src, id, resolveId) {
  const deps = [], dynamicDeps = [];
  const head = []; // export getters, defined before the body runs
  let n = 0;
  const req = (spec) => {
    const rid = resolveId(spec);
    if (rid === null) throw new Error(`${id}: cannot bundle a static import of '${spec}' (only relative imports of our own modules)`);
    deps.push(spec);
    return `__req(${JSON.stringify(rid)})`;
  };
  const getter = (name, expr) => head.push(`__def(__exp, ${JSON.stringify(name)}, () => ${expr});`);

  let code = src;
  // static imports (possibly spanning lines)
  code = code.replace(/^import\s+([^'";]*?)\s+from\s+(['"])([^'"]+)\2\s*;?/gm, (all, clause, q, spec) => {
    const r = req(spec);
    const out = [];
    let rest = clause.trim();
    const ns = new RegExp(`^(?:(${IDENT})\\s*,\\s*)?\\*\\s+as\\s+(${IDENT})$`).exec(rest);
    if (ns) {
      if (ns[1]) out.push(`const ${ns[1]} = ${r}.default;`);
      out.push(`const ${ns[2]} = ${r};`);
      return out.join(' ');
    }
    const def = new RegExp(`^(${IDENT})\\s*(?:,|$)`).exec(rest);
    if (def) {
      out.push(`const ${def[1]} = ${r}.default;`);
      rest = rest.slice(def[0].length).trim();
    }
    if (rest) {
      const m = /^\{([\s\S]*)\}$/.exec(rest);
      if (!m) throw new Error(`${id}: cannot bundle the import clause '${clause}'`);
      const v = `__m${n++}`;
      out.push(`const ${v} = ${r};`);
      for (const [imp, local] of specList(m[1], id)) out.push(`const ${local} = ${v}.${imp};`);
    }
    return out.join(' ');
  });
  code = code.replace(/^import\s+(['"])([^'"]+)\1\s*;?/gm, (all, q, spec) => `${req(spec)};`);
  if (/^import\s/m.test(code)) throw new Error(`${id}: an import statement the bundler does not understand: ${/^import\s.*$/m.exec(code)[0]}`);

  // re-exports
  code = code.replace(/^export\s+\*\s+as\s+([A-Za-z_$][\w$]*)\s+from\s+(['"])([^'"]+)\2\s*;?/gm, (all, name, q, spec) => {
    const r = req(spec);
    getter(name, r);
    return '';
  });
  code = code.replace(/^export\s+\*\s+from\s+(['"])([^'"]+)\1\s*;?/gm, (all, q, spec) => {
    head.push(`__star(__exp, ${req(spec)});`);
    return '';
  });
  code = code.replace(/^export\s*\{([^}]*)\}\s*from\s*(['"])([^'"]+)\2\s*;?/gm, (all, list, q, spec) => {
    const r = req(spec);
    for (const [imp, exp] of specList(list, id)) getter(exp, `${r}.${imp}`);
    return '';
  });
  code = code.replace(/^export\s*\{([^}]*)\}\s*;?/gm, (all, list) => {
    for (const [local, exp] of specList(list, id)) getter(exp, local);
    return '';
  });
  // declarations
  code = code.replace(new RegExp(`^export\\s+((?:async\\s+)?function\\*?|class|const|let|var)\\s+(${IDENT})`, 'gm'), (all, kind, name) => {
    getter(name, name);
    return `${kind} ${name}`;
  });
  code = code.replace(new RegExp(`^export\\s+default\\s+((?:async\\s+)?function\\*?|class)\\s+(${IDENT})`, 'gm'), (all, kind, name) => {
    getter('default', name);
    return `${kind} ${name}`;
  });
  code = code.replace(/^export\s+default\s+/gm, () => {
    getter('default', '__default');
    return 'const __default = ';
  });
  if (/^export\s/m.test(code)) throw new Error(`${id}: an export statement the bundler does not understand: ${/^export\s.*$/m.exec(code)[0]}`);

  // dynamic imports with a literal specifier
  code = code.replace(/\bimport\s*\(\s*(['"])([^'"]+)\1\s*\)/g, (all, q, spec) => {
    const rid = resolveId(spec);
    if (rid === null) return `Promise.reject(new Error(${JSON.stringify(`'${spec}' is not available in this bundle`)}))`;
    dynamicDeps.push(spec);
    return `Promise.resolve(__req(${JSON.stringify(rid)}))`;
  });
  if (/\bimport\s*\(/.test(code.replace(/\/\/.*$/gm, ''))) {
    const line = code.split('\n').find((l) => /\bimport\s*\(/.test(l.replace(/\/\/.*$/, '')));
    throw new Error(`${id}: a dynamic import without a literal specifier cannot be bundled: ${line.trim()}`);
  }
  code = code.replace(/\bimport\.meta\.url\b/g, '__meta_url');
  if (/\bimport\.meta\b/.test(code)) throw new Error(`${id}: import.meta other than import.meta.url cannot be bundled`);
  return { code: head.join('\n') + '\n' + code, deps, dynamicDeps };
}

const PRELUDE = `
const __mods = Object.create(null);
function __req(id) {
  const m = __mods[id];
  if (!m) throw new Error('embedscape bundle: module ' + id + ' is not loaded yet');
  return m;
}
function __def(o, k, get) { Object.defineProperty(o, k, { get, enumerable: true, configurable: true }); }
function __star(dst, src) {
  for (const k of Object.keys(src)) if (k !== 'default' && !Object.prototype.hasOwnProperty.call(dst, k)) __def(dst, k, () => src[k]);
}
function __url(p) {
  const base = (typeof __bundleBase === 'string' && __bundleBase) || (typeof document !== 'undefined' && document.baseURI) || (typeof location !== 'undefined' && location.href) || 'file:///';
  return new URL(p, base).href;
}
`;

/**
 * Bundles entry modules (paths relative to `root`) and everything they import into one classic
 * script. Options:
 *   root      the repository folder; module ids are paths relative to it ('web/lib/pool.js')
 *   base      the folder the page lives in ('web/'): import.meta.url of a module becomes its path
 *             relative to it, resolved against the page (or `__bundleBase` when a worker defines it)
 *   replace   {id: source}: modules whose source is given instead of read (e.g. the engine shim)
 *   exportAs  a global name that receives the entry modules' exports ({id: exports}), optional
 *   onReady   code run after every module has loaded (e.g. to start the app), optional
 * Returns {code, modules: [ids in evaluation order]}.
 */
export async function bundle(entries, { root, base = '', replace = {}, exportAs = null } = {}) {
  const mods = new Map(); // id -> {code, deps: [ids]}
  const order = [];
  const visiting = new Set();

  const toId = (from, spec) => {
    if (!/^\.{1,2}\//.test(spec)) return null;
    return path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
  };

  async function visit(id, chain) {
    if (mods.has(id)) return;
    if (visiting.has(id)) throw new Error(`import cycle: ${[...chain, id].join(' -> ')} (the bundle would see half-initialised modules)`);
    visiting.add(id);
    let src = replace[id];
    if (src === undefined) {
      try { src = await readFile(path.join(root, id), 'utf8'); } catch (e) {
        throw new Error(`${chain.at(-1) ?? 'entry'} imports ${id}, which cannot be read (${e.code ?? e.message})`);
      }
    }
    const t = transformModule(src, id, (spec) => toId(id, spec));
    for (const spec of t.deps) await visit(toId(id, spec), [...chain, id]);
    visiting.delete(id);
    mods.set(id, { code: t.code });
    order.push(id);
    // modules imported with import(): loaded up front too, after this one (they may import it back)
    for (const spec of t.dynamicDeps) later.push(toId(id, spec));
  }
  const later = [];
  for (const e of entries) await visit(path.posix.normalize(e), []);
  while (later.length) await visit(later.shift(), []);

  const rel = (id) => (id.startsWith(base) ? id.slice(base.length) : path.posix.relative(base.replace(/\/$/, '') || '.', id));
  const parts = ['(function () {', "'use strict';", PRELUDE];
  for (const id of order) {
    parts.push(`// ---- ${id}`);
    parts.push(`async function __module_${order.indexOf(id)}(__exp) {\nconst __meta_url = __url(${JSON.stringify(rel(id))});\n${mods.get(id).code}\n}`);
  }
  const list = order.map((id, i) => `[${JSON.stringify(id)}, __module_${i}]`).join(',\n  ');
  parts.push(`const __order = [\n  ${list}\n];`);
  parts.push(`const __loaded = (async () => {
  for (const [id, fn] of __order) { const e = {}; await fn(e); __mods[id] = e; }
  return __mods;
})();`);
  if (exportAs) {
    parts.push(`(typeof globalThis !== 'undefined' ? globalThis : self)[${JSON.stringify(exportAs)}] = __loaded;`);
  }
  parts.push(`__loaded.catch((e) => { console.error('embedscape: ' + (e && e.stack || e)); (typeof globalThis !== 'undefined' ? globalThis : self).__embedscapeBundleError = e; });`);
  parts.push('})();');
  return { code: parts.join('\n'), modules: order };
}
