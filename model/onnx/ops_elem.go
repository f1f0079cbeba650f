package onnx

import (
	"errors"
	"fmt"
	"math"
)

// Element-wise operators: numpy-broadcasting binary arithmetic and the
// activations.

// bcastShape returns the numpy broadcast of shapes a and b.
func bcastShape(a, b []int) ([]int, error) {
	n := max(len(a), len(b))
	out := make([]int, n)
	for i := range n {
		da, db := 1, 1
		if j := i - (n - len(a)); j >= 0 {
			da = a[j]
		}
		if j := i - (n - len(b)); j >= 0 {
			db = b[j]
		}
		switch {
		case da == db || db == 1:
			out[i] = da
		case da == 1:
			out[i] = db
		default:
			return nil, fmt.Errorf("shapes %v and %v do not broadcast", a, b)
		}
	}
	return out, nil
}

// bplan iterates over a broadcast of two operands to an output shape in runs
// along the innermost (collapsed) dimension.
type bplan struct {
	dims   []int
	sa, sb []int
	fa, fb []bool
}

func newBplan(out, a, b []int) bplan {
	n := len(out)
	dimOf := func(s []int, i int) int {
		if j := i - (n - len(s)); j >= 0 {
			return s[j]
		}
		return 1
	}
	var p bplan
	for i := range n {
		if out[i] == 1 {
			continue
		}
		fa, fb := dimOf(a, i) != 1, dimOf(b, i) != 1
		if k := len(p.dims) - 1; k >= 0 && p.fa[k] == fa && p.fb[k] == fb {
			p.dims[k] *= out[i]
			continue
		}
		p.dims = append(p.dims, out[i])
		p.fa = append(p.fa, fa)
		p.fb = append(p.fb, fb)
	}
	k := len(p.dims)
	p.sa, p.sb = make([]int, k), make([]int, k)
	sa, sb := 1, 1
	for j := k - 1; j >= 0; j-- {
		if p.fa[j] {
			p.sa[j] = sa
			sa *= p.dims[j]
		}
		if p.fb[j] {
			p.sb[j] = sb
			sb *= p.dims[j]
		}
	}
	return p
}

// each calls fn for every innermost run: output offset o, operand offsets
// ai and bi, run length n and operand steps as, bs (0 or 1).
func (p *bplan) each(fn func(o, ai, bi, n, as, bs int)) {
	k := len(p.dims)
	if k == 0 {
		fn(0, 0, 0, 1, 0, 0)
		return
	}
	inner := p.dims[k-1]
	as, bs := p.sa[k-1], p.sb[k-1]
	outer := 1
	for _, d := range p.dims[:k-1] {
		outer *= d
	}
	idx := make([]int, k-1)
	ai, bi := 0, 0
	for r := range outer {
		fn(r*inner, ai, bi, inner, as, bs)
		for j := k - 2; j >= 0; j-- {
			idx[j]++
			ai += p.sa[j]
			bi += p.sb[j]
			if idx[j] < p.dims[j] {
				break
			}
			ai -= p.sa[j] * p.dims[j]
			bi -= p.sb[j] * p.dims[j]
			idx[j] = 0
		}
	}
}

const (
	opAdd = iota
	opSub
	opMul
	opDiv
)

// binaryOp is Add, Sub, Mul or Div. Before version 7 the operands broadcast
// only with broadcast=1, B aligned with A's dimensions from axis (default:
// the trailing ones); from version 7 numpy broadcasting applies.
type binaryOp struct {
	op     int
	legacy bool // version < 7
	bcast  bool
	axis   int // -1: trailing alignment
}

func makeBinary(op int) func(a *attrs) (kernel, error) {
	return func(a *attrs) (kernel, error) {
		k := &binaryOp{op: op, axis: -1}
		if a.version() < 7 {
			k.legacy, k.bcast = true, a.int("broadcast", 0) != 0
			if a.has("axis") {
				k.axis = a.intIn("axis", 0, 0, 64)
			}
		}
		return k, nil
	}
}

