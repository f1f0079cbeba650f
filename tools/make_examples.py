#!/usr/bin/python3
"""Make the models and data of the example systems under examples/.

Run from anywhere with Debian's interpreter (the python3 first on PATH may be
a pyenv build that does not see Debian's packages):

    /usr/bin/python3 tools/make_examples.py

Needs the Debian packages python3-sklearn, python3-torch and python3-onnx, the
German credit and Pima diabetes ARFF files (Debian package weka, or the copies
already committed under examples/credit-scoring/data/ and
examples/federated-diabetes/data/), and, for the ONNX Runtime reference vectors,
node with onnxruntime-node installed outside the repository (see
tools/README.md; --skip-ort leaves the committed *.ort.json files alone).

The federated-diabetes and water-meter-reader examples are made by
tools/example_federated.py and tools/example_meter.py, which this script
imports; --only NAME makes only the examples named.

Everything is seeded and single-threaded: running the script again on the
same package versions gives byte-identical files.
"""

import argparse
import csv
import hashlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile

import numpy as np
import onnx
import sklearn
import torch
from onnx import TensorProto, helper, numpy_helper
from sklearn import datasets, metrics
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLES = os.path.join(ROOT, "examples")
SEED = 0
REF_ROWS = 64  # rows of test data kept in each *.ort.json
TOL = 1e-5  # largest |ONNX Runtime - library| allowed on any output value

# The Debian package weka 3.6.14-3 ships this file; its digest pins the copy.
CREDIT_ARFF_SHA256 = "bd94085134e4eb845c96b34c93ed65a223f89d089bacb273ef96f57509ce0bed"
CREDIT_ARFF_PATHS = [
    "/usr/share/doc/weka/examples/credit-g.arff",
    os.path.join(EXAMPLES, "credit-scoring", "data", "credit-g.arff"),
]

made = []  # files written, for the summary

# The examples, in the order they are made; --only picks some.
EXAMPLE_NAMES = ["credit-scoring", "medical-diagnosis", "border-biometrics", "minimal-risk",
                 "federated-diabetes", "water-meter-reader"]


# ---------------------------------------------------------------- file output


