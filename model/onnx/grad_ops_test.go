package onnx

import "math/rand/v2"

// shifted applies op to X + 2 (for functions defined on positive inputs).
func shifted(op string, attrs ...ab) []nb {
	return []nb{{op: "Add", in: []string{"X", "Two"}, out: []string{"P"}}, {op: op, in: []string{"P"}, out: []string{"Y"}, attrs: attrs}}
}

var two = tb{name: "Two", shape: []int{}, f: []float32{2}}

// moreGradCases covers the element-wise, selection, indexing and
// normalisation operators of ops_math.go, ops_select.go, ops_slice.go and
// ops_norm.go.
func moreGradCases(rng *rand.Rand) []gradCase {
	w := func(name string, shape ...int) tb { return randT(rng, name, -1, 1, shape...) }
	sc := func(name string, v float32) tb { return tb{name: name, shape: []int{}, f: []float32{v}} }
	small := []int{3, 4}
	var cases []gradCase
	for _, op := range []string{"Erf", "Exp", "Neg", "Abs", "Sin", "Cos", "Tan", "Atan", "Asin", "Acos", "Sinh", "Cosh", "Asinh", "Atanh", "Softplus", "Softsign", "HardSwish"} {
		cases = append(cases, gradCase{name: op, xshape: small, nodes: one(op, []string{"X"})})
	}
	// Piecewise constant: a zero gradient, which central differences
	// confirm away from the steps (an element whose step crosses one is
	// skipped, as at every kink); X·X is added so that the case has a
	// gradient to compare at all.
	for _, op := range []string{"Floor", "Ceil", "Round", "Sign"} {
		cases = append(cases, gradCase{name: op, xshape: small, nodes: []nb{
			{op: op, in: []string{"X"}, out: []string{"F"}},
			{op: "Mul", in: []string{"X", "X"}, out: []string{"S"}},
			{op: "Add", in: []string{"F", "S"}, out: []string{"Y"}},
		}})
	}
	cases = append(cases,
		gradCase{name: "Mish", opset: 18, xshape: small, nodes: one("Mish", []string{"X"})},
		gradCase{name: "Gelu", opset: 20, xshape: small, nodes: one("Gelu", []string{"X"})},
		gradCase{name: "Gelu tanh", opset: 20, xshape: small, nodes: one("Gelu", []string{"X"}, aStr("approximate", "tanh"))},
	)
	for _, op := range []string{"Log", "Sqrt", "Reciprocal", "Acosh"} {
		cases = append(cases, gradCase{name: op, xshape: small, nodes: shifted(op), inits: []tb{two}})
	}
	for _, op := range []string{"ReduceMin", "ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSumExp", "ReduceSumSquare"} {
		cases = append(cases, gradCase{name: op, xshape: []int{2, 3, 4}, nodes: one(op, []string{"X"}, aInts("axes", 0, 2), aInt("keepdims", 0))})
	}
	pos := func(name string, shape ...int) tb { return randT(rng, name, 0.5, 1.5, shape...) }
	cases = append(cases,
		gradCase{name: "Add/opset 6 broadcast at axis", opset: 6, xshape: []int{2, 3, 4}, nodes: one("Add", []string{"X", "W"}, aInt("broadcast", 1), aInt("axis", 1)), inits: []tb{w("W", 3)}},
		gradCase{name: "Mul/opset 6 trailing broadcast", opset: 6, xshape: []int{2, 3}, nodes: one("Mul", []string{"X", "W"}, aInt("broadcast", 1)), inits: []tb{w("W", 3)}},
		gradCase{name: "Max/opset 6", opset: 6, xshape: []int{2, 3}, nodes: one("Max", []string{"X", "W"}), inits: []tb{w("W", 2, 3)}},
		gradCase{name: "Hardmax times X", xshape: []int{3, 4}, nodes: []nb{{op: "Hardmax", in: []string{"X"}, out: []string{"H"}}, {op: "Mul", in: []string{"H", "X"}, out: []string{"Y"}}}},
		gradCase{name: "DepthToSpace/DCR", xshape: []int{1, 8, 2, 3}, nodes: []nb{{op: "DepthToSpace", in: []string{"X"}, out: []string{"D"}, attrs: []ab{aInt("blocksize", 2)}}, {op: "Mul", in: []string{"D", "W"}, out: []string{"Y"}}}, inits: []tb{w("W", 2, 4, 6)}},
		gradCase{name: "DepthToSpace/CRD", xshape: []int{1, 8, 2, 3}, nodes: []nb{{op: "DepthToSpace", in: []string{"X"}, out: []string{"D"}, attrs: []ab{aInt("blocksize", 2), aStr("mode", "CRD")}}, {op: "Mul", in: []string{"D", "W"}, out: []string{"Y"}}}, inits: []tb{w("W", 2, 4, 6)}},
		gradCase{name: "SpaceToDepth", xshape: []int{1, 2, 4, 6}, nodes: []nb{{op: "SpaceToDepth", in: []string{"X"}, out: []string{"D"}, attrs: []ab{aInt("blocksize", 2)}}, {op: "Mul", in: []string{"D", "W"}, out: []string{"Y"}}}, inits: []tb{w("W", 8, 2, 3)}},
		gradCase{name: "InstanceNormalization", xshape: []int{2, 3, 2, 4}, nodes: []nb{
			{op: "InstanceNormalization", in: []string{"X", "S", "B"}, out: []string{"N"}},
			{op: "Mul", in: []string{"N", "W"}, out: []string{"Y"}},
		}, inits: []tb{w("S", 3), w("B", 3), w("W", 3, 1, 1)}},
		gradCase{name: "GlobalMaxPool", xshape: []int{2, 3, 2, 2}, nodes: one("GlobalMaxPool", []string{"X"})},
		gradCase{name: "Resize/linear half_pixel", xshape: []int{1, 2, 3, 4}, nodes: one("Resize", []string{"X", "", "S"}, aStr("mode", "linear")), inits: []tb{{name: "S", shape: []int{4}, f: []float32{1, 1, 1.5, 0.75}}}},
		gradCase{name: "Resize/cubic sizes align_corners", xshape: []int{1, 1, 4, 4}, nodes: one("Resize", []string{"X", "", "", "Z"}, aStr("mode", "cubic"), aStr("coordinate_transformation_mode", "align_corners")), inits: []tb{intT("Z", 1, 1, 6, 3)}},
		gradCase{name: "Resize/nearest", xshape: []int{1, 1, 2, 3}, nodes: one("Resize", []string{"X", "", "S"}), inits: []tb{{name: "S", shape: []int{4}, f: []float32{1, 1, 2, 3}}}},
		gradCase{name: "Upsample/opset 9", opset: 9, xshape: []int{1, 1, 2, 3}, nodes: one("Upsample", []string{"X", "S"}, aStr("mode", "linear")), inits: []tb{{name: "S", shape: []int{4}, f: []float32{1, 1, 2, 2}}}},
		gradCase{name: "ConvTranspose/strides pads output_padding", xshape: []int{2, 2, 3, 3}, nodes: one("ConvTranspose", []string{"X", "W", "B"}, aInts("strides", 2, 2), aInts("pads", 1, 0, 0, 1), aInts("output_padding", 1, 0)), inits: []tb{w("W", 2, 3, 3, 3), w("B", 3)}},
		gradCase{name: "ConvTranspose/groups dilations same", xshape: []int{1, 4, 3}, nodes: one("ConvTranspose", []string{"X", "W"}, aInt("group", 2), aInts("dilations", 2), aInts("strides", 2), aStr("auto_pad", "SAME_UPPER")), inits: []tb{w("W", 4, 1, 3)}},
		gradCase{name: "GatherND/batch_dims", xshape: []int{2, 3, 4}, nodes: one("GatherND", []string{"X", "I"}, aInt("batch_dims", 1)), inits: []tb{{name: "I", shape: []int{2, 2, 1}, i: []int64{2, 0, -1, 1}}}},
		gradCase{name: "Compress/axis", xshape: []int{3, 4}, nodes: []nb{
			{op: "Cast", in: []string{"C"}, out: []string{"B"}, attrs: []ab{aInt("to", int64(dtBool))}},
			{op: "Compress", in: []string{"X", "B"}, out: []string{"Y"}, attrs: []ab{aInt("axis", 1)}},
		}, inits: []tb{{name: "C", shape: []int{3}, i: []int64{1, 0, 1}}}},
		gradCase{name: "TopK", xshape: []int{3, 5}, nodes: []nb{{op: "TopK", in: []string{"X", "K"}, out: []string{"Y", "I"}}}, inits: []tb{intT("K", 2)}},
		gradCase{name: "Einsum/batch matmul", xshape: []int{2, 3, 4}, nodes: one("Einsum", []string{"X", "W"}, aStr("equation", "bij,bjk->bik")), inits: []tb{w("W", 2, 4, 5)}},
		gradCase{name: "Einsum/X twice, ellipsis", xshape: []int{2, 3}, nodes: one("Einsum", []string{"X", "X", "W"}, aStr("equation", "...i,...i,i->...")), inits: []tb{w("W", 3)}},
		gradCase{name: "Einsum/diagonal implicit", xshape: []int{2, 3, 3}, nodes: one("Einsum", []string{"X"}, aStr("equation", "bii"))},
		gradCase{name: "PRelu/opset 6 per channel", opset: 6, xshape: []int{2, 3, 2}, nodes: one("PRelu", []string{"X", "S"}), inits: []tb{w("S", 3)}},
		gradCase{name: "GridSample/bilinear reflection", xshape: []int{1, 2, 3, 4}, nodes: one("GridSample", []string{"X", "G"}, aStr("padding_mode", "reflection")), inits: []tb{randT(rng, "G", -1.3, 1.3, 1, 2, 3, 2)}},
		gradCase{name: "GridSample/bicubic border align", xshape: []int{1, 1, 4, 4}, nodes: one("GridSample", []string{"X", "G"}, aStr("mode", "bicubic"), aStr("padding_mode", "border"), aInt("align_corners", 1)), inits: []tb{randT(rng, "G", -1.2, 1.2, 1, 3, 2, 2)}},
		gradCase{name: "Pow/opset 6 broadcast at axis", opset: 6, xshape: []int{2, 3}, nodes: []nb{{op: "Add", in: []string{"X", "Two"}, out: []string{"P"}, attrs: []ab{aInt("broadcast", 1)}}, {op: "Pow", in: []string{"P", "E"}, out: []string{"Y"}, attrs: []ab{aInt("broadcast", 1), aInt("axis", 0)}}}, inits: []tb{two, {name: "E", shape: []int{2}, f: []float32{2, 0.5}}}},
		gradCase{name: "GatherElements", xshape: []int{3, 4}, nodes: one("GatherElements", []string{"X", "I"}, aInt("axis", 1)), inits: []tb{{name: "I", shape: []int{3, 2}, i: []int64{0, 3, -1, 1, 2, 2}}}},
		gradCase{name: "NegativeLogLikelihoodLoss/weighted mean", xshape: []int{3, 4, 2}, nodes: one("NegativeLogLikelihoodLoss", []string{"X", "T", "W"}), inits: []tb{{name: "T", shape: []int{3, 2}, i: []int64{1, 0, 3, 3, 2, 0}}, pos("W", 4)}},
		gradCase{name: "NegativeLogLikelihoodLoss/none ignore", xshape: []int{3, 4}, nodes: one("NegativeLogLikelihoodLoss", []string{"X", "T"}, aStr("reduction", "none"), aInt("ignore_index", 2)), inits: []tb{intT("T", 1, 2, 3)}},
		gradCase{name: "SoftmaxCrossEntropyLoss", xshape: []int{3, 4}, nodes: one("SoftmaxCrossEntropyLoss", []string{"X", "T", "W"}, aInt("ignore_index", 0)), inits: []tb{intT("T", 1, 0, 3), pos("W", 4)}},
		gradCase{name: "SoftmaxCrossEntropyLoss/sum 3-D", xshape: []int{2, 3, 2}, nodes: one("SoftmaxCrossEntropyLoss", []string{"X", "T"}, aStr("reduction", "sum")), inits: []tb{{name: "T", shape: []int{2, 2}, i: []int64{2, 0, 1, 1}}}},
		gradCase{name: "ReduceLogSum", xshape: []int{2, 3}, nodes: shifted("ReduceLogSum", aInts("axes", 1)), inits: []tb{two}},
		gradCase{name: "Elu", xshape: small, nodes: one("Elu", []string{"X"}, aFloat("alpha", 0.7))},
		gradCase{name: "Celu", opset: 17, xshape: small, nodes: one("Celu", []string{"X"}, aFloat("alpha", 2))},
		gradCase{name: "Selu", xshape: small, nodes: one("Selu", []string{"X"})},
		gradCase{name: "HardSigmoid", xshape: small, nodes: one("HardSigmoid", []string{"X"}, aFloat("alpha", 1.5))},
		gradCase{name: "ThresholdedRelu", xshape: small, nodes: one("ThresholdedRelu", []string{"X"}, aFloat("alpha", 0.1))},
		gradCase{name: "Shrink", xshape: small, nodes: one("Shrink", []string{"X"}, aFloat("lambd", 0.1), aFloat("bias", 0.3))},
		gradCase{name: "Pow/base", xshape: []int{2, 3}, nodes: []nb{{op: "Add", in: []string{"X", "Two"}, out: []string{"P"}}, {op: "Pow", in: []string{"P", "E"}, out: []string{"Y"}}}, inits: []tb{two, {name: "E", shape: []int{3}, f: []float32{2.5, -1, 0.5}}}},
		gradCase{name: "Pow/exponent", xshape: []int{2, 3}, nodes: one("Pow", []string{"B", "X"}), inits: []tb{{name: "B", shape: []int{3}, f: []float32{0.5, 2, 3}}}},
		gradCase{name: "Pow/int exponent", xshape: []int{2, 3}, nodes: []nb{{op: "Add", in: []string{"X", "Two"}, out: []string{"P"}}, {op: "Pow", in: []string{"P", "E"}, out: []string{"Y"}}}, inits: []tb{two, intT("E", 3)}},
		gradCase{name: "PRelu", xshape: []int{2, 3, 2}, nodes: one("PRelu", []string{"X", "S"}), inits: []tb{w("S", 3, 1)}},
		gradCase{name: "PRelu/slope", xshape: []int{3, 1}, nodes: one("PRelu", []string{"W", "X"}), inits: []tb{w("W", 2, 3, 4)}},
		gradCase{name: "Where", xshape: []int{2, 3}, nodes: []nb{
			{op: "Greater", in: []string{"X", "Zero"}, out: []string{"C"}},
			{op: "Mul", in: []string{"X", "X"}, out: []string{"Q"}},
			{op: "Where", in: []string{"C", "Q", "X"}, out: []string{"Y"}},
		}, inits: []tb{sc("Zero", 0)}},
		gradCase{name: "Where/broadcast", xshape: []int{3}, nodes: []nb{
			{op: "Less", in: []string{"W", "Zero"}, out: []string{"C"}},
			{op: "Where", in: []string{"C", "W", "X"}, out: []string{"Y"}},
		}, inits: []tb{sc("Zero", 0), {name: "W", shape: []int{2, 3}, f: []float32{-0.5, 0.3, 0.2, 0.7, -0.1, 0.4}}}},
		gradCase{name: "Max/Min variadic", xshape: []int{2, 3}, nodes: []nb{
			{op: "Max", in: []string{"X", "W", "V"}, out: []string{"A"}},
			{op: "Min", in: []string{"X", "W"}, out: []string{"B"}},
			{op: "Add", in: []string{"A", "B"}, out: []string{"Y"}},
		}, inits: []tb{{name: "W", shape: []int{3}, f: []float32{0.05, -0.9, 0.9}}, {name: "V", shape: []int{2, 1}, f: []float32{-1, 1}}}},
		gradCase{name: "Sum/Mean", xshape: []int{2, 3}, nodes: []nb{
			{op: "Sum", in: []string{"X", "W", "X"}, out: []string{"A"}},
			{op: "Mean", in: []string{"A", "X"}, out: []string{"Y"}},
		}, inits: []tb{w("W", 3)}},
		gradCase{name: "Expand", xshape: []int{3, 1}, nodes: one("Expand", []string{"X", "S"}), inits: []tb{intT("S", 2, 1, 4)}},
		gradCase{name: "Tile", xshape: []int{2, 3}, nodes: one("Tile", []string{"X", "R"}), inits: []tb{intT("R", 2, 3)}},
		gradCase{name: "Slice/steps", xshape: []int{4, 5}, nodes: one("Slice", []string{"X", "S", "E", "A", "T"}), inits: []tb{intT("S", -1, 1), intT("E", -100, 5), intT("A", 1, 0), intT("T", -2, 2)}},
		gradCase{name: "Slice/opset 9 attributes", opset: 9, xshape: []int{4, 5}, nodes: one("Slice", []string{"X"}, aInts("starts", 1, 0), aInts("ends", 3, -1))},
		gradCase{name: "Split", xshape: []int{2, 5}, nodes: []nb{
			{op: "Split", in: []string{"X", "P"}, out: []string{"A", "B"}, attrs: []ab{aInt("axis", 1)}},
			{op: "Mul", in: []string{"A", "A"}, out: []string{"Q"}},
			{op: "Concat", in: []string{"B", "Q"}, out: []string{"Y"}, attrs: []ab{aInt("axis", 1)}},
		}, inits: []tb{intT("P", 2, 3)}},
		gradCase{name: "Trilu", opset: 17, xshape: []int{2, 3, 4}, nodes: one("Trilu", []string{"X", "K"}, aInt("upper", 0)), inits: []tb{{name: "K", shape: []int{}, i: []int64{1}}}},
		gradCase{name: "CumSum", xshape: []int{2, 4}, nodes: one("CumSum", []string{"X", "A"}, aInt("exclusive", 1), aInt("reverse", 1)), inits: []tb{{name: "A", shape: []int{}, i: []int64{1}}}},
		gradCase{name: "CumSum/axis 0", xshape: []int{3, 2}, nodes: []nb{{op: "CumSum", in: []string{"X", "A"}, out: []string{"C"}}, {op: "Mul", in: []string{"C", "C"}, out: []string{"Y"}}}, inits: []tb{{name: "A", shape: []int{}, i: []int64{0}}}},
		gradCase{name: "LayerNormalization", opset: 17, xshape: []int{2, 3, 4}, nodes: one("LayerNormalization", []string{"X", "S", "B"}, aInt("axis", 1)), inits: []tb{w("S", 3, 4), w("B", 4)}},
		// The spread inputs of a short row are close together: an offset W
		// keeps the finite-difference step small against the row's spread.
		gradCase{name: "LayerNormalization/last axis", opset: 17, xshape: []int{3, 5}, nodes: []nb{
			{op: "Add", in: []string{"X", "Off"}, out: []string{"T"}},
			{op: "LayerNormalization", in: []string{"T", "S"}, out: []string{"N"}},
			{op: "Mul", in: []string{"N", "N"}, out: []string{"Y"}},
		}, inits: []tb{w("S", 5), w("Off", 3, 5)}},
		gradCase{name: "GELU (Erf form)", xshape: []int{2, 5}, nodes: []nb{
			{op: "Div", in: []string{"X", "R2"}, out: []string{"A"}},
			{op: "Erf", in: []string{"A"}, out: []string{"E"}},
			{op: "Add", in: []string{"E", "One"}, out: []string{"B"}},
			{op: "Mul", in: []string{"X", "B"}, out: []string{"C"}},
			{op: "Mul", in: []string{"C", "Half"}, out: []string{"Y"}},
		}, inits: []tb{sc("R2", 1.4142135), sc("One", 1), sc("Half", 0.5)}},
		gradCase{name: "CastLike", opset: 17, xshape: []int{2, 3}, nodes: []nb{{op: "CastLike", in: []string{"X", "W"}, out: []string{"C"}}, {op: "Mul", in: []string{"C", "C"}, out: []string{"Y"}}}, inits: []tb{w("W", 1)}},
	)
	return cases
}
