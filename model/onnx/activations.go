package onnx

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/aiassure/aiassure/model"
)

// Activations runs the model on the batch x, as Predict does, and returns
// the values named, in order, as float32 tensors: any value the compiled
// graph computes (a node's output, the fed input), not only the graph's
// outputs, such as a hidden layer for the training-data checks of
// probe/poisoning. A constant or a value the interpreter fused into
// another operator (the output of a Gemm or Conv before a following Relu,
// the pieces of an exporter's LayerNorm or GELU) cannot be read; the
// error says so. The model's limits apply as to any run.
func (m *Model) Activations(ctx context.Context, x *model.Tensor, names ...string) ([]*model.Tensor, error) {
	if len(names) == 0 {
		return nil, errors.New("activations: no value named")
	}
	ids := make([]int, len(names))
	for k, name := range names {
		v, err := m.value(name)
		if err != nil {
			return nil, fmt.Errorf("activations: %w", err)
		}
		ids[k] = v
	}
	in, err := m.feed(x)
	if err != nil {
		return nil, err
	}
	parts, err := m.chunks(x.Batch())
	if err != nil {
		return nil, err
	}
	r := m.runners.Get().(*runner)
	defer func() {
		r.release()
		m.runners.Put(r)
	}()
	out := make([]*model.Tensor, len(ids))
	for _, p := range parts {
		if err := r.forward(ctx, []*tensor{m.part(in, p, len(parts))}); err != nil {
			return nil, err
		}
		for k, v := range ids {
			if out[k], err = m.collect(r, v, out[k], x.Batch(), p, len(parts)); err != nil {
				return nil, fmt.Errorf("activations: value %q: %w", names[k], err)
			}
		}
	}
	return out, nil
}

// value returns the index of the value called name when a run computes
// it: the fed input or an output of a node of the compiled graph.
func (m *Model) value(name string) (int, error) {
	g := m.g
	v, ok := g.byName[name]
	switch {
	case !ok:
		return 0, fmt.Errorf("the model has no value %q", name)
	case v == m.in:
		return v, nil
	case g.values[v].konst != nil:
		return 0, fmt.Errorf("value %q is a constant, not computed from the input", name)
	}
	if p := g.values[v].producer; p >= 0 && p < len(g.nodes) && slices.Contains(g.nodes[p].out, v) {
		return v, nil
	}
	return 0, fmt.Errorf("value %q is not computed by the compiled graph (fused into another operator, or not used)", name)
}

// penultimatePass lists the operators that may come between a classifier's
// last dense layer and its output without changing what it reads: the
// output function, casts, shape changes, and (with a constant other
// operand) scaling and shifts.
var penultimatePass = map[string]bool{
	"Softmax": true, "LogSoftmax": true, "Sigmoid": true, "Identity": true, "Dropout": true, "Cast": true,
	"Flatten": true, "Reshape": true, "Squeeze": true, "Unsqueeze": true,
	"Add": true, "Sub": true, "Mul": true, "Div": true,
}

// Penultimate returns the name of the value a classifier's last dense
// layer reads: its penultimate-layer activations. From the output the
// target returns it walks back through the operators of penultimatePass
// (softmax, casts, reshapes, arithmetic with a constant) to a Gemm
// (transA 0, constant B) or a MatMul with a constant rank-2 right operand
// (a following bias Add is part of the layer), and returns that layer's
// input. It fails when no such layer feeds the output (tree ensembles,
// linear classifiers of the ai.onnx.ml domain, an output of another kind)
// and when the layer reads the model's input through arithmetic with
// constants and reshapes alone (a linear model: no hidden layer). The
// rule does not look inside subgraphs, follows only the non-constant
// operand of binary operators, and names a value that may have more than
// two dimensions (a sequence model's tokens), which callers flatten per
// sample.
func (m *Model) Penultimate() (string, error) {
	g := m.g
	v := m.out
	for range len(g.nodes) + 1 {
		p := g.values[v].producer
		if p < 0 {
			break
		}
		n := g.nodes[p]
		if n.domain != "" {
			break
		}
		if in, ok := dense(g, n); ok {
			if g.reaches(in, m.in) {
				return "", fmt.Errorf("the last dense layer (%v) reads the model's input %q through constant arithmetic only: the model has no hidden layer", n, g.values[m.in].name)
			}
			return g.values[in].name, nil
		}
		next, ok := g.passThrough(n)
		if !ok {
			break
		}
		v = next
	}
	return "", fmt.Errorf("no dense layer (Gemm, or MatMul with constant weights) produces the output %q through softmax, casts, reshapes or constant arithmetic", g.values[m.out].name)
}

// dense returns the input of node n when n is a dense layer: a Gemm
// without transA and a constant B, or a MatMul with a constant rank-2
// right operand.
func dense(g *graph, n *node) (int, bool) {
	if len(n.in) < 2 || n.in[0] < 0 || g.values[n.in[0]].konst != nil {
		return 0, false
	}
	switch k := n.k.(type) {
	case *gemmOp:
		return n.in[0], !k.transA && g.konst(n, 1) != nil
	case *matmulOp:
		w := g.konst(n, 1)
		return n.in[0], w != nil && w.rank() == 2
	}
	return 0, false
}

// passThrough returns the non-constant input of n when n is one of
// penultimatePass with one such input.
func (g *graph) passThrough(n *node) (int, bool) {
	if !penultimatePass[n.op] || len(n.capt) > 0 {
		return 0, false
	}
	in := -1
	for k, v := range n.in {
		if v < 0 || g.values[v].konst != nil {
			continue
		}
		if in >= 0 || (k > 0 && !arith(n.op)) {
			return 0, false // two computed operands, or a computed shape
		}
		in = v
	}
	return in, in >= 0
}

func arith(op string) bool { return op == "Add" || op == "Sub" || op == "Mul" || op == "Div" }

// reaches reports whether value v is the fed input or is computed from it
// by pass-through operators alone.
func (g *graph) reaches(v, input int) bool {
	for range len(g.nodes) + 1 {
		if v == input {
			return true
		}
		p := g.values[v].producer
		if p < 0 {
			return false
		}
		next, ok := g.passThrough(g.nodes[p])
		if !ok {
			return false
		}
		v = next
	}
	return false
}
