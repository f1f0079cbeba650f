package onnx

import (
	"errors"
	"fmt"
	"math"
)

// Dense layers and normalisations: Gemm, MatMul, Softmax, LogSoftmax and
// BatchNormalization.

type gemmOp struct {
	alpha, beta    float32
	transA, transB bool
	relu           bool     // a following Relu fused into the output
	fwd, bwd       *weights // constant B packed for Y = A·B and for dA = dY·Bᵀ
}

func makeGemm(a *attrs) (kernel, error) {
	return &gemmOp{
		alpha:  a.finite("alpha", 1),
		beta:   a.finite("beta", 1),
		transA: a.int("transA", 0) != 0,
		transB: a.int("transB", 0) != 0,
	}, nil
}

func (k *gemmOp) prepare(g *graph, n *node) error {
	b := g.konst(n, 1)
	if b == nil || b.dt != dtFloat || b.rank() != 2 {
		return nil
	}
	kk, nn := b.shape[0], b.shape[1]
	if k.transB {
		kk, nn = nn, kk
	}
	k.fwd = packB(b.f, kk, nn, k.transB, nil)
	k.bwd = packB(b.f, nn, kk, !k.transB, nil)
	return nil
}

func (k *gemmOp) dims(a, b *tensor) (m, n, kk int, err error) {
	if !a.dt.isFloat() || a.dt != b.dt {
		return 0, 0, 0, fmt.Errorf("input types %v, %v are not supported", a.dt, b.dt)
	}
	if a.rank() != 2 || b.rank() != 2 {
		return 0, 0, 0, fmt.Errorf("A %v and B %v must be matrices", a.shape, b.shape)
	}
	m, kk = a.shape[0], a.shape[1]
	if k.transA {
		m, kk = kk, m
	}
	kb, n := b.shape[0], b.shape[1]
	if k.transB {
		kb, n = n, kb
	}
	if kb != kk {
		return 0, 0, 0, fmt.Errorf("A %v and B %v do not multiply", a.shape, b.shape)
	}
	return m, n, kk, nil
}

func (k *gemmOp) run(r *runner, n *node) error {
	a, b, c := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	m, nn, kk, err := k.dims(a, b)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, a.dt, []int{m, nn})
	if err != nil {
		return err
	}
	if c != nil && k.beta != 0 && c.dt != a.dt {
		return fmt.Errorf("C type %v is not supported", c.dt)
	}
	if a.dt == dtDouble {
		return k.run64(y, a, b, c, m, nn, kk)
	}
	if k.fwd != nil && !k.transA && k.fwd.n == nn && k.fwd.k == kk {
		if c != nil && k.alpha == 1 && k.beta == 1 && c.dt == dtFloat && c.size() == nn && (c.rank() == 1 || c.rank() == 2 && c.shape[0] == 1) {
			// The usual dense layer: start from the bias rows.
			for i := range m {
				copy(y.f[i*nn:(i+1)*nn], c.f)
			}
			r.gemm(m, a.f, kk, k.fwd, y.f, nn, flags(true, k.relu))
			return nil
		}
		r.gemm(m, a.f, kk, k.fwd, y.f, nn, flags(false, false))
	} else {
		r.matmul(m, nn, kk, a.f, k.transA, b.f, k.transB, y.f, false)
	}
	if k.alpha != 1 {
		for i := range y.f {
			y.f[i] *= k.alpha
		}
	}
	if c != nil && k.beta != 0 {
		shape, err := bcastShape(y.shape, c.shape)
		if err != nil || shape[0] != m || shape[1] != nn {
			return fmt.Errorf("C %v does not broadcast to %v", c.shape, y.shape)
		}
		p := newBplan(y.shape, y.shape, c.shape)
		beta := k.beta
		p.each(func(o, _, ci, cnt, _, cs int) {
			ys := y.f[o : o+cnt]
			if cs == 0 {
				v := beta * c.f[ci]
				for i := range ys {
					ys[i] += v
				}
				return
			}
			cv := c.f[ci : ci+cnt]
			for i := range ys {
				ys[i] += beta * cv[i]
			}
		})
	}
	if k.relu {
		relu(y.f, y.f)
	}
	return nil
}

