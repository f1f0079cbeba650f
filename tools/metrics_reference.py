#!/usr/bin/python3
"""Reference values for aiassure's metrics package, computed by scikit-learn.

Run with Debian's python (python3-sklearn, numpy and scipy installed):

    /usr/bin/python3 tools/metrics_reference.py

It writes metrics/testdata/sklearn_reference.json: for several fixed cases
(binary, multi-class, imbalanced, a class never predicted under both
zero_division settings, tied scores) the inputs (labels, predicted labels,
scores) and what sklearn.metrics returns for them. metrics/sklearn_test.go
recomputes every value in Go and requires agreement within 1e-9.

Values sklearn does not define are computed here with numpy from their
definitions in docs/metrics.md: per-class false positive and false negative
rates (from sklearn's multilabel_confusion_matrix), the top-label expected
calibration error with numpy.linspace bin edges and numpy.searchsorted
binning, the multi-class Brier score, and Wilson intervals (z from
scipy.stats.norm.ppf). The output is byte-identical on the same package
versions.
"""

import json
import os
import sys

import numpy as np
import scipy
import sklearn
from scipy.stats import norm
from sklearn import metrics as M

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "metrics", "testdata", "sklearn_reference.json")


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def make_cases():
    rs = np.random.RandomState(4213)
    cases = []

    # Binary: a noisy score, labels from it.
    n = 200
    y = rs.randint(0, 2, n)
    logit = 1.5 * (2 * y - 1) + rs.normal(0, 1.6, n)
    p1 = 1 / (1 + np.exp(-logit))
    cases.append(dict(name="binary", y=y, scores=np.stack([1 - p1, p1], 1), positive=1))

    # Binary with heavy ties: scores rounded to one decimal.
    p1t = np.round(p1, 1)
    cases.append(dict(name="binary-ties", y=y, scores=np.stack([1 - p1t, p1t], 1), positive=1))

    # Binary, positive class 0.
    cases.append(dict(name="binary-pos0", y=y, scores=np.stack([1 - p1, p1], 1), positive=0))

    # Imbalanced binary: 5 % positives.
    n = 400
    y = (rs.uniform(size=n) < 0.05).astype(int)
    logit = -2.5 + 2.0 * y + rs.normal(0, 1.2, n)
    p1 = 1 / (1 + np.exp(-logit))
    cases.append(dict(name="imbalanced", y=y, scores=np.stack([1 - p1, p1], 1), positive=1))

    # Three classes, probabilities from a softmax.
    n = 300
    y = rs.randint(0, 3, n)
    z = rs.normal(0, 1.0, (n, 3))
    z[np.arange(n), y] += 1.4
    cases.append(dict(name="multiclass", y=y, scores=softmax(z)))

    # Multi-class with ties: probabilities rounded to two decimals, rows
    # renormalised.
    pt = np.round(softmax(z), 2)
    pt = pt / pt.sum(axis=1, keepdims=True)
    cases.append(dict(name="multiclass-ties", y=y, scores=pt))

    # Four classes, class 3 is never predicted; predicted labels only.
    n = 120
    y = rs.randint(0, 4, n)
    pred = np.where(rs.uniform(size=n) < 0.7, y, rs.randint(0, 3, n))
    pred[pred == 3] = 2
    for zd in (0, 1):
        cases.append(dict(name="never-predicted-zd%d" % zd, y=y, pred=pred, zero_division=zd))

    # Binary, predicted labels only, the positive class never predicted.
    y = rs.randint(0, 2, 50)
    cases.append(dict(name="binary-none-positive", y=y, pred=np.zeros(50, dtype=int), positive=1, zero_division=0))
    return cases


def ece(y, scores, bins):
    conf = scores.max(axis=1)
    correct = (scores.argmax(axis=1) == y).astype(float)
    edges = np.linspace(0.0, 1.0, bins + 1)
    idx = np.searchsorted(edges[1:-1], conf, side="left")
    total = 0.0
    for b in range(bins):
        m = idx == b
        if m.any():
            total += m.sum() / len(y) * abs(correct[m].mean() - conf[m].mean())
    return float(total)


