package onnx

import (
	"errors"
	"fmt"
	"math"
)

// Element-wise math beyond the fused arithmetic of ops_elem.go: unary
// functions, comparisons and logic, Pow, Mod, PRelu, the variadic Max, Min,
// Sum and Mean, and Where. These run through a general broadcast (an offset
// table per operand), not the speed path of Add and Mul.

// bcastIdx returns, for every element of the broadcast output shape out, the
// flat offset of the corresponding element of an operand of shape in.
func bcastIdx(out, in []int) []int {
	n := prod(out)
	idx := make([]int, n)
	if n == 0 {
		return idx
	}
	str := make([]int, len(out))
	s := 1
	for d := len(in) - 1; d >= 0; d-- {
		od := d + len(out) - len(in)
		if in[d] != 1 {
			str[od] = s
		}
		s *= in[d]
	}
	pos := make([]int, len(out))
	o := 0
	for i := range n {
		idx[i] = o
		for d := len(out) - 1; d >= 0; d-- {
			pos[d]++
			o += str[d]
			if pos[d] < out[d] {
				break
			}
			o -= str[d] * out[d]
			pos[d] = 0
		}
	}
	return idx
}

// Unary functions.

type unaryFn struct {
	f    func(x float64, k *unaryOp) float64
	df   func(x, y float64, k *unaryOp) float64 // nil: no gradient
	ints func(x int64) int64                    // integer version, nil: float only
}

type unaryOp struct {
	fn                 *unaryFn
	alpha, beta, gamma float64
}

func makeUnary(fn *unaryFn, params ...string) func(a *attrs) (kernel, error) {
	return func(a *attrs) (kernel, error) {
		k := &unaryOp{fn: fn}
		for _, p := range params {
			switch p {
			case "elu":
				k.alpha = float64(a.finite("alpha", 1))
			case "celu":
				k.alpha = float64(a.finite("alpha", 1))
				if k.alpha == 0 {
					a.fail("alpha must not be 0")
				}
			case "selu":
				k.alpha = float64(a.finite("alpha", 1.67326319217681884765625))
				k.gamma = float64(a.finite("gamma", 1.05070102214813232421875))
			case "hardsigmoid":
				k.alpha = float64(a.finite("alpha", 0.2))
				k.beta = float64(a.finite("beta", 0.5))
			case "thresholded":
				k.alpha = float64(a.finite("alpha", 1))
			case "shrink":
				k.alpha = float64(a.finite("lambd", 0.5))
				k.beta = float64(a.finite("bias", 0))
			}
		}
		return k, nil
	}
}

func (k *unaryOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if !x.dt.isFloat() && k.fn.ints == nil {
		return fmt.Errorf("input type %v is not supported", x.dt)
	}
	y, err := r.out(n, 0, x.dt, x.shape)
	if err != nil {
		return err
	}
	switch {
	case x.dt.inF():
		unaryF(k, y.f, x.f)
	case x.dt == dtDouble:
		unaryF(k, y.d, x.d)
	default:
		for i, v := range x.i {
			y.i[i] = x.dt.wrap(k.fn.ints(v))
		}
	}
	return nil
}

// unaryF applies k's function (computed in float64) to float storage.
func unaryF[F floatT](k *unaryOp, y, x []F) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] = F(k.fn.f(float64(v), k))
	}
}

func (k *unaryOp) backward(r *runner, n *node) error {
	if k.fn.df == nil {
		return errors.New("operator has no gradient")
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	x, y := r.in(n, 0).f, r.vals[n.out[0]].f
	for i := range gx {
		gx[i] += g[i] * float32(k.fn.df(float64(x[i]), float64(y[i]), k))
	}
	return nil
}

func absInt(v int64) int64 {
	if v < 0 {
		return -v
	}
	return v
}

func signInt(v int64) int64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return 0
}

func sign(v float64) float64 {
	switch {
	case v > 0:
		return 1
	case v < 0:
		return -1
	}
	return v // 0 and NaN
}