def write_bytes(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    made.append(path)


def write_json(path, obj):
    write_bytes(path, (json.dumps(obj, indent=1, sort_keys=False) + "\n").encode())


def num(v):
    """Formats a number the same way every time: integers without a point."""
    v = float(v)
    if v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    return repr(v)


def write_csv(path, header, X, y):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(list(header) + ["label"])
    for row, label in zip(X, y):
        w.writerow([num(v) for v in row] + [str(int(label))])
    write_bytes(path, buf.getvalue().encode())


def save_onnx(path, model):
    onnx.checker.check_model(model)
    write_bytes(path, model.SerializeToString())


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


# ---------------------------------------------------------------- metrics


def softmax(z):
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


def evaluate(y, scores, classes, kind, positive=None):
    """Metrics as sklearn.metrics computes them on the model's own outputs."""
    proba = softmax(scores) if kind == "logits" else scores
    pred = scores.argmax(axis=1)
    labels = list(range(len(classes)))
    p, r, f, s = metrics.precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    out = {
        "n": int(len(y)),
        "accuracy": metrics.accuracy_score(y, pred),
        "balanced_accuracy": metrics.balanced_accuracy_score(y, pred),
        "precision_macro": metrics.precision_score(y, pred, average="macro", zero_division=0),
        "recall_macro": metrics.recall_score(y, pred, average="macro", zero_division=0),
        "f1_macro": metrics.f1_score(y, pred, average="macro", zero_division=0),
        "f1_weighted": metrics.f1_score(y, pred, average="weighted", zero_division=0),
        "log_loss": metrics.log_loss(y, proba, labels=labels),
        "per_class": {
            classes[i]: {"precision": float(p[i]), "recall": float(r[i]), "f1": float(f[i]), "support": int(s[i])}
            for i in labels
        },
        "confusion_matrix": metrics.confusion_matrix(y, pred, labels=labels).tolist(),
    }
    if len(classes) == 2:
        pos = positive if positive is not None else 1
        tn, fp, fn, tp = metrics.confusion_matrix((y == pos).astype(int), (pred == pos).astype(int), labels=[0, 1]).ravel()
        out["positive_class"] = classes[pos]
        out["roc_auc"] = metrics.roc_auc_score(y == pos, proba[:, pos])
        out["fpr"] = float(fp / (fp + tn))
        out["fnr"] = float(fn / (fn + tp))
    else:
        out["roc_auc_ovr_macro"] = metrics.roc_auc_score(y, proba, multi_class="ovr", average="macro", labels=labels)
    return {k: (float(v) if isinstance(v, (float, np.floating)) else v) for k, v in out.items()}


def versions():
    return {
        "script": "tools/make_examples.py",
        "python": platform.python_version(),
        "numpy": np.__version__,
        "scikit-learn": sklearn.__version__,
        "torch": torch.__version__,
        "onnx": onnx.__version__,
    }


# ---------------------------------------------------------------- torch


class Standardise(torch.nn.Module):
    """(x - mean) / std as part of the model, so it takes raw features."""

    def __init__(self, mean, std):
        super().__init__()
        self.register_buffer("mean", torch.tensor(mean, dtype=torch.float32))
        self.register_buffer("std", torch.tensor(std, dtype=torch.float32))

    def forward(self, x):
        return (x - self.mean) / self.std


def train_torch(model, X, y, epochs, lr, weight_decay=0.0):
    """Full-batch Adam on cross-entropy; deterministic on one CPU thread."""
    Xt = torch.tensor(X, dtype=torch.float32)
    yt = torch.tensor(y, dtype=torch.long)
    opt = torch.optim.Adam(model.parameters(), lr=lr, weight_decay=weight_decay)
    model.train()
    for _ in range(epochs):
        opt.zero_grad()
        loss = torch.nn.functional.cross_entropy(model(Xt), yt)
        loss.backward()
        opt.step()
    model.eval()
    return model


class WithSoftmax(torch.nn.Module):
    def __init__(self, net):
        super().__init__()
        self.net = net

    def forward(self, x):
        return torch.softmax(self.net(x), dim=1)


def torch_scores(model, X):
    with torch.no_grad():
        return model(torch.tensor(X, dtype=torch.float32)).numpy().astype(np.float64)


def export_torch(model, path, row_shape, output, opset, keep_batchnorm=False):
    """torch.onnx.export with a dynamic batch; returns nothing, writes path."""
    buf = io.BytesIO()
    dummy = torch.zeros((1,) + tuple(row_shape), dtype=torch.float32)
    training = torch.onnx.TrainingMode.PRESERVE if keep_batchnorm else torch.onnx.TrainingMode.EVAL
    torch.onnx.export(
        model,
        dummy,
        buf,
        input_names=["input"],
        output_names=[output],
        dynamic_axes={"input": {0: "batch"}, output: {0: "batch"}},
        opset_version=opset,
        training=training,
        do_constant_folding=not keep_batchnorm,  # eval-mode model; avoids a warning under PRESERVE
    )
    m = onnx.load_from_string(buf.getvalue())
    m.doc_string = "made by tools/make_examples.py (torch.onnx.export)"
    save_onnx(path, m)


# ---------------------------------------------------------------- hand exports


def make_model(nodes, name, inputs, outputs, inits, opsets, doc):
    graph = helper.make_graph(nodes, name, inputs, outputs, initializer=inits)
    m = helper.make_model(
        graph,
        opset_imports=[helper.make_opsetid(d, v) for d, v in opsets],
        producer_name="aiassure-make-examples",
        producer_version="1",
        doc_string=doc,
    )
    m.ir_version = 7  # accepted by older runtimes too
    return m


def io_info(name, ncols, elem=TensorProto.FLOAT):
    shape = ["batch"] if ncols is None else ["batch", ncols]
    return helper.make_tensor_value_info(name, elem, shape)


def init(name, a):
    return numpy_helper.from_array(np.asarray(a, dtype=np.float32), name)


def fold_scaler(scaler, W, b):
    """Folds (x - mean) / scale into a dense layer x @ W + b."""
    W2 = W / scaler.scale_[:, None]
    b2 = b - (scaler.mean_ / scaler.scale_) @ W
    return W2, b2


def export_logreg(scaler, lr, path, nfeat):
    """Binary LogisticRegression as Gemm + Softmax over the logits [0, z]."""
    W = np.concatenate([np.zeros((nfeat, 1)), lr.coef_.T], axis=1)
    b = np.concatenate([[0.0], lr.intercept_])
    W, b = fold_scaler(scaler, W, b)
    nodes = [
        helper.make_node("Gemm", ["input", "W"], ["logits"], name="linear"),
        helper.make_node("Add", ["logits", "B"], ["z"], name="bias"),
        helper.make_node("Softmax", ["z"], ["probabilities"], name="softmax", axis=1),
    ]
    # Gemm carries the bias itself in the MLP export; here Add is used so the
    # model covers one more operator. Both are plain ONNX.
    m = make_model(
        nodes, "logistic_regression", [io_info("input", nfeat)], [io_info("probabilities", 2)],
        [init("W", W), init("B", b)], [("", 13)],
        "scikit-learn LogisticRegression with its StandardScaler folded in; exported by hand with onnx.helper",
    )
    save_onnx(path, m)


def export_sk_mlp(scaler, mlp, path, nfeat, nclass):
    """sklearn MLPClassifier (ReLU hidden layers, softmax output) as Gemm/Relu."""
    assert mlp.activation == "relu" and mlp.out_activation_ == "softmax"
    Ws = [np.asarray(w, dtype=np.float64) for w in mlp.coefs_]
    bs = [np.asarray(b, dtype=np.float64) for b in mlp.intercepts_]
    Ws[0], bs[0] = fold_scaler(scaler, Ws[0], bs[0])
    nodes, inits, x = [], [], "input"
    for i, (W, b) in enumerate(zip(Ws, bs)):
        inits += [init(f"W{i}", W), init(f"B{i}", b)]
        y = f"h{i}"
        nodes.append(helper.make_node("Gemm", [x, f"W{i}", f"B{i}"], [y], name=f"dense{i}"))
        if i < len(Ws) - 1:
            nodes.append(helper.make_node("Relu", [y], [y + "_relu"], name=f"relu{i}"))
            y += "_relu"
        x = y
    nodes.append(helper.make_node("Softmax", [x], ["probabilities"], name="softmax", axis=1))
    m = make_model(
        nodes, "mlp", [io_info("input", nfeat)], [io_info("probabilities", nclass)], inits, [("", 13)],
        "scikit-learn MLPClassifier with its StandardScaler folded in; exported by hand with onnx.helper",
    )
    save_onnx(path, m)


def export_gbt(gbt, path, nfeat):
    """Binary GradientBoostingClassifier as ai.onnx.ml TreeEnsembleClassifier.

    sklearn: raw = init + learning_rate * sum(tree(x)); P(class 1) = sigmoid(raw);
    a sample goes left when x[feature] <= threshold. ONNX: one weight per
    leaf on class 0 (the binary case), base_values = [init], LOGISTIC.
    """
    assert gbt.n_classes_ == 2 and gbt.estimators_.shape[1] == 1
    init_raw = float(gbt._raw_predict_init(np.zeros((1, nfeat)))[0, 0])
    a = {k: [] for k in ["treeids", "nodeids", "featureids", "values", "modes", "true", "false", "missing"]}
    c = {k: [] for k in ["treeids", "nodeids", "ids", "weights"]}
    for t, est in enumerate(gbt.estimators_[:, 0]):
        tr = est.tree_
        for n in range(tr.node_count):
            leaf = tr.children_left[n] == -1
            a["treeids"].append(t)
            a["nodeids"].append(n)
            a["featureids"].append(0 if leaf else int(tr.feature[n]))
            thr = 0.0 if leaf else float(tr.threshold[n])
            # Thresholds go to float32 in ONNX; the features here are integers
            # or 0/1, so every split is at k + 0.5, which float32 holds exactly.
            assert leaf or float(np.float32(thr)) == thr, thr
            a["values"].append(thr)
            a["modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            a["true"].append(0 if leaf else int(tr.children_left[n]))
            a["false"].append(0 if leaf else int(tr.children_right[n]))
            a["missing"].append(0)
            if leaf:
                c["treeids"].append(t)
                c["nodeids"].append(n)
                c["ids"].append(0)
                c["weights"].append(float(gbt.learning_rate * tr.value[n, 0, 0]))
    node = helper.make_node(
        "TreeEnsembleClassifier", ["input"], ["label", "probabilities"], name="gbt", domain="ai.onnx.ml",
        nodes_treeids=a["treeids"], nodes_nodeids=a["nodeids"], nodes_featureids=a["featureids"],
        nodes_values=a["values"], nodes_modes=a["modes"], nodes_truenodeids=a["true"],
        nodes_falsenodeids=a["false"], nodes_missing_value_tracks_true=a["missing"],
        class_treeids=c["treeids"], class_nodeids=c["nodeids"], class_ids=c["ids"], class_weights=c["weights"],
        classlabels_int64s=[0, 1], base_values=[init_raw], post_transform="LOGISTIC",
    )
    m = make_model(
        [node], "gradient_boosting", [io_info("input", nfeat)],
        [io_info("label", None, TensorProto.INT64), io_info("probabilities", 2)], [],
        [("", 13), ("ai.onnx.ml", 3)],
        "scikit-learn GradientBoostingClassifier; exported by hand with onnx.helper as TreeEnsembleClassifier",
    )
    save_onnx(path, m)


# ---------------------------------------------------------------- data


def read_arff(path):
    """Reads a dense ARFF file with numeric and nominal attributes."""
    attrs, rows, in_data = [], [], False
    with open(path, encoding="latin-1") as f:
        for line in f:
            s = line.strip()
            if not s or s.startswith("%"):
                continue
            if in_data:
                rows.append(next(csv.reader([s], quotechar="'", skipinitialspace=True)))
                continue
            low = s.lower()
            if low.startswith("@attribute"):
                rest = s[len("@attribute"):].strip()
                name, spec = rest.split(None, 1)
                spec = spec.strip()
                if spec.startswith("{"):
                    vals = next(csv.reader([spec[1:-1]], quotechar="'", skipinitialspace=True))
                    attrs.append((name.strip("'"), [v.strip() for v in vals]))
                else:
                    attrs.append((name.strip("'"), None))
            elif low.startswith("@data"):
                in_data = True
    return attrs, rows


def slug(v):
    v = v.replace("<=X<", " to ")  # credit-g's ranges, e.g. 0<=X<200
    for a, b in (("<=", "le"), (">=", "ge"), ("<", "lt"), (">", "gt")):
        v = v.replace(a, b)
    out = "".join(ch if ch.isalnum() else "_" for ch in v.lower())
    while "__" in out:
        out = out.replace("__", "_")
    return out.strip("_")


def feature_ranges(X):
    return X.min(axis=0), X.max(axis=0)


def find_arff(explicit):
    for p in ([explicit] if explicit else []) + CREDIT_ARFF_PATHS:
        if p and os.path.exists(p) and sha256(p) == CREDIT_ARFF_SHA256:
            return p
    sys.exit("credit-g.arff not found (install weka, or `apt-get download weka && dpkg-deb -x` "
             "and pass --credit-arff PATH); the file must have sha256 " + CREDIT_ARFF_SHA256)


def expected_entry(file, row_shape, output, kind, outputs, classes, y, scores, made_by, extra=None, positive=None):
    e = {
        "file": file,
        "made_by": made_by,
        "input": {"name": "input", "dtype": "float32", "shape": ["batch"] + list(row_shape)},
        "outputs": outputs,
        "scores": {"output": output, "kind": kind},
        "metrics": evaluate(y, scores, classes, kind, positive),
    }
    if extra:
        e.update(extra)
    return e


# ---------------------------------------------------------------- examples


def credit(arff_path, lib):
    d = os.path.join(EXAMPLES, "credit-scoring")
    attrs, rows = read_arff(arff_path)
    dst = os.path.join(d, "data", "credit-g.arff")
    if os.path.abspath(arff_path) != os.path.abspath(dst):
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copyfile(arff_path, dst)
    made.append(dst)
    immutable_attrs = {"age", "personal_status", "foreign_worker"}
    cols, groups, feats, blocks = [], [], [], []
    for j, (name, vals) in enumerate(attrs[:-1]):
        column = [r[j] for r in rows]
        if vals is None:
            blocks.append(np.array([[float(v)] for v in column]))
            cols.append(name)
            feats.append({"name": name, "source": name, "type": "integer", "immutable": name in immutable_attrs})
        else:
            onehot = np.array([[1.0 if v == val else 0.0 for val in vals] for v in column])
            blocks.append(onehot)
            names = [f"{name}={slug(val)}" for val in vals]
            cols += names
            groups.append({"name": name, "features": names})
            feats += [{"name": n, "source": name, "value": val, "type": "binary", "group": name,
                       "immutable": name in immutable_attrs} for n, val in zip(names, vals)]
    X = np.hstack(blocks)
    classes = attrs[-1][1]  # good, bad: label 0 = good, 1 = bad (the applicant defaulted)
    y = np.array([classes.index(r[-1]) for r in rows])
    lo, hi = feature_ranges(X)
    for f, a, b in zip(feats, lo, hi):
        f["min"], f["max"] = float(a), float(b)
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=SEED)
    write_csv(os.path.join(d, "data", "test.csv"), cols, Xte, yte)
    # The training split too: the members of the privacy tests (artefacts.train_data).
    write_csv(os.path.join(d, "data", "train.csv"), cols, Xtr, ytr)
    write_json(os.path.join(d, "data", "features.json"), {
        "source": "data/credit-g.arff (Statlog German Credit, 1,000 rows; Debian package weka 3.6.14-3)",
        "split": {"test_size": 0.3, "stratified": True, "random_state": SEED, "train_rows": len(ytr), "test_rows": len(yte)},
        "label": "label",
        "classes": classes,
        "input_shape": [X.shape[1]],
        "one_hot_groups": groups,
        "integer": [f["name"] for f in feats if f["type"] == "integer"],
        "immutable": [f["name"] for f in feats if f["immutable"]],
        "features": feats,
    })
    X32 = Xte.astype(np.float32)
    out = {}

    torch.manual_seed(SEED)
    sd = Xtr.std(axis=0)
    net = torch.nn.Sequential(
        Standardise(Xtr.mean(axis=0), np.where(sd < 1e-6, 1.0, sd)),
        torch.nn.Linear(X.shape[1], 16), torch.nn.ReLU(),
        torch.nn.Linear(16, 16), torch.nn.ReLU(),
        torch.nn.Linear(16, 2),
    )
    train_torch(net, Xtr, ytr, epochs=200, lr=1e-3, weight_decay=1e-2)
    mlp = WithSoftmax(net).eval()
    export_torch(mlp, os.path.join(d, "model", "mlp.onnx"), [X.shape[1]], "probabilities", 13)
    s = torch_scores(mlp, X32)
    lib["credit-scoring/mlp.onnx"] = {"probabilities": s}
    out["mlp.onnx"] = expected_entry("mlp.onnx", [X.shape[1]], "probabilities", "probabilities", ["probabilities"],
                                     classes, yte, s, "torch: standardise, 63-16-16-2 MLP with ReLU, softmax; Adam (lr 1e-3, weight decay 1e-2), 200 full-batch epochs",
                                     positive=1)

    gbt = GradientBoostingClassifier(n_estimators=100, max_depth=3, learning_rate=0.1, random_state=SEED)
    gbt.fit(Xtr, ytr)
    export_gbt(gbt, os.path.join(d, "model", "gbt.onnx"), X.shape[1])
    s = gbt.predict_proba(X32.astype(np.float64))
    lib["credit-scoring/gbt.onnx"] = {"probabilities": s, "label": gbt.predict(X32.astype(np.float64)).astype(np.float64)}
    out["gbt.onnx"] = expected_entry("gbt.onnx", [X.shape[1]], "probabilities", "probabilities", ["label", "probabilities"],
                                     classes, yte, s, "scikit-learn GradientBoostingClassifier(n_estimators=100, max_depth=3, learning_rate=0.1)",
                                     positive=1)
    write_json(os.path.join(d, "model", "expected.json"), {"generator": versions(), "data": "data/test.csv", "models": out})


def medical(lib):
    d = os.path.join(EXAMPLES, "medical-diagnosis")
    ds = datasets.load_breast_cancer()
    # sklearn's target: 0 = malignant, 1 = benign. The example's label makes
    # the finding the aid looks for the positive class: 1 = malignant.
    X, y = ds.data, 1 - ds.target
    classes = ["benign", "malignant"]
    cols = [slug(n) for n in ds.feature_names]
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=y, random_state=SEED)
    write_csv(os.path.join(d, "data", "test.csv"), cols, Xte, yte)
    lo, hi = feature_ranges(X)
    write_json(os.path.join(d, "data", "features.json"), {
        "source": "Breast Cancer Wisconsin (Diagnostic), 569 rows, from Debian python3-sklearn 1.2.1 (sklearn/datasets/data/breast_cancer.csv)",
        "split": {"test_size": 0.25, "stratified": True, "random_state": SEED, "train_rows": len(ytr), "test_rows": len(yte)},
        "label": "label",
        "classes": classes,
        "input_shape": [X.shape[1]],
        "one_hot_groups": [],
        "integer": [],
        "immutable": [],
        "features": [{"name": c, "type": "real", "min": float(a), "max": float(b), "immutable": False}
                     for c, a, b in zip(cols, lo, hi)],
    })
    X32 = Xte.astype(np.float32)
    out = {}

    torch.manual_seed(SEED)
    net = torch.nn.Sequential(
        Standardise(Xtr.mean(axis=0), Xtr.std(axis=0)),
        torch.nn.Linear(30, 16), torch.nn.ReLU(), torch.nn.Linear(16, 2),
    )
    train_torch(net, Xtr, ytr, epochs=200, lr=1e-2, weight_decay=1e-4)
    mlp = WithSoftmax(net).eval()
    export_torch(mlp, os.path.join(d, "model", "mlp.onnx"), [30], "probabilities", 13)
    s = torch_scores(mlp, X32)
    lib["medical-diagnosis/mlp.onnx"] = {"probabilities": s}
    out["mlp.onnx"] = expected_entry("mlp.onnx", [30], "probabilities", "probabilities", ["probabilities"], classes, yte, s,
                                     "torch: standardise, 30-16-2 MLP with ReLU, softmax; Adam, 200 full-batch epochs")

    scaler = StandardScaler().fit(Xtr)
    lr = LogisticRegression(C=1.0, max_iter=1000, random_state=SEED).fit(scaler.transform(Xtr), ytr)
    export_logreg(scaler, lr, os.path.join(d, "model", "logreg.onnx"), 30)
    s = lr.predict_proba(scaler.transform(X32.astype(np.float64)))
    lib["medical-diagnosis/logreg.onnx"] = {"probabilities": s}
    out["logreg.onnx"] = expected_entry("logreg.onnx", [30], "probabilities", "probabilities", ["probabilities"], classes, yte, s,
                                        "scikit-learn StandardScaler + LogisticRegression(C=1.0), folded into Gemm + Add + Softmax")
    write_json(os.path.join(d, "model", "expected.json"), {"generator": versions(), "data": "data/test.csv", "models": out})


