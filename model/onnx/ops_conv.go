package onnx

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
)

// Convolution and pooling over 1 to 3 spatial dimensions. Geometry is held in
// 3-D form: a tensor with fewer spatial dimensions gets leading ones.

// window holds the attributes shared by Conv and the pools.
type window struct {
	autoPad   string
	kernel    []int
	strides   []int
	dilations []int
	pads      []int
	ceil      bool
}

func readWindow(a *attrs, pool bool) window {
	w := window{autoPad: a.str("auto_pad", "NOTSET")}
	switch w.autoPad {
	case "NOTSET", "VALID", "SAME_UPPER", "SAME_LOWER":
	default:
		a.fail("auto_pad %q is not supported", w.autoPad)
	}
	w.kernel, _ = a.dims("kernel_shape", 1)
	w.strides, _ = a.dims("strides", 1)
	w.dilations, _ = a.dims("dilations", 1)
	w.pads, _ = a.dims("pads", 0)
	if pool {
		if w.kernel == nil {
			a.fail("missing attribute kernel_shape")
		}
		w.ceil = a.int("ceil_mode", 0) != 0
	}
	return w
}

// geom is the resolved geometry of one Conv or pool application.
type geom struct {
	nsp            int // spatial rank of the tensors
	in, k, out     [3]int
	stride, dil    [3]int
	padB           [3]int
	inSize, outVol int
	kVol           int
}

// resolve computes the geometry for spatial input dims in and kernel dims k.
func (w *window) resolve(in, k []int, lim int) (*geom, error) {
	ns := len(in)
	if ns < 1 || ns > 3 {
		return nil, fmt.Errorf("%d spatial dimensions are not supported (1 to 3 are)", ns)
	}
	if len(k) != ns {
		return nil, fmt.Errorf("kernel has %d dimensions, input has %d spatial ones", len(k), ns)
	}
	check := func(name string, v []int, n int) error {
		if v != nil && len(v) != n {
			return fmt.Errorf("%s has %d values, want %d", name, len(v), n)
		}
		return nil
	}
	if err := errors.Join(check("strides", w.strides, ns), check("dilations", w.dilations, ns), check("pads", w.pads, 2*ns)); err != nil {
		return nil, err
	}
	g := &geom{nsp: ns}
	off := 3 - ns
	for i := range 3 {
		g.in[i], g.k[i], g.out[i], g.stride[i], g.dil[i] = 1, 1, 1, 1, 1
	}
	for i := range ns {
		j := i + off
		g.in[j], g.k[j] = in[i], k[i]
		if g.k[j] < 1 {
			return nil, fmt.Errorf("kernel dimension %d is not positive", g.k[j])
		}
		if w.strides != nil {
			g.stride[j] = w.strides[i]
		}
		if w.dilations != nil {
			g.dil[j] = w.dilations[i]
		}
		if int64(g.dil[j])*int64(g.k[j]-1) > int64(lim) {
			return nil, errors.New("dilated kernel too large")
		}
		dk := (g.k[j]-1)*g.dil[j] + 1
		s := g.stride[j]
		var pb, pe int
		switch w.autoPad {
		case "NOTSET":
			if w.pads != nil {
				pb, pe = w.pads[i], w.pads[i+ns]
			}
		case "VALID":
		default:
			o := (g.in[j] + s - 1) / s
			total := max(0, (o-1)*s+dk-g.in[j])
			pb = total / 2
			if w.autoPad == "SAME_LOWER" {
				pb = total - total/2
			}
			pe = total - pb
		}
		span := g.in[j] + pb + pe - dk
		if span < 0 {
			return nil, fmt.Errorf("kernel %d (dilated %d) is larger than the padded input %d", g.k[j], dk, g.in[j]+pb+pe)
		}
		o := span/s + 1
		if w.ceil && span%s != 0 {
			o++
			if (o-1)*s >= g.in[j]+pb {
				o--
			}
		}
		g.out[j], g.padB[j] = o, pb
	}
	g.inSize = g.in[0] * g.in[1] * g.in[2]
	g.outVol = g.out[0] * g.out[1] * g.out[2]
	g.kVol = g.k[0] * g.k[1] * g.k[2]
	// Bound the work per plane (outputs × taps) as well as the sizes.
	if g.outVol > lim || g.kVol > lim || float64(g.outVol)*float64(g.kVol) > 64*float64(lim) {
		return nil, errors.New("window geometry too large")
	}
	return g, nil
}