func (k *gemmOp) backward(r *runner, n *node) error {
	a, b, c := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	m, nn, kk, err := k.dims(a, b)
	if err != nil {
		return err
	}
	g := r.gradOut(n, 0)
	if k.relu {
		// The output is after the fused Relu: mask the gradient.
		y := r.vals[n.out[0]].f
		mg, err := r.scratchF(n, len(g))
		if err != nil {
			return err
		}
		for i, v := range g {
			if y[i] > 0 {
				mg[i] = v
			} else {
				mg[i] = 0
			}
		}
		g = mg
	}
	gc := g
	if k.alpha != 1 {
		p := getPack(len(g))
		defer packPool.Put(p)
		for i, v := range g {
			(*p)[i] = v * k.alpha
		}
		g = *p
	}
	if ga := r.gradIn(n, 0); ga != nil {
		switch {
		case !k.transA && k.bwd != nil && k.bwd.k == nn && k.bwd.n == kk:
			r.gemm(m, g, nn, k.bwd, ga, kk, flags(true, false))
		case !k.transA:
			r.matmul(m, kk, nn, g, false, b.f, !k.transB, ga, true)
		default:
			r.matmul(kk, m, nn, b.f, k.transB, g, true, ga, true)
		}
	}
	if gb := r.gradIn(n, 1); gb != nil {
		if !k.transB {
			r.matmul(kk, nn, m, a.f, !k.transA, g, false, gb, true)
		} else {
			r.matmul(nn, kk, m, g, true, a.f, k.transA, gb, true)
		}
	}
	if gcIn := r.gradIn(n, 2); gcIn != nil {
		g, gc := gc, gcIn
		p := newBplan([]int{m, nn}, []int{m, nn}, c.shape)
		p.each(func(o, _, ci, cnt, _, cs int) {
			for i := range cnt {
				gc[ci+i*cs] += k.beta * g[o+i]
			}
		})
	}
	return nil
}

// MatMul is numpy's matmul.
type matmulOp struct {
	fwd, bwd *weights  // constant B packed for Y = A·B and for dA = dY·Bᵀ
	bias     []float32 // added to every row of Y (fuseMatMulBias), or nil
}

func makeMatMul(a *attrs) (kernel, error) { return &matmulOp{}, nil }

func (k *matmulOp) prepare(g *graph, n *node) error {
	b := g.konst(n, 1)
	if b == nil || b.dt != dtFloat || b.rank() != 2 {
		return nil
	}
	kk, nn := b.shape[0], b.shape[1]
	k.fwd = packB(b.f, kk, nn, false, nil)
	k.bwd = packB(b.f, nn, kk, true, nil)
	return nil
}

// mmPlan describes a batched matrix product.
type mmPlan struct {
	m, n, k    int
	out        []int
	aOff, bOff []int // per batch
}

func planMatMul(as, bs []int, maxRank, maxElems int) (*mmPlan, error) {
	if len(as) == 0 || len(bs) == 0 {
		return nil, errors.New("MatMul of a scalar")
	}
	a, b := append([]int(nil), as...), append([]int(nil), bs...)
	vecA, vecB := len(a) == 1, len(b) == 1
	if vecA {
		a = []int{1, a[0]}
	}
	if vecB {
		b = []int{b[0], 1}
	}
	p := &mmPlan{m: a[len(a)-2], k: a[len(a)-1], n: b[len(b)-1]}
	if b[len(b)-2] != p.k {
		return nil, fmt.Errorf("shapes %v and %v do not multiply", as, bs)
	}
	ba, bb := a[:len(a)-2], b[:len(b)-2]
	batch, err := bcastShape(ba, bb)
	if err != nil {
		return nil, err
	}
	if _, err := checkedProd(append(append([]int(nil), batch...), p.m, p.n), maxElems); err != nil {
		return nil, fmt.Errorf("output: %w", err)
	}
	p.out = append([]int(nil), batch...)
	if !vecA {
		p.out = append(p.out, p.m)
	}
	if !vecB {
		p.out = append(p.out, p.n)
	}
	if len(p.out) > maxRank {
		return nil, fmt.Errorf("output rank %d exceeds the limit", len(p.out))
	}
	nb := prod(batch)
	p.aOff, p.bOff = make([]int, 0, nb), make([]int, 0, nb)
	bp := newBplan(batch, ba, bb)
	bp.each(func(_, ai, bi, cnt, sa, sb int) {
		for i := range cnt {
			p.aOff = append(p.aOff, (ai+i*sa)*p.m*p.k)
			p.bOff = append(p.bOff, (bi+i*sb)*p.k*p.n)
		}
	})
	return p, nil
}

