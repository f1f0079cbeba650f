package onnx

import (
	"errors"
	"fmt"
	"math"
)

// Smaller operators: BitShift, IsNaN, IsInf, Hardmax, DepthToSpace,
// SpaceToDepth, OneHot, InstanceNormalization, GlobalMaxPool, EyeLike and
// NonZero.

func makeBitShift(a *attrs) (kernel, error) {
	dir := a.str("direction", "")
	if dir != "LEFT" && dir != "RIGHT" {
		return nil, fmt.Errorf("direction %q is not LEFT or RIGHT", dir)
	}
	fn := &binFn{
		f: func(float64, float64) float64 { return 0 },
		ints: func(x, s int64) (int64, error) {
			u, sh := uint64(x), uint64(s)
			if sh >= 64 {
				return 0, nil
			}
			if dir == "LEFT" {
				return int64(u << sh), nil
			}
			return int64(u >> sh), nil
		},
	}
	return &bitShift{broadcastOp{fn: fn}}, nil
}

// bitShift has no gradient; it takes the unsigned integer types only.
type bitShift struct{ op broadcastOp }

func (k *bitShift) run(r *runner, n *node) error {
	switch r.in(n, 0).dt {
	case dtUint8, dtUint16, dtUint32, dtUint64:
		return k.op.run(r, n)
	}
	return fmt.Errorf("input type %v is not an unsigned integer type", r.in(n, 0).dt)
}

// isNaNOp is IsNaN or IsInf (with the sign selection of IsInf).
type isNaNOp struct{ inf, neg, pos bool }

func makeIsNaN(a *attrs) (kernel, error) { return &isNaNOp{}, nil }

func makeIsInf(a *attrs) (kernel, error) {
	return &isNaNOp{inf: true, neg: a.int("detect_negative", 1) != 0, pos: a.int("detect_positive", 1) != 0}, nil
}

func (k *isNaNOp) outType(int, []dtype) dtype { return dtBool }

func (k *isNaNOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if !x.dt.isFloat() {
		return fmt.Errorf("input type %v is not supported", x.dt)
	}
	y, err := r.out(n, 0, dtBool, x.shape)
	if err != nil {
		return err
	}
	for i := range y.i {
		f := num(x, i)
		hit := math.IsNaN(f)
		if k.inf {
			hit = (k.pos && math.IsInf(f, 1)) || (k.neg && math.IsInf(f, -1))
		}
		y.i[i] = int64(b2f(hit))
	}
	return nil
}

// hardmax sets the first largest element of each row to 1 and the rest to 0:
// before version 13 the rows are those of the input coerced to 2-D at axis.
type hardmax struct{ axis int }

func makeHardmax(a *attrs) (kernel, error) {
	def := int64(-1)
	if a.version() < 13 {
		def = 1
	}
	return &hardmax{axis: a.intIn("axis", def, -64, 64)}, nil
}

func (k *hardmax) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.dt != dtFloat {
		return fmt.Errorf("input type %v is not supported", x.dt)
	}
	ax, err := normAxis(k.axis, x.rank())
	if err != nil {
		return err
	}
	outer, l, inner := prod(x.shape[:ax]), x.shape[ax], prod(x.shape[ax+1:])
	if n.version < 13 {
		outer, l, inner = prod(x.shape[:ax]), prod(x.shape[ax:]), 1
	}
	y, err := r.out(n, 0, dtFloat, x.shape)
	if err != nil {
		return err
	}
	clear(y.f)
	for o := range outer {
		for c := range inner {
			best := 0
			for j := 1; j < l; j++ {
				if x.f[(o*l+j)*inner+c] > x.f[(o*l+best)*inner+c] {
					best = j
				}
			}
			if l > 0 {
				y.f[(o*l+best)*inner+c] = 1
			}
		}
	}
	return nil
}

// backward: Hardmax is piecewise constant, its gradient is zero.
func (k *hardmax) backward(r *runner, n *node) error { return nil }

// spaceDepth is DepthToSpace or SpaceToDepth: a reshape, a transpose and a
// reshape of a 4-D tensor.
type spaceDepth struct {
	toSpace bool
	crd     bool
	b       int
}

func makeSpaceDepth(toSpace bool) func(a *attrs) (kernel, error) {
	return func(a *attrs) (kernel, error) {
		k := &spaceDepth{toSpace: toSpace, b: a.intIn("blocksize", 0, 1, 1<<16)}
		if toSpace {
			switch mode := a.str("mode", "DCR"); mode {
			case "DCR":
			case "CRD":
				k.crd = true
			default:
				return nil, fmt.Errorf("mode %q is not DCR or CRD", mode)
			}
		}
		return k, nil
	}
}

