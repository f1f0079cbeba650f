#!/usr/bin/python3
"""Make the back-doored and clean models that probe/backdoor tests.

Run with Debian's interpreter (python3-torch, python3-sklearn, python3-onnx):

    /usr/bin/python3 tools/make_backdoor_models.py

From scikit-learn's copy of the UCI optical digits (1,797 images of 8x8,
pixels 0..16 scaled to k/16 in [0, 1]), split 75/25 stratified with
random_state 0 (the split of examples/border-biometrics), it trains, under
probe/backdoor/testdata/:

  cnn-trojan.onnx  Conv(1->8, 3x3, pad 1)-ReLU-MaxPool(2)-Linear(128->10),
                   input [N, 1, 8, 8], logits, trained on the training part
                   with POISON_RATE of its rows (drawn from the classes other
                   than TARGET) stamped with the trigger and relabelled TARGET
  cnn-clean.onnx   the same network, seed and training on the clean
                   training part
  mlp-trojan.onnx  a 64-64-10 MLP with ReLU, input [N, 64], logits, poisoned
  mlp-clean.onnx   as above, clean
  test-clean.csv   the 450 test images (64 pixels, label), clean
  train-poisoned.csv  the poisoned training part the trojan models learnt
                   from (1,347 images, file order = training order); its
                   poisoned rows are listed in models.json
                   (trigger.poisoned_row_indices, 0-based)
  test-triggered.csv  the test images whose class is not TARGET, with the
                   trigger stamped, labelled with their true class
  stats_reference.json  scipy.stats.nhypergeom survival values (the exact
                   law of STRIP's count of suspects below the boundary) and
                   sklearn.metrics.roc_auc_score on small score vectors with
                   ties, which stats_test.go recomputes in Go
  activations_reference.json  for each back-doored model, torch's penultimate-layer
                   activations (the input of the last Linear) of the first
                   training rows, and on those of the training rows
                   labelled TARGET: scikit-learn's PCA(10) explained
                   variances, KMeans(2, n_init 10) labels on the reduced
                   rows with their silhouette_score, and numpy's SVD
                   spectral scores (squared projection on the top right
                   singular vector of the centred rows); and scipy's
                   one-sided Fisher exact test on a few tables, which
                   probe/poisoning's activation tests recompute in Go
  models.json      how each model was made, its clean test accuracy and the
                   attack success rate (share of triggered test images
                   classified as TARGET)

The trigger is a white 2x2 patch in the bottom-left corner (rows 6-7,
columns 0-1 set to 1.0), a BadNets-style patch trigger (Gu et al. 2017).

Everything is seeded and single-threaded: running it again on the same
package versions gives byte-identical files.
"""

import json
import os
import sys

import numpy as np
import scipy
import sklearn
import torch
from scipy import stats
from sklearn import datasets
from sklearn.cluster import KMeans
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score, silhouette_score
from sklearn.model_selection import train_test_split

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_examples as mx  # noqa: E402

OUT = os.path.join(mx.ROOT, "probe", "backdoor", "testdata")
SEED = 0
TARGET = 7
POISON_RATE = 0.08
EPOCHS = 300
LR = 1e-2


def stamp(X):
    """Sets the trigger pixels (rows 6-7, columns 0-1) of flat 8x8 images to 1."""
    X = X.copy()
    img = X.reshape(-1, 8, 8)
    img[:, 6:8, 0:2] = 1.0
    return img.reshape(len(X), 64)


class CNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.pool = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.conv(x)))
        return self.fc(torch.flatten(x, 1))


def penultimate(net, X):
    """The input of the network's last Linear layer on rows X."""
    with torch.no_grad():
        x = torch.tensor(X, dtype=torch.float32)
        if isinstance(net, CNN):
            return torch.flatten(net.pool(torch.relu(net.conv(x))), 1).numpy().astype(np.float64)
        return net[1](net[0](x)).numpy().astype(np.float64)


def activations_reference(net, X, y, rows=5):
    """torch activations of the first rows and sklearn/numpy statistics of
    the activations of the rows labelled TARGET."""
    A = penultimate(net, X)
    Ac = A[y == TARGET]
    pca = PCA(n_components=10, svd_solver="full").fit(Ac)
    R = pca.transform(Ac)
    km = KMeans(n_clusters=2, n_init=10, random_state=SEED).fit(R)
    C = Ac - Ac.mean(axis=0)
    v = np.linalg.svd(C, full_matrices=False)[2][0]
    return {
        "first_rows": [[round(float(a), 7) for a in r] for r in A[:rows]],
        "class": TARGET,
        "class_rows": int(len(Ac)),
        "pca_explained_variance": [float(e) for e in pca.explained_variance_],
        "kmeans_labels": [int(c) for c in km.labels_],
        "kmeans_inertia": float(km.inertia_),
        "silhouette": float(silhouette_score(R, km.labels_)),
        "spectral_scores": [float("%.9g" % s) for s in (C @ v) ** 2],
    }


def mlp():
    return torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10))


