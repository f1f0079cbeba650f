package model

import (
	"errors"
	"fmt"
	"math"
)

// Tensor is a dense float32 tensor in row-major order. The first dimension of
// the tensors a Target exchanges is the batch.
type Tensor struct {
	Shape []int
	Data  []float32
}

// maxElements bounds the number of elements of a tensor made by NewTensor and
// Zeros (2^31, so that products of dimensions never overflow).
const maxElements = 1 << 31

// NumElements returns the product of shape, or an error when a dimension is
// negative or the product exceeds 2^31.
func NumElements(shape []int) (int, error) {
	n := 1
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension %d in shape %v", d, shape)
		}
		if d != 0 && n > maxElements/d {
			return 0, fmt.Errorf("shape %v has more than %d elements", shape, maxElements)
		}
		n *= d
	}
	return n, nil
}

// NewTensor returns a tensor with the given shape and data; the tensor keeps
// both slices. The length of data must equal the product of shape.
func NewTensor(shape []int, data []float32) (*Tensor, error) {
	n, err := NumElements(shape)
	if err != nil {
		return nil, err
	}
	if len(data) != n {
		return nil, fmt.Errorf("shape %v needs %d elements, have %d", shape, n, len(data))
	}
	return &Tensor{Shape: shape, Data: data}, nil
}

// Zeros returns a zero tensor of the given shape.
func Zeros(shape ...int) (*Tensor, error) {
	n, err := NumElements(shape)
	if err != nil {
		return nil, err
	}
	return &Tensor{Shape: append([]int(nil), shape...), Data: make([]float32, n)}, nil
}

// Validate reports whether the tensor's data length matches its shape.
func (t *Tensor) Validate() error {
	if t == nil {
		return errors.New("nil tensor")
	}
	n, err := NumElements(t.Shape)
	if err != nil {
		return err
	}
	if len(t.Data) != n {
		return fmt.Errorf("shape %v needs %d elements, have %d", t.Shape, n, len(t.Data))
	}
	return nil
}

// ErrNotFinite is wrapped by the error of CheckFinite.
var ErrNotFinite = errors.New("not a finite number")

// CheckFinite returns an error, wrapping ErrNotFinite, that names the first
// element of t that is NaN or infinite, by row and position in the row. A
// command treats such an output as an error of that result: no score,
// probability or prediction is made from it.
func (t *Tensor) CheckFinite() error {
	row := max(t.RowLen(), 1)
	for i, v := range t.Data {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return fmt.Errorf("output row %d, element %d is %v: %w", i/row, i%row, v, ErrNotFinite)
		}
	}
	return nil
}

// Batch returns the size of the first dimension, or 1 for a scalar.
func (t *Tensor) Batch() int {
	if len(t.Shape) == 0 {
		return 1
	}
	return t.Shape[0]
}

// RowLen returns the number of elements of one sample (one batch row).
func (t *Tensor) RowLen() int {
	n := 1
	for _, d := range t.Shape[min(1, len(t.Shape)):] {
		n *= d
	}
	return n
}

// Row returns the data of batch row i; it aliases t.Data.
func (t *Tensor) Row(i int) []float32 {
	r := t.RowLen()
	return t.Data[i*r : (i+1)*r : (i+1)*r]
}

// Clone returns a deep copy of t.
func (t *Tensor) Clone() *Tensor {
	return &Tensor{Shape: append([]int(nil), t.Shape...), Data: append([]float32(nil), t.Data...)}
}

// Slice returns a copy of batch rows [lo, hi).
func (t *Tensor) Slice(lo, hi int) (*Tensor, error) {
	if len(t.Shape) == 0 || lo < 0 || hi < lo || hi > t.Shape[0] {
		return nil, fmt.Errorf("rows [%d, %d) out of range for shape %v", lo, hi, t.Shape)
	}
	r := t.RowLen()
	shape := append([]int{hi - lo}, t.Shape[1:]...)
	return &Tensor{Shape: shape, Data: append([]float32(nil), t.Data[lo*r:hi*r]...)}, nil
}

// ArgMax returns, for each batch row, the index of its largest element (the
// first one on ties; NaN is never the largest).
func (t *Tensor) ArgMax() []int {
	b := t.Batch()
	out := make([]int, b)
	for i := range b {
		row := t.Row(i)
		best, bi := float32(math.Inf(-1)), 0
		for j, v := range row {
			if v > best {
				best, bi = v, j
			}
		}
		out[i] = bi
	}
	return out
}

// SameShape reports whether a and b have equal shapes.
func SameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// Probabilities reports whether every row of a [batch, classes] output is a
// probability distribution: values in [0, 1] that sum to one within 10^-3
// (scores, not logits).
func (t *Tensor) Probabilities() bool {
	for i := range t.Batch() {
		sum := 0.0
		for _, v := range t.Row(i) {
			if v < 0 || v > 1 || math.IsNaN(float64(v)) {
				return false
			}
			sum += float64(v)
		}
		if math.Abs(sum-1) > 1e-3 {
			return false
		}
	}
	return true
}
