// dom.js — the few DOM helpers the page needs. User text only ever enters the document as text
// nodes (textContent), never as HTML.

/** The element with this id (throws when the page lacks it: a bug, not a user mistake). */
export function $(id) {
  const e = document.getElementById(id);
  if (!e) throw new Error(`page element #${id} is missing`);
  return e;
}

/**
 * Creates an element. props: className, text (textContent), title, and any attribute (aria-*, data-*,
 * type, ...; never inline styles or event handlers). Children: nodes or strings (added as text).
 */
export function el(tag, props = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(props)) {
    if (v == null || v === false) continue;
    if (k === 'className') e.className = v;
    else if (k === 'text') e.textContent = v;
    else if (k === 'style' || k.startsWith('on')) throw new Error(`el(): ${k} is not allowed`);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c == null || c === false) continue;
    e.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return e;
}

/** Removes every child. */
export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
  return node;
}

/** A coloured dot for a cluster colour (the colour set through the CSSOM, allowed under CSP). */
export function swatch(color) {
  const s = el('span', { className: 'swatch', 'aria-hidden': 'true' });
  s.style.backgroundColor = color;
  return s;
}

export function fmtInt(n) {
  return Number(n).toLocaleString('en-US');
}

/** Seconds to "0.4 s", "12 s", "3 min 5 s". */
export function fmtDuration(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60), s = Math.round(seconds % 60);
  return `${m} min ${s} s`;
}

export function fmtBytes(n) {
  if (!Number.isFinite(n)) return 'unknown size';
  if (n < 1024) return `${n} bytes`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(0)} kB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/** Shortens a text for a menu entry, on one line. */
export function shorten(text, max = 90) {
  const t = String(text).replace(/\s+/g, ' ').trim();
  return t.length > max ? t.slice(0, max - 1) + '…' : t;
}

/** Saves a Blob as a file through a temporary link. */
export function download(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = el('a', { href: url, download: filename });
  a.hidden = true;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 30000);
}