// bShape returns the shape B broadcasts with: its own, or for a legacy
// node the shape aligned with A at axis.
func (k *binaryOp) bShape(a, b []int) ([]int, error) {
	if !k.legacy {
		return b, nil
	}
	if !k.bcast {
		if fmt.Sprint(a) != fmt.Sprint(b) {
			return nil, fmt.Errorf("shapes %v and %v differ and broadcast is not set", a, b)
		}
		return b, nil
	}
	if k.axis < 0 {
		if len(b) > len(a) {
			return nil, fmt.Errorf("shape %v does not broadcast to %v", b, a)
		}
		return b, nil
	}
	if k.axis+len(b) > len(a) {
		return nil, fmt.Errorf("shape %v at axis %d does not fit %v", b, k.axis, a)
	}
	out := make([]int, len(a)-k.axis)
	for i := range out {
		out[i] = 1
	}
	copy(out, b)
	return out, nil
}

func (k *binaryOp) run(r *runner, n *node) error {
	a, b := r.in(n, 0), r.in(n, 1)
	if a.dt != b.dt {
		return fmt.Errorf("operand types differ: %v and %v", a.dt, b.dt)
	}
	bs, err := k.bShape(a.shape, b.shape)
	if err != nil {
		return err
	}
	shape, err := bcastShape(a.shape, bs)
	if err != nil {
		return err
	}
	if k.legacy && fmt.Sprint(shape) != fmt.Sprint(a.shape) {
		return fmt.Errorf("shape %v does not broadcast to %v", b.shape, a.shape)
	}
	y, err := r.out(n, 0, a.dt, shape)
	if err != nil {
		return err
	}
	p := newBplan(shape, a.shape, bs)
	switch {
	case a.dt.inF():
		p.each(func(o, ai, bi, m, as, bs int) {
			binF(k.op, y.f[o:o+m], a.f[ai:], b.f[bi:], as, bs)
		})
		return nil
	case a.dt == dtDouble:
		p.each(func(o, ai, bi, m, as, bs int) {
			binF(k.op, y.d[o:o+m], a.d[ai:], b.d[bi:], as, bs)
		})
		return nil
	}
	var derr error
	p.each(func(o, ai, bi, m, as, bs int) {
		for i := range m {
			x, z := a.i[ai+i*as], b.i[bi+i*bs]
			var v int64
			switch k.op {
			case opAdd:
				v = x + z
			case opSub:
				v = x - z
			case opMul:
				v = x * z
			case opDiv:
				if z == 0 {
					derr = errors.New("integer division by zero")
					continue
				}
				v = x / z
			}
			y.i[o+i] = a.dt.wrap(v)
		}
	})
	return derr
}

// binF computes one run of a float binary operator.
func binF[F floatT](op int, y, a, b []F, as, bs int) {
	n := len(y)
	switch {
	case as == 1 && bs == 1:
		a, b = a[:n], b[:n]
		switch op {
		case opAdd:
			for i := range y {
				y[i] = a[i] + b[i]
			}
		case opSub:
			for i := range y {
				y[i] = a[i] - b[i]
			}
		case opMul:
			for i := range y {
				y[i] = a[i] * b[i]
			}
		case opDiv:
			for i := range y {
				y[i] = a[i] / b[i]
			}
		}
	case as == 1:
		a = a[:n]
		c := b[0]
		switch op {
		case opAdd:
			for i := range y {
				y[i] = a[i] + c
			}
		case opSub:
			for i := range y {
				y[i] = a[i] - c
			}
		case opMul:
			for i := range y {
				y[i] = a[i] * c
			}
		case opDiv:
			for i := range y {
				y[i] = a[i] / c
			}
		}
	case bs == 1:
		b = b[:n]
		c := a[0]
		switch op {
		case opAdd:
			for i := range y {
				y[i] = c + b[i]
			}
		case opSub:
			for i := range y {
				y[i] = c - b[i]
			}
		case opMul:
			for i := range y {
				y[i] = c * b[i]
			}
		case opDiv:
			for i := range y {
				y[i] = c / b[i]
			}
		}
	default:
		var v F
		switch op {
		case opAdd:
			v = a[0] + b[0]
		case opSub:
			v = a[0] - b[0]
		case opMul:
			v = a[0] * b[0]
		case opDiv:
			v = a[0] / b[0]
		}
		for i := range y {
			y[i] = v
		}
	}
}

