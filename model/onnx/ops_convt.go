package onnx

import (
	"errors"
	"fmt"
)

// ConvTranspose (versions 1 and 11): the gradient of a convolution with
// respect to its input, used by decoders and segmentation heads. A direct
// loop over input positions and kernel taps, not the packed speed path.

type convTranspose struct {
	autoPad                        string
	group                          int
	kernel, strides, dilations     []int
	pads, outPad, outShape         []int
	hasKernel, hasPads, hasOutShpe bool
}

func makeConvTranspose(a *attrs) (kernel, error) {
	k := &convTranspose{autoPad: a.str("auto_pad", "NOTSET"), group: a.intIn("group", 1, 1, 1<<20)}
	k.kernel, k.hasKernel = a.dims("kernel_shape", 1)
	k.strides, _ = a.dims("strides", 1)
	k.dilations, _ = a.dims("dilations", 1)
	k.pads, k.hasPads = a.dims("pads", 0)
	k.outPad, _ = a.dims("output_padding", 0)
	k.outShape, k.hasOutShpe = a.dims("output_shape", 1)
	switch k.autoPad {
	case "NOTSET", "SAME_UPPER", "SAME_LOWER", "VALID":
	default:
		return nil, fmt.Errorf("auto_pad %q is not supported", k.autoPad)
	}
	return k, nil
}

type convTGeom struct {
	n, cin, cout, g    int
	in, out, kern      []int
	str, dil, padBegin []int
}

func (k *convTranspose) geom(x, w, b *tensor, lim Limits) (*convTGeom, error) {
	if x.dt != dtFloat || w.dt != dtFloat || x.rank() < 3 || w.rank() != x.rank() {
		return nil, errors.New("input and weight must be FLOAT tensors of one rank, 3 or more")
	}
	sp := x.rank() - 2
	gm := &convTGeom{n: x.shape[0], cin: x.shape[1], g: k.group, in: x.shape[2:], kern: w.shape[2:]}
	if w.shape[0] != gm.cin || gm.cin%gm.g != 0 {
		return nil, fmt.Errorf("weight %v does not match %d input channels in %d groups", w.shape, gm.cin, gm.g)
	}
	gm.cout = w.shape[1] * gm.g
	if b != nil && (b.dt != dtFloat || b.size() != gm.cout) {
		return nil, fmt.Errorf("bias must be FLOAT with %d elements", gm.cout)
	}
	if k.hasKernel && fmt.Sprint(k.kernel) != fmt.Sprint(gm.kern) {
		return nil, fmt.Errorf("kernel_shape %v does not match the weight %v", k.kernel, w.shape)
	}
	def := func(v []int, n, d int) ([]int, error) {
		if v == nil {
			v = make([]int, n)
			for i := range v {
				v[i] = d
			}
		}
		if len(v) != n {
			return nil, fmt.Errorf("attribute has %d values, want %d", len(v), n)
		}
		return v, nil
	}
	var err error
	if gm.str, err = def(k.strides, sp, 1); err != nil {
		return nil, err
	}
	if gm.dil, err = def(k.dilations, sp, 1); err != nil {
		return nil, err
	}
	outPad, err := def(k.outPad, sp, 0)
	if err != nil {
		return nil, err
	}
	pads, err := def(k.pads, 2*sp, 0)
	if err != nil {
		return nil, err
	}
	gm.out, gm.padBegin = make([]int, sp), make([]int, sp)
	for d := range sp {
		full := gm.str[d]*(gm.in[d]-1) + outPad[d] + (gm.kern[d]-1)*gm.dil[d] + 1
		switch {
		case k.hasOutShpe || k.autoPad == "SAME_UPPER" || k.autoPad == "SAME_LOWER":
			want := gm.in[d] * gm.str[d]
			if k.hasOutShpe {
				if len(k.outShape) != sp {
					return nil, fmt.Errorf("output_shape has %d values, want %d", len(k.outShape), sp)
				}
				want = k.outShape[d]
			}
			total := max(full-want, 0)
			if k.autoPad == "SAME_UPPER" {
				gm.padBegin[d] = total / 2
			} else {
				gm.padBegin[d] = total - total/2
			}
			gm.out[d] = want
		case k.autoPad == "VALID":
			gm.out[d] = full
		default:
			gm.padBegin[d] = pads[d]
			gm.out[d] = full - pads[d] - pads[sp+d]
		}
		if gm.out[d] < 0 {
			return nil, fmt.Errorf("output size %d is negative", gm.out[d])
		}
	}
	// The work per image, as the pools bound theirs.
	if _, err := checkedProd([]int{gm.cin, prod(gm.in), prod(gm.kern), gm.cout / gm.g}, 64*lim.MaxTensorElements); err != nil {
		return nil, fmt.Errorf("work per image: %w", err)
	}
	return gm, nil
}

