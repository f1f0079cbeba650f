#!/usr/bin/python3
"""Makes the ai.onnx.ml test models of model/onnx.

Trains small scikit-learn models and writes them as ONNX ai.onnx.ml graphs
by hand (as skl2onnx would; skl2onnx is not in Debian), with test inputs in
inputs.json. run_ort.js then records ONNX Runtime's outputs for them.

Run with Debian's python3 (python3-sklearn, python3-onnx):
    /usr/bin/python3 make_models.py
The output is deterministic.
"""
import json

import numpy as np
import onnx
from onnx import TensorProto, helper
from sklearn.datasets import load_breast_cancer, load_diabetes, load_iris
from sklearn.ensemble import (GradientBoostingClassifier, GradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.linear_model import LogisticRegression
from sklearn.preprocessing import StandardScaler
from sklearn.tree import DecisionTreeClassifier

ML = "ai.onnx.ml"
inputs = {}


def save(name, nodes, n_features, outputs, x):
    graph = helper.make_graph(
        nodes, name,
        [helper.make_tensor_value_info("X", TensorProto.FLOAT, [None, n_features])],
        outputs)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15), helper.make_opsetid(ML, 3)],
                              producer_name="aiassure-testdata")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, name + ".onnx")
    # Shortest float32 representations; NaN as null (JSON has no NaN).
    inputs[name] = {"shape": list(x.shape),
                    "data": [None if np.isnan(v) else float(repr(v)) for v in x.astype(np.float32).ravel()]}


def tree_nodes(trees, weight_fn, prefix):
    """nodes_* and <prefix>_* attributes for a list of sklearn trees."""
    a = {k: [] for k in ["nodes_treeids", "nodes_nodeids", "nodes_featureids", "nodes_values", "nodes_modes",
                         "nodes_truenodeids", "nodes_falsenodeids", prefix + "_treeids", prefix + "_nodeids",
                         prefix + "_ids", prefix + "_weights"]}
    for t, tree in enumerate(trees):
        tr = tree.tree_
        for i in range(tr.node_count):
            leaf = tr.children_left[i] == -1
            a["nodes_treeids"].append(t)
            a["nodes_nodeids"].append(i)
            a["nodes_featureids"].append(0 if leaf else int(tr.feature[i]))
            a["nodes_values"].append(0.0 if leaf else float(tr.threshold[i]))
            a["nodes_modes"].append("LEAF" if leaf else "BRANCH_LEQ")
            a["nodes_truenodeids"].append(0 if leaf else int(tr.children_left[i]))
            a["nodes_falsenodeids"].append(0 if leaf else int(tr.children_right[i]))
            if leaf:
                for k, w in weight_fn(tr, i):
                    a[prefix + "_treeids"].append(t)
                    a[prefix + "_nodeids"].append(i)
                    a[prefix + "_ids"].append(k)
                    a[prefix + "_weights"].append(float(w))
    return a


def proba_weights(scale):
    def fn(tr, i):
        v = tr.value[i][0]
        return [(k, scale * v[k] / v.sum()) for k in range(len(v))]
    return fn


def zipmap_output(name):
    t = onnx.TypeProto()
    m = t.sequence_type.elem_type.map_type
    m.key_type = TensorProto.INT64
    m.value_type.tensor_type.elem_type = TensorProto.FLOAT
    return helper.make_value_info(name, t)


def classifier_outputs(nc):
    return [helper.make_tensor_value_info("label", TensorProto.INT64, [None]),
            helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, nc])]


iris = load_iris()
xi, yi = iris.data.astype(np.float32), iris.target
rows = np.arange(0, 150, 5)  # 30 rows, all classes
xi_test = xi[rows].copy()

# A decision tree, as probabilities per leaf.
dt = DecisionTreeClassifier(max_depth=4, random_state=0).fit(xi, yi)
a = tree_nodes([dt], proba_weights(1.0), "class")
save("tree_iris", [helper.make_node("TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain=ML,
                                    classlabels_int64s=[0, 1, 2], post_transform="NONE", **a)],
     4, classifier_outputs(3), xi_test)

# The same with ZipMap, string labels, and BRANCH_GT nodes (children
# swapped), with a NaN row that follows missing-value tracks.
save("tree_iris_zipmap", [
    helper.make_node("TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain=ML,
                     classlabels_int64s=[0, 1, 2], post_transform="NONE", **a),
    helper.make_node("ZipMap", ["probabilities"], ["zipped"], domain=ML, classlabels_int64s=[0, 1, 2])],
    4, [helper.make_tensor_value_info("label", TensorProto.INT64, [None]), zipmap_output("zipped")],
    xi_test)
g = dict(a)
g["nodes_modes"] = ["LEAF" if m == "LEAF" else "BRANCH_GT" for m in a["nodes_modes"]]
g["nodes_truenodeids"], g["nodes_falsenodeids"] = a["nodes_falsenodeids"], a["nodes_truenodeids"]
g["nodes_missing_value_tracks_true"] = [i % 2 for i in range(len(a["nodes_modes"]))]
xnan = xi_test.copy()
xnan[::4, 2] = np.nan
xnan[1::4, 3] = np.nan
save("tree_iris_gt_strings", [helper.make_node(
    "TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain=ML,
    classlabels_strings=["setosa", "versicolor", "virginica"], post_transform="NONE", **g)],
    4, [helper.make_tensor_value_info("label", TensorProto.STRING, [None]),
        helper.make_tensor_value_info("probabilities", TensorProto.FLOAT, [None, 3])], xnan)