class CNN(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = torch.nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.bn = torch.nn.BatchNorm2d(8)
        self.pool = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(8 * 4 * 4, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.bn(self.conv(x))))
        return self.fc(torch.flatten(x, 1))


def border(lib):
    d = os.path.join(EXAMPLES, "border-biometrics")
    ds = datasets.load_digits()
    X, y = ds.data / 16.0, ds.target  # pixels 0..16 -> k/16 in [0, 1], exact in float32
    classes = [f"subject-{i}" for i in range(10)]
    cols = [f"p{i}" for i in range(64)]
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.25, stratify=y, random_state=SEED)
    write_csv(os.path.join(d, "data", "test.csv"), cols, Xte, yte)
    write_json(os.path.join(d, "data", "features.json"), {
        "source": "UCI optical recognition of handwritten digits (test part, 1,797 images of 8x8), from Debian python3-sklearn 1.2.1 "
                  "(sklearn/datasets/data/digits.csv.gz); a STAND-IN for face images: class k is 'subject k'",
        "split": {"test_size": 0.25, "stratified": True, "random_state": SEED, "train_rows": len(ytr), "test_rows": len(yte)},
        "label": "label",
        "classes": classes,
        "input_shape": [64],
        "image": {"channels": 1, "height": 8, "width": 8, "layout": "row-major, p0 = top left", "min": 0.0, "max": 1.0,
                  "levels": 17},
        "one_hot_groups": [],
        "integer": [],
        "immutable": [],
        "features": [{"name": c, "type": "pixel", "min": 0.0, "max": 1.0, "immutable": False} for c in cols],
    })
    X32 = Xte.astype(np.float32)
    out = {}

    torch.manual_seed(SEED)
    cnn = train_torch(CNN(), Xtr.reshape(-1, 1, 8, 8), ytr, epochs=150, lr=1e-2)
    export_torch(cnn, os.path.join(d, "model", "cnn.onnx"), [1, 8, 8], "logits", 15, keep_batchnorm=True)
    s = torch_scores(cnn, X32.reshape(-1, 1, 8, 8))
    lib["border-biometrics/cnn.onnx"] = {"logits": s}
    out["cnn.onnx"] = expected_entry("cnn.onnx", [1, 8, 8], "logits", "logits", ["logits"], classes, yte, s,
                                     "torch: Conv(1->8, 3x3, pad 1)-BatchNorm-ReLU-MaxPool(2)-Flatten-Linear(128->10); Adam, 150 full-batch epochs",
                                     extra={"note": "the data rows hold 64 pixels; reshape each row to [1, 8, 8] for this model"})

    torch.manual_seed(SEED)
    mlp = train_torch(torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 10)),
                      Xtr, ytr, epochs=200, lr=1e-2)
    export_torch(mlp, os.path.join(d, "model", "mlp.onnx"), [64], "logits", 13)
    s = torch_scores(mlp, X32)
    lib["border-biometrics/mlp.onnx"] = {"logits": s}
    out["mlp.onnx"] = expected_entry("mlp.onnx", [64], "logits", "logits", ["logits"], classes, yte, s,
                                     "torch: 64-64-10 MLP with ReLU; Adam, 200 full-batch epochs")
    write_json(os.path.join(d, "model", "expected.json"), {"generator": versions(), "data": "data/test.csv", "models": out})


