# umap_transform_ref.py — umap-learn's own transform on the split tests/umap_transform.test.mjs uses,
# measured the way that test measures ours (tests/umap_metrics.mjs transformQuality). Prints one line
# per dataset and seed; the test records them.
#   /usr/bin/python3 tests/umap_transform_ref.py ../shared/fixtures/datasets
# Split: rows with index % 10 == 0 are held out (new points), the others are fitted.
# Quality of a transformed point q, with A = its k nearest training rows in the input space (the
# dataset's metric) and B = the k training points nearest to its position on the map:
#   recall = |A & B| / k;  trustworthiness = 1 - 2 / (m k (2 n - 3 k - 1)) * sum over q, j in B of
#   max(0, rank_q(j) - k), rank = 1 for the nearest training row (n training rows, m new points).
import json, os, sys, warnings
import numpy as np
warnings.filterwarnings('ignore')
import umap
from sklearn.metrics import pairwise_distances

K = 15

def quality(x_train, x_new, y_train, y_new, metric):
    n, m = len(x_train), len(x_new)
    d_high = pairwise_distances(x_new, x_train, metric=metric)
    d_low = pairwise_distances(y_new, y_train)
    hits = 0
    t = 0
    for q in range(m):
        order = np.lexsort((np.arange(n), d_high[q]))
        rank = np.empty(n, dtype=np.int64)
        rank[order] = np.arange(1, n + 1)
        a = set(order[:K].tolist())
        b = np.lexsort((np.arange(n), d_low[q]))[:K]
        hits += len(a & set(b.tolist()))
        t += np.maximum(rank[b] - K, 0).sum()
    return 1 - t * 2.0 / (m * K * (2 * n - 3 * K - 1)), hits / (m * K)

folder = sys.argv[1]
for name in ('digits', 'blobs384_n2000_k10'):
    meta = json.load(open(os.path.join(folder, name + '.json')))
    x = np.fromfile(os.path.join(folder, name + '.f32'), dtype=np.float32).reshape(meta['n'], meta['d'])
    held = np.arange(meta['n']) % 10 == 0
    x_train, x_new = x[~held], x[held]
    out = []
    for seed in (0, 1, 2):
        model = umap.UMAP(n_neighbors=K, min_dist=0.1, n_components=2, metric=meta['metric'], random_state=seed).fit(x_train)
        y_new = model.transform(x_new)
        tw, rc = quality(x_train, x_new, model.embedding_, y_new, meta['metric'])
        out.append(f'{seed} trust={tw:.4f} recall={rc:.4f}')
    print(name, ' / '.join(out), f'(umap-learn {umap.__version__})')
