package onnx

import (
	"errors"
	"fmt"
	"math"
)

func init() {
	opsAI["RoiAlign"] = opDef{since: []int{10, 16, 22}, min: 10, minIn: 3, maxIn: 3, maxOut: 1, make: makeRoiAlign}
}

// roiAlign pools each region of interest of X [N, C, H, W] into an
// output_height × output_width grid: every bin averages (or, in max mode,
// takes the largest weighted corner of) sampling_ratio² bilinear samples,
// or an adaptive number (ceil(roi size / bins) per axis) when the ratio is
// 0. The sampling, the clamping at the borders and the max mode follow
// ONNX Runtime's kernel, which the backend tests were made with. Version
// 10 and coordinate_transformation_mode output_half_pixel use the regions
// as given, at least one pixel wide; half_pixel (16's default) shifts them
// by half a pixel. Work is bounded by 64 × MaxTensorElements samples.
type roiAlign struct {
	max       bool
	oh, ow    int
	ratio     int
	scale     float64
	halfPixel bool
	samples   int64 // the most samples of one run
}

func makeRoiAlign(a *attrs) (kernel, error) {
	k := &roiAlign{
		oh:    a.intIn("output_height", 1, 1, int64(a.lim.MaxTensorElements)),
		ow:    a.intIn("output_width", 1, 1, int64(a.lim.MaxTensorElements)),
		ratio: a.intIn("sampling_ratio", 0, 0, 1<<16),
		scale: float64(a.finite("spatial_scale", 1)),
	}
	switch m := a.str("mode", "avg"); m {
	case "avg":
	case "max":
		k.max = true
	default:
		return nil, fmt.Errorf("mode %q is not supported", m)
	}
	if a.version() >= 16 {
		switch m := a.str("coordinate_transformation_mode", "half_pixel"); m {
		case "half_pixel":
			k.halfPixel = true
		case "output_half_pixel":
		default:
			return nil, fmt.Errorf("coordinate_transformation_mode %q is not supported", m)
		}
	}
	k.samples = int64(a.lim.MaxTensorElements) * 64
	return k, nil
}

func (k *roiAlign) run(r *runner, n *node) error {
	x, rois, idx := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	if x.dt != dtFloat || x.rank() != 4 {
		return fmt.Errorf("X must be FLOAT [N, C, H, W], have %v", x)
	}
	if rois.dt != dtFloat || rois.rank() != 2 || rois.shape[1] != 4 {
		return fmt.Errorf("rois must be FLOAT [num_rois, 4], have %v", rois)
	}
	nr := rois.shape[0]
	if !idx.dt.isInt() || idx.rank() != 1 || idx.shape[0] != nr {
		return fmt.Errorf("batch_indices must be integers [%d], have %v", nr, idx)
	}
	c, h, w := x.shape[1], x.shape[2], x.shape[3]
	y, err := r.out(n, 0, dtFloat, []int{nr, c, k.oh, k.ow})
	if err != nil {
		return err
	}
	if y.size() > 0 && (h == 0 || w == 0) {
		return fmt.Errorf("X %v has no pixels to sample", x)
	}
	offset := 0.0
	if k.halfPixel {
		offset = 0.5
	}
	work := int64(0)
	for i := range nr {
		b := idx.i[i]
		if b < 0 || b >= int64(x.shape[0]) {
			return fmt.Errorf("batch index %d out of range [0, %d)", b, x.shape[0])
		}
		box := rois.f[i*4 : i*4+4]
		for _, v := range box {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return errors.New("rois must be finite")
			}
		}
		x0, y0 := float64(box[0])*k.scale-offset, float64(box[1])*k.scale-offset
		rw, rh := float64(box[2])*k.scale-offset-x0, float64(box[3])*k.scale-offset-y0
		if !k.halfPixel {
			rw, rh = max(rw, 1), max(rh, 1)
		}
		bw, bh := rw/float64(k.ow), rh/float64(k.oh)
		gw, gh := float64(k.ratio), float64(k.ratio)
		if k.ratio == 0 {
			gw, gh = math.Ceil(rw/float64(k.ow)), math.Ceil(rh/float64(k.oh))
		}
		// Samples of this region (the grid sides may be 0 for an empty one).
		s := float64(c) * float64(k.oh*k.ow) * max(gw*gh, 1)
		if s > float64(k.samples-work) {
			return fmt.Errorf("RoiAlign needs more than %d samples", k.samples)
		}
		work += int64(s)
		nw, nh := int(max(gw, 0)), int(max(gh, 0))
		count := float64(max(nw*nh, 1))
		for ch := range c {
			plane := x.f[(int(b)*c+ch)*h*w : (int(b)*c+ch+1)*h*w]
			dst := y.f[((i*c+ch)*k.oh)*k.ow : ((i*c+ch+1)*k.oh)*k.ow]
			for ph := range k.oh {
				for pw := range k.ow {
					acc := 0.0
					for iy := range nh {
						sy := y0 + float64(ph)*bh + (float64(iy)+0.5)*bh/float64(nh)
						for ix := range nw {
							sx := x0 + float64(pw)*bw + (float64(ix)+0.5)*bw/float64(nw)
							v := bilinearCorners(plane, h, w, sy, sx, k.max)
							if !k.max {
								acc += v
							} else if ix == 0 && iy == 0 || v > acc {
								acc = v
							}
						}
					}
					if !k.max {
						acc /= count
					}
					dst[ph*k.ow+pw] = float32(acc)
				}
			}
		}
		if r.stopped() {
			return r.ctx.Err()
		}
	}
	return nil
}

// bilinearCorners samples plane [h, w] at (y, x) as ONNX Runtime's RoiAlign
// does: zero outside [-1, h] × [-1, w], clamped to the edge inside; the
// bilinear value, or with largest the largest of the four weighted
// corners.
func bilinearCorners(plane []float32, h, w int, y, x float64, largest bool) float64 {
	if y < -1 || y > float64(h) || x < -1 || x > float64(w) {
		return 0
	}
	y, x = max(y, 0), max(x, 0)
	yl, xl := int(y), int(x)
	yh, xh := yl+1, xl+1
	if yl >= h-1 {
		yl, yh, y = h-1, h-1, float64(h-1)
	}
	if xl >= w-1 {
		xl, xh, x = w-1, w-1, float64(w-1)
	}
	ly, lx := y-float64(yl), x-float64(xl)
	hy, hx := 1-ly, 1-lx
	v1, v2 := hy*hx*float64(plane[yl*w+xl]), hy*lx*float64(plane[yl*w+xh])
	v3, v4 := ly*hx*float64(plane[yh*w+xl]), ly*lx*float64(plane[yh*w+xh])
	if largest {
		return max(v1, v2, v3, v4)
	}
	return v1 + v2 + v3 + v4
}