func (k *matmulOp) run(r *runner, n *node) error {
	a, b := r.in(n, 0), r.in(n, 1)
	if !a.dt.isFloat() || a.dt != b.dt {
		return fmt.Errorf("input types %v, %v are not supported", a.dt, b.dt)
	}
	p, err := planMatMul(a.shape, b.shape, r.g.lim.MaxRank, r.g.lim.MaxTensorElements)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, a.dt, p.out)
	if err != nil {
		return err
	}
	mn := p.m * p.n
	if a.dt == dtDouble {
		for i := range p.aOff {
			matmul64(p.m, p.n, p.k, a.d[p.aOff[i]:], false, b.d[p.bOff[i]:], false, y.d[i*mn:(i+1)*mn])
		}
		return nil
	}
	if k.bias != nil {
		if len(k.bias) != p.n {
			return fmt.Errorf("bias of %d values for %d columns", len(k.bias), p.n)
		}
		for i := 0; i < len(y.f); i += p.n {
			copy(y.f[i:i+p.n], k.bias)
		}
	}
	acc := k.bias != nil
	if b.rank() == 2 && k.fwd != nil && k.fwd.k == p.k && k.fwd.n == p.n {
		// A constant weight matrix: one product with all batches as rows.
		r.gemm(len(p.aOff)*p.m, a.f, p.k, k.fwd, y.f, p.n, flags(acc, false))
		return nil
	}
	for i := range p.aOff {
		r.matmul(p.m, p.n, p.k, a.f[p.aOff[i]:], false, b.f[p.bOff[i]:], false, y.f[i*mn:(i+1)*mn], acc)
	}
	return nil
}

func (k *matmulOp) backward(r *runner, n *node) error {
	a, b := r.in(n, 0), r.in(n, 1)
	p, err := planMatMul(a.shape, b.shape, r.g.lim.MaxRank, r.g.lim.MaxTensorElements)
	if err != nil {
		return err
	}
	g := r.gradOut(n, 0)
	ga, gb := r.gradIn(n, 0), r.gradIn(n, 1)
	mn := p.m * p.n
	if ga != nil && b.rank() == 2 && k.bwd != nil && k.bwd.k == p.n && k.bwd.n == p.k {
		r.gemm(len(p.aOff)*p.m, g, p.n, k.bwd, ga, p.k, flags(true, false))
		ga = nil
	}
	for i := range p.aOff {
		gy := g[i*mn : (i+1)*mn]
		if ga != nil {
			r.matmul(p.m, p.k, p.n, gy, false, b.f[p.bOff[i]:], true, ga[p.aOff[i]:], true)
		}
		if gb != nil {
			r.matmul(p.k, p.n, p.m, a.f[p.aOff[i]:], true, gy, false, gb[p.bOff[i]:], true)
		}
	}
	return nil
}

// Softmax and LogSoftmax.
type softmaxOp struct {
	log  bool
	axis int
}

func makeSoftmax(log bool) func(a *attrs) (kernel, error) {
	return func(a *attrs) (kernel, error) {
		def := int64(-1)
		if a.version() < 13 {
			def = 1
		}
		return &softmaxOp{log: log, axis: a.intIn("axis", def, -64, 64)}, nil
	}
}

// split returns the outer count, the length of the softmax axis and the
// inner stride. Before version 13 the input is coerced to 2-D at axis.
func (k *softmaxOp) split(n *node, shape []int) (outer, l, inner int, err error) {
	if len(shape) == 0 {
		return 1, 1, 1, nil
	}
	ax, err := normAxis(k.axis, len(shape))
	if err != nil {
		return 0, 0, 0, err
	}
	if n.version < 13 {
		return prod(shape[:ax]), prod(shape[ax:]), 1, nil
	}
	return prod(shape[:ax]), shape[ax], prod(shape[ax+1:]), nil
}

