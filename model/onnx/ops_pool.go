package onnx

import (
	"errors"
	"fmt"
	"math"
)

// MaxPool and AveragePool over 1 to 3 spatial dimensions.

type poolOp struct {
	w            window
	max          bool
	includePad   bool
	storageOrder int
}

func makeMaxPool(a *attrs) (kernel, error) {
	k := &poolOp{w: readWindow(a, true), max: true}
	k.storageOrder = a.intIn("storage_order", 0, 0, 1)
	return k, nil
}

func makeAveragePool(a *attrs) (kernel, error) {
	k := &poolOp{w: readWindow(a, true)}
	if a.has("dilations") && a.version() < 19 {
		return nil, errors.New("AveragePool dilations need version 19")
	}
	k.includePad = a.int("count_include_pad", 0) != 0
	return k, nil
}

func (k *poolOp) geom(r *runner, x *tensor) (*geom, error) {
	if x.rank() < 3 {
		return nil, fmt.Errorf("input %v has no spatial dimensions", x.shape)
	}
	return k.w.resolve(x.shape[2:], k.w.kernel, r.g.lim.MaxTensorElements)
}

// spanT is a window's origin and its range of taps inside the input along
// one dimension.
type spanT struct{ start, lo, hi int }

func (g *geom) spans() [3][]spanT {
	var t [3][]spanT
	for d := range 3 {
		t[d] = make([]spanT, g.out[d])
		for o := range t[d] {
			s, lo, hi := g.span(d, o)
			t[d][o] = spanT{s, lo, hi}
		}
	}
	return t
}

// maxPlane writes the maximum of every window of one plane to y (or yi) and
// its in-plane offset to idx (-1 for an empty window).
func (g *geom) maxPlane(sp *[3][]spanT, x []float32, xi []int64, y []float32, yi []int64, idx []int32) {
	H, W := g.in[1], g.in[2]
	if x != nil && g.k[0] == 1 && g.dil[1] == 1 && g.dil[2] == 1 {
		g.maxPlane2D(sp, x, y, idx)
		return
	}
	d0, d1, d2 := g.dil[0], g.dil[1], g.dil[2]
	o := 0
	for _, sd := range sp[0] {
		for _, sh := range sp[1] {
			for _, sw := range sp[2] {
				best := -1
				var bf float32
				var bi int64
				for kd := sd.lo; kd < sd.hi; kd++ {
					id := sd.start + kd*d0
					for kh := sh.lo; kh < sh.hi; kh++ {
						row := (id*H+sh.start+kh*d1)*W + sw.start
						if x != nil {
							for kw := sw.lo; kw < sw.hi; kw++ {
								i := row + kw*d2
								if v := x[i]; best < 0 || v > bf {
									best, bf = i, v
								}
							}
						} else {
							for kw := sw.lo; kw < sw.hi; kw++ {
								i := row + kw*d2
								if v := xi[i]; best < 0 || v > bi {
									best, bi = i, v
								}
							}
						}
					}
				}
				switch {
				case yi != nil:
					yi[o] = bi
				case best < 0:
					y[o] = float32(math.Inf(-1))
				default:
					y[o] = bf
				}
				idx[o] = int32(best)
				o++
			}
		}
	}
}

// maxValues2D writes the maximum of every window of a float plane with one
// depth tap and no dilation (branch-free within a window).
func (g *geom) maxValues2D(sp *[3][]spanT, x, y []float32) {
	W := g.in[2]
	if g.k[1] == 2 && g.k[2] == 2 && g.stride[1] == 2 && g.stride[2] == 2 && g.padB[1] == 0 && g.padB[2] == 0 &&
		2*g.out[1] <= g.in[1] && 2*g.out[2] <= W {
		// The common 2×2 pool with stride 2 and no padding.
		OW := g.out[2]
		for oh := range g.out[1] {
			r0 := x[2*oh*W : 2*oh*W+2*OW]
			r1 := x[(2*oh+1)*W : (2*oh+1)*W+2*OW]
			yo := y[oh*OW : (oh+1)*OW]
			for ow := range yo {
				yo[ow] = max(max(r0[2*ow], r0[2*ow+1]), max(r1[2*ow], r1[2*ow+1]))
			}
		}
		return
	}
	o := 0
	for _, sh := range sp[1] {
		for _, sw := range sp[2] {
			m := float32(math.Inf(-1))
			for kh := sh.lo; kh < sh.hi; kh++ {
				row := (sh.start+kh)*W + sw.start
				for _, v := range x[row+sw.lo : row+sw.hi] {
					m = max(m, v)
				}
			}
			y[o] = m
			o++
		}
	}
}