func (k *binaryOp) backward(r *runner, n *node) error {
	g := r.gradOut(n, 0)
	ga, gb := r.gradIn(n, 0), r.gradIn(n, 1)
	a, b := r.in(n, 0), r.in(n, 1)
	shape := r.vals[n.out[0]].shape
	bs, err := k.bShape(a.shape, b.shape)
	if err != nil {
		return err
	}
	p := newBplan(shape, a.shape, bs)
	p.each(func(o, ai, bi, m, as, bs int) {
		for i := range m {
			gi := g[o+i]
			x, z := a.f[ai+i*as], b.f[bi+i*bs]
			switch k.op {
			case opAdd:
				if ga != nil {
					ga[ai+i*as] += gi
				}
				if gb != nil {
					gb[bi+i*bs] += gi
				}
			case opSub:
				if ga != nil {
					ga[ai+i*as] += gi
				}
				if gb != nil {
					gb[bi+i*bs] -= gi
				}
			case opMul:
				if ga != nil {
					ga[ai+i*as] += gi * z
				}
				if gb != nil {
					gb[bi+i*bs] += gi * x
				}
			case opDiv:
				if ga != nil {
					ga[ai+i*as] += gi / z
				}
				if gb != nil {
					gb[bi+i*bs] -= gi * x / (z * z)
				}
			}
		}
	})
	return nil
}

// Unary float activations.

const (
	actRelu = iota
	actLeaky
	actSigmoid
	actTanh
)

type activation struct {
	act   int
	alpha float32
}

func makeActivation(act int) func(a *attrs) (kernel, error) {
	return func(a *attrs) (kernel, error) {
		k := &activation{act: act}
		if act == actLeaky {
			k.alpha = a.finite("alpha", 0.01)
		}
		return k, nil
	}
}

func (k *activation) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if !x.dt.isFloat() {
		return fmt.Errorf("input type %v is not supported", x.dt)
	}
	y, err := r.out(n, 0, x.dt, x.shape)
	if err != nil {
		return err
	}
	if x.dt == dtDouble {
		k.run64(y.d, x.d)
		return nil
	}
	xs, ys := x.f, y.f[:len(x.f)]
	switch k.act {
	case actRelu:
		relu(ys, xs)
	case actLeaky:
		for i, v := range xs {
			if v < 0 {
				v *= k.alpha
			}
			ys[i] = v
		}
	case actSigmoid:
		for i, v := range xs {
			ys[i] = sigmoid32(v)
		}
	case actTanh:
		for i, v := range xs {
			ys[i] = float32(math.Tanh(float64(v)))
		}
	}
	return nil
}

// run64 is run for DOUBLE.
func (k *activation) run64(y, x []float64) {
	y = y[:len(x)]
	for i, v := range x {
		switch k.act {
		case actRelu:
			if v < 0 {
				v = 0
			}
		case actLeaky:
			if v < 0 {
				v *= float64(k.alpha)
			}
		case actSigmoid:
			if v >= 0 {
				v = 1 / (1 + math.Exp(-v))
			} else {
				e := math.Exp(v)
				v = e / (1 + e)
			}
		case actTanh:
			v = math.Tanh(v)
		}
		y[i] = v
	}
}

// relu writes max(x, 0) to y without branches (a negative NaN becomes 0).
func relu(y, x []float32) {
	y = y[:len(x)]
	for i, v := range x {
		b := math.Float32bits(v)
		y[i] = math.Float32frombits(b &^ uint32(int32(b)>>31))
	}
}

func sigmoid32(v float32) float32 {
	if v >= 0 {
		return float32(1 / (1 + math.Exp(-float64(v))))
	}
	e := math.Exp(float64(v))
	return float32(e / (1 + e))
}

func (k *activation) backward(r *runner, n *node) error {
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	x, y := r.in(n, 0).f, r.vals[n.out[0]].f
	g, x, y = g[:len(gx)], x[:len(gx)], y[:len(gx)]
	switch k.act {
	case actRelu:
		for i := range gx {
			if x[i] > 0 {
				gx[i] += g[i]
			}
		}
	case actLeaky:
		for i := range gx {
			if x[i] > 0 {
				gx[i] += g[i]
			} else {
				gx[i] += k.alpha * g[i]
			}
		}
	case actSigmoid:
		for i := range gx {
			gx[i] += g[i] * y[i] * (1 - y[i])
		}
	case actTanh:
		for i := range gx {
			gx[i] += g[i] * (1 - y[i]*y[i])
		}
	}
	return nil
}

