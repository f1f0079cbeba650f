#!/usr/bin/python3
"""Makes the signal, RoiAlign and sequence test models of model/onnx, with
their inputs in inputs.json, from real data: the electrocardiogram SciPy
ships (scipy.misc.electrocardiogram, 360 Hz) and the scikit-learn digits
images. ../types/run_ort.js, run in this directory, then records ONNX
Runtime's outputs (ort.json), the reference of TestSignalMatchONNXRuntime.

- dft_ecg: DFT of 2 ECG windows of 50 samples, forward zero-padded to 64
  points, and onesided;
- dft_complex: the inverse DFT of a complex signal (ECG windows as real and
  imaginary parts) of 7 points along an inner axis, truncated to 6;
- stft_ecg: STFT of 2 ECG records of 720 samples with a Hann window of 64
  every 24 samples, onesided;
- mel_ecg: MelWeightMatrix for 12 mel bins of a 63-point (odd) DFT at 360 Hz
  from 0.5 Hz to 170 Hz (at the Nyquist frequency, 180 Hz, the last filter
  of an odd-length DFT falls one past the last bin, which ONNX Runtime
  refuses, as the interpreter does);
- roialign_max: RoiAlign 16 in max mode with adaptive sampling, half_pixel,
  spatial_scale 0.5, over 3 digits images and 6 boxes, some partly outside;
- roialign_avg10: RoiAlign 10 (avg, sampling_ratio 2) over the same;
- seq_rows: a digits image split into row sequences (SplitToSequence with
  uneven lengths), each summed by SequenceMap, erased, inserted, and joined
  back by ConcatFromSequence, and a Loop that grows a sequence.

Run with Debian's python3 (python3-scipy, python3-sklearn, python3-onnx):
    /usr/bin/python3 make_models.py
The output is deterministic.
"""
import json
import warnings

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from scipy import misc
from sklearn.datasets import load_digits

inputs = {}
warnings.filterwarnings("ignore", category=DeprecationWarning)


def save(name, opset, nodes, ins, outs, inits, feeds):
    graph = helper.make_graph(nodes, name, ins, outs, inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)], producer_name="aiassure-testdata")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, name + ".onnx")
    inputs[name] = {k: {"type": "float32", "shape": list(v.shape), "data": [float(x) for x in v.ravel()]} for k, v in feeds.items()}


def vi(name, shape, typ=TensorProto.FLOAT):
    return helper.make_tensor_value_info(name, typ, shape)


def const(name, v):
    return numpy_helper.from_array(np.asarray(v), name)


ecg = misc.electrocardiogram().astype(np.float32)

# DFT: two windows of 50 samples, [2, 50, 1].
x = np.stack([ecg[1000:1050], ecg[5000:5050]]).reshape(2, 50, 1)
save("dft_ecg", 17, [helper.make_node("DFT", ["x", "n64"], ["full"], axis=1),
                     helper.make_node("DFT", ["x"], ["half"], axis=1, onesided=1)],
     [vi("x", [2, 50, 1])], [vi("full", [2, 64, 2]), vi("half", [2, 26, 2])], [const("n64", np.int64(64))], {"x": x})

z = np.stack([ecg[2000:2042], ecg[3000:3042]], axis=-1).reshape(2, 3, 7, 2)
save("dft_complex", 17, [helper.make_node("DFT", ["z", "n6"], ["y"], axis=-2, inverse=1)],
     [vi("z", [2, 3, 7, 2])], [vi("y", [2, 3, 6, 2])], [const("n6", np.int64(6))], {"z": z})

s = np.stack([ecg[0:720], ecg[36000:36720]]).reshape(2, 720, 1)
hann = (0.5 - 0.5 * np.cos(2 * np.pi * np.arange(64) / 64)).astype(np.float32)
frames = 1 + (720 - 64) // 24
save("stft_ecg", 17, [helper.make_node("STFT", ["s", "step", "w"], ["y"])],
     [vi("s", [2, 720, 1])], [vi("y", [2, frames, 33, 2])], [const("step", np.int64(24)), const("w", hann)], {"s": s})

