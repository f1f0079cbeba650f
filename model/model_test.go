package model

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNumElements(t *testing.T) {
	tests := []struct {
		shape   []int
		want    int
		wantErr bool
	}{
		{nil, 1, false},
		{[]int{2, 3}, 6, false},
		{[]int{0, 5}, 0, false},
		{[]int{-1, 3}, 0, true},
		{[]int{1 << 20, 1 << 20}, 0, true},
		{[]int{1 << 16, 1 << 16, 1 << 16, 0}, 0, true},
	}
	for _, tc := range tests {
		got, err := NumElements(tc.shape)
		if (err != nil) != tc.wantErr || got != tc.want {
			t.Errorf("NumElements(%v) = %d, %v; want %d, error %v", tc.shape, got, err, tc.want, tc.wantErr)
		}
	}
}

func TestTensorHelpers(t *testing.T) {
	x, err := NewTensor([]int{3, 2}, []float32{1, 5, 7, 2, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := NewTensor([]int{3, 2}, []float32{1}); err == nil {
		t.Error("NewTensor accepted a short slice")
	}
	if x.Batch() != 3 || x.RowLen() != 2 {
		t.Errorf("Batch, RowLen = %d, %d", x.Batch(), x.RowLen())
	}
	if diff := cmp.Diff([]float32{7, 2}, x.Row(1)); diff != "" {
		t.Errorf("Row(1): %s", diff)
	}
	if got := x.ArgMax(); !slices.Equal(got, []int{1, 0, 0}) {
		t.Errorf("ArgMax = %v", got)
	}
	s, err := x.Slice(1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(&Tensor{Shape: []int{2, 2}, Data: []float32{7, 2, 0, 0}}, s); diff != "" {
		t.Errorf("Slice: %s", diff)
	}
	s.Data[0] = 99
	if x.Data[2] != 7 {
		t.Error("Slice aliases its source")
	}
	if _, err := x.Slice(2, 4); err == nil {
		t.Error("Slice out of range accepted")
	}
	c := x.Clone()
	c.Data[0] = 42
	if x.Data[0] != 1 {
		t.Error("Clone aliases its source")
	}
	if err := (&Tensor{Shape: []int{2}, Data: []float32{1}}).Validate(); err == nil {
		t.Error("Validate accepted a short tensor")
	}
	z, err := Zeros(2, 3)
	if err != nil || len(z.Data) != 6 {
		t.Errorf("Zeros = %v, %v", z, err)
	}
}

// scale is a small real target: y = w*x element-wise, with its gradient.
type scale struct{ w float32 }

func (s scale) Info() Info { return Info{Name: "scale", Kind: "test", Differentiable: true} }

func (s scale) Predict(ctx context.Context, x *Tensor) (*Tensor, error) {
	y := x.Clone()
	for i := range y.Data {
		y.Data[i] *= s.w
	}
	return y, ctx.Err()
}

func (s scale) Gradient(ctx context.Context, x, seed *Tensor) (*Tensor, error) {
	if !SameShape(x.Shape, seed.Shape) {
		return nil, errors.New("seed shape")
	}
	g := seed.Clone()
	for i := range g.Data {
		g.Data[i] *= s.w
	}
	return g, ctx.Err()
}

func TestValueAndGradientFallback(t *testing.T) {
	x := &Tensor{Shape: []int{1, 3}, Data: []float32{1, 2, 3}}
	out, grad, err := ValueAndGradient(context.Background(), scale{w: 2}, x, func(out *Tensor) (*Tensor, error) {
		s := out.Clone()
		for i := range s.Data {
			s.Data[i] = 1
		}
		return s, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]float32{2, 4, 6}, out.Data); diff != "" {
		t.Errorf("out: %s", diff)
	}
	if diff := cmp.Diff([]float32{2, 2, 2}, grad.Data); diff != "" {
		t.Errorf("grad: %s", diff)
	}
	_, _, err = ValueAndGradient(context.Background(), scale{w: 2}, x, func(*Tensor) (*Tensor, error) {
		return nil, errors.New("boom")
	})
	if err == nil {
		t.Error("seed error not returned")
	}
}
