package onnx

import (
	"errors"
	"fmt"
	"math"
)

// Operators new in opsets 18 to 23 that exporters emit: Mish and the
// Bitwise family (18), GroupNormalization (18, per-channel scale from 21),
// Gelu (20), RMSNormalization (23).

func init() {
	opsAI["Mish"] = opDef{since: []int{18, 22}, min: 18, minIn: 1, maxIn: 1, maxOut: 1, types: tsFloats, grad: true, make: makeUnary(fnMish)}
	opsAI["Gelu"] = opDef{since: []int{20}, min: 20, minIn: 1, maxIn: 1, maxOut: 1, types: tsFloats, grad: true, make: makeGelu}
	opsAI["BitwiseAnd"] = opDef{since: []int{18}, min: 18, minIn: 2, maxIn: 2, maxOut: 1, make: makeBroadcast(fnBitAnd)}
	opsAI["BitwiseOr"] = opDef{since: []int{18}, min: 18, minIn: 2, maxIn: 2, maxOut: 1, make: makeBroadcast(fnBitOr)}
	opsAI["BitwiseXor"] = opDef{since: []int{18}, min: 18, minIn: 2, maxIn: 2, maxOut: 1, make: makeBroadcast(fnBitXor)}
	opsAI["BitwiseNot"] = opDef{since: []int{18}, min: 18, minIn: 1, maxIn: 1, maxOut: 1, make: func(*attrs) (kernel, error) { return bitNot{}, nil }}
	opsAI["GroupNormalization"] = opDef{since: []int{18, 21}, min: 18, minIn: 3, maxIn: 3, maxOut: 1, make: makeGroupNorm}
	opsAI["RMSNormalization"] = opDef{since: []int{23}, min: 23, minIn: 2, maxIn: 2, maxOut: 1, make: makeRMSNorm}
}

var (
	fnMish = &unaryFn{f: func(x float64, _ *unaryOp) float64 {
		return x * math.Tanh(fnSoftplus.f(x, nil))
	}, df: func(x, _ float64, _ *unaryOp) float64 {
		t := math.Tanh(fnSoftplus.f(x, nil))
		return t + x*(1-t*t)/(1+math.Exp(-x))
	}}
	fnGeluErf = &unaryFn{f: func(x float64, _ *unaryOp) float64 {
		return 0.5 * x * (1 + math.Erf(x/math.Sqrt2))
	}, df: func(x, _ float64, _ *unaryOp) float64 {
		return 0.5*(1+math.Erf(x/math.Sqrt2)) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
	}}
	fnGeluTanh = &unaryFn{f: func(x float64, _ *unaryOp) float64 {
		return 0.5 * x * (1 + math.Tanh(geluC*(x+0.044715*x*x*x)))
	}, df: func(x, _ float64, _ *unaryOp) float64 {
		t := math.Tanh(geluC * (x + 0.044715*x*x*x))
		return 0.5*(1+t) + 0.5*x*(1-t*t)*geluC*(1+3*0.044715*x*x)
	}}
	fnBitAnd = &binFn{ints32: true, ints: func(a, b int64) (int64, error) { return a & b, nil }}
	fnBitOr  = &binFn{ints32: true, ints: func(a, b int64) (int64, error) { return a | b, nil }}
	fnBitXor = &binFn{ints32: true, ints: func(a, b int64) (int64, error) { return a ^ b, nil }}
)

// geluC is √(2/π), the constant of Gelu's tanh approximation.
var geluC = math.Sqrt(2 / math.Pi)

// makeGelu chooses the function of the approximate attribute: none (the erf
// form) or tanh.
func makeGelu(a *attrs) (kernel, error) {
	switch ap := a.str("approximate", "none"); ap {
	case "none":
		return &unaryOp{fn: fnGeluErf}, nil
	case "tanh":
		return &unaryOp{fn: fnGeluTanh}, nil
	default:
		return nil, fmt.Errorf("approximate %q is not supported", ap)
	}
}

// bitNot is BitwiseNot on integer tensors.
type bitNot struct{}

func (bitNot) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if !x.dt.isInt() {
		return fmt.Errorf("input type %v is not supported", x.dt)
	}
	y, err := r.out(n, 0, x.dt, x.shape)
	if err != nil {
		return err
	}
	for i, v := range x.i {
		y.i[i] = x.dt.wrap(^v)
	}
	return nil
}

