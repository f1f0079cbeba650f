package onnx

import (
	"errors"
	"fmt"
	"math"
)

// ConvInteger and QLinearConv (version 10): quantised convolutions, a
// direct loop accumulating exactly in int64 (padding counts as the zero
// point, that is, contributes nothing).

type intConv struct {
	w     window
	group int
	qlin  bool // QLinearConv: inputs x, xs, xz, w, ws, wz, ys, yz, B
}

func makeIntConv(qlin bool) func(a *attrs) (kernel, error) {
	return func(a *attrs) (kernel, error) {
		return &intConv{w: readWindow(a, false), group: a.intIn("group", 1, 1, 1<<20), qlin: qlin}, nil
	}
}

func (k *intConv) outType(_ int, in []dtype) dtype {
	if k.qlin {
		return in[7]
	}
	return dtInt32
}

// conv returns the output shape and the int64 sums.
func (k *intConv) conv(r *runner, x, w, xz, wz *tensor) ([]int, []int64, error) {
	if !x.dt.isInt() || !w.dt.isInt() || x.rank() < 3 || w.rank() != x.rank() {
		return nil, nil, errors.New("input and weight must be integer tensors of one rank, 3 or more")
	}
	nn, cin, cout := x.shape[0], x.shape[1], w.shape[0]
	if cin%k.group != 0 || cout%k.group != 0 || w.shape[1] != cin/k.group {
		return nil, nil, fmt.Errorf("weight %v does not match %d input channels in %d groups", w.shape, cin, k.group)
	}
	win := k.w
	if win.kernel == nil {
		win.kernel = w.shape[2:]
	}
	g, err := win.resolve(x.shape[2:], w.shape[2:], r.g.lim.MaxTensorElements)
	if err != nil {
		return nil, nil, err
	}
	if (xz != nil && !xz.dt.isInt()) || (wz != nil && !wz.dt.isInt()) {
		return nil, nil, errors.New("zero points must be integer tensors")
	}
	var xzp int64
	if xz != nil {
		if xz.size() != 1 {
			return nil, nil, errors.New("x zero point must be a scalar")
		}
		xzp = xz.i[0]
	}
	wzp := func(int) int64 { return 0 }
	if wz != nil {
		switch wz.size() {
		case 1:
			wzp = func(int) int64 { return wz.i[0] }
		case cout:
			wzp = func(c int) int64 { return wz.i[c] }
		default:
			return nil, nil, errors.New("w zero point must be a scalar or one per output channel")
		}
	}
	shape := g.outShape(nn, cout)
	cig, cog := cin/k.group, cout/k.group
	out := make([]int64, prod(shape))
	for b := range nn {
		if r.stopped() {
			return nil, nil, r.ctx.Err()
		}
		for oc := range cout {
			grp := oc / cog
			for o0 := range g.out[0] {
				s0, l0, h0 := g.span(0, o0)
				for o1 := range g.out[1] {
					s1, l1, h1 := g.span(1, o1)
					for o2 := range g.out[2] {
						s2, l2, h2 := g.span(2, o2)
						var s int64
						for ic := range cig {
							xc := (b*cin + grp*cig + ic) * g.inSize
							wc := (oc*cig + ic) * g.kVol
							for j0 := l0; j0 < h0; j0++ {
								for j1 := l1; j1 < h1; j1++ {
									for j2 := l2; j2 < h2; j2++ {
										xi := xc + ((s0+j0*g.dil[0])*g.in[1]+s1+j1*g.dil[1])*g.in[2] + s2 + j2*g.dil[2]
										wi := wc + (j0*g.k[1]+j1)*g.k[2] + j2
										s += (x.i[xi] - xzp) * (w.i[wi] - wzp(oc))
									}
								}
							}
						}
						out[((b*cout+oc)*g.out[0]+o0)*g.out[1]*g.out[2]+o1*g.out[2]+o2] = s
					}
				}
			}
		}
	}
	return shape, out, nil
}

func (k *intConv) run(r *runner, n *node) error {
	if !k.qlin {
		shape, v, err := k.conv(r, r.in(n, 0), r.in(n, 1), r.in(n, 2), r.in(n, 3))
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
	xs, ws, ys, yz, bias := r.in(n, 1), r.in(n, 4), r.in(n, 6), r.in(n, 7), r.in(n, 8)
	if xs.dt != dtFloat || ws.dt != dtFloat || ys.dt != dtFloat || xs.size() != 1 || ys.size() != 1 {
		return errors.New("scales must be FLOAT (x and y scales scalars)")
	}
	if yz.size() != 1 || (yz.dt != dtUint8 && yz.dt != dtInt8) {
		return errors.New("output zero point must be a UINT8 or INT8 scalar")
	}
	shape, v, err := k.conv(r, r.in(n, 0), r.in(n, 3), r.in(n, 2), r.in(n, 5))
	if err != nil {
		return err
	}
	cout, per := shape[1], prod(shape[2:])
	if ws.size() != 1 && ws.size() != cout {
		return errors.New("w scale must be a scalar or one per output channel")
	}
	if bias != nil && (bias.dt != dtInt32 || bias.size() != cout) {
		return fmt.Errorf("bias must be INT32 with %d elements", cout)
	}
	y, err := r.out(n, 0, yz.dt, shape)
	if err != nil {
		return err
	}
	lo, hi := yz.dt.bounds()
	for i, s := range v {
		c := (i / max(per, 1)) % cout
		if bias != nil {
			s += bias.i[c]
		}
		wsc := ws.f[0]
		if ws.size() > 1 {
			wsc = ws.f[c]
		}
		q := math.RoundToEven(float64(s)*float64(xs.f[0])*float64(wsc)/float64(ys.f[0])) + float64(yz.i[0])
		y.i[i] = int64(math.Max(float64(lo), math.Min(float64(hi), q)))
	}
	return nil
}
