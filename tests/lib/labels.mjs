// labels.mjs — comparing two clusterings of the same points, for the tests.

/** Adjusted Rand index of two labelings (noise -1 is a label like any other). */
export function adjustedRand(a, b) {
  const n = a.length;
  const ia = new Map(), ib = new Map();
  const ka = Int32Array.from(a, (v) => { if (!ia.has(v)) ia.set(v, ia.size); return ia.get(v); });
  const kb = Int32Array.from(b, (v) => { if (!ib.has(v)) ib.set(v, ib.size); return ib.get(v); });
  const table = new Map();
  for (let i = 0; i < n; i++) { const key = ka[i] * ib.size + kb[i]; table.set(key, (table.get(key) ?? 0) + 1); }
  const c2 = (x) => (x * (x - 1)) / 2;
  let sij = 0;
  for (const v of table.values()) sij += c2(v);
  const ra = new Array(ia.size).fill(0), rb = new Array(ib.size).fill(0);
  for (let i = 0; i < n; i++) { ra[ka[i]]++; rb[kb[i]]++; }
  const sa = ra.reduce((s, v) => s + c2(v), 0), sb = rb.reduce((s, v) => s + c2(v), 0);
  const expected = (sa * sb) / c2(n), max = (sa + sb) / 2;
  return max === expected ? 1 : (sij - expected) / (max - expected);
}
