"""The water-meter-reader example: a camera unit on a household water meter.

Imported by tools/make_examples.py (run that, not this file). The device
photographs the meter's digit wheels, cuts one crop per wheel, scales it to
8x8 grey levels and reads each digit with a small CNN (ONNX, on the device).
The UCI optical digits that scikit-learn ships stand in for those crops: they
are handwritten, not printed wheels, which the example's README says.

When the device is unsure of a digit it uploads the crop; the back office
re-reads it with a scikit-learn support vector classifier that is stored, as
scikit-learn models usually are, with joblib (a pickle: loading it can run
code). Both models are made here.
"""

import os

import joblib
import numpy as np
import torch
from sklearn import datasets
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC

import make_examples as mx

NAME = "water-meter-reader"


class DigitCNN(torch.nn.Module):
    """Conv(1->8)-ReLU-MaxPool-Conv(8->16)-ReLU-MaxPool-Linear(64->10)-Softmax."""

    def __init__(self):
        super().__init__()
        self.c1 = torch.nn.Conv2d(1, 8, kernel_size=3, padding=1)
        self.c2 = torch.nn.Conv2d(8, 16, kernel_size=3, padding=1)
        self.pool = torch.nn.MaxPool2d(2)
        self.fc = torch.nn.Linear(16 * 2 * 2, 10)

    def forward(self, x):
        x = self.pool(torch.relu(self.c1(x)))
        x = self.pool(torch.relu(self.c2(x)))
        return self.fc(torch.flatten(x, 1))


def make(lib):
    d = os.path.join(mx.EXAMPLES, NAME)
    ds = datasets.load_digits()
    X, y = ds.data / 16.0, ds.target  # 17 grey levels -> k/16 in [0, 1], exact in float32
    classes = [str(i) for i in range(10)]
    cols = [f"p{i}" for i in range(64)]
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.3, stratify=y, random_state=mx.SEED)
    mx.write_csv(os.path.join(d, "data", "test.csv"), cols, Xte, yte)
    mx.write_json(os.path.join(d, "data", "features.json"), {
        "source": "UCI optical recognition of handwritten digits (1,797 images of 8x8), from Debian python3-sklearn 1.2.1 "
                  "(sklearn/datasets/data/digits.csv.gz); a STAND-IN for 8x8 crops of a water meter's digit wheels",
        "split": {"test_size": 0.3, "stratified": True, "random_state": mx.SEED, "train_rows": len(ytr), "test_rows": len(yte)},
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

    torch.manual_seed(mx.SEED)
    cnn = mx.train_torch(DigitCNN(), Xtr.reshape(-1, 1, 8, 8), ytr, epochs=200, lr=1e-2)
    model = mx.WithSoftmax(cnn).eval()
    mx.export_torch(model, os.path.join(d, "model", "digit-cnn.onnx"), [1, 8, 8], "probabilities", 13)
    s = mx.torch_scores(model, X32.reshape(-1, 1, 8, 8))
    lib[NAME + "/digit-cnn.onnx"] = {"probabilities": s}
    out["digit-cnn.onnx"] = mx.expected_entry(
        "digit-cnn.onnx", [1, 8, 8], "probabilities", "probabilities", ["probabilities"], classes, yte, s,
        "torch: Conv(1->8, 3x3, pad 1)-ReLU-MaxPool(2)-Conv(8->16, 3x3, pad 1)-ReLU-MaxPool(2)-Flatten-Linear(64->10)-Softmax; "
        "Adam (lr 1e-2), 200 full-batch epochs",
        extra={"note": "the data rows hold 64 pixels; reshape each row to [1, 8, 8] for this model", "runs_on": "device"})

    svc = SVC(C=10.0, kernel="rbf", gamma="scale", probability=True, random_state=mx.SEED).fit(Xtr, ytr)
    path = os.path.join(d, "model", "rereader.joblib")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    joblib.dump(svc, path, compress=3)
    mx.made.append(path)
    s = svc.predict_proba(X32.astype(np.float64))
    other = {"rereader.joblib": mx.expected_entry(
        "rereader.joblib", [64], "probabilities", "probabilities", ["predict_proba"], classes, yte, s,
        "scikit-learn SVC(C=10, kernel='rbf', gamma='scale', probability=True), saved with joblib.dump(compress=3); "
        "the metrics are from predict_proba",
        extra={"format": "joblib (pickle)", "runs_on": "back office",
               "input": {"name": "X", "dtype": "float64", "shape": ["batch", 64]}})}
    mx.write_json(os.path.join(d, "model", "expected.json"), {
        "generator": mx.versions(), "data": "data/test.csv", "models": out,
        # Not ONNX: aiassure cannot run it; its metrics come from scikit-learn alone.
        "models_not_onnx": other,
    })
