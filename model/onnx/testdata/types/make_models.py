#!/usr/bin/python3
"""Makes the data-type test models of model/onnx: graphs in DOUBLE, FLOAT16,
BFLOAT16 and STRING as exporters write them, from scikit-learn models and a
real text, with their inputs in inputs.json. run_ort.js then records ONNX
Runtime's outputs (ort.json), the reference of TestTypesMatchONNXRuntime.

- double_logreg: StandardScaler + multinomial LogisticRegression on iris in
  DOUBLE (as skl2onnx converts a pipeline fed DoubleTensorType: Sub, Div,
  MatMul, Add, Softmax, ArgMax), plus ReduceLogSumExp of the scores;
- half_mlp: an MLPClassifier on digits with FLOAT16 weights and
  activations (Cast, MatMul, Add, Relu, Softmax), and the input cast to
  FLOAT16 and BFLOAT16 and back;
- text_tfidf: StringNormalizer and TfIdfVectorizer with the unigram and
  bigram vocabulary and idf weights of a scikit-learn TfidfVectorizer fitted
  on the paragraphs of the GPL-3 text Debian ships.

Run with Debian's python3 (python3-sklearn, python3-onnx):
    /usr/bin/python3 make_models.py
The output is deterministic.
"""
import json
import warnings
import re

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from sklearn.datasets import load_digits, load_iris
from sklearn.exceptions import ConvergenceWarning
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

inputs = {}
warnings.filterwarnings("ignore", category=ConvergenceWarning)


def save(name, nodes, ins, outs, inits, feeds):
    graph = helper.make_graph(nodes, name, ins, outs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 15)], producer_name="aiassure-testdata")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, name + ".onnx")
    inputs[name] = feeds


def vi(name, typ, shape):
    return helper.make_tensor_value_info(name, typ, shape)


# double_logreg
iris = load_iris()
sc = StandardScaler().fit(iris.data)
lr = LogisticRegression(max_iter=1000).fit(sc.transform(iris.data), iris.target)
save("double_logreg",
     [helper.make_node("Sub", ["X", "mean"], ["c"]),
      helper.make_node("Div", ["c", "scale"], ["z"]),
      helper.make_node("MatMul", ["z", "W"], ["m"]),
      helper.make_node("Add", ["m", "b"], ["scores"]),
      helper.make_node("Softmax", ["scores"], ["probabilities"], axis=1),
      helper.make_node("ArgMax", ["probabilities"], ["label"], axis=1, keepdims=0),
      helper.make_node("ReduceLogSumExp", ["scores"], ["lse"], axes=[1], keepdims=0)],
     [vi("X", TensorProto.DOUBLE, [None, 4])],
     [vi("probabilities", TensorProto.DOUBLE, [None, 3]), vi("label", TensorProto.INT64, [None]),
      vi("lse", TensorProto.DOUBLE, [None])],
     [numpy_helper.from_array(sc.mean_, "mean"), numpy_helper.from_array(sc.scale_, "scale"),
      numpy_helper.from_array(lr.coef_.T.copy(), "W"), numpy_helper.from_array(lr.intercept_, "b")],
     {"X": {"type": "float64", "shape": list(iris.data.shape), "data": iris.data.ravel().tolist()}})