def wilson(x, n, conf=0.95):
    if n == 0:
        return [0.0, 1.0]
    z = norm.ppf(0.5 + conf / 2)
    p = x / n
    den = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / den
    half = z / den * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return [float(max(0.0, centre - half)), float(min(1.0, centre + half))]


def reference(case):
    y = np.asarray(case["y"])
    scores = case.get("scores")
    pred = case.get("pred")
    if pred is None:
        pred = scores.argmax(axis=1)
    zd = case.get("zero_division", 0)
    k = int(max(y.max(), pred.max()) + 1)
    if scores is not None:
        k = scores.shape[1]
    labels = list(range(k))
    out = {}
    out["accuracy"] = M.accuracy_score(y, pred)
    out["balanced_accuracy"] = M.balanced_accuracy_score(y, pred)
    p, r, f, s = M.precision_recall_fscore_support(y, pred, labels=labels, average=None, zero_division=zd)
    out["precision"], out["recall"], out["f1"], out["support"] = p.tolist(), r.tolist(), f.tolist(), s.tolist()
    for avg in ("macro", "micro", "weighted"):
        ap, ar, af, _ = M.precision_recall_fscore_support(y, pred, average=avg, zero_division=zd)
        out[avg] = [float(ap), float(ar), float(af)]
    mcm = M.multilabel_confusion_matrix(y, pred, labels=labels)
    fpr, fnr = [], []
    for c in range(k):
        tn, fp, fn, tp = mcm[c].ravel()
        fpr.append(float(fp / (fp + tn)) if fp + tn else float(zd))
        fnr.append(float(fn / (fn + tp)) if fn + tp else float(zd))
    out["fpr"], out["fnr"] = fpr, fnr
    out["confusion_matrix"] = M.confusion_matrix(y, pred, labels=labels).tolist()
    correct = int((y == pred).sum())
    out["accuracy_wilson95"] = wilson(correct, len(y))
    out["recall_wilson95"] = [wilson(int(mcm[c][1, 1]), int(mcm[c][1, 1] + mcm[c][1, 0])) for c in range(k)]
    out["precision_wilson95"] = [wilson(int(mcm[c][1, 1]), int(mcm[c][1, 1] + mcm[c][0, 1])) for c in range(k)]
    if "positive" in case and k == 2:
        pos = case["positive"]
        out["binary_average"] = [float(v) for v in M.precision_recall_fscore_support(
            y, pred, average="binary", pos_label=pos, zero_division=zd)[:3]]
    if scores is not None:
        if k == 2:
            pos = case["positive"]
            out["roc_auc"] = M.roc_auc_score((y == pos).astype(int), scores[:, pos])
            out["brier"] = M.brier_score_loss(y, scores[:, pos], pos_label=pos)
        else:
            out["roc_auc"] = M.roc_auc_score(y, scores, multi_class="ovr", average="macro")
            onehot = np.eye(k)[y]
            out["brier"] = float(((scores - onehot) ** 2).sum(axis=1).mean())
        out["log_loss"] = M.log_loss(y, scores, labels=labels)
        out["ece10"] = ece(y, scores, 10)
        out["ece15"] = ece(y, scores, 15)
    return {key: (float(v) if isinstance(v, (np.floating, float)) else v) for key, v in out.items()}


def main():
    cases = []
    for c in make_cases():
        entry = {"name": c["name"], "y": np.asarray(c["y"]).tolist()}
        if "pred" in c:
            entry["pred"] = np.asarray(c["pred"]).tolist()
        if "scores" in c:
            entry["scores"] = np.asarray(c["scores"], dtype=float).tolist()
        if "positive" in c:
            entry["positive"] = c["positive"]
        entry["zero_division"] = c.get("zero_division", 0)
        entry["sklearn"] = reference(c)
        cases.append(entry)
    doc = {
        "generator": {"script": "tools/metrics_reference.py", "python": sys.version.split()[0],
                      "numpy": np.__version__, "scikit-learn": sklearn.__version__, "scipy": scipy.__version__},
        "cases": cases,
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    print("wrote %s (%d cases)" % (os.path.relpath(OUT), len(cases)))


if __name__ == "__main__":
    main()
