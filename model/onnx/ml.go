package onnx

// opsML lists the supported ai.onnx.ml operators.
var opsML = map[string]opDef{}
