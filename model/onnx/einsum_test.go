package onnx

import (
	"context"
	"slices"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/model"
)

// TestEinsumForward checks Einsum against values worked out by hand (the
// backend suite's Einsum tests use DOUBLE tensors, which are not supported).
func TestEinsumForward(t *testing.T) {
	x23 := []float32{1, 2, 3, 4, 5, 6}
	for _, c := range []struct {
		name   string
		eq     string
		xshape []int
		x      []float32
		inits  []tb
		want   []float32
		wshape []int
	}{
		{"transpose", "ij->ji", []int{2, 3}, x23, nil, []float32{1, 4, 2, 5, 3, 6}, []int{3, 2}},
		{"matmul implicit", "ij,jk", []int{2, 3}, x23, []tb{{name: "W", shape: []int{3, 1}, f: []float32{1, 0, -1}}}, []float32{-2, -2}, []int{2, 1}},
		{"row sums", "ij->i", []int{2, 3}, x23, nil, []float32{6, 15}, []int{2}},
		{"inner product", "i,i", []int{3}, []float32{1, 2, 3}, []tb{{name: "W", shape: []int{3}, f: []float32{4, 5, 6}}}, []float32{32}, []int{}},
		{"batch diagonal", "...ii->...i", []int{2, 2, 2}, []float32{1, 2, 3, 4, 5, 6, 7, 8}, nil, []float32{1, 4, 5, 8}, []int{2, 2}},
		{"broadcast ellipsis", "...j,j->...", []int{2, 3}, x23, []tb{{name: "W", shape: []int{3}, f: []float32{1, 1, 1}}}, []float32{6, 15}, []int{2}},
	} {
		t.Run(c.name, func(t *testing.T) {
			in := []string{"X"}
			for _, i := range c.inits {
				in = append(in, i.name)
			}
			mb := mbuild{nodes: one("Einsum", in, aStr("equation", c.eq)), inits: c.inits,
				inputs: []vi{{name: "X", dt: dtFloat, dims: c.xshape}}, outputs: []vi{{name: "Y", dt: dtFloat}}}
			g, err := compile(mb.encode(), DefaultLimits())
			if err != nil {
				t.Fatal(err)
			}
			r := newRunner(g, 1)
			if err := r.forward(context.Background(), []*tensor{{dt: dtFloat, shape: c.xshape, f: c.x}}); err != nil {
				t.Fatal(err)
			}
			y := r.vals[g.outputs[0]]
			if !model.SameShape(y.shape, c.wshape) || !slices.Equal(y.f, c.want) {
				t.Fatalf("got %v %v, want %v %v", y.shape, y.f, c.wshape, c.want)
			}
		})
	}
}

func TestEinsumRefused(t *testing.T) {
	for _, c := range []struct{ eq, want string }{
		{"ij->k", "output label"},
		{"ijk", "does not match rank"},
		{"i1", "is not a letter"},
		{"...i...", "more than one ellipsis"},
	} {
		mb := mbuild{nodes: one("Einsum", []string{"X"}, aStr("equation", c.eq)),
			inputs: []vi{{name: "X", dt: dtFloat, dims: []int{2, 3}}}, outputs: []vi{{name: "Y", dt: dtFloat}}}
		_, err := Parse(mb.encode())
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.eq, err, c.want)
		}
	}
}