# A random forest (weights divided by the number of trees).
rf = RandomForestClassifier(n_estimators=5, max_depth=3, random_state=0).fit(xi, yi)
a = tree_nodes(rf.estimators_, proba_weights(1 / 5), "class")
save("forest_iris", [helper.make_node("TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain=ML,
                                      classlabels_int64s=[0, 1, 2], post_transform="NONE", **a)],
     4, classifier_outputs(3), xi_test)

cancer = load_breast_cancer()
xc, yc = cancer.data.astype(np.float32), cancer.target
xc_test = xc[np.arange(0, 569, 19)].copy()

# Binary forest with weights for both classes.
rf2 = RandomForestClassifier(n_estimators=4, max_depth=3, random_state=0).fit(xc, yc)
a = tree_nodes(rf2.estimators_, proba_weights(1 / 4), "class")
save("forest_cancer", [helper.make_node("TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain=ML,
                                        classlabels_int64s=[0, 1], post_transform="NONE", **a)],
     30, classifier_outputs(2), xc_test)

# Binary gradient boosting: one score column, a base value, LOGISTIC.
gb = GradientBoostingClassifier(n_estimators=6, max_depth=2, random_state=0).fit(xc, yc)
lr = gb.learning_rate
a = tree_nodes([e[0] for e in gb.estimators_], lambda tr, i: [(0, lr * tr.value[i][0][0])], "class")
base = float(gb._raw_predict_init(xc[:1])[0][0])
save("gbc_cancer", [helper.make_node("TreeEnsembleClassifier", ["X"], ["label", "probabilities"], domain=ML,
                                     classlabels_int64s=[0, 1], post_transform="LOGISTIC", base_values=[base], **a)],
     30, classifier_outputs(2), xc_test)

diabetes = load_diabetes()
xd, yd = diabetes.data.astype(np.float32), diabetes.target
xd_test = xd[np.arange(0, 442, 15)].copy()

# Gradient-boosting regressor: SUM plus a base value.
gbr = GradientBoostingRegressor(n_estimators=8, max_depth=3, random_state=0).fit(xd, yd)
lr = gbr.learning_rate
a = tree_nodes([e[0] for e in gbr.estimators_], lambda tr, i: [(0, lr * tr.value[i][0][0])], "target")
save("gbr_diabetes", [helper.make_node("TreeEnsembleRegressor", ["X"], ["variable"], domain=ML, n_targets=1,
                                       aggregate_function="SUM", base_values=[float(gbr.init_.constant_[0][0])], **a)],
     10, [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 1])], xd_test)

# Two-target forests with each aggregate function.
y2 = np.stack([yd, xd[:, 2] * 100], axis=1)
rfr = RandomForestRegressor(n_estimators=4, max_depth=3, random_state=0).fit(xd, y2)
a = tree_nodes(rfr.estimators_, lambda tr, i: [(k, tr.value[i][k][0]) for k in range(2)], "target")
for agg in ["AVERAGE", "SUM", "MIN", "MAX"]:
    save("forest_reg_" + agg.lower(), [helper.make_node(
        "TreeEnsembleRegressor", ["X"], ["variable"], domain=ML, n_targets=2, aggregate_function=agg, **a)],
        10, [helper.make_tensor_value_info("variable", TensorProto.FLOAT, [None, 2])], xd_test)

# Scaler + multinomial logistic regression (SOFTMAX).
sc = StandardScaler().fit(xi)
lg = LogisticRegression(max_iter=1000).fit(sc.transform(xi), yi)
save("logreg_iris", [
    helper.make_node("Scaler", ["X"], ["scaled"], domain=ML, offset=[float(v) for v in sc.mean_],
                     scale=[float(1 / v) for v in sc.scale_]),
    helper.make_node("LinearClassifier", ["scaled"], ["label", "probabilities"], domain=ML,
                     classlabels_ints=[0, 1, 2], coefficients=[float(v) for v in lg.coef_.ravel()],
                     intercepts=[float(v) for v in lg.intercept_], post_transform="SOFTMAX")],
     4, classifier_outputs(3), xi_test)

# Binary logistic regression: one row of coefficients, LOGISTIC.
sc2 = StandardScaler().fit(xc)
lg2 = LogisticRegression(max_iter=1000).fit(sc2.transform(xc), yc)
save("logreg_cancer", [
    helper.make_node("Scaler", ["X"], ["scaled"], domain=ML, offset=[float(v) for v in sc2.mean_],
                     scale=[float(1 / v) for v in sc2.scale_]),
    helper.make_node("LinearClassifier", ["scaled"], ["label", "probabilities"], domain=ML,
                     classlabels_ints=[0, 1], coefficients=[float(v) for v in lg2.coef_.ravel()],
                     intercepts=[float(v) for v in lg2.intercept_], post_transform="LOGISTIC")],
     30, classifier_outputs(2), xc_test)

# Raw linear scores (post_transform NONE) with string labels.
save("linear_scores", [helper.make_node(
    "LinearClassifier", ["X"], ["label", "scores"], domain=ML, classlabels_strings=["a", "b", "c"],
    coefficients=[float(v) for v in lg.coef_.ravel()], intercepts=[float(v) for v in lg.intercept_])],
     4, [helper.make_tensor_value_info("label", TensorProto.STRING, [None]),
         helper.make_tensor_value_info("scores", TensorProto.FLOAT, [None, 3])], xi_test)

# Normalizers.
xn = xi_test - 3.0
save("normalizers", [helper.make_node("Normalizer", ["X"], ["n_" + n.lower()], domain=ML, norm=n)
                     for n in ["MAX", "L1", "L2"]],
     4, [helper.make_tensor_value_info("n_" + n.lower(), TensorProto.FLOAT, [None, 4]) for n in ["MAX", "L1", "L2"]],
     xn)

with open("inputs.json", "w") as f:
    json.dump(inputs, f, separators=(",", ":"), sort_keys=True)
