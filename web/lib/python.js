// python.js — a short Python script that rebuilds a map with the libraries embedscape follows:
// sentence-transformers (the vectors), umap-learn (the layout) and hdbscan (the clusters), with the
// map's parameters and seed. The page's "Python script" export and `embedscape map --python F` write
// it; it reads the texts from the map JSON (or a .txt), optionally the vectors from a .npy, writes a
// CSV and compares its clusters with the map's. No imports: safe anywhere.
//
// What it will and will not reproduce: the vectors are sentence-transformers' own (embedscape's equal
// them to ~1e-7); the clusters are the hdbscan library's for the layout it gets (embedscape's HDBSCAN
// equals the library's on the same points); the layout is umap-learn's, which draws other random
// numbers than embedscape's UMAP, so it is another picture of the same neighbourhoods, and the
// clusters agree as far as the two layouts do (the script prints the adjusted Rand index).
//
//   const script = pythonScript(map, { mapFile: 'topics.map.json' });

// (built from strings: a line starting with "import" would read as JavaScript to the handout's bundler)
const PY_IMPORTS = ['import argparse', 'import csv', 'import json', '', 'import numpy as np'].join('\n');
const localImport = (name) => `    import ${name}`; // imported where used: reading the parameters needs neither

/** A JSON value as a Python literal (strings, numbers, booleans, null, lists and dicts). */
function py(v) {
  if (v === null || v === undefined) return 'None';
  if (v === true) return 'True';
  if (v === false) return 'False';
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw new Error(`pythonScript: ${v} has no Python literal here`);
    return String(v);
  }
  if (typeof v === 'string') return JSON.stringify(v); // JSON's escapes are Python's (\uXXXX, \n, \")
  if (Array.isArray(v)) return `[${v.map(py).join(', ')}]`;
  return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}: ${py(x)}`).join(', ')}}`;
}

// embedscape's UMAP and HDBSCAN options under the libraries' names (the map's params use these names,
// and `seed` for umap-learn's random_state); anything else in params is left out
const UMAP_KEYS = ['n_neighbors', 'min_dist', 'spread', 'metric', 'n_epochs', 'init', 'learning_rate',
  'negative_sample_rate', 'local_connectivity', 'set_op_mix_ratio', 'repulsion_strength', 'a', 'b'];
const HDBSCAN_KEYS = { min_cluster_size: 'min_cluster_size', min_samples: 'min_samples', method: 'cluster_selection_method',
  allow_single_cluster: 'allow_single_cluster', cluster_selection_epsilon: 'cluster_selection_epsilon', max_cluster_size: 'max_cluster_size' };

/** umap.UMAP(**UMAP_PARAMS) for the map's params.umap (umap-learn's defaults are embedscape's). */
export function umapParams(p = {}) {
  const out = {};
  for (const k of UMAP_KEYS) if (p[k] !== undefined && p[k] !== null) out[k] = p[k];
  out.n_components = 2;
  if (p.seed !== undefined) out.random_state = p.seed;
  return out;
}

/** hdbscan.HDBSCAN(**HDBSCAN_PARAMS) for the map's params.hdbscan. */
export function hdbscanParams(p = {}) {
  const out = {};
  for (const [k, name] of Object.entries(HDBSCAN_KEYS)) if (p[k] !== undefined && p[k] !== null) out[name] = p[k];
  if (out.min_cluster_size === undefined) out.min_cluster_size = 5;
  if (out.min_samples === undefined) out.min_samples = out.min_cluster_size; // the library's default too
  return out;
}

/** The model's Hub id: the map's model name as it is when it has one, else sentence-transformers/<name>. */
function hubId(model) {
  if (!model) return 'sentence-transformers/all-MiniLM-L6-v2';
  return model.includes('/') ? model : `sentence-transformers/${model}`;
}

