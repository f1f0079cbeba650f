#!/usr/bin/python3
"""Make the models with planted privacy weaknesses that probe/privacy tests.

Run with Debian's interpreter (python3-torch, python3-sklearn, python3-onnx):

    /usr/bin/python3 tools/make_privacy_models.py

From the Statlog German Credit data (the credit-g ARFF that
tools/make_examples.py also reads, 1,000 rows, 63 features one-hot encoded
the same way) it draws a stratified split of 400 members, 400 non-members
and 200 population rows and writes, under probe/privacy/testdata/:

  members.csv, nonmembers.csv, population.csv   the three splits
  overfit.onnx       a wide MLP (63-128-128-2) trained to memorise the
                     members: 1,500 full-batch Adam epochs, no weight decay
  regularised.onnx   a small MLP (63-8-2) on the same members with weight
                     decay 0.1, 150 epochs: little gap between members and
                     non-members
  outside.onnx       the memorising architecture and training, on the
                     population rows only: it never saw a member, so a
                     membership attack against it must score at chance
  roc_reference.json scikit-learn's roc_auc_score and roc_curve on fixed
                     score vectors (the overfit model's true-class logit on
                     members and non-members, and small cases with ties),
                     which roc_test.go recomputes in Go
  models.json        how each model was made and its accuracy on each split

Everything is seeded and single-threaded: running it again on the same
package versions gives byte-identical files.
"""

import json
import os
import sys

import numpy as np
import sklearn
import torch
from sklearn.metrics import roc_auc_score, roc_curve
from sklearn.model_selection import train_test_split

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_examples as mx  # noqa: E402

OUT = os.path.join(mx.ROOT, "probe", "privacy", "testdata")
SEED = 7


def credit_matrix():
    attrs, rows = mx.read_arff(mx.find_arff(None))
    cols, blocks = [], []
    for j, (name, vals) in enumerate(attrs[:-1]):
        column = [r[j] for r in rows]
        if vals is None:
            blocks.append(np.array([[float(v)] for v in column]))
            cols.append(name)
        else:
            blocks.append(np.array([[1.0 if v == val else 0.0 for val in vals] for v in column]))
            cols += [f"{name}={mx.slug(val)}" for val in vals]
    classes = attrs[-1][1]
    y = np.array([classes.index(r[-1]) for r in rows])
    return np.hstack(blocks), y, cols, classes


def mlp(X, hidden):
    sd = X.std(axis=0)
    layers = [mx.Standardise(X.mean(axis=0), np.where(sd < 1e-6, 1.0, sd))]
    n = X.shape[1]
    for h in hidden:
        layers += [torch.nn.Linear(n, h), torch.nn.ReLU()]
        n = h
    layers.append(torch.nn.Linear(n, 2))
    return torch.nn.Sequential(*layers)


def accuracy(model, X, y):
    return float((mx.torch_scores(model, X.astype(np.float32)).argmax(axis=1) == y).mean())


def true_logit(p, y):
    """log p_y - log(sum of the other classes), as probe/privacy computes it."""
    py = p[np.arange(len(y)), y]
    rest = p.sum(axis=1) - py
    return np.log(np.maximum(py, 1e-45)) - np.log(np.maximum(rest, 1e-45))


def tpr_at(fpr, tpr, at):
    return float(tpr[fpr <= at].max())


def roc_case(name, labels, scores):
    labels, scores = np.asarray(labels), np.asarray(scores, dtype=np.float64)
    fpr, tpr, _ = roc_curve(labels, scores, drop_intermediate=False)
    return {
        "name": name, "labels": [int(v) for v in labels], "scores": [float(v) for v in scores],
        "roc_auc": float(roc_auc_score(labels, scores)),
        "tpr_at_fpr_0.001": tpr_at(fpr, tpr, 0.001), "tpr_at_fpr_0.01": tpr_at(fpr, tpr, 0.01),
        "tpr_at_fpr_0.1": tpr_at(fpr, tpr, 0.1),
    }


