package onnx

// Direct convolution (1-D and 2-D Conv with the FMA kernel), without
// packing the patches: each image (and group) is copied once into padded
// "phase" planes, one per residue of the input row and column modulo the
// stride, so that for every kernel tap the inputs under 8 consecutive output
// positions of a row are 8 consecutive floats. The kernel sconv6x16 then
// reads row p of the product's right operand (patch element p under 16
// output positions) straight from those planes at offs[p], and the weights,
// padded to a multiple of 6 rows, are the left operand as they are stored.
// The product lands in the channel-major output with the bias and a fused
// Relu applied as it is stored.

// directPlan is the layout of the phase planes and the order of the
// kernel's calls for one geometry.
type directPlan struct {
	key      [6]int // the geometry it was made for
	hps, wps int    // rows and columns of a phase plane
	size     int    // floats of the planes of one group, slack included
	used     []bool // per phase: read by some tap
	offs     []int32
	pairs    []dpair
}

// dpair is one kernel call: two runs of up to 8 output positions, the first
// at plane offset b and output offset c, the second hi further on in the
// planes and at output offset c2; n and n2 are their lengths.
type dpair struct{ b, hi, c, c2, n, n2 int32 }

const directSlack = 32 // floats after the planes that the last runs may read

// directPlan returns the plan, or nil when the direct kernel does not apply
// (3-D, empty, or a geometry whose phase planes would be much larger than
// the image and the output).
// The last plan made is kept in the node's kernel, for the next run.
func (k *convOp) directPlan(d *convDims) *directPlan {
	g := d.geom
	if !fma || g.k[0] != 1 || g.in[0] != 1 || d.ck == 0 || g.outVol == 0 || d.mg == 0 {
		return nil
	}
	key := [6]int{g.in[1], g.in[2], g.k[1], g.k[2], d.cg, d.mg}
	if p := k.plan.Load(); p != nil && p.key == key {
		return p
	}
	sh, sw := g.stride[1], g.stride[2]
	ho, wo := g.out[1], g.out[2]
	p := &directPlan{key: key, hps: ho + (g.k[1]-1)*g.dil[1]/sh, wps: wo + (g.k[2]-1)*g.dil[2]/sw}
	chans := float64(sh*sw) * float64(p.hps) * float64(p.wps)
	if chans*float64(d.cg) > 4*float64(d.cg*g.inSize+d.mg*g.outVol)+4096 {
		return nil
	}
	plane := p.hps * p.wps
	p.size = d.cg*sh*sw*plane + directSlack
	p.offs = make([]int32, 0, d.ck)
	p.used = make([]bool, sh*sw)
	for c := range d.cg {
		for kh := range g.k[1] {
			for kw := range g.k[2] {
				ih, iw := kh*g.dil[1], kw*g.dil[2]
				phase := (ih%sh)*sw + iw%sw
				p.used[phase] = true
				p.offs = append(p.offs, int32((c*sh*sw+phase)*plane+ih/sh*p.wps+iw/sw))
			}
		}
	}
	type run struct{ b, c, n int32 }
	runs := make([]run, 0, ho*((wo+7)/8))
	for oh := range ho {
		for ow := 0; ow < wo; ow += 8 {
			runs = append(runs, run{int32(oh*p.wps + ow), int32(oh*wo + ow), int32(min(8, wo-ow))})
		}
	}
	for i := 0; i < len(runs); i += 2 {
		a := runs[i]
		q := dpair{b: a.b, hi: 8, c: a.c, n: a.n}
		if i+1 < len(runs) {
			z := runs[i+1]
			q.hi, q.c2, q.n2 = z.b-a.b, z.c, z.n
		}
		p.pairs = append(p.pairs, q)
	}
	k.plan.Store(p)
	return p
}

// fill writes the phase planes of one group of one image (x starts at the
// group's first channel) into buf.
func (p *directPlan) fill(d *convDims, x, buf []float32) {
	g := d.geom
	sh, sw := g.stride[1], g.stride[2]
	H, W := g.in[1], g.in[2]
	plane := p.hps * p.wps
	for c := range d.cg {
		src := x[c*g.inSize : (c+1)*g.inSize]
		for a := range sh {
			for b := range sw {
				if !p.used[a*sw+b] {
					continue
				}
				dst := buf[(c*sh*sw+a*sw+b)*plane:][:plane]
				// Columns j with 0 <= j*sw + b - padB < W.
				j0 := 0
				if lead := g.padB[2] - b; lead > 0 {
					j0 = min((lead+sw-1)/sw, p.wps)
				}
				j1 := j0
				if top := W - 1 + g.padB[2] - b; top >= 0 {
					j1 = max(j0, min(top/sw+1, p.wps))
				}
				for i := range p.hps {
					row := dst[i*p.wps : (i+1)*p.wps]
					ih := i*sh + a - g.padB[1]
					if ih < 0 || ih >= H {
						clear(row)
						continue
					}
					in := src[ih*W : (ih+1)*W]
					clear(row[:j0])
					if sw == 1 {
						copy(row[j0:j1], in[j0+b-g.padB[2]:])
					} else {
						src := in[j0*sw+b-g.padB[2]:]
						for j := range row[j0:j1] {
							row[j0+j] = src[j*sw]
						}
					}
					clear(row[j1:])
				}
			}
		}
	}
	clear(buf[p.size-directSlack : p.size])
}

