"""Reference values from numpy for the data types of model/onnx (FLOAT16
rounding, number formatting as str() does, float64 arithmetic), written to
model/onnx/testdata/types/numpy.json and read by types_test.go.

Run with Debian's numpy: /usr/bin/python3 tools/onnx_numpy_types.py
(deterministic: a fixed generator seed)."""

import json
import os

import numpy as np

rng = np.random.default_rng(20261204)
out = {"numpy": np.__version__}

# float64 -> FLOAT16, numpy's direct rounding (ties to even, subnormals,
# overflow to inf): edge cases, every midpoint kind, random magnitudes.
xs = [0.0, -0.0, 1.0, -1.0, 0.1, 1 / 3, 65504.0, 65519.99, 65520.0, 1e6, -1e6,
      2.0**-24, 2.0**-25, 2.0**-25 * 1.0000001, 3 * 2.0**-25, 2.0**-14, 2.0**-14 * (1 - 2.0**-11),
      1 + 2.0**-11, 1 + 3 * 2.0**-11, 1e-8, 5.9604644775390625e-08]
xs += list(rng.standard_normal(200) * 10.0 ** rng.integers(-9, 6, 200))
with np.errstate(over="ignore"):
    out["f16"] = [[float(x), int(np.float64(x).astype(np.float16).view(np.uint16))] for x in xs]

# str() of float32, float64 and float16 scalars.
f32 = [1.0, 0.1, 1e-5, 1e16, 123456789.0, 1.5e-7, -0.0, 0.0001, 9999999999999998.0, 3.4028235e38, 1e-45]
f32 += list(rng.standard_normal(50).astype(np.float32) * np.float32(10.0) ** rng.integers(-8, 18, 50).astype(np.float32))
out["str32"] = [[int(np.float32(v).view(np.uint32)), str(np.float32(v))] for v in f32]
f64 = [1.0, 0.1, 1 / 3, 1e-5, 1e16, 2.0**70, 5e-324, -123.456]
f64 += list(rng.standard_normal(50) * 10.0 ** rng.integers(-12, 20, 50))
out["str64"] = [[float(v), str(np.float64(v))] for v in f64]
f16 = [1.0, 0.1, 65504.0, 2.0**-24, 0.3333, 1000.0, -2.5]
f16 += list(rng.standard_normal(30) * 10.0 ** rng.integers(-4, 4, 30))
out["str16"] = [[int(np.float16(v).view(np.uint16)), str(np.float16(v))] for v in f16]

# float64 arithmetic of the DOUBLE kernels.
a = rng.standard_normal((3, 4)) * 30
b = rng.standard_normal((4, 5))
c = rng.standard_normal((3, 4))
m = a.max(axis=1, keepdims=True)
out["double"] = {
    "a": a.ravel().tolist(), "b": b.ravel().tolist(), "c": c.ravel().tolist(),
    "add": (a + c).ravel().tolist(),
    "div": (a / c).ravel().tolist(),
    "exp": np.exp(a / 30).ravel().tolist(),
    "matmul": (a @ b).ravel().tolist(),
    "logsumexp1": (np.log(np.exp(a - m).sum(axis=1)) + m[:, 0]).tolist(),
    "cumsum1": np.cumsum(a, axis=1).ravel().tolist(),
    "max": np.maximum(a, c).ravel().tolist(),
    "softmax1": (np.exp(a - m) / np.exp(a - m).sum(axis=1, keepdims=True)).ravel().tolist(),
}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "model", "onnx", "testdata", "types", "numpy.json")
with open(path, "w") as f:
    json.dump(out, f, separators=(",", ":"))
    f.write("\n")