// span returns, for output index o along dim d, the first input index of the
// window and the range [jlo, jhi) of kernel taps that fall inside the input.
func (g *geom) span(d, o int) (start, jlo, jhi int) {
	start = o*g.stride[d] - g.padB[d]
	dl := g.dil[d]
	jlo = 0
	if start < 0 {
		jlo = (-start + dl - 1) / dl
	}
	jhi = g.k[d]
	if lim := g.in[d] - start; lim <= 0 {
		jhi = 0
	} else if c := (lim + dl - 1) / dl; c < jhi {
		jhi = c
	}
	return start, jlo, max(jlo, jhi)
}

func (g *geom) outShape(n, c int) []int {
	s := []int{n, c}
	return append(s, g.out[3-g.nsp:]...)
}

// Conv.
type convOp struct {
	w        window
	group    int
	relu     bool       // a following Relu fused into the output
	fwd, bwd []*weights // packed constant weights per group
	direct   []float32  // constant weights padded for runDirect
	plan     atomic.Pointer[directPlan]
}

func makeConv(a *attrs) (kernel, error) {
	return &convOp{w: readWindow(a, false), group: a.intIn("group", 1, 1, math.MaxInt32)}, nil
}

type convDims struct {
	*geom
	n, c, m, cg, mg, ck int
}

func (k *convOp) dims(r *runner, n *node) (*convDims, error) {
	x, w := r.in(n, 0), r.in(n, 1)
	if x.dt != dtFloat || w.dt != dtFloat {
		return nil, fmt.Errorf("input types %v, %v are not supported", x.dt, w.dt)
	}
	if x.rank() < 3 || w.rank() != x.rank() {
		return nil, fmt.Errorf("X %v and W %v do not match", x.shape, w.shape)
	}
	kshape := w.shape[2:]
	if k.w.kernel != nil {
		if len(k.w.kernel) != len(kshape) {
			return nil, errors.New("kernel_shape does not match W")
		}
		for i, v := range k.w.kernel {
			if v != kshape[i] {
				return nil, errors.New("kernel_shape does not match W")
			}
		}
	}
	g, err := k.w.resolve(x.shape[2:], kshape, r.g.lim.MaxTensorElements)
	if err != nil {
		return nil, err
	}
	d := &convDims{geom: g, n: x.shape[0], c: x.shape[1], m: w.shape[0]}
	if d.c%k.group != 0 || d.m%k.group != 0 || w.shape[1]*k.group != d.c {
		return nil, fmt.Errorf("X %v, W %v and group %d do not match", x.shape, w.shape, k.group)
	}
	d.cg, d.mg = d.c/k.group, d.m/k.group
	d.ck = d.cg * g.kVol
	if _, err := checkedProd([]int{g.outVol, d.ck}, r.g.lim.MaxTensorElements); err != nil {
		return nil, fmt.Errorf("im2col buffer: %w", err)
	}
	if b := r.in(n, 2); b != nil && (b.dt != dtFloat || b.size() != d.m) {
		return nil, fmt.Errorf("bias %v does not match %d output channels", b, d.m)
	}
	return d, nil
}

// im2col writes the patches of one group of one image as rows: row p holds
// the cg×kVol inputs under output position p (zero where a tap falls in the
// padding).
func (d *convDims) im2col(sp *[3][]spanT, col, x []float32) {
	g := d.geom
	H, W := g.in[1], g.in[2]
	k0, k1, k2 := g.k[0], g.k[1], g.k[2]
	d0, d1, d2 := g.dil[0], g.dil[1], g.dil[2]
	p := 0
	for _, sd := range sp[0] {
		for _, sh := range sp[1] {
			for _, sw := range sp[2] {
				row := col[p*d.ck : (p+1)*d.ck]
				p++
				i := 0
				full := sw.lo == 0 && sw.hi == k2
				for c := 0; c < d.cg; c++ {
					plane := x[c*g.inSize : (c+1)*g.inSize]
					for kd := 0; kd < k0; kd++ {
						if kd < sd.lo || kd >= sd.hi {
							clear(row[i : i+k1*k2])
							i += k1 * k2
							continue
						}
						id := sd.start + kd*d0
						for kh := 0; kh < k1; kh++ {
							if kh < sh.lo || kh >= sh.hi {
								clear(row[i : i+k2])
								i += k2
								continue
							}
							base := (id*H+sh.start+kh*d1)*W + sw.start
							if full && d2 == 1 {
								src := plane[base : base+k2]
								dst := row[i : i+k2]
								for kw, v := range src {
									dst[kw] = v
								}
								i += k2
								continue
							}
							for kw := 0; kw < k2; kw++ {
								if kw < sw.lo || kw >= sw.hi {
									row[i] = 0
								} else {
									row[i] = plane[base+kw*d2]
								}
								i++
							}
						}
					}
				}
			}
		}
	}
}

