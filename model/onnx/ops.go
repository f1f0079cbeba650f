package onnx

import "math"

// opsAI lists the supported ai.onnx operators. since lists the opset
// versions at which the operator's definition changed (up to opset 17); a
// node resolves to the newest one not above the model's opset, and must
// resolve to min or later.
var opsAI = map[string]opDef{
	"Add":                {since: []int{1, 6, 7, 13, 14}, min: 7, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeBinary(opAdd)},
	"Sub":                {since: []int{1, 6, 7, 13, 14}, min: 7, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeBinary(opSub)},
	"Mul":                {since: []int{1, 6, 7, 13, 14}, min: 7, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeBinary(opMul)},
	"Div":                {since: []int{1, 6, 7, 13, 14}, min: 7, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeBinary(opDiv)},
	"Gemm":               {since: []int{1, 6, 7, 9, 11, 13}, min: 7, minIn: 2, maxIn: 3, maxOut: 1, grad: true, make: makeGemm},
	"MatMul":             {since: []int{1, 9, 13}, min: 1, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeMatMul},
	"Relu":               {since: []int{1, 6, 13, 14}, min: 6, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeActivation(actRelu)},
	"LeakyRelu":          {since: []int{1, 6, 16}, min: 6, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeActivation(actLeaky)},
	"Sigmoid":            {since: []int{1, 6, 13}, min: 6, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeActivation(actSigmoid)},
	"Tanh":               {since: []int{1, 6, 13}, min: 6, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeActivation(actTanh)},
	"Softmax":            {since: []int{1, 11, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeSoftmax(false)},
	"LogSoftmax":         {since: []int{1, 11, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeSoftmax(true)},
	"Conv":               {since: []int{1, 11}, min: 1, minIn: 2, maxIn: 3, maxOut: 1, grad: true, make: makeConv},
	"MaxPool":            {since: []int{1, 8, 10, 11, 12}, min: 1, minIn: 1, maxIn: 1, maxOut: 2, grad: true, make: makeMaxPool},
	"AveragePool":        {since: []int{1, 7, 10, 11}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeAveragePool},
	"GlobalAveragePool":  {since: []int{1}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeGlobalAveragePool},
	"BatchNormalization": {since: []int{1, 6, 7, 9, 14, 15}, min: 7, minIn: 5, maxIn: 5, maxOut: 5, grad: true, make: makeBatchNorm},
	"Flatten":            {since: []int{1, 9, 11, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeFlatten},
	"Reshape":            {since: []int{1, 5, 13, 14}, min: 5, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeReshape},
	"Transpose":          {since: []int{1, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeTranspose},
	"Concat":             {since: []int{1, 4, 11, 13}, min: 4, minIn: 1, maxIn: math.MaxInt32, maxOut: 1, grad: true, make: makeConcat},
	"Identity":           {since: []int{1, 13, 14, 16}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeIdentity},
	"Dropout":            {since: []int{1, 6, 7, 10, 12, 13}, min: 6, minIn: 1, maxIn: 3, maxOut: 2, grad: true, make: makeDropout},
	"Clip":               {since: []int{1, 6, 11, 12, 13}, min: 6, minIn: 1, maxIn: 3, maxOut: 1, grad: true, make: makeClip},
	"Constant":           {since: []int{1, 9, 11, 12, 13}, min: 1, minIn: 0, maxIn: 0, maxOut: 1, make: makeConstant},
	"Shape":              {since: []int{1, 13, 15}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, make: makeShape},
	"Gather":             {since: []int{1, 11, 13}, min: 1, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeGather},
	"Unsqueeze":          {since: []int{1, 11, 13}, min: 1, minIn: 1, maxIn: 2, maxOut: 1, grad: true, make: makeUnsqueeze},
	"Squeeze":            {since: []int{1, 11, 13}, min: 1, minIn: 1, maxIn: 2, maxOut: 1, grad: true, make: makeSqueeze},
	"Cast":               {since: []int{1, 6, 9, 13}, min: 6, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeCast},
	"Pad":                {since: []int{1, 2, 11, 13}, min: 2, minIn: 1, maxIn: 3, maxOut: 1, grad: true, make: makePad},
	"ArgMax":             {since: []int{1, 11, 12, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, make: makeArgMax},
	"ReduceMean":         {since: []int{1, 11, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeReduce(redMean)},
	"ReduceSum":          {since: []int{1, 11, 13}, min: 1, minIn: 1, maxIn: 2, maxOut: 1, grad: true, make: makeReduce(redSum)},
	"ReduceMax":          {since: []int{1, 11, 12, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeReduce(redMax)},
}

// SupportedOperators returns the supported operators, keyed "Op" for
// ai.onnx and "ai.onnx.ml.Op" for ai.onnx.ml, with whether each has a
// gradient.
func SupportedOperators() map[string]bool {
	out := map[string]bool{}
	for name, def := range opsAI {
		out[name] = def.grad
	}
	for name, def := range opsML {
		out[domainML+"."+name] = def.grad
	}
	return out
}