// groupNorm normalises X [N, C, ...] over each group of C/num_groups
// channels and the spatial dimensions, then scales and shifts: per group in
// version 18 (scale and bias [num_groups]), per channel from 21 ([C]).
type groupNorm struct {
	groups     int
	eps        float64
	perChannel bool
}

func makeGroupNorm(a *attrs) (kernel, error) {
	k := &groupNorm{groups: a.intIn("num_groups", 0, 1, math.MaxInt32), eps: float64(a.finite("epsilon", 1e-5)), perChannel: a.version() >= 21}
	if !a.has("num_groups") {
		return nil, errors.New("attribute num_groups is missing")
	}
	if st := a.int("stash_type", 1); st != 1 {
		return nil, fmt.Errorf("stash_type %d is not supported (FLOAT only)", st)
	}
	return k, nil
}

func (k *groupNorm) run(r *runner, n *node) error {
	x, sc, b := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	if x.dt != dtFloat || sc.dt != dtFloat || b.dt != dtFloat {
		return errors.New("inputs must be FLOAT")
	}
	if x.rank() < 2 {
		return fmt.Errorf("input %v has no channel dimension", x.shape)
	}
	c := x.shape[1]
	if c%k.groups != 0 {
		return fmt.Errorf("%d channels do not form %d groups", c, k.groups)
	}
	want := k.groups
	if k.perChannel {
		want = c
	}
	if sc.size() != want || b.size() != want {
		return fmt.Errorf("scale and bias must have %d values", want)
	}
	y, err := r.out(n, 0, dtFloat, x.shape)
	if err != nil {
		return err
	}
	spatial := prod(x.shape[2:])
	per := c / k.groups
	size := per * spatial
	for blk := range prod(x.shape[:1]) * k.groups {
		off := blk * size
		xs := x.f[off : off+size]
		var mean, v float64
		for _, e := range xs {
			mean += float64(e)
		}
		mean /= float64(max(size, 1))
		for _, e := range xs {
			d := float64(e) - mean
			v += d * d
		}
		inv := 1 / math.Sqrt(v/float64(max(size, 1))+k.eps)
		g := blk % k.groups
		for j := range per {
			p := g
			if k.perChannel {
				p = g*per + j
			}
			s, sh := float64(sc.f[p]), float64(b.f[p])
			for i := j * spatial; i < (j+1)*spatial; i++ {
				y.f[off+i] = float32((float64(xs[i])-mean)*inv*s + sh)
			}
		}
	}
	return nil
}

// rmsNorm divides X by the root mean square over the dimensions from axis
// (plus epsilon under the root) and multiplies by scale, which broadcasts to
// those dimensions.
type rmsNorm struct {
	axis int
	eps  float64
}

func makeRMSNorm(a *attrs) (kernel, error) {
	if st := a.int("stash_type", 1); st != 1 {
		return nil, fmt.Errorf("stash_type %d is not supported (FLOAT only)", st)
	}
	return &rmsNorm{axis: int(a.int("axis", -1)), eps: float64(a.finite("epsilon", 1e-5))}, nil
}

func (k *rmsNorm) run(r *runner, n *node) error {
	x, sc := r.in(n, 0), r.in(n, 1)
	if x.dt != dtFloat || sc.dt != dtFloat {
		return errors.New("inputs must be FLOAT")
	}
	ax, err := normAxis(k.axis, x.rank())
	if err != nil {
		return err
	}
	inner := x.shape[ax:]
	if s, err := bcastShape(inner, sc.shape); err != nil || sc.rank() > len(inner) || fmt.Sprint(s) != fmt.Sprint(inner) {
		return fmt.Errorf("scale shape %v does not broadcast to %v", sc.shape, inner)
	}
	si := bcastIdx(inner, sc.shape)
	y, err := r.out(n, 0, dtFloat, x.shape)
	if err != nil {
		return err
	}
	cols := prod(inner)
	for row := range prod(x.shape[:ax]) {
		xs := x.f[row*cols : (row+1)*cols]
		var ss float64
		for _, e := range xs {
			ss += float64(e) * float64(e)
		}
		inv := 1 / math.Sqrt(ss/float64(max(cols, 1))+k.eps)
		for i, e := range xs {
			y.f[row*cols+i] = float32(float64(e) * inv * float64(sc.f[si[i]]))
		}
	}
	return nil
}
