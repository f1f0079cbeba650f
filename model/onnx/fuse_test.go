package onnx

import (
	"os"
	"path/filepath"
	"testing"
)

// TestFusion checks that the example CNN's Conv, BatchNormalization and Relu
// become one node (its outputs are checked against ONNX Runtime elsewhere).
func TestFusion(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "examples", "border-biometrics", "model", "cnn.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	g, err := compile(data, DefaultLimits())
	if err != nil {
		t.Fatal(err)
	}
	var ops []string
	for _, n := range g.nodes {
		ops = append(ops, n.op)
	}
	if len(ops) != 4 || ops[0] != "Conv" || !g.nodes[0].k.(*convOp).relu {
		t.Errorf("nodes after fusion: %v", ops)
	}
}