// Clip limits values to [min, max]: attributes before version 11, optional
// scalar inputs from version 11.
type clipOp struct {
	lo, hi float32 // version 6 attributes
}

func makeClip(a *attrs) (kernel, error) {
	k := &clipOp{lo: float32(math.Inf(-1)), hi: float32(math.Inf(1))}
	if a.version() < 11 {
		k.lo = a.float("min", k.lo)
		k.hi = a.float("max", k.hi)
	}
	return k, nil
}

func (k *clipOp) bounds(r *runner, n *node) (lo, hi float64, err error) {
	lo, hi = float64(k.lo), float64(k.hi)
	x := r.in(n, 0)
	if x.dt.isInt() {
		l, h := x.dt.bounds()
		lo, hi = float64(l), float64(h)
	}
	if t := r.in(n, 1); t != nil {
		if lo, err = t.scalarFloat(); err != nil {
			return 0, 0, fmt.Errorf("min: %w", err)
		}
	}
	if t := r.in(n, 2); t != nil {
		if hi, err = t.scalarFloat(); err != nil {
			return 0, 0, fmt.Errorf("max: %w", err)
		}
	}
	return lo, hi, nil
}

func (k *clipOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	lo, hi, err := k.bounds(r, n)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, x.dt, x.shape)
	if err != nil {
		return err
	}
	if x.dt == dtDouble {
		for i, v := range x.d {
			y.d[i] = min(max(v, lo), hi)
		}
		return nil
	}
	if x.dt.inF() {
		l, h := float32(lo), float32(hi)
		for i, v := range x.f {
			if v < l {
				v = l
			}
			if v > h {
				v = h
			}
			y.f[i] = v
		}
		return nil
	}
	l, h := int64(lo), int64(hi)
	for i, v := range x.i {
		y.i[i] = min(max(v, l), h)
	}
	return nil
}

func (k *clipOp) backward(r *runner, n *node) error {
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	if gx == nil {
		return nil
	}
	lo, hi, err := k.bounds(r, n)
	if err != nil {
		return err
	}
	l, h := float32(lo), float32(hi)
	for i, v := range r.in(n, 0).f {
		if v >= l && v <= h {
			gx[i] += g[i]
		}
	}
	return nil
}

// identity passes its input through (Identity; Dropout at inference).
type identity struct{ dropout bool }

func makeIdentity(a *attrs) (kernel, error) { return &identity{}, nil }

func makeDropout(a *attrs) (kernel, error) {
	if a.version() < 7 && a.int("is_test", 0) == 0 {
		return nil, errors.New("Dropout in training mode (is_test=0) is not supported")
	}
	return &identity{dropout: true}, nil
}

func (k *identity) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if !x.isPlain() { // Identity 14 and 16: a sequence or optional
		r.setValue(n, 0, x)
		return nil
	}
	if k.dropout {
		// Version 12 and later: ratio and training_mode inputs.
		if t := r.in(n, 2); t != nil && t.size() == 1 && t.i[0] != 0 {
			ratio := 0.5
			if rt := r.in(n, 1); rt != nil {
				var err error
				if ratio, err = rt.scalarFloat(); err != nil {
					return fmt.Errorf("ratio: %w", err)
				}
			}
			if ratio != 0 {
				return errors.New("Dropout in training mode with a non-zero ratio is not supported (it is random)")
			}
		}
		if r.wantOut(n, 1) {
			m, err := r.out(n, 1, dtBool, x.shape)
			if err != nil {
				return err
			}
			for i := range m.i {
				m.i[i] = 1
			}
		}
	}
	return r.alias(n, 0, x, x.shape)
}

func (k *identity) backward(r *runner, n *node) error {
	return addInto(r.gradIn(n, 0), r.gradOut(n, 0))
}

// addInto adds src to dst element-wise (dst may be nil: nothing to do).
func addInto(dst, src []float32) error {
	if dst == nil || src == nil {
		return nil
	}
	if len(dst) != len(src) {
		return fmt.Errorf("gradient sizes differ: %d and %d", len(dst), len(src))
	}
	for i, v := range src {
		dst[i] += v
	}
	return nil
}