// maxPlane2D is maxPlane for float planes with one depth tap and no
// dilation, the case of the usual 2-D and 1-D pools.
func (g *geom) maxPlane2D(sp *[3][]spanT, x, y []float32, idx []int32) {
	W := g.in[2]
	k1, k2 := g.k[1], g.k[2]
	o := 0
	for _, sh := range sp[1] {
		for _, sw := range sp[2] {
			best := -1
			var bf float32
			if sh.lo == 0 && sh.hi == k1 && sw.lo == 0 && sw.hi == k2 {
				// The window lies inside the plane.
				base := sh.start*W + sw.start
				best, bf = base, x[base]
				for kh := 0; kh < k1; kh++ {
					row := x[base+kh*W : base+kh*W+k2]
					for kw, v := range row {
						if v > bf {
							bf, best = v, base+kh*W+kw
						}
					}
				}
			} else {
				for kh := sh.lo; kh < sh.hi; kh++ {
					row := (sh.start+kh)*W + sw.start
					for kw := sw.lo; kw < sw.hi; kw++ {
						if v := x[row+kw]; best < 0 || v > bf {
							best, bf = row+kw, v
						}
					}
				}
			}
			if best < 0 {
				bf = float32(math.Inf(-1))
			}
			y[o], idx[o] = bf, int32(best)
			o++
		}
	}
}

// padEnd returns the end padding along dimension d (for count_include_pad).
func (k *poolOp) padEnd(g *geom, d int) int {
	j := d - (3 - g.nsp)
	if j < 0 {
		return 0
	}
	switch k.w.autoPad {
	case "NOTSET":
		if p := k.w.pads; p != nil {
			return p[j+g.nsp]
		}
	case "SAME_UPPER", "SAME_LOWER":
		return max(0, (g.out[d]-1)*g.stride[d]+g.k[d]-g.in[d]-g.padB[d])
	}
	return 0
}

// divisors returns, per dimension and output index, the number of window
// positions that count towards the average.
func (k *poolOp) divisors(g *geom, sp *[3][]spanT) [3][]int {
	var c [3][]int
	for d := range 3 {
		c[d] = make([]int, len(sp[d]))
		end := g.in[d] + k.padEnd(g, d)
		for o, s := range sp[d] {
			if k.includePad {
				c[d][o] = min(g.k[d], (end-s.start+g.dil[d]-1)/g.dil[d])
			} else {
				c[d][o] = s.hi - s.lo
			}
		}
	}
	return c
}

func (k *poolOp) avgPlane(g *geom, sp *[3][]spanT, cnt *[3][]int, x, y []float32, gx, gy []float32) {
	H, W := g.in[1], g.in[2]
	d0, d1, d2 := g.dil[0], g.dil[1], g.dil[2]
	o := 0
	for od, sd := range sp[0] {
		for oh, sh := range sp[1] {
			for ow, sw := range sp[2] {
				c := cnt[0][od] * cnt[1][oh] * cnt[2][ow]
				if gx != nil {
					if c > 0 {
						v := gy[o] / float32(c)
						for kd := sd.lo; kd < sd.hi; kd++ {
							for kh := sh.lo; kh < sh.hi; kh++ {
								row := ((sd.start+kd*d0)*H+sh.start+kh*d1)*W + sw.start
								for kw := sw.lo; kw < sw.hi; kw++ {
									gx[row+kw*d2] += v
								}
							}
						}
					}
					o++
					continue
				}
				var sum float32
				for kd := sd.lo; kd < sd.hi; kd++ {
					for kh := sh.lo; kh < sh.hi; kh++ {
						row := ((sd.start+kd*d0)*H+sh.start+kh*d1)*W + sw.start
						for kw := sw.lo; kw < sw.hi; kw++ {
							sum += x[row+kw*d2]
						}
					}
				}
				if c > 0 {
					y[o] = sum / float32(c)
				} else {
					y[o] = 0
				}
				o++
			}
		}
	}
}

