package onnx

import "math"

// opsAI lists the supported ai.onnx operators. since lists the opset
// versions at which the operator's definition changed (up to opset 17); a
// node resolves to the newest one not above the model's opset, and must
// resolve to min or later.
var opsAI = map[string]opDef{
	"Add":                {since: []int{1, 6, 7, 13, 14}, min: 1, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeBinary(opAdd)},
	"Sub":                {since: []int{1, 6, 7, 13, 14}, min: 1, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeBinary(opSub)},
	"Mul":                {since: []int{1, 6, 7, 13, 14}, min: 1, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeBinary(opMul)},
	"Div":                {since: []int{1, 6, 7, 13, 14}, min: 1, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeBinary(opDiv)},
	"Gemm":               {since: []int{1, 6, 7, 9, 11, 13}, min: 6, minIn: 2, maxIn: 3, maxOut: 1, grad: true, make: makeGemm},
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
	"BatchNormalization": {since: []int{1, 6, 7, 9, 14, 15}, min: 6, minIn: 5, maxIn: 5, maxOut: 5, grad: true, make: makeBatchNorm},
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

	"ReduceMin":       {since: []int{1, 11, 12, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeReduce(redMin)},
	"ReduceProd":      {since: []int{1, 11, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeReduce(redProd)},
	"ReduceL1":        {since: []int{1, 11, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeReduce(redL1)},
	"ReduceL2":        {since: []int{1, 11, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeReduce(redL2)},
	"ReduceLogSum":    {since: []int{1, 11, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeReduce(redLogSum)},
	"ReduceLogSumExp": {since: []int{1, 11, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeReduce(redLogSumExp)},
	"ReduceSumSquare": {since: []int{1, 11, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeReduce(redSumSquare)},
	"ArgMin":          {since: []int{1, 11, 12, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, make: makeArgMin},
	// Unary math (ops_math.go).
	"Exp":             unary([]int{1, 6, 13}, 6, fnExp),
	"Log":             unary([]int{1, 6, 13}, 6, fnLog),
	"Sqrt":            unary([]int{1, 6, 13}, 6, fnSqrt),
	"Reciprocal":      unary([]int{1, 6, 13}, 6, fnReciprocal),
	"Neg":             unary([]int{1, 6, 13}, 6, fnNeg),
	"Abs":             unary([]int{1, 6, 13}, 6, fnAbs),
	"Floor":           unary([]int{1, 6, 13}, 6, fnFloor),
	"Ceil":            unary([]int{1, 6, 13}, 6, fnCeil),
	"Sign":            unary([]int{9, 13}, 9, fnSign),
	"Erf":             unary([]int{9, 13}, 9, fnErf),
	"Round":           unary([]int{11}, 11, fnRound),
	"Sin":             unary([]int{7}, 7, fnSin),
	"Cos":             unary([]int{7}, 7, fnCos),
	"Tan":             unary([]int{7}, 7, fnTan),
	"Asin":            unary([]int{7}, 7, fnAsin),
	"Acos":            unary([]int{7}, 7, fnAcos),
	"Atan":            unary([]int{7}, 7, fnAtan),
	"Sinh":            unary([]int{9}, 9, fnSinh),
	"Cosh":            unary([]int{9}, 9, fnCosh),
	"Asinh":           unary([]int{9}, 9, fnAsinh),
	"Acosh":           unary([]int{9}, 9, fnAcosh),
	"Atanh":           unary([]int{9}, 9, fnAtanh),
	"Softplus":        unary([]int{1}, 1, fnSoftplus),
	"Softsign":        unary([]int{1}, 1, fnSoftsign),
	"Elu":             unary([]int{1, 6}, 6, fnElu, "elu"),
	"Celu":            unary([]int{12}, 12, fnCelu, "celu"),
	"Selu":            unary([]int{1, 6}, 6, fnSelu, "selu"),
	"HardSigmoid":     unary([]int{1, 6}, 6, fnHardSigmoid, "hardsigmoid"),
	"HardSwish":       unary([]int{14}, 14, fnHardSwish),
	"ThresholdedRelu": unary([]int{10}, 10, fnThresholdedRelu, "thresholded"),
	"Shrink":          unary([]int{9}, 9, fnShrink, "shrink"),
	// Broadcast binary operators (ops_math.go).
	"Pow":            {since: []int{1, 7, 12, 13, 15}, min: 7, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeBroadcast(fnPow)},
	"PRelu":          {since: []int{1, 6, 7, 9, 16}, min: 6, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makePRelu},
	"Equal":          {since: []int{1, 7, 11, 13}, min: 7, minIn: 2, maxIn: 2, maxOut: 1, make: makeBroadcast(fnEqual)},
	"Less":           {since: []int{1, 7, 9, 13}, min: 7, minIn: 2, maxIn: 2, maxOut: 1, make: makeBroadcast(fnLess)},
	"Greater":        {since: []int{1, 7, 9, 13}, min: 7, minIn: 2, maxIn: 2, maxOut: 1, make: makeBroadcast(fnGreater)},
	"LessOrEqual":    {since: []int{12, 16}, min: 12, minIn: 2, maxIn: 2, maxOut: 1, make: makeBroadcast(fnLessOrEqual)},
	"GreaterOrEqual": {since: []int{12, 16}, min: 12, minIn: 2, maxIn: 2, maxOut: 1, make: makeBroadcast(fnGreaterOrEqual)},
	"And":            {since: []int{1, 7}, min: 7, minIn: 2, maxIn: 2, maxOut: 1, make: makeBroadcast(fnAnd)},
	"Or":             {since: []int{1, 7}, min: 7, minIn: 2, maxIn: 2, maxOut: 1, make: makeBroadcast(fnOr)},
	"Xor":            {since: []int{1, 7}, min: 7, minIn: 2, maxIn: 2, maxOut: 1, make: makeBroadcast(fnXor)},
	"Mod":            {since: []int{10, 13}, min: 10, minIn: 2, maxIn: 2, maxOut: 1, make: makeMod},
	"Not":            {since: []int{1}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, make: makeNot},
	// Selection, broadcasting and indexing (ops_select.go, ops_slice.go, ops_norm.go).
	"Where":                     {since: []int{9, 16}, min: 9, minIn: 3, maxIn: 3, maxOut: 1, grad: true, make: makeWhere},
	"Max":                       {since: []int{1, 6, 8, 12, 13}, min: 6, minIn: 1, maxIn: math.MaxInt32, maxOut: 1, grad: true, make: makeVariadic(varMax)},
	"Min":                       {since: []int{1, 6, 8, 12, 13}, min: 6, minIn: 1, maxIn: math.MaxInt32, maxOut: 1, grad: true, make: makeVariadic(varMin)},
	"Sum":                       {since: []int{1, 6, 8, 13}, min: 6, minIn: 1, maxIn: math.MaxInt32, maxOut: 1, grad: true, make: makeVariadic(varSum)},
	"Mean":                      {since: []int{1, 6, 8, 13}, min: 6, minIn: 1, maxIn: math.MaxInt32, maxOut: 1, grad: true, make: makeVariadic(varMean)},
	"Expand":                    {since: []int{8, 13}, min: 8, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeExpand},
	"Tile":                      {since: []int{1, 6, 13}, min: 6, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeTile},
	"Slice":                     {since: []int{1, 10, 11, 13}, min: 1, minIn: 1, maxIn: 5, maxOut: 1, grad: true, make: makeSlice},
	"Split":                     {since: []int{1, 2, 11, 13}, min: 2, minIn: 1, maxIn: 2, maxOut: math.MaxInt32, grad: true, make: makeSplit},
	"Range":                     {since: []int{11}, min: 11, minIn: 3, maxIn: 3, maxOut: 1, make: makeRange},
	"ConstantOfShape":           {since: []int{9}, min: 9, minIn: 1, maxIn: 1, maxOut: 1, make: makeConstantOfShape},
	"Size":                      {since: []int{1, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, make: makeSize},
	"Trilu":                     {since: []int{14}, min: 14, minIn: 1, maxIn: 2, maxOut: 1, grad: true, make: makeTrilu},
	"CumSum":                    {since: []int{11, 14}, min: 11, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeCumSum},
	"CastLike":                  {since: []int{15}, min: 15, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeCastLike},
	"GatherElements":            {since: []int{11, 13}, min: 11, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeGatherElements},
	"ScatterElements":           {since: []int{11, 13, 16}, min: 11, minIn: 3, maxIn: 3, maxOut: 1, make: makeScatterElements},
	"NegativeLogLikelihoodLoss": {since: []int{12, 13}, min: 12, minIn: 2, maxIn: 3, maxOut: 1, grad: true, make: makeLoss(false)},
	"SoftmaxCrossEntropyLoss":   {since: []int{12, 13}, min: 12, minIn: 2, maxIn: 3, maxOut: 2, grad: true, make: makeLoss(true)},
	"BitShift":                  {since: []int{11}, min: 11, minIn: 2, maxIn: 2, maxOut: 1, make: makeBitShift},
	"IsNaN":                     {since: []int{9, 13}, min: 9, minIn: 1, maxIn: 1, maxOut: 1, make: makeIsNaN},
	"IsInf":                     {since: []int{10}, min: 10, minIn: 1, maxIn: 1, maxOut: 1, make: makeIsInf},
	"Hardmax":                   {since: []int{1, 11, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeHardmax},
	"DepthToSpace":              {since: []int{1, 11, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeSpaceDepth(true)},
	"SpaceToDepth":              {since: []int{1, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeSpaceDepth(false)},
	"OneHot":                    {since: []int{9, 11}, min: 9, minIn: 3, maxIn: 3, maxOut: 1, make: makeOneHot},
	"InstanceNormalization":     {since: []int{1, 6}, min: 6, minIn: 3, maxIn: 3, maxOut: 1, grad: true, make: makeInstanceNorm},
	"GlobalMaxPool":             {since: []int{1}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeGlobalMaxPool},
	"EyeLike":                   {since: []int{9}, min: 9, minIn: 1, maxIn: 1, maxOut: 1, make: makeEyeLike},
	"NonZero":                   {since: []int{9, 13}, min: 9, minIn: 1, maxIn: 1, maxOut: 1, make: makeNonZero},
	"Resize":                    {since: []int{10, 11, 13}, min: 10, minIn: 1, maxIn: 4, maxOut: 1, grad: true, make: makeResize(false)},
	"Upsample":                  {since: []int{7, 9}, min: 7, minIn: 1, maxIn: 2, maxOut: 1, grad: true, make: makeResize(true)},
	"ConvTranspose":             {since: []int{1, 11}, min: 1, minIn: 2, maxIn: 3, maxOut: 1, grad: true, make: makeConvTranspose},
	"GatherND":                  {since: []int{11, 12, 13}, min: 11, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeGatherND},
	"ScatterND":                 {since: []int{11, 13, 16}, min: 11, minIn: 3, maxIn: 3, maxOut: 1, make: makeScatterND},
	"Scatter":                   {since: []int{9}, min: 9, minIn: 3, maxIn: 3, maxOut: 1, make: makeScatterElements},
	"Compress":                  {since: []int{9, 11}, min: 9, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeCompress},
	"TopK":                      {since: []int{1, 10, 11}, min: 1, minIn: 1, maxIn: 2, maxOut: 2, grad: true, make: makeTopK},
	"ReverseSequence":           {since: []int{10}, min: 10, minIn: 2, maxIn: 2, maxOut: 1, make: makeReverseSequence},
	"LRN":                       {since: []int{1, 13}, min: 1, minIn: 1, maxIn: 1, maxOut: 1, make: makeLRN},
	"MeanVarianceNormalization": {since: []int{9, 13}, min: 9, minIn: 1, maxIn: 1, maxOut: 1, make: makeMVN},
	"QuantizeLinear":            {since: []int{10, 13}, min: 10, minIn: 2, maxIn: 3, maxOut: 1, make: makeQuantizeLinear},
	"DequantizeLinear":          {since: []int{10, 13}, min: 10, minIn: 2, maxIn: 3, maxOut: 1, make: makeDequantizeLinear},
	"DynamicQuantizeLinear":     {since: []int{11}, min: 11, minIn: 1, maxIn: 1, maxOut: 3, make: makeDynamicQuantize},
	"Einsum":                    {since: []int{12}, min: 12, minIn: 1, maxIn: math.MaxInt32, maxOut: 1, grad: true, make: makeEinsum},
	"Unique":                    {since: []int{11}, min: 11, minIn: 1, maxIn: 1, maxOut: 4, make: makeUnique},
	"GridSample":                {since: []int{16}, min: 16, minIn: 2, maxIn: 2, maxOut: 1, grad: true, make: makeGridSample},
	"NonMaxSuppression":         {since: []int{10, 11}, min: 10, minIn: 2, maxIn: 5, maxOut: 1, make: makeNMS},
	"LayerNormalization":        {since: []int{17}, min: 17, minIn: 2, maxIn: 3, maxOut: 3, grad: true, make: makeLayerNorm},
}

// unary describes a one-input element-wise operator of ops_math.go.
func unary(since []int, min int, fn *unaryFn, params ...string) opDef {
	return opDef{since: since, min: min, minIn: 1, maxIn: 1, maxOut: 1, grad: true, make: makeUnary(fn, params...)}
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
