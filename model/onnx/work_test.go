package onnx

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aiassure/aiassure/model"
)

// Work is exact and deterministic: a decision tree visits more nodes on
// some inputs than on others (scikit-learn's depth-4 tree on iris decides
// setosa at the root), an MLP produces the same elements for every input,
// and a batch does the sum of its rows' work.
func TestWork(t *testing.T) {
	ctx := context.Background()
	tree, err := Load(filepath.Join("testdata", "ml", "tree_iris.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	setosa := []float32{5.1, 3.5, 1.4, 0.2}
	virginica := []float32{6.3, 2.5, 5.0, 1.9}
	work := func(m *Model, rows ...[]float32) int64 {
		t.Helper()
		var data []float32
		for _, r := range rows {
			data = append(data, r...)
		}
		w, err := m.Work(ctx, &model.Tensor{Shape: []int{len(rows), len(rows[0])}, Data: data})
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	ws, wv := work(tree, setosa), work(tree, virginica)
	// 4 output elements (a label and three probabilities) plus the nodes
	// on the path: the root and a leaf for setosa.
	if ws != 6 || wv <= ws {
		t.Errorf("tree work: setosa %d (want 6), virginica %d (want more)", ws, wv)
	}
	if w := work(tree, setosa, virginica); w != ws+wv {
		t.Errorf("batch work %d, want %d + %d", w, ws, wv)
	}
	if w := work(tree, setosa); w != ws {
		t.Errorf("work is not deterministic: %d then %d", ws, w)
	}
	mlp, err := Load(filepath.Join("..", "..", "examples", "minimal-risk", "model", "mlp.onnx"))
	if err != nil {
		t.Fatal(err)
	}
	if a, b := work(mlp, setosa), work(mlp, virginica); a != b || a <= 0 {
		t.Errorf("mlp work %d and %d: want the same positive count", a, b)
	}
	if _, err := tree.Work(ctx, &model.Tensor{Shape: []int{1, 3}, Data: make([]float32, 3)}); err == nil {
		t.Error("a wrong shape must be an error")
	}
}