func (k *poolOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	g, err := k.geom(r, x)
	if err != nil {
		return err
	}
	if !k.max && x.dt != dtFloat {
		return fmt.Errorf("input type %v is not supported", x.dt)
	}
	nc := x.shape[0] * x.shape[1]
	y, err := r.out(n, 0, x.dt, g.outShape(x.shape[0], x.shape[1]))
	if err != nil {
		return err
	}
	P := g.outVol
	sp := g.spans()
	if !k.max {
		cnt := k.divisors(g, &sp)
		r.parallelFor(nc, P*g.kVol, func(lo, hi int) {
			for pl := lo; pl < hi && !r.stopped(); pl++ {
				k.avgPlane(g, &sp, &cnt, x.f[pl*g.inSize:(pl+1)*g.inSize], y.f[pl*P:(pl+1)*P], nil, nil)
			}
		})
		return nil
	}
	if x.dt == dtFloat && !r.wantOut(n, 1) && g.k[0] == 1 && g.dil[1] == 1 && g.dil[2] == 1 {
		// Values only; a backward pass finds the argmax itself.
		r.parallelFor(nc, P*g.kVol, func(lo, hi int) {
			for pl := lo; pl < hi && !r.stopped(); pl++ {
				g.maxValues2D(&sp, x.f[pl*g.inSize:(pl+1)*g.inSize], y.f[pl*P:(pl+1)*P])
			}
		})
		r.flags[n] = false
		return nil
	}
	idx, err := k.argmax(r, n, g, &sp, x, y)
	if err != nil {
		return err
	}
	if r.wantOut(n, 1) {
		ind, err := r.out(n, 1, dtInt64, y.shape)
		if err != nil {
			return err
		}
		for o, i := range idx {
			ind.i[o] = int64(o/P*g.inSize + k.storeIndex(g, max(int(i), 0)))
		}
	}
	return nil
}

// argmax computes the pool's values into y and each window's argmax into
// the node's scratch, which it returns.
func (k *poolOp) argmax(r *runner, n *node, g *geom, sp *[3][]spanT, x, y *tensor) ([]int32, error) {
	nc, P := x.shape[0]*x.shape[1], g.outVol
	idx, err := r.scratchI(n, nc*P)
	if err != nil {
		return nil, err
	}
	r.parallelFor(nc, P*g.kVol, func(lo, hi int) {
		for pl := lo; pl < hi && !r.stopped(); pl++ {
			in, out := pl*g.inSize, pl*P
			if x.dt == dtFloat {
				g.maxPlane(sp, x.f[in:in+g.inSize], nil, y.f[out:out+P], nil, idx[out:out+P])
			} else {
				g.maxPlane(sp, nil, x.i[in:in+g.inSize], nil, y.i[out:out+P], idx[out:out+P])
			}
		}
	})
	r.flags[n] = true
	return idx, nil
}

// storeIndex converts an in-plane row-major offset to the order that
// storage_order asks for (column-major over the spatial dimensions when 1).
func (k *poolOp) storeIndex(g *geom, i int) int {
	if k.storageOrder == 0 {
		return i
	}
	c := [3]int{i / (g.in[1] * g.in[2]), i / g.in[2] % g.in[1], i % g.in[2]}
	out, stride := 0, 1
	for d := 3 - g.nsp; d < 3; d++ {
		out += c[d] * stride
		stride *= g.in[d]
	}
	return out
}

func (k *poolOp) backward(r *runner, n *node) error {
	x := r.in(n, 0)
	g, err := k.geom(r, x)
	if err != nil {
		return err
	}
	gy, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	nc := x.shape[0] * x.shape[1]
	P := g.outVol
	if k.max {
		// The forward run may have left each window's argmax in the
		// scratch; if not, find them (writing the same values again).
		idx, err := r.scratchI(n, nc*P)
		if err != nil {
			return err
		}
		if !r.flags[n] {
			sp := g.spans()
			y := r.vals[n.out[0]]
			if idx, err = k.argmax(r, n, g, &sp, x, &tensor{dt: y.dt, shape: y.shape, f: make([]float32, len(y.f))}); err != nil {
				return err
			}
		}
		for o, i := range idx {
			if i >= 0 {
				gx[o/P*g.inSize+int(i)] += gy[o]
			}
		}
		return nil
	}
	sp := g.spans()
	cnt := k.divisors(g, &sp)
	r.parallelFor(nc, P*g.kVol, func(lo, hi int) {
		for pl := lo; pl < hi && !r.stopped(); pl++ {
			k.avgPlane(g, &sp, &cnt, nil, nil, gx[pl*g.inSize:(pl+1)*g.inSize], gy[pl*P:(pl+1)*P])
		}
	})
	return nil
}