var (
	fnExp        = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Exp(x) }, df: func(_, y float64, _ *unaryOp) float64 { return y }}
	fnLog        = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Log(x) }, df: func(x, _ float64, _ *unaryOp) float64 { return 1 / x }}
	fnSqrt       = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Sqrt(x) }, df: func(_, y float64, _ *unaryOp) float64 { return 0.5 / y }}
	fnReciprocal = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return 1 / x }, df: func(_, y float64, _ *unaryOp) float64 { return -y * y }}
	fnNeg        = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return -x }, df: func(_, _ float64, _ *unaryOp) float64 { return -1 }, ints: func(v int64) int64 { return -v }}
	fnAbs        = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Abs(x) }, df: func(x, _ float64, _ *unaryOp) float64 { return sign(x) }, ints: absInt}
	fnSign       = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return sign(x) }, df: func(_, _ float64, _ *unaryOp) float64 { return 0 }, ints: signInt}
	fnFloor      = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Floor(x) }, df: func(_, _ float64, _ *unaryOp) float64 { return 0 }}
	fnCeil       = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Ceil(x) }, df: func(_, _ float64, _ *unaryOp) float64 { return 0 }}
	fnRound      = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.RoundToEven(x) }, df: func(_, _ float64, _ *unaryOp) float64 { return 0 }}
	fnErf        = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return erf32(x) }, df: func(x, _ float64, _ *unaryOp) float64 { return 2 / math.SqrtPi * math.Exp(-x*x) }}
	fnSin        = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Sin(x) }, df: func(x, _ float64, _ *unaryOp) float64 { return math.Cos(x) }}
	fnCos        = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Cos(x) }, df: func(x, _ float64, _ *unaryOp) float64 { return -math.Sin(x) }}
	fnTan        = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Tan(x) }, df: func(_, y float64, _ *unaryOp) float64 { return 1 + y*y }}
	fnAsin       = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Asin(x) }, df: func(x, _ float64, _ *unaryOp) float64 { return 1 / math.Sqrt(1-x*x) }}
	fnAcos       = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Acos(x) }, df: func(x, _ float64, _ *unaryOp) float64 { return -1 / math.Sqrt(1-x*x) }}
	fnAtan       = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Atan(x) }, df: func(x, _ float64, _ *unaryOp) float64 { return 1 / (1 + x*x) }}
	fnSinh       = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Sinh(x) }, df: func(x, _ float64, _ *unaryOp) float64 { return math.Cosh(x) }}
	fnCosh       = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Cosh(x) }, df: func(x, _ float64, _ *unaryOp) float64 { return math.Sinh(x) }}
	fnAsinh      = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Asinh(x) }, df: func(x, _ float64, _ *unaryOp) float64 { return 1 / math.Sqrt(x*x+1) }}
	fnAcosh      = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Acosh(x) }, df: func(x, _ float64, _ *unaryOp) float64 { return 1 / math.Sqrt(x*x-1) }}
	fnAtanh      = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return math.Atanh(x) }, df: func(x, _ float64, _ *unaryOp) float64 { return 1 / (1 - x*x) }}
	fnSoftplus   = &unaryFn{f: func(x float64, _ *unaryOp) float64 {
		if x > 0 {
			return x + math.Log1p(math.Exp(-x))
		}
		return math.Log1p(math.Exp(x))
	}, df: func(x, _ float64, _ *unaryOp) float64 { return 1 / (1 + math.Exp(-x)) }}
	fnSoftsign = &unaryFn{f: func(x float64, _ *unaryOp) float64 { return x / (1 + math.Abs(x)) }, df: func(x, _ float64, _ *unaryOp) float64 { d := 1 + math.Abs(x); return 1 / (d * d) }}
	fnElu      = &unaryFn{f: func(x float64, k *unaryOp) float64 {
		if x < 0 {
			return k.alpha * (math.Exp(x) - 1)
		}
		return x
	}, df: func(x, y float64, k *unaryOp) float64 {
		if x < 0 {
			return y + k.alpha
		}
		return 1
	}}
	fnCelu = &unaryFn{f: func(x float64, k *unaryOp) float64 {
		return math.Max(0, x) + math.Min(0, k.alpha*(math.Exp(x/k.alpha)-1))
	}, df: func(x, _ float64, k *unaryOp) float64 {
		if x < 0 {
			return math.Exp(x / k.alpha)
		}
		return 1
	}}
	fnSelu = &unaryFn{f: func(x float64, k *unaryOp) float64 {
		if x <= 0 {
			return k.gamma * k.alpha * (math.Exp(x) - 1)
		}
		return k.gamma * x
	}, df: func(x, _ float64, k *unaryOp) float64 {
		if x <= 0 {
			return k.gamma * k.alpha * math.Exp(x)
		}
		return k.gamma
	}}
	fnHardSigmoid = &unaryFn{f: func(x float64, k *unaryOp) float64 {
		return math.Max(0, math.Min(1, k.alpha*x+k.beta))
	}, df: func(x, _ float64, k *unaryOp) float64 {
		if v := k.alpha*x + k.beta; v > 0 && v < 1 {
			return k.alpha
		}
		return 0
	}}
	fnHardSwish = &unaryFn{f: func(x float64, _ *unaryOp) float64 {
		return x * math.Max(0, math.Min(1, x/6+0.5))
	}, df: func(x, _ float64, _ *unaryOp) float64 {
		switch {
		case x <= -3:
			return 0
		case x >= 3:
			return 1
		}
		return x/3 + 0.5
	}}
	fnThresholdedRelu = &unaryFn{f: func(x float64, k *unaryOp) float64 {
		if x > k.alpha {
			return x
		}
		return 0
	}, df: func(x, _ float64, k *unaryOp) float64 {
		if x > k.alpha {
			return 1
		}
		return 0
	}}
	fnShrink = &unaryFn{f: func(x float64, k *unaryOp) float64 {
		switch {
		case x < -k.alpha:
			return x + k.beta
		case x > k.alpha:
			return x - k.beta
		}
		return 0
	}, df: func(x, _ float64, k *unaryOp) float64 {
		if x < -k.alpha || x > k.alpha {
			return 1
		}
		return 0
	}}
)

