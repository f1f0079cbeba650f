package onnx

import (
	"errors"
	"fmt"
	"math"
)

// MatMulInteger and QLinearMatMul (version 10): products of quantised
// matrices, accumulated exactly in int64.

// intMatMul returns the broadcast batched product (a - za)(b - zb) as int64,
// with zero points per tensor, per row of a or per column of b.
func intMatMul(a, b, za, zb *tensor, lim Limits) ([]int, []int64, error) {
	if a.rank() < 2 || b.rank() < 2 || !a.dt.isInt() || !b.dt.isInt() {
		return nil, nil, errors.New("operands must be integer tensors of rank 2 or more")
	}
	m, kk := a.shape[a.rank()-2], a.shape[a.rank()-1]
	k2, nn := b.shape[b.rank()-2], b.shape[b.rank()-1]
	if kk != k2 {
		return nil, nil, fmt.Errorf("inner dimensions %d and %d differ", kk, k2)
	}
	batch, err := bcastShape(a.shape[:a.rank()-2], b.shape[:b.rank()-2])
	if err != nil {
		return nil, nil, err
	}
	zp := func(z *tensor, n int) (func(i int) int64, error) {
		switch {
		case z == nil:
			return func(int) int64 { return 0 }, nil
		case !z.dt.isInt():
			return nil, fmt.Errorf("zero point type %v is not an integer type", z.dt)
		case z.size() == 1:
			return func(int) int64 { return z.i[0] }, nil
		case z.size() == n:
			return func(i int) int64 { return z.i[i] }, nil
		}
		return nil, fmt.Errorf("zero point has %d elements", z.size())
	}
	zaf, err := zp(za, m)
	if err != nil {
		return nil, nil, err
	}
	zbf, err := zp(zb, nn)
	if err != nil {
		return nil, nil, err
	}
	shape := append(append([]int{}, batch...), m, nn)
	if _, err := checkedProd(append(append([]int{}, batch...), m, nn, kk), 64*lim.MaxTensorElements); err != nil {
		return nil, nil, fmt.Errorf("work: %w", err)
	}
	ia, ib := bcastIdx(batch, a.shape[:a.rank()-2]), bcastIdx(batch, b.shape[:b.rank()-2])
	out := make([]int64, prod(shape))
	for t := range ia {
		ao, bo, oo := ia[t]*m*kk, ib[t]*kk*nn, t*m*nn
		for i := range m {
			for j := range nn {
				var s int64
				for p := range kk {
					s += (a.i[ao+i*kk+p] - zaf(i)) * (b.i[bo+p*nn+j] - zbf(j))
				}
				out[oo+i*nn+j] = s
			}
		}
	}
	return shape, out, nil
}

type matMulInteger struct{}

func makeMatMulInteger(a *attrs) (kernel, error) { return matMulInteger{}, nil }

func (matMulInteger) outType(int, []dtype) dtype { return dtInt32 }

func (matMulInteger) run(r *runner, n *node) error {
	shape, v, err := intMatMul(r.in(n, 0), r.in(n, 1), r.in(n, 2), r.in(n, 3), r.g.lim)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, dtInt32, shape)
	if err != nil {
		return err
	}
	for i, s := range v {
		y.i[i] = dtInt32.wrap(s)
	}
	return nil
}

type qlinearMatMul struct{}

func makeQLinearMatMul(a *attrs) (kernel, error) { return qlinearMatMul{}, nil }

func (qlinearMatMul) outType(_ int, in []dtype) dtype { return in[7] }

func (qlinearMatMul) run(r *runner, n *node) error {
	as, bs, ys, yz := r.in(n, 1), r.in(n, 4), r.in(n, 6), r.in(n, 7)
	for _, s := range []*tensor{as, bs, ys} {
		if s.dt != dtFloat || s.size() != 1 {
			return errors.New("scales must be FLOAT scalars (per-tensor quantisation)")
		}
	}
	if yz.size() != 1 || (yz.dt != dtUint8 && yz.dt != dtInt8) {
		return errors.New("output zero point must be a UINT8 or INT8 scalar")
	}
	shape, v, err := intMatMul(r.in(n, 0), r.in(n, 3), r.in(n, 2), r.in(n, 5), r.g.lim)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, yz.dt, shape)
	if err != nil {
		return err
	}
	scale := float64(as.f[0]) * float64(bs.f[0]) / float64(ys.f[0])
	lo, hi := yz.dt.bounds()
	for i, s := range v {
		q := math.RoundToEven(float64(s)*scale) + float64(yz.i[0])
		y.i[i] = int64(math.Max(float64(lo), math.Min(float64(hi), q)))
	}
	return nil
}