def main():
    torch.set_num_threads(1)
    X, y, cols, classes = credit_matrix()
    idx = np.arange(len(y))
    rest, pop = train_test_split(idx, test_size=200, stratify=y, random_state=SEED)
    mem, non = train_test_split(rest, test_size=400, stratify=y[rest], random_state=SEED)
    splits = {"members": mem, "nonmembers": non, "population": pop}
    for name, ix in splits.items():
        mx.write_csv(os.path.join(OUT, name + ".csv"), cols, X[ix], y[ix])

    made = {}
    specs = [
        ("overfit.onnx", mem, [128, 128], 1500, 0.0,
         "63-128-128-2 MLP with ReLU, softmax; Adam lr 1e-3, no weight decay, 1,500 full-batch epochs on the members"),
        ("regularised.onnx", mem, [8], 150, 0.1,
         "63-8-2 MLP with ReLU, softmax; Adam lr 1e-3, weight decay 0.1, 150 full-batch epochs on the members"),
        ("outside.onnx", pop, [128, 128], 1500, 0.0,
         "the overfit model's architecture and training, on the 200 population rows only (no member)"),
    ]
    overfit = None
    for file, ix, hidden, epochs, wd, how in specs:
        torch.manual_seed(SEED)
        net = mlp(X[ix], hidden)
        mx.train_torch(net, X[ix], y[ix], epochs=epochs, lr=1e-3, weight_decay=wd)
        model = mx.WithSoftmax(net).eval()
        mx.export_torch(model, os.path.join(OUT, file), [X.shape[1]], "probabilities", 13)
        made[file] = {"made_by": "torch " + torch.__version__ + ": standardise, " + how,
                      "accuracy": {k: accuracy(model, X[v], y[v]) for k, v in splits.items()}}
        if file == "overfit.onnx":
            overfit = model

    both = np.concatenate([mem, non])
    member = np.concatenate([np.ones(len(mem), int), np.zeros(len(non), int)])
    p = mx.torch_scores(overfit, X[both].astype(np.float32))
    cases = [
        roc_case("overfit-true-logit", member, np.round(true_logit(p, y[both]), 6)),
        roc_case("ties", [1, 1, 0, 0, 1, 0, 1, 0, 0, 1], [0.9, 0.5, 0.5, 0.1, 0.5, 0.3, 0.9, 0.9, 0.2, 0.7]),
        roc_case("perfect", [0, 0, 0, 1, 1], [0.1, 0.2, 0.3, 0.4, 0.5]),
        roc_case("inverted", [1, 1, 0, 0], [0.1, 0.2, 0.3, 0.4]),
        roc_case("constant", [1, 0, 1, 0, 0], [1, 1, 1, 1, 1]),
    ]
    rng = np.random.default_rng(SEED)
    lab = (rng.random(3000) < 0.3).astype(int)
    cases.append(roc_case("gaussian-3000", lab, np.round(rng.normal(lab * 0.8, 1.0), 4)))
    mx.write_json(os.path.join(OUT, "roc_reference.json"), {
        "generator": {"sklearn": sklearn.__version__, "numpy": np.__version__},
        "tpr_at_fpr": "max TPR over the points of sklearn.metrics.roc_curve(drop_intermediate=False) whose FPR <= the rate",
        "cases": cases,
    })
    mx.write_json(os.path.join(OUT, "models.json"), {
        "source": "Statlog German Credit (credit-g.arff, Debian package weka 3.6.14-3), one-hot as tools/make_examples.py",
        "split": {"random_state": SEED, "stratified": True, "members": len(mem), "nonmembers": len(non), "population": len(pop)},
        "classes": classes, "sensitive_attribute": "personal_status", "models": made,
    })
    for f in mx.made:
        print(os.path.relpath(f, mx.ROOT))
    print(json.dumps(made, indent=1))


if __name__ == "__main__":
    main()
