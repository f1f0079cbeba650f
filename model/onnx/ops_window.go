package onnx

import (
	"errors"
	"fmt"
	"math"
)

// HannWindow, HammingWindow and BlackmanWindow (version 17): generalised
// cosine windows, periodic or symmetric.
type windowOp struct {
	coef     []float64 // a0, a1, a2: a0 - a1 cos(2πn/N) + a2 cos(4πn/N)
	periodic bool
	dt       dtype
}

func makeWindow(coef ...float64) func(a *attrs) (kernel, error) {
	return func(a *attrs) (kernel, error) {
		k := &windowOp{coef: coef, periodic: a.int("periodic", 1) != 0, dt: dtype(a.int("output_datatype", int64(dtFloat)))}
		if !k.dt.supported() {
			return nil, fmt.Errorf("output_datatype %v is not supported", k.dt)
		}
		return k, nil
	}
}

func (k *windowOp) outType(int, []dtype) dtype { return k.dt }

func (k *windowOp) run(r *runner, n *node) error {
	v, err := r.in(n, 0).ints()
	if err != nil || len(v) != 1 {
		return errors.New("size must be one integer")
	}
	if v[0] < 0 || v[0] > int64(r.g.lim.MaxTensorElements) {
		return fmt.Errorf("size %d out of range", v[0])
	}
	size := int(v[0])
	y, err := r.out(n, 0, k.dt, []int{size})
	if err != nil {
		return err
	}
	den := float64(size)
	if !k.periodic {
		den--
	}
	for i := range size {
		x := 2 * math.Pi * float64(i) / den
		w := k.coef[0] - k.coef[1]*math.Cos(x) + k.coef[2]*math.Cos(2*x)
		if k.dt == dtFloat {
			y.f[i] = float32(w)
		} else {
			y.i[i] = k.dt.wrap(int64(w))
		}
	}
	return nil
}
