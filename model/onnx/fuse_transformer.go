package onnx

import (
	"fmt"
	"math"
	"slices"
)

// fuseLayerNorms replaces LayerNorm over the last axis as PyTorch (before
// opset 17) and paddle2onnx write it,
//
//	m = ReduceMean(x, axes=[-1]); d = Sub(x, m)
//	v = ReduceMean(Pow(d, 2), axes=[-1]); s = Sqrt(Add(v, eps))
//	y = Add(Mul(Div(d, s), gamma), beta)
//
// with constant eps, gamma and beta, by one LayerNormalization node (axis
// -1), as ONNX Runtime does: one pass over the rows instead of nine
// broadcast kernels. Only when no intermediate value has another use; the
// result is the same function up to float rounding, and LayerNormalization
// differentiates it.
func (g *graph) fuseLayerNorms() {
	uses := g.uses()
	dead := map[*node]bool{}
	// from returns the producer of input k of n when it is op and its
	// output has exactly want uses.
	from := func(n *node, k int, op string, want int) *node {
		if n == nil || k >= len(n.in) || n.in[k] < 0 || uses[n.in[k]] != want {
			return nil
		}
		p := g.values[n.in[k]].producer
		if p < 0 || g.nodes[p].op != op || g.nodes[p].domain != "" || dead[g.nodes[p]] || len(g.nodes[p].out) != 1 {
			return nil
		}
		return g.nodes[p]
	}
	lastAxisMean := func(n *node) bool {
		k, ok := n.k.(*reduceOp)
		return ok && k.keep && slices.Equal(k.axes, []int64{-1}) && len(n.in) == 1
	}
	scalar := func(n *node, k int, want float64) (float64, bool) {
		t := g.konst(n, k)
		if t == nil || t.dt != dtFloat || t.size() != 1 {
			return 0, false
		}
		v, _ := t.scalarFloat()
		return v, want < 0 || v == want
	}
	vector := func(n *node, k int) bool {
		t := g.konst(n, k)
		return t != nil && t.dt == dtFloat && t.rank() == 1
	}
	for _, add := range g.nodes {
		if add.op != "Add" || add.domain != "" || len(add.in) != 2 || !vector(add, 1) {
			continue
		}
		mul := from(add, 0, "Mul", 1)
		div := from(mul, 0, "Div", 1)
		sub := from(div, 0, "Sub", 2)
		sqrt := from(div, 1, "Sqrt", 1)
		addEps := from(sqrt, 0, "Add", 1)
		mean2 := from(addEps, 0, "ReduceMean", 1)
		pow := from(mean2, 0, "Pow", 1)
		mean1 := from(sub, 1, "ReduceMean", 1)
		if mean1 == nil || pow == nil || !vector(mul, 1) || pow.in[0] != sub.out[0] || mean1.in[0] != sub.in[0] ||
			!lastAxisMean(mean1) || !lastAxisMean(mean2) {
			continue
		}
		eps, ok := scalar(addEps, 1, -1)
		if _, ok2 := scalar(pow, 1, 2); !ok || !ok2 || eps < 0 {
			continue
		}
		for _, n := range []*node{mul, div, sub, sqrt, addEps, mean2, pow, mean1} {
			dead[n] = true
		}
		add.op, add.version, add.k = "LayerNormalization", 17, &layerNorm{axis: -1, eps: eps}
		add.in = []int{sub.in[0], mul.in[1], add.in[1]}
	}
	g.drop(dead)
}