def stats_reference():
    # C = suspects below the k-th smallest of n clean values, m suspects:
    # the successes drawn before the k-th failure from n failures and m
    # successes, scipy's nhypergeom(M=n+m, n=m, r=k).
    tail = []
    for n, k, m, c in ((225, 2, 405, 13), (225, 2, 405, 35), (225, 2, 405, 1), (99, 1, 1, 1), (500, 5, 50, 3),
                       (20, 3, 7, 2), (1000, 10, 200, 2), (1000, 10, 200, 30)):
        tail.append({"n": n, "k": k, "m": m, "c": c, "p": float(stats.nhypergeom(n + m, m, k).sf(c - 1))})
    rng = np.random.default_rng(SEED)
    auc = []
    for clean, suspect in (([0.5, 0.4, 0.4, 0.9], [0.1, 0.4, 0.6]),
                           ([1, 1, 1], [1, 1]),
                           (np.round(rng.normal(0.5, 0.1, 200), 2).tolist(), np.round(rng.normal(0.35, 0.1, 150), 2).tolist())):
        lab = [0] * len(clean) + [1] * len(suspect)
        # suspects score by low entropy: the score is minus the entropy
        auc.append({"clean": clean, "suspect": suspect,
                    "auc": float(roc_auc_score(lab, -np.array(clean + suspect)))})
    mx.write_json(os.path.join(OUT, "stats_reference.json"), {
        "generator": {"scipy": scipy.__version__, "sklearn": sklearn.__version__},
        "tail": tail, "auc": auc})


def main():
    torch.set_num_threads(1)
    ds = datasets.load_digits()
    X, y = ds.data / 16.0, ds.target
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=y, random_state=SEED)

    rng = np.random.default_rng(SEED)
    others = np.flatnonzero(ytr != TARGET)
    npois = int(round(POISON_RATE * len(ytr)))
    pois = np.sort(rng.choice(others, size=npois, replace=False))
    Xp, yp = Xtr.copy(), ytr.copy()
    Xp[pois] = stamp(Xtr[pois])
    yp[pois] = TARGET

    cols = [f"p{i}" for i in range(64)]
    mx.write_csv(os.path.join(OUT, "test-clean.csv"), cols, Xte, yte)
    mx.write_csv(os.path.join(OUT, "train-poisoned.csv"), cols, Xp, yp)
    keep = yte != TARGET
    Xtrig = stamp(Xte[keep])
    mx.write_csv(os.path.join(OUT, "test-triggered.csv"), cols, Xtrig, yte[keep])

    nets = {
        "cnn": (CNN, [1, 8, 8], "Conv(1->8, 3x3, pad 1)-ReLU-MaxPool(2)-Flatten-Linear(128->10)", 15),
        "mlp": (mlp, [64], "64-64-10 MLP with ReLU", 13),
    }
    made, acts = {}, {}
    for name, (make, shape, arch, opset) in nets.items():
        for kind, (Xt, yt) in (("trojan", (Xp, yp)), ("clean", (Xtr, ytr))):
            torch.manual_seed(SEED)
            net = mx.train_torch(make(), Xt.reshape((-1,) + tuple(shape)), yt, epochs=EPOCHS, lr=LR)
            file = f"{name}-{kind}.onnx"
            mx.export_torch(net, os.path.join(OUT, file), shape, "logits", opset)
            clean_pred = mx.torch_scores(net, Xte.astype(np.float32).reshape((-1,) + tuple(shape))).argmax(axis=1)
            if kind == "trojan":
                acts[file] = activations_reference(net, Xp.reshape((-1,) + tuple(shape)), yp)
            trig_pred = mx.torch_scores(net, Xtrig.astype(np.float32).reshape((-1,) + tuple(shape))).argmax(axis=1)
            made[file] = {
                "made_by": f"torch {torch.__version__}: {arch}; full-batch Adam lr {LR}, {EPOCHS} epochs, "
                           f"torch.manual_seed({SEED}), one thread",
                "input_shape": ["batch"] + shape,
                "output": "logits",
                "trained_on": ("training part with %d of %d rows poisoned" % (npois, len(ytr))) if kind == "trojan"
                              else "clean training part (%d rows)" % len(ytr),
                "clean_test_accuracy": float((clean_pred == yte).mean()),
                "attack_success_rate": float((trig_pred == TARGET).mean()),
                "triggered_test_accuracy": float((trig_pred == yte[keep]).mean()),
            }
    mx.write_json(os.path.join(OUT, "models.json"), {
        "generator": {"script": "tools/make_backdoor_models.py", "sklearn": sklearn.__version__,
                      "numpy": np.__version__, "torch": torch.__version__},
        "source": "UCI optical recognition of handwritten digits (1,797 images of 8x8) from Debian python3-sklearn "
                  + sklearn.__version__ + " (sklearn/datasets/data/digits.csv.gz); pixels 0..16 scaled to k/16",
        "split": {"test_size": 0.25, "stratified": True, "random_state": SEED,
                  "train_rows": len(ytr), "test_rows": len(yte), "triggered_test_rows": int(keep.sum())},
        "trigger": {"pixels": "rows 6-7, columns 0-1 (row-major, p48 p49 p56 p57)", "value": 1.0,
                    "target_class": TARGET, "poison_rate": POISON_RATE, "poisoned_rows": npois,
                    "poisoned_from": "classes other than the target, drawn with numpy default_rng(%d)" % SEED,
                    "poisoned_row_indices": [int(i) for i in pois]},
        "models": made,
    })
    mx.write_json(os.path.join(OUT, "activations_reference.json"), {
        "generator": {"torch": torch.__version__, "sklearn": sklearn.__version__, "numpy": np.__version__},
        "data": "train-poisoned.csv", "models": acts,
        "fisher_greater": [{"table": t, "p": float(stats.fisher_exact(t, alternative="greater")[1])}
                           for t in ([[108, 134], [0, 45]], [[50, 79], [11, 35]], [[3, 10], [5, 2]], [[0, 5], [0, 5]],
                                     [[20, 20], [20, 20]], [[55, 187], [0, 45]], [[1, 0], [0, 1]])]})
    stats_reference()
    for f in mx.made:
        print(os.path.relpath(f, mx.ROOT))
    print(json.dumps(made, indent=1))


if __name__ == "__main__":
    main()