func (k *softmaxOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if !x.dt.isFloat() {
		return fmt.Errorf("input type %v is not supported", x.dt)
	}
	outer, l, inner, err := k.split(n, x.shape)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, x.dt, x.shape)
	if err != nil {
		return err
	}
	r.parallelFor(outer, l*inner*20, func(lo, hi int) {
		if x.dt == dtDouble {
			softmaxF(k.log, x.d, y.d, lo, hi, l, inner)
		} else {
			softmaxF(k.log, x.f, y.f, lo, hi, l, inner)
		}
	})
	return nil
}

// softmaxF computes rows [lo, hi) of a (log-)softmax over l elements at
// stride inner, accumulating in float64.
func softmaxF[F floatT](log bool, xs, ys []F, lo, hi, l, inner int) {
	if x32, ok := any(xs).([]float32); ok && fma && inner == 1 && !log {
		softmaxRows32(x32, any(ys).([]float32), lo, hi, l)
		return
	}
	for o := lo; o < hi; o++ {
		for in := range inner {
			base := o*l*inner + in
			mx := F(math.Inf(-1))
			for j := range l {
				if v := xs[base+j*inner]; v > mx {
					mx = v
				}
			}
			var sum float64
			for j := range l {
				e := math.Exp(float64(xs[base+j*inner] - mx))
				sum += e
				if !log {
					ys[base+j*inner] = F(e)
				}
			}
			if log {
				ls := F(math.Log(sum))
				for j := range l {
					ys[base+j*inner] = xs[base+j*inner] - mx - ls
				}
			} else {
				inv := 1 / sum
				for j := range l {
					ys[base+j*inner] = F(float64(ys[base+j*inner]) * inv)
				}
			}
		}
	}
}

func (k *softmaxOp) backward(r *runner, n *node) error {
	x := r.in(n, 0)
	outer, l, inner, err := k.split(n, x.shape)
	if err != nil {
		return err
	}
	y := r.vals[n.out[0]].f
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	for o := range outer {
		for in := range inner {
			base := o*l*inner + in
			var s float64
			for j := range l {
				i := base + j*inner
				if k.log {
					s += float64(g[i])
				} else {
					s += float64(g[i]) * float64(y[i])
				}
			}
			for j := range l {
				i := base + j*inner
				if k.log {
					gx[i] += g[i] - float32(math.Exp(float64(y[i]))*s)
				} else {
					gx[i] += y[i] * (g[i] - float32(s))
				}
			}
		}
	}
	return nil
}

// BatchNormalization normalises per channel (axis 1). In inference mode it
// is an affine map per channel; training mode (version 14 and later) uses the
// batch statistics and also returns the updated running statistics.
type batchNormOp struct {
	eps, momentum float32
	training      bool
	scale, shift  []float32 // folded parameters when all are constants
}

func makeBatchNorm(a *attrs) (kernel, error) {
	if a.version() < 9 && a.int("spatial", 1) != 1 {
		return nil, errors.New("BatchNormalization with spatial=0 is not supported")
	}
	if a.version() < 7 && a.int("is_test", 0) == 0 {
		return nil, errors.New("BatchNormalization before version 7 in training mode (is_test=0) is not supported")
	}
	k := &batchNormOp{eps: a.finite("epsilon", 1e-5), momentum: a.finite("momentum", 0.9)}
	k.training = a.version() >= 14 && a.int("training_mode", 0) != 0
	return k, nil
}

func (k *batchNormOp) params(s, b, mean, v *tensor, c int) ([]float32, []float32, error) {
	for _, t := range []*tensor{s, b, mean, v} {
		if t.dt != dtFloat || t.size() != c {
			return nil, nil, fmt.Errorf("parameter %v does not match %d channels", t, c)
		}
	}
	scale, shift := make([]float32, c), make([]float32, c)
	for i := range c {
		a := float64(s.f[i]) / math.Sqrt(float64(v.f[i])+float64(k.eps))
		scale[i] = float32(a)
		shift[i] = float32(float64(b.f[i]) - float64(mean.f[i])*a)
	}
	return scale, shift, nil
}