func (k *spaceDepth) plan(x *tensor) (view, perm, out []int, err error) {
	if x.rank() != 4 {
		return nil, nil, nil, errors.New("input must be 4-D")
	}
	nn, c, h, w, b := x.shape[0], x.shape[1], x.shape[2], x.shape[3], k.b
	switch {
	case k.toSpace && c%(b*b) != 0:
		return nil, nil, nil, fmt.Errorf("channels %d do not divide by blocksize² %d", c, b*b)
	case k.toSpace && k.crd:
		return []int{nn, c / (b * b), b, b, h, w}, []int{0, 1, 4, 2, 5, 3}, []int{nn, c / (b * b), h * b, w * b}, nil
	case k.toSpace:
		return []int{nn, b, b, c / (b * b), h, w}, []int{0, 3, 4, 1, 5, 2}, []int{nn, c / (b * b), h * b, w * b}, nil
	case h%b != 0 || w%b != 0:
		return nil, nil, nil, fmt.Errorf("spatial size %dx%d does not divide by blocksize %d", h, w, b)
	}
	return []int{nn, c, h / b, b, w / b, b}, []int{0, 3, 5, 1, 2, 4}, []int{nn, c * b * b, h / b, w / b}, nil
}

func (k *spaceDepth) run(r *runner, n *node) error {
	x := r.in(n, 0)
	view, perm, out, err := k.plan(x)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, x.dt, out)
	if err != nil {
		return err
	}
	eachPermuted(view, perm, func(o, i int) {
		if x.dt == dtFloat {
			y.f[o] = x.f[i]
		} else {
			y.i[o] = x.i[i]
		}
	})
	return nil
}

func (k *spaceDepth) backward(r *runner, n *node) error {
	view, perm, _, err := k.plan(r.in(n, 0))
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	eachPermuted(view, perm, func(o, i int) { gx[i] += g[o] })
	return nil
}

// oneHot writes values[1] at each index along a new axis of size depth and
// values[0] elsewhere.
type oneHot struct{ axis int }

func makeOneHot(a *attrs) (kernel, error) { return &oneHot{axis: a.intIn("axis", -1, -64, 64)}, nil }

func (k *oneHot) outType(_ int, in []dtype) dtype { return in[2] }

func (k *oneHot) run(r *runner, n *node) error {
	ind, dep, vals := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	if dep.size() != 1 || vals.size() != 2 {
		return errors.New("depth must be a scalar and values hold two elements")
	}
	depth := num(dep, 0)
	if !(depth >= 1 && depth <= float64(r.g.lim.MaxTensorElements)) {
		return fmt.Errorf("depth %g out of range", depth)
	}
	d := int(depth)
	ax, err := normAxis(k.axis, ind.rank()+1)
	if err != nil {
		return err
	}
	shape := append(append(append([]int{}, ind.shape[:ax]...), d), ind.shape[ax:]...)
	y, err := r.out(n, 0, vals.dt, shape)
	if err != nil {
		return err
	}
	outer, inner := prod(ind.shape[:ax]), prod(ind.shape[ax:])
	for o := range prod(shape) {
		if vals.dt == dtFloat {
			y.f[o] = vals.f[0]
		} else {
			y.i[o] = vals.i[0]
		}
	}
	for b := range outer {
		for c := range inner {
			v := int64(num(ind, b*inner+c))
			if v < 0 {
				v += int64(d)
			}
			if v < 0 || v >= int64(d) {
				continue
			}
			o := (b*d+int(v))*inner + c
			if vals.dt == dtFloat {
				y.f[o] = vals.f[1]
			} else {
				y.i[o] = vals.i[1]
			}
		}
	}
	return nil
}

// instanceNorm normalises each channel of each sample over its spatial
// positions, then scales and shifts per channel.
type instanceNorm struct{ eps float64 }

func makeInstanceNorm(a *attrs) (kernel, error) {
	return &instanceNorm{eps: float64(a.finite("epsilon", 1e-5))}, nil
}

func (k *instanceNorm) geom(r *runner, n *node) (c, hw int, err error) {
	x, s, b := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	if x.dt != dtFloat || x.rank() < 3 {
		return 0, 0, errors.New("input must be FLOAT of rank 3 or more")
	}
	c = x.shape[1]
	if s.dt != dtFloat || b.dt != dtFloat || s.size() != c || b.size() != c {
		return 0, 0, fmt.Errorf("scale and bias must be FLOAT with %d elements", c)
	}
	return c, prod(x.shape[2:]), nil
}

// stats returns the mean and inverse standard deviation of one plane.
func (k *instanceNorm) stats(p []float32) (float64, float64) {
	var s float64
	for _, v := range p {
		s += float64(v)
	}
	mu := s / float64(len(p))
	var q float64
	for _, v := range p {
		q += (float64(v) - mu) * (float64(v) - mu)
	}
	return mu, 1 / math.Sqrt(q/float64(len(p))+k.eps)
}