// Binary operators with general broadcasting.

type binFn struct {
	f      func(a, b float64) float64
	da, db func(a, b, y float64) float64 // nil: no gradient
	ints   func(a, b int64) (int64, error)
	bool   bool // the output is BOOL
	mixed  bool // the operands may have different types (Pow)
	ints32 bool // inputs must be integers or BOOL (And, Or, Xor)
}

type broadcastOp struct{ fn *binFn }

func makeBroadcast(fn *binFn) func(a *attrs) (kernel, error) {
	return func(a *attrs) (kernel, error) { return &broadcastOp{fn: fn}, nil }
}

func (k *broadcastOp) outType(_ int, in []dtype) dtype {
	if k.fn.bool {
		return dtBool
	}
	return in[0]
}

func (k *broadcastOp) run(r *runner, n *node) error { return k.runOn(r, n, r.in(n, 0), r.in(n, 1)) }

func (k *broadcastOp) runOn(r *runner, n *node, a, b *tensor) error {
	if a.dt != b.dt && !k.fn.mixed {
		return fmt.Errorf("operand types differ: %v and %v", a.dt, b.dt)
	}
	if k.fn.ints32 && (a.dt.isFloat() || b.dt.isFloat()) {
		return fmt.Errorf("input type %v is not supported", a.dt)
	}
	shape, err := bcastShape(a.shape, b.shape)
	if err != nil {
		return err
	}
	ia, ib := bcastIdx(shape, a.shape), bcastIdx(shape, b.shape)
	switch {
	case a.dt == dtString && k.fn == fnEqual && n.version >= 19:
		y, err := r.out(n, 0, dtBool, shape)
		if err != nil {
			return err
		}
		for o := range ia {
			y.i[o] = int64(b2f(a.s[ia[o]] == b.s[ib[o]]))
		}
	case a.dt == dtString:
		return fmt.Errorf("input type %v is not supported", a.dt)
	case k.fn.bool:
		y, err := r.out(n, 0, dtBool, shape)
		if err != nil {
			return err
		}
		for o := range ia {
			y.i[o] = int64(k.fn.f(num(a, ia[o]), num(b, ib[o])))
		}
	case a.dt.isFloat():
		y, err := r.out(n, 0, a.dt, shape)
		if err != nil {
			return err
		}
		storeFloats(y, len(ia), func(o int) float64 { return k.fn.f(num(a, ia[o]), num(b, ib[o])) })
	default:
		if k.fn.ints == nil {
			return fmt.Errorf("input type %v is not supported", a.dt)
		}
		y, err := r.out(n, 0, a.dt, shape)
		if err != nil {
			return err
		}
		for o := range ia {
			bv := int64(num(b, ib[o]))
			if b.dt.isInt() {
				bv = b.i[ib[o]]
			}
			v, err := k.fn.ints(a.i[ia[o]], bv)
			if err != nil {
				return err
			}
			y.i[o] = a.dt.wrap(v)
		}
	}
	return nil
}