func (k *batchNormOp) prepare(g *graph, n *node) error {
	if k.training {
		return nil
	}
	s, b, m, v := g.konst(n, 1), g.konst(n, 2), g.konst(n, 3), g.konst(n, 4)
	if s == nil || b == nil || m == nil || v == nil {
		return nil
	}
	var err error
	k.scale, k.shift, err = k.params(s, b, m, v, s.size())
	return err
}

func (k *batchNormOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.dt != dtFloat || x.rank() < 2 {
		return fmt.Errorf("input %v is not supported", x)
	}
	c := x.shape[1]
	inner := prod(x.shape[2:])
	outer := x.shape[0]
	y, err := r.out(n, 0, dtFloat, x.shape)
	if err != nil {
		return err
	}
	scale, shift := k.scale, k.shift
	if k.training {
		return k.train(r, n, x, y)
	}
	if len(scale) != c {
		if scale, shift, err = k.params(r.in(n, 1), r.in(n, 2), r.in(n, 3), r.in(n, 4), c); err != nil {
			return err
		}
	}
	for o := range outer {
		for ch := range c {
			a, b := scale[ch], shift[ch]
			base := (o*c + ch) * inner
			xs, ys := x.f[base:base+inner], y.f[base:base+inner]
			for i, v := range xs {
				ys[i] = v*a + b
			}
		}
	}
	return nil
}

func (k *batchNormOp) train(r *runner, n *node, x, y *tensor) error {
	c, inner, outer := x.shape[1], prod(x.shape[2:]), x.shape[0]
	s, b, rm, rv := r.in(n, 1), r.in(n, 2), r.in(n, 3), r.in(n, 4)
	for _, t := range []*tensor{s, b, rm, rv} {
		if t.dt != dtFloat || t.size() != c {
			return fmt.Errorf("parameter %v does not match %d channels", t, c)
		}
	}
	mean, variance := make([]float32, c), make([]float32, c)
	cnt := float64(outer * inner)
	for ch := range c {
		var sum, sq float64
		for o := range outer {
			for _, v := range x.f[(o*c+ch)*inner : (o*c+ch+1)*inner] {
				sum += float64(v)
			}
		}
		mu := sum / cnt
		for o := range outer {
			for _, v := range x.f[(o*c+ch)*inner : (o*c+ch+1)*inner] {
				d := float64(v) - mu
				sq += d * d
			}
		}
		mean[ch], variance[ch] = float32(mu), float32(sq/cnt)
		a := float64(s.f[ch]) / math.Sqrt(sq/cnt+float64(k.eps))
		for o := range outer {
			base := (o*c + ch) * inner
			for i, v := range x.f[base : base+inner] {
				y.f[base+i] = float32((float64(v)-mu)*a + float64(b.f[ch]))
			}
		}
	}
	for j, src := range [][]float32{rm.f, rv.f} {
		if !r.wantOut(n, j+1) {
			continue
		}
		t, err := r.out(n, j+1, dtFloat, []int{c})
		if err != nil {
			return err
		}
		cur := mean
		if j == 1 {
			cur = variance
		}
		for ch := range c {
			t.f[ch] = src[ch]*k.momentum + cur[ch]*(1-k.momentum)
		}
	}
	return nil
}

func (k *batchNormOp) backward(r *runner, n *node) error {
	if k.training {
		return errors.New("gradient of training-mode BatchNormalization is not supported")
	}
	for j := 1; j <= 4; j++ {
		if r.gradIn(n, j) != nil {
			return errors.New("gradient with respect to batch-norm parameters is not supported")
		}
	}
	x := r.in(n, 0)
	c, inner, outer := x.shape[1], prod(x.shape[2:]), x.shape[0]
	scale := k.scale
	if len(scale) != c {
		var err error
		if scale, _, err = k.params(r.in(n, 1), r.in(n, 2), r.in(n, 3), r.in(n, 4), c); err != nil {
			return err
		}
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	for o := range outer {
		for ch := range c {
			a := scale[ch]
			base := (o*c + ch) * inner
			for i, v := range g[base : base+inner] {
				gx[base+i] += v * a
			}
		}
	}
	return nil
}
