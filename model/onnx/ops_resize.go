package onnx

import (
	"errors"
	"fmt"
	"math"
)

// Resize (versions 10, 11, 13, 18, 19) and Upsample (7, 9): separable nearest,
// linear and cubic interpolation, with the coordinate transformations and
// rounding modes of the ONNX reference.

type resizeOp struct {
	upsample  bool // Upsample: scales attribute (7) or input 1 (9)
	scales    []float32
	mode      string
	coord     string
	nearest   string
	cubicA    float64
	exclude   bool
	extrapVal float32
	axes      []int64 // version 18: the dimensions scales, sizes and roi give
	policy    string  // keep_aspect_ratio_policy (18): stretch, not_larger, not_smaller
}

func makeResize(upsample bool) func(a *attrs) (kernel, error) {
	return func(a *attrs) (kernel, error) {
		k := &resizeOp{upsample: upsample, mode: a.str("mode", "nearest"), coord: "asymmetric", nearest: "floor"}
		if upsample && a.version() >= 10 {
			return nil, errors.New("Upsample is deprecated from version 10 (Resize replaces it)")
		}
		if upsample && a.version() < 9 {
			var ok bool
			if k.scales, ok = a.floats("scales"); !ok {
				return nil, errors.New("attribute scales is missing")
			}
		}
		if !upsample && a.version() >= 11 {
			k.coord = a.str("coordinate_transformation_mode", "half_pixel")
			if k.coord == "tf_half_pixel_for_nn" { // the name the ONNX reference and its test data use
				k.coord = "tf_half_pixel_for_nearest"
			}
			k.nearest = a.str("nearest_mode", "round_prefer_floor")
			k.cubicA = float64(a.finite("cubic_coeff_a", -0.75))
			k.exclude = a.int("exclude_outside", 0) != 0
			k.extrapVal = a.finite("extrapolation_value", 0)
		}
		k.policy = "stretch"
		if !upsample && a.version() >= 18 {
			if a.int("antialias", 0) != 0 && k.mode != "nearest" {
				return nil, errors.New("antialias is not supported")
			}
			k.axes, _ = a.ints("axes")
			k.policy = a.str("keep_aspect_ratio_policy", "stretch")
			switch k.policy {
			case "stretch", "not_larger", "not_smaller":
			default:
				return nil, fmt.Errorf("keep_aspect_ratio_policy %q is not supported", k.policy)
			}
		}
		if k.coord == "half_pixel_symmetric" && a.version() < 19 {
			return nil, errors.New("coordinate_transformation_mode half_pixel_symmetric needs Resize 19")
		}
		switch k.mode {
		case "nearest", "linear":
		case "cubic":
			if upsample || a.version() < 11 {
				return nil, errors.New("mode cubic needs Resize 11 or later")
			}
		default:
			return nil, fmt.Errorf("mode %q is not supported", k.mode)
		}
		switch k.coord {
		case "half_pixel", "half_pixel_symmetric", "pytorch_half_pixel", "align_corners", "asymmetric", "tf_half_pixel_for_nearest", "tf_crop_and_resize":
		default:
			return nil, fmt.Errorf("coordinate_transformation_mode %q is not supported", k.coord)
		}
		switch k.nearest {
		case "round_prefer_floor", "round_prefer_ceil", "floor", "ceil":
		default:
			return nil, fmt.Errorf("nearest_mode %q is not supported", k.nearest)
		}
		return k, nil
	}
}

// tap is one input index and its weight; out of range marks a tf_crop_and_resize
// coordinate outside the input (the output takes the extrapolation value).
type taps struct {
	idx []int
	w   []float64
	out bool
}