func (k *broadcastOp) backward(r *runner, n *node) error {
	return k.backwardOn(r, n, r.in(n, 0), r.in(n, 1))
}

func (k *broadcastOp) backwardOn(r *runner, n *node, a, b *tensor) error {
	if k.fn.da == nil {
		return errors.New("operator has no gradient")
	}
	y := r.vals[n.out[0]]
	g := r.gradOut(n, 0)
	ga, gb := r.gradIn(n, 0), r.gradIn(n, 1)
	if b.dt != dtFloat {
		gb = nil
	}
	ia, ib := bcastIdx(y.shape, a.shape), bcastIdx(y.shape, b.shape)
	for o := range ia {
		av, bv, yv := num(a, ia[o]), num(b, ib[o]), float64(y.f[o])
		if ga != nil {
			ga[ia[o]] += g[o] * float32(k.fn.da(av, bv, yv))
		}
		if gb != nil {
			gb[ib[o]] += g[o] * float32(k.fn.db(av, bv, yv))
		}
	}
	return nil
}

func b2f(v bool) float64 {
	if v {
		return 1
	}
	return 0
}

func powInt(a, b int64) (int64, error) {
	if b < 0 {
		return int64(math.Pow(float64(a), float64(b))), nil
	}
	v := int64(1)
	for ; b > 0; b >>= 1 {
		if b&1 == 1 {
			v *= a
		}
		a *= a
	}
	return v, nil
}

var (
	fnPow = &binFn{f: math.Pow, mixed: true, ints: powInt,
		da: func(a, b, _ float64) float64 { return b * math.Pow(a, b-1) },
		db: func(a, _, y float64) float64 {
			if a <= 0 {
				return 0
			}
			return y * math.Log(a)
		}}
	fnPRelu = &binFn{
		f: func(x, s float64) float64 {
			if x < 0 {
				return s * x
			}
			return x
		},
		ints: func(x, s int64) (int64, error) {
			if x < 0 {
				return s * x, nil
			}
			return x, nil
		},
		da: func(x, s, _ float64) float64 {
			if x < 0 {
				return s
			}
			return 1
		},
		db: func(x, _, _ float64) float64 {
			if x < 0 {
				return x
			}
			return 0
		}}
	fnEqual          = &binFn{bool: true, f: func(a, b float64) float64 { return b2f(a == b) }}
	fnLess           = &binFn{bool: true, f: func(a, b float64) float64 { return b2f(a < b) }}
	fnLessOrEqual    = &binFn{bool: true, f: func(a, b float64) float64 { return b2f(a <= b) }}
	fnGreater        = &binFn{bool: true, f: func(a, b float64) float64 { return b2f(a > b) }}
	fnGreaterOrEqual = &binFn{bool: true, f: func(a, b float64) float64 { return b2f(a >= b) }}
	fnAnd            = &binFn{bool: true, ints32: true, f: func(a, b float64) float64 { return b2f(a != 0 && b != 0) }}
	fnOr             = &binFn{bool: true, ints32: true, f: func(a, b float64) float64 { return b2f(a != 0 || b != 0) }}
	fnXor            = &binFn{bool: true, ints32: true, f: func(a, b float64) float64 { return b2f((a != 0) != (b != 0)) }}
)

// Mod: integer modulus with the sign of the divisor, or C fmod (sign of the
// dividend) with fmod=1, which floats require.
func makeMod(a *attrs) (kernel, error) {
	fmod := a.int("fmod", 0) != 0
	fn := &binFn{
		f: func(x, y float64) float64 {
			m := math.Mod(x, y)
			if !fmod && m != 0 && (m < 0) != (y < 0) {
				m += y
			}
			return m
		},
		ints: func(x, y int64) (int64, error) {
			if y == 0 {
				return 0, errors.New("integer modulus by zero")
			}
			m := x % y
			if !fmod && m != 0 && (m < 0) != (y < 0) {
				m += y
			}
			return m, nil
		},
	}
	return &modOp{op: broadcastOp{fn: fn}, fmod: fmod}, nil
}