// each calls fn(xi, wi, yi) for every input element, kernel tap and output
// channel that meet in an output element.
func (gm *convTGeom) each(stop func() bool, fn func(xi, wi, yi int)) {
	sp := len(gm.in)
	inN, kN, outN := prod(gm.in), prod(gm.kern), prod(gm.out)
	cig, cog := gm.cin/gm.g, gm.cout/gm.g
	ip, kp := make([]int, sp), make([]int, sp)
	for b := range gm.n {
		if stop() {
			return
		}
		for ci := range gm.cin {
			grp := ci / cig
			for ii := range inN {
				rem := ii
				for d := sp - 1; d >= 0; d-- {
					ip[d] = rem % gm.in[d]
					rem /= gm.in[d]
				}
				xi := (b*gm.cin+ci)*inN + ii
				for ki := range kN {
					rem := ki
					for d := sp - 1; d >= 0; d-- {
						kp[d] = rem % gm.kern[d]
						rem /= gm.kern[d]
					}
					off, ok := 0, true
					for d := range sp {
						o := ip[d]*gm.str[d] + kp[d]*gm.dil[d] - gm.padBegin[d]
						if o < 0 || o >= gm.out[d] {
							ok = false
							break
						}
						off = off*gm.out[d] + o
					}
					if !ok {
						continue
					}
					for oc := range cog {
						co := grp*cog + oc
						fn(xi, (ci*cog+oc)*kN+ki, (b*gm.cout+co)*outN+off)
					}
				}
			}
		}
	}
}

func (k *convTranspose) run(r *runner, n *node) error {
	x, w, b := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	gm, err := k.geom(x, w, b, r.g.lim)
	if err != nil {
		return err
	}
	shape := append([]int{gm.n, gm.cout}, gm.out...)
	y, err := r.out(n, 0, dtFloat, shape)
	if err != nil {
		return err
	}
	outN := prod(gm.out)
	for i := range y.f {
		y.f[i] = 0
		if b != nil {
			y.f[i] = b.f[(i/outN)%gm.cout]
		}
	}
	gm.each(r.stopped, func(xi, wi, yi int) { y.f[yi] += x.f[xi] * w.f[wi] })
	return nil
}

func (k *convTranspose) backward(r *runner, n *node) error {
	x, w, b := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	gm, err := k.geom(x, w, b, r.g.lim)
	if err != nil {
		return err
	}
	g := r.gradOut(n, 0)
	gx, gw, gb := r.gradIn(n, 0), r.gradIn(n, 1), r.gradIn(n, 2)
	gm.each(r.stopped, func(xi, wi, yi int) {
		if gx != nil {
			gx[xi] += g[yi] * w.f[wi]
		}
		if gw != nil {
			gw[wi] += g[yi] * x.f[xi]
		}
	})
	if gb != nil {
		outN := prod(gm.out)
		for i, v := range g {
			gb[(i/outN)%gm.cout] += v
		}
	}
	return nil
}
