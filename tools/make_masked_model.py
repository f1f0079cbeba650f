#!/usr/bin/python3
"""Make probe/testdata/masked-mlp.onnx: a model whose gradients are masked.

It is the medical-diagnosis example's MLP (made by tools/make_examples.py with
torch.onnx.export) behind input discretisation, the "defence" of Buckman et
al. (2018) that Athalye, Carlini and Wagner (2018, "Obfuscated Gradients Give
a False Sense of Security") show to mask gradients: every feature is rounded
to one of 17 levels of its range in features.json,

    q(x) = lo + step * Round((x - lo) / step),  step = (hi - lo) / 16,

so the gradient of the output with respect to the input is zero almost
everywhere (ONNX Round has derivative zero). White-box gradient attacks see
nothing; a black-box search still finds adversarial examples. The probe's
gradient-masking check must flag it (probe/masking_test.go).

Run with Debian's interpreter (python3-onnx, python3-numpy):

    /usr/bin/python3 tools/make_masked_model.py
"""

import json
import os

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "medical-diagnosis")
OUT = os.path.join(ROOT, "probe", "testdata", "masked-mlp.onnx")
LEVELS = 16


def main():
    m = onnx.load(os.path.join(EXAMPLE, "model", "mlp.onnx"))
    with open(os.path.join(EXAMPLE, "data", "features.json")) as f:
        feats = json.load(f)["features"]
    lo = np.array([f["min"] for f in feats], dtype=np.float32)
    hi = np.array([f["max"] for f in feats], dtype=np.float32)
    step = ((hi - lo) / LEVELS).astype(np.float32)
    g = m.graph
    old = g.input[0].name
    raw = "raw_input"
    nodes = [
        helper.make_node("Sub", [raw, "q_lo"], ["q_shift"]),
        helper.make_node("Div", ["q_shift", "q_step"], ["q_units"]),
        helper.make_node("Round", ["q_units"], ["q_round"]),
        helper.make_node("Mul", ["q_round", "q_step"], ["q_back"]),
        helper.make_node("Add", ["q_back", "q_lo"], [old]),
    ]
    inputs = [helper.make_tensor_value_info(raw, TensorProto.FLOAT, [d.dim_value or d.dim_param for d in g.input[0].type.tensor_type.shape.dim])]
    graph = helper.make_graph(
        nodes + list(g.node), "masked_mlp", inputs, list(g.output),
        [numpy_helper.from_array(lo, "q_lo"), numpy_helper.from_array(step, "q_step")] + list(g.initializer))
    out = helper.make_model(graph, opset_imports=list(m.opset_import), producer_name="tools/make_masked_model.py (onnx.helper)",
                            doc_string="medical-diagnosis mlp.onnx behind input discretisation (Round): gradients masked")
    out.ir_version = m.ir_version
    onnx.checker.check_model(out)
    onnx.save(out, OUT)
    print("wrote", OUT)


if __name__ == "__main__":
    main()