/**
 * The script (Python 3, PEP 8) for a map object as createMapFile makes it.
 * @param {{model?: string|null, params?: {umap?: object, hdbscan?: object}, texts?: string[]}} map
 * @param {{mapFile?: string, scriptFile?: string}} [opts] file names for the usage lines
 */
export function pythonScript(map, { mapFile = 'map.json', scriptFile = 'rebuild_map.py' } = {}) {
  const params = map.params ?? {};
  const model = hubId(map.model);
  const n = map.texts?.length;
  return `#!/usr/bin/env python3
"""Rebuilds an embedscape map with sentence-transformers, umap-learn and hdbscan.

Written by embedscape for ${mapFile}${n ? ` (${n} texts)` : ''}, with the map's parameters and seed:
    pip install sentence-transformers umap-learn hdbscan
    python ${scriptFile} ${mapFile}                  # the texts of the map JSON (or a .txt, one per line)
    python ${scriptFile} ${mapFile} --vectors V.npy  # vectors saved by \`embedscape embed\`: no model needed
It writes a CSV (text, x, y, cluster, probability) and compares its clusters with the map's. The
vectors are sentence-transformers' own; the layout is umap-learn's, another picture of the same
neighbourhoods (the two UMAPs draw different random numbers), so the clusters agree as far as the
two layouts do: the adjusted Rand index printed at the end says how far (1 = the same grouping).
"""
${PY_IMPORTS}

MODEL = ${py(model)}  # the map's model${map.model && !map.model.includes('/') ? ` (${py(map.model)}): its Hub id or a folder path` : ''}
UMAP_PARAMS = ${py(umapParams(params.umap))}
HDBSCAN_PARAMS = ${py(hdbscanParams(params.hdbscan))}


def read_texts(path):
    """The texts of a map JSON ("texts"), or of a text file (one per line)."""
    with open(path, encoding="utf-8") as f:
        if path.endswith(".json"):
            return json.load(f)["texts"]
        return [line.rstrip("\\n") for line in f if line.strip()]


def embed(texts):
    from sentence_transformers import SentenceTransformer
    return SentenceTransformer(MODEL).encode(texts, convert_to_numpy=True)


def layout(vectors):
${localImport('umap')}
    return umap.UMAP(**UMAP_PARAMS).fit_transform(vectors)


def cluster(xy):
${localImport('hdbscan')}
    clusterer = hdbscan.HDBSCAN(**HDBSCAN_PARAMS).fit(xy)
    return clusterer.labels_, clusterer.probabilities_


def main():
    parser = argparse.ArgumentParser(description="Rebuilds an embedscape map in Python.")
    parser.add_argument("texts", help="the map JSON, or a .txt with one text per line")
    parser.add_argument("--vectors", help=".npy of the texts' vectors (one row per text)")
    parser.add_argument("--out", help="the CSV to write (default: <texts>.python.csv)")
    args = parser.parse_args()
    texts = read_texts(args.texts)
    vectors = np.load(args.vectors) if args.vectors else embed(texts)
    xy = layout(vectors)
    labels, probabilities = cluster(xy)
    out = args.out or args.texts.rsplit(".", 1)[0] + ".python.csv"
    with open(out, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "x", "y", "cluster", "probability"])
        for text, (x, y), label, p in zip(texts, xy, labels, probabilities):
            writer.writerow([text, f"{x:.5f}", f"{y:.5f}", int(label), f"{p:.4f}"])
    found = len(set(labels.tolist()) - {-1})
    print(f"{len(texts)} texts, {found} clusters, {int((labels < 0).sum())} noise: {out}")
    if args.texts.endswith(".json"):
        from sklearn.metrics import adjusted_rand_score
        with open(args.texts, encoding="utf-8") as f:
            theirs = json.load(f)["labels"]
        print(f"adjusted Rand index against the map's clusters: {adjusted_rand_score(theirs, labels):.3f}")


if __name__ == "__main__":
    main()
`;
}