func (k *instanceNorm) run(r *runner, n *node) error {
	c, hw, err := k.geom(r, n)
	if err != nil {
		return err
	}
	x, s, b := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	y, err := r.out(n, 0, dtFloat, x.shape)
	if err != nil {
		return err
	}
	for p := range x.size() / max(hw, 1) {
		plane := x.f[p*hw : (p+1)*hw]
		mu, is := k.stats(plane)
		ch := p % c
		for i, v := range plane {
			y.f[p*hw+i] = float32((float64(v)-mu)*is*float64(s.f[ch]) + float64(b.f[ch]))
		}
	}
	return nil
}

func (k *instanceNorm) backward(r *runner, n *node) error {
	c, hw, err := k.geom(r, n)
	if err != nil {
		return err
	}
	x, s := r.in(n, 0), r.in(n, 1)
	g, gx, gs, gb := r.gradOut(n, 0), r.gradIn(n, 0), r.gradIn(n, 1), r.gradIn(n, 2)
	for p := range x.size() / max(hw, 1) {
		plane := x.f[p*hw : (p+1)*hw]
		mu, is := k.stats(plane)
		ch := p % c
		var m1, m2 float64
		for i, v := range plane {
			xh := (float64(v) - mu) * is
			gi := float64(g[p*hw+i])
			if gs != nil {
				gs[ch] += float32(gi * xh)
			}
			if gb != nil {
				gb[ch] += float32(gi)
			}
			m1 += gi * float64(s.f[ch])
			m2 += gi * float64(s.f[ch]) * xh
		}
		if gx == nil {
			continue
		}
		m1 /= float64(hw)
		m2 /= float64(hw)
		for i, v := range plane {
			xh := (float64(v) - mu) * is
			gx[p*hw+i] += float32(is * (float64(g[p*hw+i])*float64(s.f[ch]) - m1 - xh*m2))
		}
	}
	return nil
}

// globalMaxPool is ReduceMax over the spatial axes, kept.
type globalMaxPool struct{}

func makeGlobalMaxPool(a *attrs) (kernel, error) { return globalMaxPool{}, nil }

func (globalMaxPool) reduce(x *tensor) (*reduceOp, error) {
	if x.rank() < 3 {
		return nil, errors.New("input must have rank 3 or more")
	}
	k := &reduceOp{kind: redMax, keep: true}
	for d := 2; d < x.rank(); d++ {
		k.axes = append(k.axes, int64(d))
	}
	return k, nil
}

func (p globalMaxPool) run(r *runner, n *node) error {
	k, err := p.reduce(r.in(n, 0))
	if err != nil {
		return err
	}
	return k.run(r, n)
}

func (p globalMaxPool) backward(r *runner, n *node) error {
	k, err := p.reduce(r.in(n, 0))
	if err != nil {
		return err
	}
	return k.backward(r, n)
}

// eyeLike makes a 2-D tensor with ones on diagonal k.
type eyeLike struct {
	dt dtype // 0: the input's type
	k  int64
}

func makeEyeLike(a *attrs) (kernel, error) {
	k := &eyeLike{dt: dtype(a.int("dtype", 0)), k: a.int("k", 0)}
	if k.dt != 0 && !k.dt.supported() {
		return nil, fmt.Errorf("dtype %v is not supported", k.dt)
	}
	return k, nil
}

func (k *eyeLike) outType(_ int, in []dtype) dtype {
	if k.dt != 0 {
		return k.dt
	}
	return in[0]
}

func (k *eyeLike) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.rank() != 2 {
		return errors.New("input must be 2-D")
	}
	dt := k.outType(0, []dtype{x.dt})
	y, err := r.out(n, 0, dt, x.shape)
	if err != nil {
		return err
	}
	if dt == dtString {
		return errors.New("EyeLike of STRING is not defined")
	}
	clearData(y)
	rows, cols := x.shape[0], x.shape[1]
	for i := range rows {
		j := int64(i) + k.k
		if j < 0 || j >= int64(cols) {
			continue
		}
		setOne(y, i*cols+int(j))
	}
	return nil
}

// nonZero lists the indices of the non-zero elements, one row per axis.
type nonZero struct{}

func makeNonZero(a *attrs) (kernel, error) { return nonZero{}, nil }

func (nonZero) outType(int, []dtype) dtype { return dtInt64 }

func (nonZero) run(r *runner, n *node) error {
	x := r.in(n, 0)
	var hits []int
	for i := range x.size() {
		if num(x, i) != 0 {
			hits = append(hits, i)
		}
	}
	y, err := r.out(n, 0, dtInt64, []int{x.rank(), len(hits)})
	if err != nil {
		return err
	}
	for j, i := range hits {
		for d := x.rank() - 1; d >= 0; d-- {
			y.i[d*len(hits)+j] = int64(i % x.shape[d])
			i /= x.shape[d]
		}
	}
	return nil
}
