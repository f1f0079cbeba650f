package onnx

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds arbitrary bytes to the decoder and, when a graph compiles,
// runs it (and its gradient) on zero inputs. Nothing may panic: a kernel
// panic surfaces as errInternal, which fails the fuzz test.
func FuzzParse(f *testing.F) {
	for _, dir := range []string{"seed", "ml", "signal"} {
		files, _ := filepath.Glob(filepath.Join("testdata", dir, "*.onnx"))
		for _, file := range files {
			if dir == "ml" && filepath.Base(file) != "tree_iris.onnx" && filepath.Base(file) != "logreg_iris.onnx" {
				continue
			}
			b, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	lim := Limits{MaxFileBytes: 1 << 20, MaxTensorElements: 1 << 14, MaxNodes: 256, MaxRank: 6, MaxRunBytes: 1 << 22}
	f.Fuzz(func(t *testing.T, data []byte) {
		g, err := compile(data, lim)
		if err != nil {
			if errors.Is(err, errInternal) {
				t.Fatal(err)
			}
			return
		}
		feeds := make([]*tensor, len(g.inputs))
		for k, v := range g.inputs {
			feeds[k] = zeroFeed(g.values[v].typ, lim)
			if feeds[k] == nil {
				return
			}
		}
		r := newRunner(g, 2)
		if err := r.forward(context.Background(), feeds); err != nil {
			if errors.Is(err, errInternal) {
				t.Fatal(err)
			}
			return
		}
		if len(g.inputs) == 0 {
			return
		}
		in, out := g.inputs[0], g.outputs[0]
		need, err := g.gradPlan(in, out, feeds[0].dt)
		if err != nil || r.vals[out] == nil || r.vals[out].dt != dtFloat {
			return
		}
		seed := make([]float32, r.vals[out].size())
		for i := range seed {
			seed[i] = 1
		}
		if err := r.backward(context.Background(), need, out, seed); errors.Is(err, errInternal) {
			t.Fatal(err)
		}
	})
}

// zeroFeed returns a zero tensor of a declared input type (an empty
// sequence or optional for those kinds), or nil when the type or shape is
// unknown or too large.
func zeroFeed(typ *typeProto, lim Limits) *tensor {
	if typ.isSeqKind() {
		if typ.kind == typeOptional {
			return newOptional(nil)
		}
		return &tensor{seq: &seqVal{}}
	}
	if typ == nil || typ.kind != typeTensor || !typ.hasShape {
		return nil
	}
	dt := dtype(typ.elemType)
	if !dt.supported() {
		return nil
	}
	shape := make([]int, len(typ.dims))
	for i, d := range typ.dims {
		switch {
		case !d.hasValue:
			shape[i] = 1
		case d.value < 0 || d.value > 64:
			return nil
		default:
			shape[i] = int(d.value)
		}
	}
	if _, err := checkedProd(shape, lim.MaxTensorElements); err != nil {
		return nil
	}
	return newTensor(dt, shape)
}
