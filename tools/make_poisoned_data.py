#!/usr/bin/python3
"""Writes the clean data set and the scipy/numpy reference numbers that the
tests of probe/poisoning use (run with Debian's /usr/bin/python3, which has
numpy, scipy and scikit-learn):

  probe/poisoning/testdata/breast-cancer.csv   scikit-learn's copy of the
      Wisconsin diagnostic breast cancer data (569 rows, 30 features,
      label 0 malignant / 1 benign), clean. The Go tests flip labels, plant
      duplicates and a trigger on it themselves, deterministically.
  probe/poisoning/testdata/drift_reference.json  two-sample KS (scipy's
      ks_2samp statistic, kstwobign.sf of the scaled statistic, and
      ks_2samp's own p-value), PSI on reference deciles (numpy), and the
      chi-square test of homogeneity of the labels (chi2_contingency
      without continuity correction), for rows 0-399 against rows 400-568,
      as read (float32) and with the second part's features scaled by 1.1.
  probe/poisoning/testdata/breast-cancer-poisoned.csv and
  breast-cancer-poisoned.json  the clean file poisoned with Python's own
      random module (seed 2026), independently of the Go tests' helper:
      5% of the labels flipped (28 rows), then 10 exact copies and 10 near
      copies (each feature moved by up to 1e-3 of its range) of distinct
      rows appended, then 15 trigger rows (distinct class-0 rows whose last
      three features are set to their largest value, labelled 1). The JSON
      lists the planted rows (0-based, file order) by kind; the probe and
      CLI tests check what the poisoning suite finds against it.

Usage: /usr/bin/python3 tools/make_poisoned_data.py [poisoned]
  ("poisoned" writes only the poisoned files, from the clean CSV, with the
  standard library alone)
"""
import csv
import json
import os
import random
import sys

OUT = os.path.join(os.path.dirname(__file__), "..", "probe", "poisoning", "testdata")


def write_poisoned():
    with open(os.path.join(OUT, "breast-cancer.csv")) as f:
        rows = list(csv.reader(f))
    head, body = rows[0], rows[1:]
    x = [[float(v) for v in r[:-1]] for r in body]
    y = [int(r[-1]) for r in body]
    n, d = len(x), len(x[0])
    rng = random.Random(2026)
    flipped = sorted(rng.sample(range(n), round(0.05 * n)))
    for i in flipped:
        y[i] = 1 - y[i]
    lo = [min(r[j] for r in x) for j in range(d)]
    hi = [max(r[j] for r in x) for j in range(d)]
    src = rng.sample(range(n), 20)
    planted = {"flipped": flipped, "exact": [], "near": [], "trigger": []}
    out_x, out_y = [list(r) for r in x], list(y)
    for k, i in enumerate(src):
        row = list(x[i])
        kind = "exact"
        if k >= 10:
            kind = "near"
            row = [v + 1e-3 * (hi[j] - lo[j]) * rng.uniform(-1, 1) for j, v in enumerate(row)]
        planted[kind].append(len(out_x))
        out_x.append(row)
        out_y.append(y[i])
    zeros = [i for i in range(n) if y[i] == 0 and i not in flipped]
    for i in rng.sample(zeros, 15):
        row = list(x[i])
        for j in range(d - 3, d):
            row[j] = hi[j]
        planted["trigger"].append(len(out_x))
        out_x.append(row)
        out_y.append(1)
    with open(os.path.join(OUT, "breast-cancer-poisoned.csv"), "w") as f:
        f.write(",".join(head) + "\n")
        for row, lab in zip(out_x, out_y):
            f.write(",".join(repr(v) for v in row) + f",{lab}\n")
    planted["rows"] = len(out_x)
    with open(os.path.join(OUT, "breast-cancer-poisoned.json"), "w") as f:
        json.dump(planted, f, indent=1)
        f.write("\n")


def psi(a, b):
    edges = []
    for q in range(1, 10):
        e = float(np.quantile(a, q / 10))
        if not edges or e > edges[-1]:
            edges.append(e)
    edges = np.array(edges)
    pa = np.bincount(np.searchsorted(edges, a, side="right"), minlength=len(edges) + 1) / len(a)
    pb = np.bincount(np.searchsorted(edges, b, side="right"), minlength=len(edges) + 1) / len(b)
    pa = np.maximum(pa, 1e-4)
    pb = np.maximum(pb, 1e-4)
    return float(np.sum((pb - pa) * np.log(pb / pa)))


def main():
    global np  # psi uses it too
    import numpy as np
    from scipy import stats
    from sklearn.datasets import load_breast_cancer
    ds = load_breast_cancer()
    x = ds.data
    y = ds.target
    names = [n.replace(" ", "_") for n in ds.feature_names]
    os.makedirs(OUT, exist_ok=True)
    with open(os.path.join(OUT, "breast-cancer.csv"), "w") as f:
        f.write(",".join(names + ["label"]) + "\n")
        for row, lab in zip(x, y):
            f.write(",".join(repr(float(v)) for v in row) + f",{int(lab)}\n")
    # The Go reader holds features as float32.
    x32 = x.astype(np.float32).astype(np.float64)
    ref, cand = x32[:400], x32[400:]
    cases = []
    for name, c in (("as-read", cand), ("scaled-1.1", (cand * np.float32(1.1)).astype(np.float32).astype(np.float64))):
        feats = []
        for j in range(x.shape[1]):
            r = stats.ks_2samp(ref[:, j], c[:, j])
            n, m = len(ref), len(c)
            en = n * m / (n + m)
            feats.append({
                "feature": names[j],
                "ks_d": float(r.statistic),
                "ks_p_asymp": float(stats.kstwobign.sf(np.sqrt(en) * r.statistic)),
                "ks_p_scipy": float(r.pvalue),
                "psi": psi(ref[:, j], c[:, j]),
            })
        cases.append({"case": name, "features": feats})
    ya, yb = y[:400], y[400:]
    table = np.array([np.bincount(ya, minlength=2), np.bincount(yb, minlength=2)])
    chi2, p, dof, _ = stats.chi2_contingency(table, correction=False)
    out = {
        "reference_rows": [0, 400], "candidate_rows": [400, len(y)],
        "cases": cases,
        "labels": {"reference": table[0].tolist(), "candidate": table[1].tolist(),
                   "chi2": float(chi2), "dof": int(dof), "p": float(p),
                   "tv": float(0.5 * np.abs(table[0] / table[0].sum() - table[1] / table[1].sum()).sum())},
    }
    with open(os.path.join(OUT, "drift_reference.json"), "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    if sys.argv[1:] != ["poisoned"]:
        main()
    write_poisoned()