// compute runs the kernel calls pairs[lo:hi] of one group of one image:
// buf holds its phase planes, w its padded weights (mp × ck), bias mp
// values, y its output channels (mg × P).
func (p *directPlan) compute(d *convDims, buf, w, bias, y []float32, fl, lo, hi int) {
	P, ck, mg := d.outVol, d.ck, d.mg
	_ = w[(mg+5)/6*6*ck-1]
	_ = bias[(mg+5)/6*6-1]
	_ = buf[p.size-1]
	var tile [tileM * panelW]float32
	for _, q := range p.pairs[lo:hi] {
		direct := q.n == 8 && q.n2 == 8 && q.c2 == q.c+8
		for i := 0; i < mg; i += tileM {
			rows := min(tileM, mg-i)
			if direct {
				_ = y[(i+rows-1)*P+int(q.c)+15]
				sconv6x16(ck, &w[i*ck], ck, &buf[q.b], &p.offs[0], int(q.hi), &y[i*P+int(q.c)], P, rows, &bias[i], fl)
				continue
			}
			sconv6x16(ck, &w[i*ck], ck, &buf[q.b], &p.offs[0], int(q.hi), &tile[0], panelW, tileM, &bias[i], fl)
			for r := range rows {
				out := y[(i+r)*P:]
				copy(out[q.c:q.c+q.n], tile[r*panelW:])
				copy(out[q.c2:q.c2+q.n2], tile[r*panelW+8:])
			}
		}
	}
}

// padRows returns w (group after group of mg rows of ck) with each group
// padded with zero rows to a multiple of 6, into dst when large enough.
func padRows(w []float32, groups, mg, ck int, dst []float32) []float32 {
	mp := (mg + tileM - 1) / tileM * tileM
	dst = grow(dst[:0], groups*mp*ck)[:groups*mp*ck]
	for gr := range groups {
		g := dst[gr*mp*ck : (gr+1)*mp*ck]
		copy(g, w[gr*mg*ck:(gr+1)*mg*ck])
		clear(g[mg*ck:])
	}
	return dst
}

func (k *convOp) runDirect(r *runner, d *convDims, p *directPlan, x, w, b, y *tensor) {
	mp := (d.mg + tileM - 1) / tileM * tileM
	wp := k.direct
	if len(wp) != k.group*mp*d.ck {
		buf := getPack(0)
		defer packPool.Put(buf)
		wp = padRows(w.f, k.group, d.mg, d.ck, *buf)
		*buf = wp
	}
	bias := make([]float32, k.group*mp)
	if b != nil {
		for gr := range k.group {
			copy(bias[gr*mp:], b.f[gr*d.mg:(gr+1)*d.mg])
		}
	}
	fl := flags(false, k.relu)
	P := d.outVol
	one := func(img, gr int, buf []float32, lo, hi int) {
		p.compute(d, buf, wp[gr*mp*d.ck:(gr+1)*mp*d.ck], bias[gr*mp:(gr+1)*mp], y.f[(img*d.m+gr*d.mg)*P:(img*d.m+(gr+1)*d.mg)*P], fl, lo, hi)
	}
	cost := mp * d.ck * 16 // multiply-adds per kernel call
	if d.n >= r.threads || len(p.pairs) < 2*r.threads {
		r.parallelFor(d.n, k.group*len(p.pairs)*cost, func(lo, hi int) {
			buf := getPack(p.size)
			defer packPool.Put(buf)
			for img := lo; img < hi && !r.stopped(); img++ {
				for gr := range k.group {
					p.fill(d, x.f[(img*d.c+gr*d.cg)*d.inSize:], *buf)
					one(img, gr, *buf, 0, len(p.pairs))
				}
			}
		})
		return
	}
	// Fewer images than threads: split each image's calls.
	buf := getPack(p.size)
	defer packPool.Put(buf)
	for img := 0; img < d.n && !r.stopped(); img++ {
		for gr := range k.group {
			p.fill(d, x.f[(img*d.c+gr*d.cg)*d.inSize:], *buf)
			r.parallelFor(len(p.pairs), cost, func(lo, hi int) { one(img, gr, *buf, lo, hi) })
		}
	}
}
