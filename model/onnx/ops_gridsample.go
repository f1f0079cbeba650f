package onnx

import (
	"errors"
	"fmt"
	"math"
)

// GridSample (version 16): samples a 4-D input at the normalised (x, y)
// positions of a grid, with nearest, bilinear or bicubic interpolation and
// zeros, border or reflection padding, as PyTorch's grid_sample does.
type gridSample struct {
	mode, padding string
	align         bool
}

func makeGridSample(a *attrs) (kernel, error) {
	k := &gridSample{mode: a.str("mode", "bilinear"), padding: a.str("padding_mode", "zeros"), align: a.int("align_corners", 0) != 0}
	if a.version() >= 20 {
		// Version 20 renamed the modes (and allows N-D inputs, of which 4-D
		// runs here).
		switch k.mode = a.str("mode", "linear"); k.mode {
		case "linear":
			k.mode = "bilinear"
		case "cubic":
			k.mode = "bicubic"
		case "bilinear", "bicubic":
			return nil, fmt.Errorf("mode %q is not a mode of version %d (linear, cubic)", k.mode, a.version())
		}
	}
	switch k.mode {
	case "bilinear", "nearest", "bicubic":
	default:
		return nil, fmt.Errorf("mode %q is not supported", k.mode)
	}
	switch k.padding {
	case "zeros", "border", "reflection":
	default:
		return nil, fmt.Errorf("padding_mode %q is not supported", k.padding)
	}
	return k, nil
}

func (k *gridSample) unnormalize(g float64, size int) float64 {
	if k.align {
		return (g + 1) / 2 * float64(size-1)
	}
	return ((g+1)*float64(size) - 1) / 2
}

func reflectCoord(v, twiceLo, twiceHi float64) float64 {
	if twiceLo == twiceHi {
		return 0
	}
	lo, span := twiceLo/2, (twiceHi-twiceLo)/2
	v = math.Abs(v - lo)
	extra := math.Mod(v, span)
	if int(math.Floor(v/span))%2 == 0 {
		return extra + lo
	}
	return span - extra + lo
}

// pad applies the border or reflection rule to a coordinate.
func (k *gridSample) pad(v float64, size int) float64 {
	switch k.padding {
	case "border":
		return math.Min(math.Max(v, 0), float64(size-1))
	case "reflection":
		if k.align {
			v = reflectCoord(v, 0, 2*float64(size-1))
		} else {
			v = reflectCoord(v, -1, 2*float64(size)-1)
		}
		return math.Min(math.Max(v, 0), float64(size-1))
	}
	return v
}

func cubicW(x, a float64) float64 {
	x = math.Abs(x)
	if x <= 1 {
		return ((a+2)*x-(a+3))*x*x + 1
	}
	return ((a*x-5*a)*x+8*a)*x - 4*a
}

// taps returns the (offset in the plane, weight) pairs of one grid point.
func (k *gridSample) taps(gx, gy float64, h, w int) (idx []int, wt []float64) {
	add := func(y, x int, v float64) {
		if x >= 0 && x < w && y >= 0 && y < h && v != 0 {
			idx, wt = append(idx, y*w+x), append(wt, v)
		}
	}
	ix, iy := k.unnormalize(gx, w), k.unnormalize(gy, h)
	switch k.mode {
	case "nearest":
		ix, iy = k.pad(ix, w), k.pad(iy, h)
		add(int(math.RoundToEven(iy)), int(math.RoundToEven(ix)), 1)
	case "bilinear":
		ix, iy = k.pad(ix, w), k.pad(iy, h)
		x0, y0 := math.Floor(ix), math.Floor(iy)
		tx, ty := ix-x0, iy-y0
		add(int(y0), int(x0), (1-tx)*(1-ty))
		add(int(y0), int(x0)+1, tx*(1-ty))
		add(int(y0)+1, int(x0), (1-tx)*ty)
		add(int(y0)+1, int(x0)+1, tx*ty)
	default: // bicubic: the padding rule applies to each tap
		x0, y0 := math.Floor(ix), math.Floor(iy)
		tx, ty := ix-x0, iy-y0
		for j := -1; j <= 2; j++ {
			for i := -1; i <= 2; i++ {
				v := cubicW(tx-float64(i), -0.75) * cubicW(ty-float64(j), -0.75)
				px, py := k.pad(x0+float64(i), w), k.pad(y0+float64(j), h)
				add(int(py), int(px), v)
			}
		}
	}
	return idx, wt
}

func (k *gridSample) geom(r *runner, n *node) (x, g *tensor, err error) {
	x, g = r.in(n, 0), r.in(n, 1)
	if x.dt != dtFloat || g.dt != dtFloat || x.rank() != 4 || g.rank() != 4 || g.shape[0] != x.shape[0] || g.shape[3] != 2 {
		return nil, nil, errors.New("input must be FLOAT [N, C, H, W] and grid FLOAT [N, H_out, W_out, 2]")
	}
	if _, err := checkedProd([]int{x.shape[1], g.shape[1], g.shape[2], 16}, 64*r.g.lim.MaxTensorElements); err != nil {
		return nil, nil, fmt.Errorf("work per image: %w", err)
	}
	return x, g, nil
}

// each calls fn(xi, yi, w) for every input element xi that contributes to
// output element yi with weight w.
func (k *gridSample) each(x, g *tensor, fn func(xi, yi int, w float64)) {
	nn, c, h, w := x.shape[0], x.shape[1], x.shape[2], x.shape[3]
	ho, wo := g.shape[1], g.shape[2]
	for b := range nn {
		for p := range ho * wo {
			gi := (b*ho*wo + p) * 2
			idx, wt := k.taps(float64(g.f[gi]), float64(g.f[gi+1]), h, w)
			for ch := range c {
				for t, i := range idx {
					fn((b*c+ch)*h*w+i, (b*c+ch)*ho*wo+p, wt[t])
				}
			}
		}
	}
}

func (k *gridSample) run(r *runner, n *node) error {
	x, g, err := k.geom(r, n)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, dtFloat, []int{x.shape[0], x.shape[1], g.shape[1], g.shape[2]})
	if err != nil {
		return err
	}
	acc := make([]float64, len(y.f))
	k.each(x, g, func(xi, yi int, w float64) { acc[yi] += w * float64(x.f[xi]) })
	for i, v := range acc {
		y.f[i] = float32(v)
	}
	return nil
}

// backward differentiates with respect to the input (not the grid).
func (k *gridSample) backward(r *runner, n *node) error {
	if r.gradIn(n, 1) != nil {
		return errors.New("the gradient with respect to the grid is not supported")
	}
	x, g, err := k.geom(r, n)
	if err != nil {
		return err
	}
	gy, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	k.each(x, g, func(xi, yi int, w float64) { gx[xi] += gy[yi] * float32(w) })
	return nil
}