// plan returns the output shape and, per dimension and output coordinate,
// the input taps.
func (k *resizeOp) plan(r *runner, n *node) ([]int, [][]taps, error) {
	x := r.in(n, 0)
	var scales []float64
	var sizes []int64
	var roi []float64
	switch {
	case k.scales != nil:
		for _, s := range k.scales {
			scales = append(scales, float64(s))
		}
	case k.upsample || n.version < 11:
		t := r.in(n, 1)
		if t == nil || t.dt != dtFloat {
			return nil, nil, errors.New("scales must be a FLOAT tensor")
		}
		for _, s := range t.f {
			scales = append(scales, float64(s))
		}
	default:
		if t := r.in(n, 1); t != nil && t.size() > 0 {
			if t.dt != dtFloat {
				return nil, nil, errors.New("roi must be FLOAT")
			}
			for _, v := range t.f {
				roi = append(roi, float64(v))
			}
		}
		if t := r.in(n, 3); t != nil && t.size() > 0 {
			var err error
			if sizes, err = t.ints(); err != nil {
				return nil, nil, fmt.Errorf("sizes: %w", err)
			}
		} else if t := r.in(n, 2); t != nil && t.size() > 0 && t.dt == dtFloat {
			for _, s := range t.f {
				scales = append(scales, float64(s))
			}
		} else {
			return nil, nil, errors.New("neither scales nor sizes is given")
		}
	}
	rank := x.rank()
	axes, err := k.axesOf(rank)
	if err != nil {
		return nil, nil, err
	}
	if (scales != nil && len(scales) != len(axes)) || (sizes != nil && len(sizes) != len(axes)) {
		return nil, nil, fmt.Errorf("scales or sizes do not have %d elements", len(axes))
	}
	if k.coord == "tf_crop_and_resize" && len(roi) != 2*len(axes) {
		return nil, nil, fmt.Errorf("roi must have %d elements", 2*len(axes))
	}
	if len(axes) != rank || k.policy != "stretch" {
		if scales, sizes, roi, err = k.spread(x.shape, axes, scales, sizes, roi); err != nil {
			return nil, nil, err
		}
	}
	shape := make([]int, rank)
	plan := make([][]taps, rank)
	for d := range rank {
		in := x.shape[d]
		var scale float64
		if sizes != nil {
			if sizes[d] < 0 || sizes[d] > int64(r.g.lim.MaxTensorElements) {
				return nil, nil, fmt.Errorf("size %d out of range", sizes[d])
			}
			shape[d] = int(sizes[d])
			scale = float64(sizes[d]) / float64(in)
			if scales != nil { // keep_aspect_ratio_policy: the common scale
				scale = scales[d]
			}
		} else {
			scale = scales[d]
			if !(scale > 0) || float64(in)*scale > float64(r.g.lim.MaxTensorElements) {
				return nil, nil, fmt.Errorf("scale %g out of range", scale)
			}
			shape[d] = int(math.Floor(float64(in) * scale))
		}
		var rs, re float64
		if roi != nil {
			rs, re = roi[d], roi[rank+d]
		}
		plan[d] = make([]taps, shape[d])
		for o := range shape[d] {
			plan[d][o] = k.tapsFor(float64(o), in, shape[d], scale, rs, re)
		}
	}
	if _, err := checkedProd(shape, r.g.lim.MaxTensorElements); err != nil {
		return nil, nil, err
	}
	return shape, plan, nil
}

// axesOf returns the dimensions the scales, sizes and roi inputs give: the
// axes attribute (version 18), else all.
func (k *resizeOp) axesOf(rank int) ([]int, error) {
	if k.axes == nil {
		axes := make([]int, rank)
		for d := range axes {
			axes[d] = d
		}
		return axes, nil
	}
	seen := make([]bool, rank)
	var axes []int
	for _, a := range k.axes {
		d, err := normAxis(int(a), rank)
		if err != nil {
			return nil, err
		}
		if seen[d] {
			return nil, fmt.Errorf("axis %d given twice", a)
		}
		seen[d] = true
		axes = append(axes, d)
	}
	return axes, nil
}

// spread turns scales, sizes and roi given for axes into ones for every
// dimension (scale 1, the input size, roi [0, 1] elsewhere) and applies the
// keep_aspect_ratio_policy: with sizes, one scale for all axes (the smallest
// or the largest), the sizes rounded half up from it, as the ONNX reference
// does; scales is then returned too.
func (k *resizeOp) spread(in []int, axes []int, scales []float64, sizes []int64, roi []float64) ([]float64, []int64, []float64, error) {
	rank := len(in)
	if roi != nil {
		full := make([]float64, 2*rank)
		for d := range rank {
			full[rank+d] = 1
		}
		for i, d := range axes {
			full[d], full[rank+d] = roi[i], roi[len(axes)+i]
		}
		roi = full
	}
	if sizes == nil {
		full := make([]float64, rank)
		for d := range full {
			full[d] = 1
		}
		for i, d := range axes {
			full[d] = scales[i]
		}
		return full, nil, roi, nil
	}
	full := make([]int64, rank)
	for d := range full {
		full[d] = int64(in[d])
	}
	for i, d := range axes {
		full[d] = sizes[i]
	}
	if k.policy == "stretch" {
		return nil, full, roi, nil
	}
	scale := math.NaN()
	for i, d := range axes {
		if in[d] == 0 {
			return nil, nil, nil, errors.New("keep_aspect_ratio_policy on an empty dimension")
		}
		s := float64(sizes[i]) / float64(in[d])
		if math.IsNaN(scale) || k.policy == "not_larger" && s < scale || k.policy == "not_smaller" && s > scale {
			scale = s
		}
	}
	scales = make([]float64, rank)
	for d := range scales {
		scales[d] = 1
	}
	for _, d := range axes {
		scales[d] = scale
		v := math.Floor(scale*float64(in[d]) + 0.5)
		if !(v >= 0 && v <= math.MaxInt32) {
			return nil, nil, nil, fmt.Errorf("size %g out of range", v)
		}
		full[d] = int64(v)
	}
	return scales, full, roi, nil
}