// col2im adds the rows of col back onto the image gradient gx (one group).
func (d *convDims) col2im(gx, col []float32) {
	g := d.geom
	H, W := g.in[1], g.in[2]
	for od := 0; od < g.out[0]; od++ {
		sd, dlo, dhi := g.span(0, od)
		for oh := 0; oh < g.out[1]; oh++ {
			sh, hlo, hhi := g.span(1, oh)
			for ow := 0; ow < g.out[2]; ow++ {
				sw, wlo, whi := g.span(2, ow)
				p := (od*g.out[1]+oh)*g.out[2] + ow
				row := col[p*d.ck : (p+1)*d.ck]
				for c := 0; c < d.cg; c++ {
					plane := gx[c*g.inSize : (c+1)*g.inSize]
					for kd := dlo; kd < dhi; kd++ {
						id := sd + kd*g.dil[0]
						for kh := hlo; kh < hhi; kh++ {
							base := (id*H + sh + kh*g.dil[1]) * W
							ri := ((c*g.k[0]+kd)*g.k[1] + kh) * g.k[2]
							for kw := wlo; kw < whi; kw++ {
								plane[base+sw+kw*g.dil[2]] += row[ri+kw]
							}
						}
					}
				}
			}
		}
	}
}

// prepare packs constant weights: for the portable kernel, per group, W_g
// transposed for the forward product and W_g itself for the gradient with
// respect to X; for the FMA kernels, W with its rows padded for runDirect.
func (k *convOp) prepare(g *graph, n *node) error {
	w := g.konst(n, 1)
	if w == nil || w.dt != dtFloat || w.rank() < 3 || w.shape[0]%k.group != 0 {
		return nil
	}
	mg, ck := w.shape[0]/k.group, prod(w.shape[1:])
	if fma { // the FMA kernels read W as it is stored (runDirect pads its rows)
		k.direct = padRows(w.f, k.group, mg, ck, nil)
	} else {
		k.fwd, k.bwd = k.packWeights(w.f, mg, ck)
	}
	return nil
}

func (k *convOp) packWeights(w []float32, mg, ck int) (fwd, bwd []*weights) {
	for gr := 0; gr < k.group; gr++ {
		wg := w[gr*mg*ck : (gr+1)*mg*ck]
		fwd = append(fwd, packB(wg, ck, mg, true, nil))
		bwd = append(bwd, packB(wg, mg, ck, false, nil))
	}
	return fwd, bwd
}

// weightsFor returns the packed weights, packing non-constant ones.
func (k *convOp) weightsFor(d *convDims, w []float32) (fwd, bwd []*weights) {
	if len(k.fwd) == k.group && k.fwd[0].k == d.ck && k.fwd[0].n == d.mg {
		return k.fwd, k.bwd
	}
	return k.packWeights(w, d.mg, d.ck)
}

// Conv runs as one matrix product per image and group: the patches (P×CK,
// one row per output position) times the transposed weights (CK×Mg), then
// a transpose into the channel-major output, with the bias and a fused Relu.
func (k *convOp) run(r *runner, n *node) error {
	d, err := k.dims(r, n)
	if err != nil {
		return err
	}
	x, w, b := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	y, err := r.out(n, 0, dtFloat, d.outShape(d.n, d.m))
	if err != nil {
		return err
	}
	if p := k.directPlan(d); p != nil {
		k.runDirect(r, d, p, x, w, b, y)
		return nil
	}
	P := d.outVol
	sp := d.spans()
	if fma {
		return k.runPanels(r, n, d, &sp, x, w, b, y)
	}
	fwd, _ := k.weightsFor(d, w.f)
	r.parallelFor(d.n, d.m*P*d.ck, func(lo, hi int) {
		p := getPack(P*d.ck + P*d.mg)
		defer packPool.Put(p)
		col, tmp := (*p)[:P*d.ck], (*p)[P*d.ck:]
		for img := lo; img < hi && !r.stopped(); img++ {
			for g := 0; g < k.group; g++ {
				d.im2col(&sp, col, x.f[(img*d.c+g*d.cg)*d.inSize:])
				var rr *runner
				if hi-lo == d.n {
					rr = r // one image per call: split the product itself
				}
				rr.gemm(P, col, d.ck, fwd[g], tmp, d.mg, flags(false, false))
				for m := 0; m < d.mg; m++ {
					ch := g*d.mg + m
					var bias float32
					if b != nil {
						bias = b.f[ch]
					}
					out := y.f[(img*d.m+ch)*P : (img*d.m+ch+1)*P]
					for i := range out {
						out[i] = tmp[i*d.mg+m] + bias
					}
					if k.relu {
						relu(out, out)
					}
				}
			}
		}
	})
	return nil
}