def minimal(lib):
    d = os.path.join(EXAMPLES, "minimal-risk")
    ds = datasets.load_iris()
    X, y = ds.data, ds.target
    classes = list(ds.target_names)
    cols = ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=SEED)
    write_csv(os.path.join(d, "data", "test.csv"), cols, Xte, yte)
    lo, hi = feature_ranges(X)
    write_json(os.path.join(d, "data", "features.json"), {
        "source": "Iris (Fisher, 1936), 150 rows, from Debian python3-sklearn 1.2.1 (sklearn/datasets/data/iris.csv)",
        "split": {"test_size": 0.3, "stratified": True, "random_state": SEED, "train_rows": len(ytr), "test_rows": len(yte)},
        "label": "label",
        "classes": classes,
        "input_shape": [4],
        "one_hot_groups": [],
        "integer": [],
        "immutable": [],
        "features": [{"name": c, "type": "real", "unit": "cm", "min": float(a), "max": float(b), "immutable": False}
                     for c, a, b in zip(cols, lo, hi)],
    })
    scaler = StandardScaler().fit(Xtr)
    mlp = MLPClassifier(hidden_layer_sizes=(16,), max_iter=2000, random_state=SEED).fit(scaler.transform(Xtr), ytr)
    export_sk_mlp(scaler, mlp, os.path.join(d, "model", "mlp.onnx"), 4, 3)
    s = mlp.predict_proba(scaler.transform(Xte.astype(np.float32).astype(np.float64)))
    lib["minimal-risk/mlp.onnx"] = {"probabilities": s}
    out = {"mlp.onnx": expected_entry("mlp.onnx", [4], "probabilities", "probabilities", ["probabilities"], classes, yte, s,
                                      "scikit-learn StandardScaler + MLPClassifier(hidden_layer_sizes=(16,)), folded into Gemm/Relu/Gemm/Softmax")}
    write_json(os.path.join(d, "model", "expected.json"), {"generator": versions(), "data": "data/test.csv", "models": out})