save("mel_ecg", 17, [helper.make_node("Identity", ["d"], ["d2"]),
                     helper.make_node("MelWeightMatrix", ["bins", "len", "rate", "lo", "hi"], ["m"])],
     [vi("d", [1])], [vi("d2", [1]), vi("m", [32, 12])],
     [const("bins", np.int64(12)), const("len", np.int64(63)), const("rate", np.int64(360)),
      const("lo", np.float32(0.5)), const("hi", np.float32(170))], {"d": np.zeros(1, np.float32)})

digits = load_digits().images.astype(np.float32)  # [1797, 8, 8], values 0..16
X = np.stack([digits[0:3], digits[3:6]], axis=1).reshape(3, 2, 8, 8)  # 3 images, 2 channels
rois = np.array([[0, 0, 7, 7], [2, 1, 14, 9], [-3, -2, 5, 6], [10, 10, 20, 18], [1.3, 2.7, 2.9, 3.1], [4, 0, 16, 16]], np.float32)
idx = np.array([0, 1, 2, 0, 1, 2], np.int64)
save("roialign_max", 16, [helper.make_node("RoiAlign", ["X", "rois", "idx"], ["y"], mode="max", output_height=3, output_width=4,
                                           sampling_ratio=0, spatial_scale=0.5, coordinate_transformation_mode="half_pixel")],
     [vi("X", [3, 2, 8, 8])], [vi("y", [6, 2, 3, 4])], [const("rois", rois), const("idx", idx)], {"X": X})
save("roialign_avg10", 10, [helper.make_node("RoiAlign", ["X", "rois", "idx"], ["y"], output_height=2, output_width=3,
                                             sampling_ratio=2, spatial_scale=0.5)],
     [vi("X", [3, 2, 8, 8])], [vi("y", [6, 2, 2, 3])], [const("rois", rois), const("idx", idx)], {"X": X})

# Sequences: rows of a digits image [8, 8] split 3+1+4, each summed over
# its rows (SequenceMap of ReduceSum), the middle one erased, the first
# inserted at the end, stacked: [3, 8]. A Loop inserts row i of the image
# (i = 0..4) into a sequence, which ConcatFromSequence joins: [5, 8].
body = helper.make_graph([helper.make_node("ReduceSum", ["r", "ax0"], ["s"], keepdims=0)], "sum_rows",
                         [vi("r", [None, 8])], [vi("s", [8])])
loop = helper.make_graph([helper.make_node("Identity", ["c_in"], ["c_out"]),
                          helper.make_node("Gather", ["img", "i"], ["row"], axis=0),
                          helper.make_node("Unsqueeze", ["row", "ax0"], ["row1"]),
                          helper.make_node("SequenceInsert", ["seq_in", "row1"], ["seq_out"])], "grow",
                         [vi("i", [], TensorProto.INT64), vi("c_in", [], TensorProto.BOOL),
                          helper.make_tensor_sequence_value_info("seq_in", TensorProto.FLOAT, None)],
                         [vi("c_out", [], TensorProto.BOOL), helper.make_tensor_sequence_value_info("seq_out", TensorProto.FLOAT, None)])
nodes = [helper.make_node("SplitToSequence", ["img", "split"], ["rows"], axis=0),
         helper.make_node("SequenceMap", ["rows"], ["sums"], body=body),
         helper.make_node("SequenceAt", ["sums", "zero"], ["first"]),
         helper.make_node("SequenceErase", ["sums", "one"], ["erased"]),
         helper.make_node("SequenceInsert", ["erased", "first"], ["again"]),
         helper.make_node("ConcatFromSequence", ["again"], ["stacked"], axis=0, new_axis=1),
         helper.make_node("SequenceEmpty", [], ["empty"], dtype=TensorProto.FLOAT),
         helper.make_node("Loop", ["five", "", "empty"], ["grown"], body=loop),
         helper.make_node("ConcatFromSequence", ["grown"], ["joined"], axis=0)]
save("seq_rows", 17, nodes, [vi("img", [8, 8])], [vi("stacked", [3, 8]), vi("joined", [5, 8])],
     [const("split", np.array([3, 1, 4], np.int64)), const("zero", np.int64(0)), const("one", np.int64(1)),
      const("five", np.int64(5)), const("ax0", np.array([0], np.int64))], {"img": digits[7]})

with open("inputs.json", "w") as f:
    json.dump(inputs, f, sort_keys=True)