func (k *convOp) backward(r *runner, n *node) error {
	d, err := k.dims(r, n)
	if err != nil {
		return err
	}
	x, w := r.in(n, 0), r.in(n, 1)
	g := r.gradOut(n, 0)
	if k.relu {
		// The output is after the fused Relu: mask the gradient where it
		// is zero.
		y := r.vals[n.out[0]].f
		m, err := r.scratchF(n, len(g))
		if err != nil {
			return err
		}
		for i, v := range g {
			if y[i] > 0 {
				m[i] = v
			} else {
				m[i] = 0
			}
		}
		g = m
	}
	gx, gw, gb := r.gradIn(n, 0), r.gradIn(n, 1), r.gradIn(n, 2)
	P := d.outVol
	sp := d.spans()
	if gx != nil && fma {
		if err := k.backwardPanels(r, n, d, &sp, w, g, gx); err != nil {
			return err
		}
	} else if gx != nil {
		_, bwd := k.weightsFor(d, w.f)
		r.parallelFor(d.n, 2*d.m*P*d.ck, func(lo, hi int) {
			p := getPack(P*d.ck + P*d.mg)
			defer packPool.Put(p)
			col, gyT := (*p)[:P*d.ck], (*p)[P*d.ck:]
			for img := lo; img < hi && !r.stopped(); img++ {
				for gr := 0; gr < k.group; gr++ {
					gy := g[(img*d.m+gr*d.mg)*P : (img*d.m+(gr+1)*d.mg)*P]
					transpose(gyT, gy, d.mg, P)
					var rr *runner
					if hi-lo == d.n {
						rr = r
					}
					rr.gemm(P, gyT, d.mg, bwd[gr], col, d.ck, flags(false, false))
					d.col2im(gx[(img*d.c+gr*d.cg)*d.inSize:], col)
				}
			}
		})
	}
	if gw != nil {
		p := getPack(P * d.ck)
		defer packPool.Put(p)
		col := *p
		for img := 0; img < d.n; img++ {
			for gr := 0; gr < k.group; gr++ {
				d.im2col(&sp, col, x.f[(img*d.c+gr*d.cg)*d.inSize:])
				gy := g[(img*d.m+gr*d.mg)*P : (img*d.m+(gr+1)*d.mg)*P]
				r.matmul(d.mg, d.ck, P, gy, false, col, false, gw[gr*d.mg*d.ck:(gr+1)*d.mg*d.ck], true)
			}
		}
	}
	if gb != nil {
		for img := 0; img < d.n; img++ {
			for m := 0; m < d.m; m++ {
				var s float32
				for _, v := range g[(img*d.m+m)*P : (img*d.m+m+1)*P] {
					s += v
				}
				gb[m] += s
			}
		}
	}
	return nil
}

// GlobalAveragePool averages over all spatial dimensions.
type globalAvgPool struct{}

func makeGlobalAveragePool(a *attrs) (kernel, error) { return &globalAvgPool{}, nil }

func (k *globalAvgPool) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.dt != dtFloat || x.rank() < 2 {
		return fmt.Errorf("input %v is not supported", x)
	}
	shape := append([]int(nil), x.shape...)
	for i := 2; i < len(shape); i++ {
		shape[i] = 1
	}
	y, err := r.out(n, 0, dtFloat, shape)
	if err != nil {
		return err
	}
	sp := prod(x.shape[2:])
	for pl := range y.f {
		var s float64
		for _, v := range x.f[pl*sp : (pl+1)*sp] {
			s += float64(v)
		}
		y.f[pl] = float32(s / float64(sp))
	}
	return nil
}

func (k *globalAvgPool) backward(r *runner, n *node) error {
	x := r.in(n, 0)
	sp := prod(x.shape[2:])
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	for pl, v := range g {
		v /= float32(sp)
		for i := pl * sp; i < (pl+1)*sp; i++ {
			gx[i] += v
		}
	}
	return nil
}