// tapsFor maps output coordinate o of a dimension to its input taps.
func (k *resizeOp) tapsFor(o float64, in, outN int, scale, rs, re float64) taps {
	outW := scale * float64(in)
	var xo float64
	switch k.coord {
	case "align_corners":
		if outW != 1 {
			xo = o * float64(in-1) / (outW - 1)
		}
	case "asymmetric":
		xo = o / scale
	case "tf_half_pixel_for_nearest":
		xo = (o + 0.5) / scale
	case "tf_crop_and_resize":
		if outN == 1 {
			xo = (re - rs) * float64(in-1) / 2
		} else {
			xo = o * (re - rs) * float64(in-1) / float64(outN-1)
		}
		xo += rs * float64(in-1)
		if xo < 0 || xo > float64(in-1) {
			return taps{out: true}
		}
	case "pytorch_half_pixel":
		xo = -0.5
		if outW != 1 {
			xo = (o+0.5)/scale - 0.5
		}
	case "half_pixel_symmetric":
		xo = float64(in)/2*(1-float64(outN)/outW) + (o+0.5)/scale - 0.5
	default: // half_pixel
		xo = (o+0.5)/scale - 0.5
	}
	base := math.Floor(xo)
	ratio := xo - base
	if ratio == 0 {
		base, ratio = base-1, 1
	}
	var first int
	var w []float64
	switch k.mode {
	case "nearest":
		first, w = int(base), []float64{1, 0}
		switch {
		case ratio == 1:
			w = []float64{0, 1}
		case k.nearest == "ceil", k.nearest == "round_prefer_floor" && ratio > 0.5, k.nearest == "round_prefer_ceil" && ratio >= 0.5:
			w = []float64{0, 1}
		}
	case "linear":
		first, w = int(base), []float64{1 - ratio, ratio}
	default:
		a, s := k.cubicA, ratio
		t := 1 - s
		first = int(base) - 1
		w = []float64{
			((a*(s+1)-5*a)*(s+1)+8*a)*(s+1) - 4*a,
			((a+2)*s-(a+3))*s*s + 1,
			((a+2)*t-(a+3))*t*t + 1,
			((a*(t+1)-5*a)*(t+1)+8*a)*(t+1) - 4*a,
		}
	}
	tp := taps{idx: make([]int, len(w)), w: w}
	var sum float64
	for j := range w {
		i := first + j
		if k.exclude && (i < 0 || i >= in) {
			w[j] = 0
		}
		sum += w[j]
		tp.idx[j] = min(max(i, 0), in-1)
	}
	if k.exclude && sum != 0 {
		for j := range w {
			w[j] /= sum
		}
	}
	return tp
}

// each calls fn(o, i, w) for every output element o and input element i
// with weight w (i < 0: the extrapolation value).
func eachResized(in, shape []int, plan [][]taps, fn func(o, i int, w float64)) {
	rank := len(shape)
	str := make([]int, rank)
	s := 1
	for d := rank - 1; d >= 0; d-- {
		str[d] = s
		s *= in[d]
	}
	pos := make([]int, rank)
	for o := range prod(shape) {
		var rec func(d, off int, w float64)
		rec = func(d, off int, w float64) {
			if d == rank {
				fn(o, off, w)
				return
			}
			t := plan[d][pos[d]]
			for j, i := range t.idx {
				if t.w[j] != 0 {
					rec(d+1, off+i*str[d], w*t.w[j])
				}
			}
		}
		outside := false
		for d := range rank {
			if plan[d][pos[d]].out {
				outside = true
			}
		}
		if outside {
			fn(o, -1, 1)
		} else {
			rec(0, 0, 1)
		}
		for d := rank - 1; d >= 0; d-- {
			if pos[d]++; pos[d] < shape[d] {
				break
			}
			pos[d] = 0
		}
	}
}

func (k *resizeOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.dt != dtFloat {
		return fmt.Errorf("input type %v is not supported", x.dt)
	}
	shape, plan, err := k.plan(r, n)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, dtFloat, shape)
	if err != nil {
		return err
	}
	acc := make([]float64, len(y.f))
	eachResized(x.shape, shape, plan, func(o, i int, w float64) {
		if i < 0 {
			acc[o] = float64(k.extrapVal)
			return
		}
		acc[o] += w * float64(x.f[i])
	})
	for o, v := range acc {
		y.f[o] = float32(v)
	}
	return nil
}

func (k *resizeOp) backward(r *runner, n *node) error {
	shape, plan, err := k.plan(r, n)
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	eachResized(r.in(n, 0).shape, shape, plan, func(o, i int, w float64) {
		if i >= 0 {
			gx[i] += g[o] * float32(w)
		}
	})
	return nil
}