# ---------------------------------------------------------------- ONNX Runtime


def ort_references(lib, ort_dir):
    """Runs tools/ort_reference.mjs and checks ONNX Runtime against the libraries."""
    node = shutil.which("node")
    if node is None:
        sys.exit("node not found; pass --skip-ort to keep the committed *.ort.json files")
    with tempfile.TemporaryDirectory() as tmp:
        env = dict(os.environ, ORT_DIR=ort_dir)
        dirs = sorted({k.split("/")[0] for k in lib})
        cmd = [node, os.path.join(ROOT, "tools", "ort_reference.mjs"), "--full", tmp] + [os.path.join(EXAMPLES, x) for x in dirs]
        res = subprocess.run(cmd, env=env, capture_output=True, text=True)
        sys.stdout.write(res.stdout)
        if res.returncode != 0:
            sys.stderr.write(res.stderr)
            sys.exit("tools/ort_reference.mjs failed")
        worst = 0.0
        for key, want in sorted(lib.items()):
            with open(os.path.join(tmp, key.replace("/", "__") + ".json")) as f:
                got = json.load(f)
            for name, ref in want.items():
                g = np.array(got[name]["data"], dtype=np.float64).reshape(ref.shape)
                diff = float(np.abs(g - ref).max())
                worst = max(worst, diff)
                print(f"check {key} {name}: max |onnxruntime - library| = {diff:.3g} over {ref.shape[0]} rows")
                if not diff <= TOL:
                    sys.exit(f"{key} {name}: ONNX Runtime differs from the library by {diff} > {TOL}")
        for key in sorted(lib):
            made.append(os.path.join(EXAMPLES, key.replace("/", "/model/").replace(".onnx", ".ort.json")))
        print(f"ONNX Runtime agrees with scikit-learn/PyTorch within {worst:.3g} (limit {TOL})")