// modOp has no gradient (it is piecewise linear with jumps).
type modOp struct {
	op   broadcastOp
	fmod bool
}

func (k *modOp) run(r *runner, n *node) error {
	if x := r.in(n, 0); x.dt.isFloat() && !k.fmod {
		return fmt.Errorf("Mod of %v tensors needs fmod=1", x.dt)
	}
	return k.op.run(r, n)
}

// Not negates a BOOL tensor.
type notOp struct{}

func makeNot(a *attrs) (kernel, error) { return notOp{}, nil }

func (notOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.dt != dtBool {
		return fmt.Errorf("input type %v is not BOOL", x.dt)
	}
	y, err := r.out(n, 0, dtBool, x.shape)
	if err != nil {
		return err
	}
	for i, v := range x.i {
		y.i[i] = 1 - v
	}
	return nil
}

// PRelu before version 7 takes a 1-D slope of one value per channel (axis
// 1); from version 7 the slope broadcasts numpy-style.
type preluOp struct {
	op     broadcastOp
	legacy bool
}

func makePRelu(a *attrs) (kernel, error) {
	return &preluOp{op: broadcastOp{fn: fnPRelu}, legacy: a.version() < 7}, nil
}

func (k *preluOp) slope(r *runner, n *node) *tensor {
	x, s := r.in(n, 0), r.in(n, 1)
	if !k.legacy || s.rank() != 1 || x.rank() < 2 || s.size() == 1 || s.size() != x.shape[1] {
		return s
	}
	shape := make([]int, x.rank()-1)
	for i := range shape {
		shape[i] = 1
	}
	shape[0] = s.size()
	return &tensor{dt: s.dt, shape: shape, f: s.f, i: s.i}
}

func (k *preluOp) run(r *runner, n *node) error {
	return k.op.runOn(r, n, r.in(n, 0), k.slope(r, n))
}

func (k *preluOp) backward(r *runner, n *node) error {
	return k.op.backwardOn(r, n, r.in(n, 0), k.slope(r, n))
}

// Pow before version 7 broadcasts as Add does then (broadcast, axis).
type powOp struct {
	op     broadcastOp
	legacy *binaryOp // the version-1 broadcast rule, nil from version 7
}

func makePow(a *attrs) (kernel, error) {
	k := &powOp{op: broadcastOp{fn: fnPow}}
	if a.version() < 7 {
		b, err := makeBinary(opAdd)(a)
		if err != nil {
			return nil, err
		}
		k.legacy = b.(*binaryOp)
	}
	return k, nil
}

func (k *powOp) exponent(r *runner, n *node) (*tensor, error) {
	x, e := r.in(n, 0), r.in(n, 1)
	if k.legacy == nil {
		return e, nil
	}
	shape, err := k.legacy.bShape(x.shape, e.shape)
	if err != nil {
		return nil, err
	}
	return &tensor{dt: e.dt, shape: shape, f: e.f, i: e.i}, nil
}

func (k *powOp) outType(j int, in []dtype) dtype { return k.op.outType(j, in) }

func (k *powOp) run(r *runner, n *node) error {
	if x, e := r.in(n, 0), r.in(n, 1); x.dt == dtFloat && e.size() == 1 && e.rank() <= x.rank() {
		return powScalar(r, n, x, num(e, 0))
	}
	e, err := k.exponent(r, n)
	if err != nil {
		return err
	}
	return k.op.runOn(r, n, r.in(n, 0), e)
}

// powScalar is Pow with one exponent for every element (as LayerNorm and
// GELU exporters write it: 2 and 3), without the broadcast
// tables. x*x is the correctly rounded square, as math.Pow's is.
func powScalar(r *runner, n *node, x *tensor, p float64) error {
	y, err := r.out(n, 0, dtFloat, x.shape)
	if err != nil {
		return err
	}
	switch p {
	case 2:
		for i, v := range x.f {
			y.f[i] = v * v
		}
	default:
		for i, v := range x.f {
			y.f[i] = float32(math.Pow(float64(v), p))
		}
	}
	return nil
}

func (k *powOp) backward(r *runner, n *node) error {
	e, err := k.exponent(r, n)
	if err != nil {
		return err
	}
	return k.op.backwardOn(r, n, r.in(n, 0), e)
}
