package onnx

import (
	"errors"
	"fmt"
	"math"
)

// Det (version 11) and MaxUnpool (9, 11).

type detOp struct{}

func makeDet(a *attrs) (kernel, error) { return detOp{}, nil }

func (detOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.dt != dtFloat || x.rank() < 2 || x.shape[x.rank()-1] != x.shape[x.rank()-2] {
		return errors.New("input must be FLOAT [..., M, M]")
	}
	m := x.shape[x.rank()-1]
	y, err := r.out(n, 0, dtFloat, x.shape[:x.rank()-2])
	if err != nil {
		return err
	}
	a := make([]float64, m*m)
	for b := range y.size() {
		for i := range a {
			a[i] = float64(x.f[b*m*m+i])
		}
		// LU with partial pivoting.
		det := 1.0
		for c := range m {
			p := c
			for i := c + 1; i < m; i++ {
				if math.Abs(a[i*m+c]) > math.Abs(a[p*m+c]) {
					p = i
				}
			}
			if a[p*m+c] == 0 {
				det = 0
				break
			}
			if p != c {
				for j := range m {
					a[c*m+j], a[p*m+j] = a[p*m+j], a[c*m+j]
				}
				det = -det
			}
			det *= a[c*m+c]
			for i := c + 1; i < m; i++ {
				f := a[i*m+c] / a[c*m+c]
				for j := c; j < m; j++ {
					a[i*m+j] -= f * a[c*m+j]
				}
			}
		}
		y.f[b] = float32(det)
	}
	return nil
}

// maxUnpool scatters pooled values back to the positions MaxPool's Indices
// output recorded; the rest is zero.
type maxUnpool struct {
	kernel, strides, pads []int
}

func makeMaxUnpool(a *attrs) (kernel, error) {
	k := &maxUnpool{}
	var ok bool
	if k.kernel, ok = a.dims("kernel_shape", 1); !ok {
		return nil, errors.New("attribute kernel_shape is missing")
	}
	k.strides, _ = a.dims("strides", 1)
	k.pads, _ = a.dims("pads", 0)
	return k, nil
}

func (k *maxUnpool) run(r *runner, n *node) error {
	x, ind := r.in(n, 0), r.in(n, 1)
	sp := len(k.kernel)
	if x.dt != dtFloat || x.rank() != sp+2 || ind.dt != dtInt64 || ind.size() != x.size() {
		return errors.New("input must be FLOAT [N, C, spatial...] and indices INT64 of its shape")
	}
	shape := append([]int{}, x.shape[:2]...)
	for d := range sp {
		s, pb, pe := 1, 0, 0
		if k.strides != nil {
			s = k.strides[d]
		}
		if k.pads != nil {
			pb, pe = k.pads[d], k.pads[sp+d]
		}
		shape = append(shape, (x.shape[d+2]-1)*s+k.kernel[d]-pb-pe)
	}
	if r.in(n, 2) != nil {
		// ONNX Runtime places the indices differently when output_shape
		// exceeds the default shape; refused rather than guessed.
		return errors.New("the output_shape input is not supported")
	}
	y, err := r.out(n, 0, dtFloat, shape)
	if err != nil {
		return err
	}
	clear(y.f)
	for i, j := range ind.i {
		if j < 0 || j >= int64(len(y.f)) {
			return fmt.Errorf("index %d out of range", j)
		}
		y.f[j] = x.f[i]
	}
	return nil
}
