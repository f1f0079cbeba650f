package onnx

import "fmt"

// fuse rewrites a few patterns of the graph into cheaper equivalents, once,
// at load time (after constant folding):
//
//   - Conv followed by inference-mode BatchNormalization with constant
//     parameters becomes one Conv with scaled weights and bias;
//   - Relu after a Gemm or a Conv is applied by that node as it writes its
//     output;
//   - LayerNorm as exporters write it before opset 17 becomes one
//     LayerNormalization (fuseLayerNorms), the erf GELU one gelu node
//     (fuseGelus), and a constant bias added after a MatMul by a constant
//     matrix is added by the MatMul (fuseMatMulBias).
//
// A node is only fused into its producer when the producer's output has no
// other use. Both rewrites are exact up to float rounding, and the fused
// kernels differentiate the combined function.
func (g *graph) fuse() error {
	g.fuseLayerNorms()
	g.fuseGelus()
	g.fuseMatMulBias()
	uses := g.uses()
	producer := func(v int) *node {
		if p := g.values[v].producer; p >= 0 {
			return g.nodes[p]
		}
		return nil
	}
	dead := map[*node]bool{}
	index := map[*node]int{}
	for i, n := range g.nodes {
		index[n] = i
	}
	for _, n := range g.nodes {
		if len(n.in) == 0 || n.in[0] < 0 || len(n.out) == 0 || n.out[0] < 0 {
			continue
		}
		p := producer(n.in[0])
		if p == nil || dead[p] || uses[n.in[0]] != 1 || len(p.out) != 1 {
			continue
		}
		switch {
		case n.op == "BatchNormalization" && n.domain == "" && p.op == "Conv" && p.domain == "":
			ok, err := g.foldBatchNorm(p, n)
			if err != nil {
				return fmt.Errorf("%v: %w", n, err)
			}
			if !ok {
				continue
			}
		case n.op == "Relu" && n.domain == "" && p.domain == "" && (p.op == "Conv" || p.op == "Gemm"):
			switch k := p.k.(type) {
			case *convOp:
				if k.relu {
					continue
				}
				k.relu = true
			case *gemmOp:
				if k.relu {
					continue
				}
				k.relu = true
			}
		default:
			continue
		}
		// p now computes n's output.
		p.out[0] = n.out[0]
		g.values[n.out[0]].producer = index[p]
		dead[n] = true
	}
	g.drop(dead)
	return nil
}

// uses counts the uses of every value by nodes and as a graph output.
func (g *graph) uses() []int {
	uses := make([]int, len(g.values))
	for _, n := range g.nodes {
		for _, v := range n.in {
			if v >= 0 {
				uses[v]++
			}
		}
	}
	for _, v := range g.outputs {
		uses[v]++
	}
	return uses
}

// drop removes the dead nodes and renumbers the producers.
func (g *graph) drop(dead map[*node]bool) {
	if len(dead) == 0 {
		return
	}
	keep := g.nodes[:0]
	for _, n := range g.nodes {
		if !dead[n] {
			keep = append(keep, n)
		}
	}
	g.nodes = keep
	for k, n := range g.nodes {
		for _, o := range n.out {
			if o >= 0 {
				g.values[o].producer = k
			}
		}
	}
}

// foldBatchNorm folds batch-norm node bn into the weights and bias of conv c
// when the parameters are constants and bn only has its first output.
func (g *graph) foldBatchNorm(c, bn *node) (bool, error) {
	k, ok := bn.k.(*batchNormOp)
	ck, ok2 := c.k.(*convOp)
	if !ok || !ok2 || k.training || ck.relu || len(bn.out) > 1 || len(bn.in) != 5 {
		return false, nil
	}
	w, b := g.konst(c, 1), g.konst(c, 2)
	s, sh, mean, v := g.konst(bn, 1), g.konst(bn, 2), g.konst(bn, 3), g.konst(bn, 4)
	if w == nil || w.dt != dtFloat || w.rank() < 3 || s == nil || sh == nil || mean == nil || v == nil {
		return false, nil
	}
	if len(c.in) > 2 && c.in[2] >= 0 && (b == nil || b.dt != dtFloat) {
		return false, nil
	}
	m := w.shape[0]
	scale, shift, err := k.params(s, sh, mean, v, m)
	if err != nil {
		return false, err
	}
	nw := w.clone()
	per := w.size() / max(m, 1)
	for o := range m {
		for i := o * per; i < (o+1)*per; i++ {
			nw.f[i] *= scale[o]
		}
	}
	nb := &tensor{dt: dtFloat, shape: []int{m}, f: make([]float32, m)}
	for o := range m {
		var bias float32
		if b != nil {
			bias = b.f[o]
		}
		nb.f[o] = bias*scale[o] + shift[o]
	}
	c.in = []int{c.in[0], g.addConst(nw), g.addConst(nb)}
	return true, nil
}

// addConst adds an unnamed constant value (one no node of the file can
// name).
func (g *graph) addConst(t *tensor) int {
	g.values = append(g.values, &value{konst: t, producer: -1})
	return len(g.values) - 1
}