# half_mlp
digits = load_digits()
x = digits.data / 16.0
mlp = MLPClassifier(hidden_layer_sizes=(32,), max_iter=300, random_state=0).fit(x, digits.target)
h = lambda a, n: numpy_helper.from_array(a.astype(np.float16), n)
save("half_mlp",
     [helper.make_node("Cast", ["X"], ["x16"], to=TensorProto.FLOAT16),
      helper.make_node("MatMul", ["x16", "W1"], ["m1"]),
      helper.make_node("Add", ["m1", "b1"], ["a1"]),
      helper.make_node("Relu", ["a1"], ["r1"]),
      helper.make_node("MatMul", ["r1", "W2"], ["m2"]),
      helper.make_node("Add", ["m2", "b2"], ["logits16"]),
      helper.make_node("Softmax", ["logits16"], ["p16"], axis=1),
      helper.make_node("Cast", ["logits16"], ["logits"], to=TensorProto.FLOAT),
      helper.make_node("Cast", ["p16"], ["probabilities"], to=TensorProto.FLOAT),
      helper.make_node("Cast", ["x16"], ["x_f16"], to=TensorProto.FLOAT),
      helper.make_node("Cast", ["X"], ["xb"], to=TensorProto.BFLOAT16),
      helper.make_node("Cast", ["xb"], ["x_bf16"], to=TensorProto.FLOAT)],
     [vi("X", TensorProto.FLOAT, [None, 64])],
     [vi("probabilities", TensorProto.FLOAT, [None, 10]), vi("logits", TensorProto.FLOAT, [None, 10]),
      vi("x_f16", TensorProto.FLOAT, [None, 64]), vi("x_bf16", TensorProto.FLOAT, [None, 64])],
     [h(mlp.coefs_[0], "W1"), h(mlp.intercepts_[0], "b1"), h(mlp.coefs_[1], "W2"), h(mlp.intercepts_[1], "b2")],
     # The first 100 digits, scaled by a factor that makes inputs that are not
     # FLOAT16 or BFLOAT16 values (some exact ties included).
     {"X": {"type": "float32", "shape": [100, 64],
            "data": [float(v) for v in (x[:100] * np.float32(0.7001)).astype(np.float32).ravel()]}})

# text_tfidf
text = open("/usr/share/common-licenses/GPL-3", encoding="utf-8").read()
paragraphs = [p for p in re.split(r"\n\s*\n", text) if p.strip()]
tv = TfidfVectorizer(ngram_range=(1, 2), min_df=3, lowercase=True).fit(paragraphs)
vocab = sorted(tv.vocabulary_.items(), key=lambda kv: (len(kv[0].split()), kv[1]))
uni = [w for w, _ in vocab if " " not in w]
bi = [w for w, _ in vocab if " " in w]
pool = uni + [t for w in bi for t in w.split()]
indexes = [tv.vocabulary_[w] for w in uni + bi]
weights = [float(tv.idf_[i]) for i in indexes]
stop = ["the", "of", "a", "an"]
# The first paragraph of at least 80 tokens, by scikit-learn's token pattern
# (case kept: StringNormalizer lowers it).
tokens = next(t for t in (re.findall(r"(?u)\b\w\w+\b", p) for p in paragraphs) if len(t) >= 80)
nodes = [helper.make_node("StringNormalizer", ["S"], ["norm"], case_change_action="LOWER", is_case_sensitive=0, locale="C.UTF-8",
                          stopwords=stop),
         helper.make_node("TfIdfVectorizer", ["norm"], ["tfidf"], mode="TFIDF", min_gram_length=1,
                          max_gram_length=2, max_skip_count=0, ngram_counts=[0, len(uni)],
                          ngram_indexes=indexes, pool_strings=pool, weights=weights),
         helper.make_node("TfIdfVectorizer", ["norm"], ["tf_skip"], mode="TF", min_gram_length=2,
                          max_gram_length=2, max_skip_count=2, ngram_counts=[0, len(uni)],
                          ngram_indexes=indexes, pool_strings=pool)]
save("text_tfidf", nodes, [vi("S", TensorProto.STRING, [1, None])],
     [vi("norm", TensorProto.STRING, [1, None]), vi("tfidf", TensorProto.FLOAT, [1, len(indexes)]),
      vi("tf_skip", TensorProto.FLOAT, [1, len(indexes)])], [],
     {"S": {"type": "string", "shape": [1, len(tokens)], "data": tokens}})

with open("inputs.json", "w") as f:
    json.dump(inputs, f, sort_keys=True)
    f.write("\n")
