package onnx

import (
	"fmt"

	"github.com/aiassure/aiassure/model"
)

// Reverse-mode differentiation. After a forward run the runner holds every
// value; backward walks the nodes in reverse order and each differentiable
// kernel adds the vector-Jacobian products of its output gradients to the
// gradients of its inputs. Only values on a float path from the input to the
// output get gradient buffers (the plan below); weights get none.

// typer is implemented by kernels whose output k is not of the type of their
// first input.
type typer interface {
	outType(k int, in []dtype) dtype
}

// inferTypes returns the element type of every value given the type of the
// fed input (dtUndefined where unknown).
func (g *graph) inferTypes(input int, dt dtype) []dtype {
	types := make([]dtype, len(g.values))
	for i, v := range g.values {
		if v.konst != nil {
			types[i] = v.konst.dt
		} else if v.typ != nil && v.typ.kind == typeTensor {
			types[i] = dtype(v.typ.elemType)
		}
	}
	types[input] = dt
	for _, n := range g.nodes {
		in := make([]dtype, len(n.in))
		for j, v := range n.in {
			if v >= 0 {
				in[j] = types[v]
			}
		}
		for k, o := range n.out {
			if o < 0 {
				continue
			}
			if t, ok := n.k.(typer); ok {
				types[o] = t.outType(k, in)
			} else if len(in) > 0 {
				types[o] = in[0]
			}
		}
	}
	return types
}

// plan marks the values that need gradients and checks that every node on
// the path from the input to the output is differentiable. The result is
// cached.
func (m *Model) plan() error {
	m.planMu.Lock()
	defer m.planMu.Unlock()
	if m.planned {
		return m.planErr
	}
	m.planned = true
	m.need, m.planErr = m.g.gradPlan(m.in, m.out, m.inDT)
	return m.planErr
}

func (g *graph) gradPlan(in, out int, dt dtype) ([]bool, error) {
	types := g.inferTypes(in, dt)
	fwd := make([]bool, len(g.values))
	fwd[in] = dt.isFloat()
	for _, n := range g.nodes {
		from := false
		for _, v := range n.deps() {
			if v >= 0 && fwd[v] {
				from = true
			}
		}
		for _, o := range n.out {
			if o >= 0 && from && types[o].isFloat() {
				fwd[o] = true
			}
		}
	}
	if !fwd[out] {
		return nil, fmt.Errorf("%w: output %q does not depend on input %q through float operations",
			model.ErrNotDifferentiable, g.values[out].name, g.values[in].name)
	}
	bwd := make([]bool, len(g.values))
	bwd[out] = true
	for i := len(g.nodes) - 1; i >= 0; i-- {
		n := g.nodes[i]
		to := false
		for _, o := range n.out {
			if o >= 0 && bwd[o] {
				to = true
			}
		}
		if !to {
			continue
		}
		for _, v := range n.in {
			if v >= 0 && types[v].isFloat() {
				bwd[v] = true
			}
		}
	}
	need := make([]bool, len(g.values))
	for i := range need {
		need[i] = fwd[i] && bwd[i]
		if need[i] && types[i] != dtFloat {
			// A DOUBLE or 16-bit float value between the input and the
			// output: gradients are computed for FLOAT only.
			return nil, fmt.Errorf("%w: value %q between the input and the output is %v; gradients are FLOAT only",
				model.ErrNotDifferentiable, g.values[i].name, types[i])
		}
	}
	for _, n := range g.nodes {
		ins, outs := false, false
		for _, v := range n.in {
			if v >= 0 && need[v] {
				ins = true
			}
		}
		for _, o := range n.out {
			if o >= 0 && need[o] {
				outs = true
			}
		}
		if !ins || !outs {
			continue
		}
		if _, ok := n.k.(backwarder); !ok {
			return nil, fmt.Errorf("%w: %v has no gradient", model.ErrNotDifferentiable, n)
		}
	}
	return need, nil
}

// Output types of the kernels whose outputs differ from their first input.

func (k *castOp) outType(int, []dtype) dtype { return k.to }

func (k *shapeOp) outType(int, []dtype) dtype { return dtInt64 }

func (k *argMaxOp) outType(int, []dtype) dtype { return dtInt64 }

func (k *constOp) outType(int, []dtype) dtype { return k.t.dt }

func (k *identity) outType(j int, in []dtype) dtype {
	if j == 1 {
		return dtBool
	}
	return in[0]
}

func (k *poolOp) outType(j int, in []dtype) dtype {
	if j == 1 {
		return dtInt64
	}
	return in[0]
}