// fuseGelus replaces GELU as exporters write it (erf form),
//
//	y = Mul(Mul(x, Add(Erf(Div(x, c)), 1)), h)   (c = √2, h = 0.5)
//
// with either operand order of the two Muls, by one gelu node that computes
// the same float32 operations in one pass (so the same values) and
// differentiates them.
func (g *graph) fuseGelus() {
	uses := g.uses()
	dead := map[*node]bool{}
	from := func(n *node, k int, op string) *node {
		if n == nil || k >= len(n.in) || n.in[k] < 0 || uses[n.in[k]] != 1 {
			return nil
		}
		p := g.values[n.in[k]].producer
		if p < 0 || g.nodes[p].op != op || g.nodes[p].domain != "" || dead[g.nodes[p]] || len(g.nodes[p].out) != 1 {
			return nil
		}
		return g.nodes[p]
	}
	scalar := func(n *node, k int) (float32, bool) {
		t := g.konst(n, k)
		if t == nil || t.dt != dtFloat || t.size() != 1 || t.rank() > 1 {
			return 0, false
		}
		return t.f[0], true
	}
	for _, last := range g.nodes {
		if last.op != "Mul" || last.domain != "" || len(last.in) != 2 {
			continue
		}
		hk := 1
		h, ok := scalar(last, hk)
		if !ok {
			hk = 0
			if h, ok = scalar(last, hk); !ok {
				continue
			}
		}
		mul := from(last, 1-hk, "Mul")
		if mul == nil || len(mul.in) != 2 {
			continue
		}
		for ak := range 2 {
			add := from(mul, ak, "Add")
			erf := from(add, 0, "Erf")
			div := from(erf, 0, "Div")
			if div == nil {
				continue
			}
			one, ok1 := scalar(add, 1)
			c, ok2 := scalar(div, 1)
			if !ok1 || !ok2 || one != 1 || div.in[0] != mul.in[1-ak] || g.konst(div, 0) != nil {
				continue
			}
			for _, n := range []*node{mul, add, erf, div} {
				dead[n] = true
			}
			last.op, last.k, last.in = "Gelu", &geluOp{c: c, h: h}, []int{div.in[0]}
			break
		}
	}
	g.drop(dead)
}

// geluOp is x·(1 + erf(x/c))·h, a fused GELU (fuseGelus).
type geluOp struct{ c, h float32 }

func (k *geluOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.dt != dtFloat {
		return fmt.Errorf("input type %v is not supported", x.dt)
	}
	y, err := r.out(n, 0, dtFloat, x.shape)
	if err != nil {
		return err
	}
	geluF32(y.f, x.f, k.c, k.h)
	return nil
}

func (k *geluOp) backward(r *runner, n *node) error {
	x, g, gx := r.in(n, 0), r.gradOut(n, 0), r.gradIn(n, 0)
	if gx == nil {
		return nil
	}
	c := float64(k.c)
	for i, v := range x.f {
		t := float64(v) / c
		d := (erf32(t) + 1 + float64(v)*2/math.SqrtPi*math.Exp(-t*t)/c) * float64(k.h)
		gx[i] += float32(float64(g[i]) * d)
	}
	return nil
}

// fuseMatMulBias lets a MatMul by a constant matrix [K, N] add the constant
// bias [N] that an Add after it adds (a Linear layer on 3-D input, as
// exporters write it), as it writes its output.
func (g *graph) fuseMatMulBias() {
	uses := g.uses()
	dead := map[*node]bool{}
	for _, add := range g.nodes {
		if add.op != "Add" || add.domain != "" || len(add.in) != 2 {
			continue
		}
		for bk := range 2 {
			bias, v := g.konst(add, bk), add.in[1-bk]
			if bias == nil || bias.dt != dtFloat || bias.rank() != 1 || v < 0 || uses[v] != 1 || g.values[v].producer < 0 {
				continue
			}
			mm := g.nodes[g.values[v].producer]
			k, ok := mm.k.(*matmulOp)
			w := g.konst(mm, 1)
			if !ok || dead[mm] || k.bias != nil || w == nil || w.dt != dtFloat || w.rank() != 2 || w.shape[1] != bias.size() {
				continue
			}
			k.bias = bias.f
			mm.out[0] = add.out[0]
			dead[add] = true
			break
		}
	}
	g.drop(dead)
}