def refresh_digests():
    """Rewrites the digest of every asset with a path in examples/*/profile.yaml.

    Line-based, so the hand-written profiles keep their layout and comments:
    a `digest: sha256:...` line takes the digest of the file named by the
    `path:` line above it in the same asset.
    """
    for name in sorted(os.listdir(EXAMPLES)):
        prof = os.path.join(EXAMPLES, name, "profile.yaml")
        if not os.path.exists(prof):
            continue
        with open(prof) as f:
            lines = f.read().split("\n")
        path, changed = None, False
        for i, line in enumerate(lines):
            s = line.strip()
            if s.startswith("- id:"):
                path = None
            elif s.startswith("path:"):
                path = os.path.join(EXAMPLES, name, s[len("path:"):].strip())
            elif s.startswith("digest: sha256:") and path and os.path.isfile(path):
                new = line[: line.index("digest:")] + "digest: sha256:" + sha256(path)
                if new != line:
                    lines[i], changed = new, True
        if changed:
            write_bytes(prof, "\n".join(lines).encode())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--credit-arff", help="path to weka's credit-g.arff")
    ap.add_argument("--ort-dir", default=os.environ.get("ORT_DIR", "/tmp/ort"),
                    help="folder whose node_modules holds onnxruntime-node (default $ORT_DIR or /tmp/ort)")
    ap.add_argument("--skip-ort", action="store_true", help="do not run ONNX Runtime (keeps the *.ort.json files)")
    ap.add_argument("--diabetes-arff", help="path to weka's diabetes.arff (federated-diabetes)")
    ap.add_argument("--only", action="append", choices=EXAMPLE_NAMES, metavar="NAME",
                    help="make only this example (repeatable; default all: %s)" % ", ".join(EXAMPLE_NAMES))
    args = ap.parse_args()

    # The examples in their own modules import this one by name.
    sys.modules.setdefault("make_examples", sys.modules[__name__])
    import example_federated
    import example_meter

    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    np.random.seed(SEED)
    lib = {}
    makers = {
        "credit-scoring": lambda: credit(find_arff(args.credit_arff), lib),
        "medical-diagnosis": lambda: medical(lib),
        "border-biometrics": lambda: border(lib),
        "minimal-risk": lambda: minimal(lib),
        "federated-diabetes": lambda: example_federated.make(lib, example_federated.find_arff(args.diabetes_arff)),
        "water-meter-reader": lambda: example_meter.make(lib),
    }
    for name in EXAMPLE_NAMES:
        if not args.only or name in args.only:
            makers[name]()
    if not args.skip_ort:
        ort_references(lib, args.ort_dir)
    refresh_digests()
    total = 0
    for p in made:
        n = os.path.getsize(p)
        total += n
        print(f"made {os.path.relpath(p, ROOT)} ({n} bytes)")
        if n >= 1 << 20:
            sys.exit(f"{p} is {n} bytes; keep committed files under 1 MB")
    print(f"{len(made)} files, {total} bytes")
    for key in sorted(lib):
        ex, m = key.split("/")
        with open(os.path.join(EXAMPLES, ex, "model", "expected.json")) as f:
            mt = json.load(f)["models"][m]["metrics"]
        print(f"{key}: accuracy {mt['accuracy']:.4f}, macro-F1 {mt['f1_macro']:.4f}")


if __name__ == "__main__":
    main()
