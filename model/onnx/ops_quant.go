package onnx

import (
	"errors"
	"fmt"
	"math"
	"slices"
)

// Linear quantisation as onnxruntime's quantisation tool emits it:
// QuantizeLinear, DequantizeLinear (per tensor, or per axis from 13) and
// DynamicQuantizeLinear.

// quantParams returns, for every element of a tensor of shape shape, the
// index of its scale and zero point (per tensor or along axis).
func quantIndex(shape []int, scale *tensor, axis int, version int) (func(i int) int, error) {
	if scale.size() == 1 {
		return func(int) int { return 0 }, nil
	}
	if version < 13 || scale.rank() != 1 {
		return nil, errors.New("scale must be a scalar (or, from version 13, 1-D per axis)")
	}
	ax, err := normAxis(axis, len(shape))
	if err != nil {
		return nil, err
	}
	if scale.size() != shape[ax] {
		return nil, fmt.Errorf("%d scales for axis %d of size %d", scale.size(), ax, shape[ax])
	}
	inner := prod(shape[ax+1:])
	return func(i int) int { return (i / inner) % shape[ax] }, nil
}

// quantAttrs refuses by name the attributes of versions 21 and later that
// change the result: block_size (blocked quantisation), and an output_dtype
// or precision other than the types implemented.
func quantAttrs(a *attrs, outDT ...dtype) (dtype, error) {
	if b := a.int("block_size", 0); b != 0 {
		return 0, fmt.Errorf("block_size %d (blocked quantization) is not supported", b)
	}
	if p := dtype(a.int("precision", 0)); p != dtUndefined && p != dtFloat {
		return 0, fmt.Errorf("precision %v is not supported (FLOAT is)", p)
	}
	dt := dtype(a.int("output_dtype", 0))
	if dt != dtUndefined && !slices.Contains(outDT, dt) {
		return 0, fmt.Errorf("output_dtype %v is not supported (%v are)", dt, outDT)
	}
	return dt, nil
}

type quantizeLinear struct {
	axis int
	to   dtype // output_dtype (21), dtUndefined when absent
}

func makeQuantizeLinear(a *attrs) (kernel, error) {
	to, err := quantAttrs(a, dtUint8, dtInt8)
	if err != nil {
		return nil, err
	}
	return &quantizeLinear{axis: a.intIn("axis", 1, -64, 64), to: to}, nil
}

func (k *quantizeLinear) outType(_ int, in []dtype) dtype {
	if len(in) > 2 && in[2] != dtUndefined {
		return in[2]
	}
	if k.to != dtUndefined {
		return k.to
	}
	return dtUint8
}

func (k *quantizeLinear) run(r *runner, n *node) error {
	x, s, zp := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	if x.dt != dtFloat || s.dt != dtFloat {
		return errors.New("input and scale must be FLOAT")
	}
	dt := dtUint8
	if k.to != dtUndefined {
		dt = k.to
	}
	if zp != nil {
		if k.to != dtUndefined && zp.dt != k.to {
			return fmt.Errorf("zero point is %v, output_dtype %v", zp.dt, k.to)
		}
		dt = zp.dt
		if zp.size() != s.size() {
			return errors.New("zero point and scale differ in size")
		}
	}
	if dt != dtUint8 && dt != dtInt8 {
		return fmt.Errorf("output type %v is not UINT8 or INT8", dt)
	}
	at, err := quantIndex(x.shape, s, k.axis, n.version)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, dt, x.shape)
	if err != nil {
		return err
	}
	lo, hi := dt.bounds()
	for i, v := range x.f {
		j := at(i)
		q := math.RoundToEven(float64(v / s.f[j])) // float32 division, as ONNX Runtime
		if zp != nil {
			q += float64(zp.i[j])
		}
		y.i[i] = int64(math.Max(float64(lo), math.Min(float64(hi), q)))
	}
	return nil
}

type dequantizeLinear struct{ axis int }

func makeDequantizeLinear(a *attrs) (kernel, error) {
	if _, err := quantAttrs(a, dtFloat); err != nil {
		return nil, err
	}
	return &dequantizeLinear{axis: a.intIn("axis", 1, -64, 64)}, nil
}

func (k *dequantizeLinear) outType(int, []dtype) dtype { return dtFloat }

func (k *dequantizeLinear) run(r *runner, n *node) error {
	x, s, zp := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	if s.dt != dtFloat || (x.dt != dtUint8 && x.dt != dtInt8 && x.dt != dtInt32) {
		return errors.New("input must be UINT8, INT8 or INT32 and scale FLOAT")
	}
	if zp != nil && (zp.dt != x.dt || zp.size() != s.size()) {
		return errors.New("zero point must match the input's type and the scale's size")
	}
	at, err := quantIndex(x.shape, s, k.axis, n.version)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, dtFloat, x.shape)
	if err != nil {
		return err
	}
	for i, v := range x.i {
		j := at(i)
		if zp != nil {
			v -= zp.i[j]
		}
		y.f[i] = float32(float64(v) * float64(s.f[j]))
	}
	return nil
}

// dynamicQuantize computes a UINT8 scale and zero point covering the input
// and zero, and quantises with them.
type dynamicQuantize struct{}

func makeDynamicQuantize(a *attrs) (kernel, error) { return dynamicQuantize{}, nil }

func (dynamicQuantize) outType(k int, _ []dtype) dtype {
	if k == 1 {
		return dtFloat
	}
	return dtUint8
}

func (dynamicQuantize) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.dt != dtFloat {
		return errors.New("input must be FLOAT")
	}
	lo, hi := 0.0, 0.0
	for _, v := range x.f {
		lo, hi = math.Min(lo, float64(v)), math.Max(hi, float64(v))
	}
	scale := float32((hi - lo) / 255)
	zp := 0.0
	if scale != 0 {
		zp = math.Max(0, math.Min(255, math.RoundToEven(float64(-float32(lo)/scale)))) // in float32, as the reference
	}
	y, err := r.out(n, 0, dtUint8, x.shape)
	if err != nil {
		return err
	}
	ys, err := r.out(n, 1, dtFloat, []int{})
	if err != nil {
		return err
	}
	yz, err := r.out(n, 2, dtUint8, []int{})
	if err != nil {
		return err
	}
	ys.f[0], yz.i[0] = scale, int64(zp)
	for i, v := range x.f {
		q := zp
		if scale != 0 {
			q = math.RoundToEven(float64(v/scale)) + zp
		}
		y.i[i] = int64(math.Max(0, math.Min(255, q)))
	}
	return nil
}
