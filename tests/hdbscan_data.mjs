// Shared by the HDBSCAN tests: a seeded PRNG and point generators (no tests here).

/** Deterministic PRNG (mulberry32) and a normal sampler. */
export function rng(seed) {
  let s = seed >>> 0;
  const next = () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const normal = () => Math.sqrt(-2 * Math.log(1 - next())) * Math.cos(2 * Math.PI * next());
  return { next, normal };
}

/** k Gaussian blobs of different spreads plus uniform noise, in dim dimensions. */
export function blobs(seed, n, dim, k = 4, noiseFrac = 0.1) {
  const r = rng(seed);
  const data = new Float32Array(n * dim);
  const centers = Array.from({ length: k }, () => Array.from({ length: dim }, () => r.next() * 20 - 10));
  for (let i = 0; i < n; i++) {
    const noise = r.next() < noiseFrac;
    const c = centers[i % k], sd = 0.3 + (i % k) * 0.4;
    for (let j = 0; j < dim; j++) data[i * dim + j] = noise ? r.next() * 30 - 15 : c[j] + sd * r.normal();
  }
  return { data, n, dim };
}
