"""A stand-in for the Python hdbscan library, which is not installed where the tests run.

tests/python.test.mjs puts this folder on PYTHONPATH, so that the script embedscape writes
(web/lib/python.js) runs end to end: HDBSCAN(**params).fit(X) clusters X with embedscape's own
HDBSCAN through `embedscape hdbscan` (its labels equal the library's: tests/hdbscan.test.mjs), and
records the parameters and the shape of X it was called with. A parameter this stand-in does not
know is an error, so the script cannot pass one unnoticed.
"""
import json
import os
import subprocess
import tempfile

import numpy as np

FLAGS = {
    "min_cluster_size": "--min-cluster-size",
    "min_samples": "--min-samples",
    "cluster_selection_method": "--method",
    "cluster_selection_epsilon": "--cluster-selection-epsilon",
}


class HDBSCAN:
    def __init__(self, **kwargs):
        unknown = set(kwargs) - set(FLAGS) - {"allow_single_cluster"}
        if unknown:
            raise TypeError(f"the hdbscan stand-in does not know {sorted(unknown)}")
        self.kwargs = kwargs

    def fit(self, X):
        X = np.ascontiguousarray(X, dtype=np.float32)
        with tempfile.TemporaryDirectory() as d:
            x, out = os.path.join(d, "x.npy"), os.path.join(d, "labels.json")
            np.save(x, X)
            args = [os.environ["EMBEDSCAPE_NODE"], os.environ["EMBEDSCAPE_CLI"], "hdbscan", "--input", x, "--output", out]
            for k, v in self.kwargs.items():
                if k == "allow_single_cluster":
                    args += ["--allow-single-cluster"] if v else []
                else:
                    args += [FLAGS[k], str(v)]
            subprocess.run(args, check=True)
            with open(out, encoding="utf-8") as f:
                r = json.load(f)
        self.labels_ = np.array(r["labels"], dtype=np.int64)
        self.probabilities_ = np.array(r["probabilities"], dtype=np.float64)
        with open(os.environ["HDBSCAN_CALLS"], "a", encoding="utf-8") as f:
            f.write(json.dumps({"kwargs": self.kwargs, "shape": list(X.shape)}) + "\n")
        return self
