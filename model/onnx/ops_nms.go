package onnx

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// NonMaxSuppression (versions 10, 11): greedy selection, per batch and
// class, of the highest-scoring boxes whose overlap (IoU) with every box
// already selected does not exceed the threshold.
type nms struct{ center bool }

func makeNMS(a *attrs) (kernel, error) {
	return &nms{center: a.intIn("center_point_box", 0, 0, 1) == 1}, nil
}

func (k *nms) outType(int, []dtype) dtype { return dtInt64 }

// corners returns box i as y1, x1, y2, x2 with y1 <= y2 and x1 <= x2.
func (k *nms) corners(b []float32) (float64, float64, float64, float64) {
	v0, v1, v2, v3 := float64(b[0]), float64(b[1]), float64(b[2]), float64(b[3])
	if k.center { // x_center, y_center, width, height
		return v1 - v3/2, v0 - v2/2, v1 + v3/2, v0 + v2/2
	}
	return math.Min(v0, v2), math.Min(v1, v3), math.Max(v0, v2), math.Max(v1, v3)
}

func (k *nms) iou(a, b []float32) float64 {
	ay1, ax1, ay2, ax2 := k.corners(a)
	by1, bx1, by2, bx2 := k.corners(b)
	ih := math.Max(0, math.Min(ay2, by2)-math.Max(ay1, by1))
	iw := math.Max(0, math.Min(ax2, bx2)-math.Max(ax1, bx1))
	inter := ih * iw
	union := (ay2-ay1)*(ax2-ax1) + (by2-by1)*(bx2-bx1) - inter
	if inter <= 0 || union <= 0 {
		return 0
	}
	return inter / union
}

func (k *nms) run(r *runner, n *node) error {
	boxes, scores := r.in(n, 0), r.in(n, 1)
	if boxes.dt != dtFloat || scores.dt != dtFloat || boxes.rank() != 3 || boxes.shape[2] != 4 || scores.rank() != 3 ||
		scores.shape[0] != boxes.shape[0] || scores.shape[2] != boxes.shape[1] {
		return errors.New("boxes must be FLOAT [B, N, 4] and scores FLOAT [B, C, N]")
	}
	maxOut := int64(0)
	if t := r.in(n, 2); t != nil {
		v, err := t.ints()
		if err != nil || len(v) != 1 {
			return errors.New("max_output_boxes_per_class must be one INT64")
		}
		maxOut = v[0]
	}
	iouTh, scoreTh := 0.0, math.Inf(-1)
	if t := r.in(n, 3); t != nil {
		v, err := t.scalarFloat()
		if err != nil {
			return err
		}
		iouTh = v
	}
	if t := r.in(n, 4); t != nil {
		v, err := t.scalarFloat()
		if err != nil {
			return err
		}
		scoreTh = v
	}
	nb, nc, nbox := scores.shape[0], scores.shape[1], scores.shape[2]
	// The greedy pass compares each candidate with at most maxOut kept boxes.
	if _, err := checkedProd([]int{nb, nc, nbox, int(min(max(maxOut, 1), int64(max(nbox, 1))))}, 64*r.g.lim.MaxTensorElements); err != nil {
		return fmt.Errorf("work: %w", err)
	}
	var sel []int64
	order := make([]int, 0, nbox)
	for b := range nb {
		for c := range nc {
			sc := scores.f[(b*nc+c)*nbox : (b*nc+c+1)*nbox]
			order = order[:0]
			for i, s := range sc {
				if float64(s) > scoreTh {
					order = append(order, i)
				}
			}
			sort.SliceStable(order, func(p, q int) bool { return sc[order[p]] > sc[order[q]] })
			var kept []int
			for _, i := range order {
				if int64(len(kept)) >= maxOut {
					break
				}
				bi := boxes.f[(b*nbox+i)*4 : (b*nbox+i+1)*4]
				ok := true
				for _, j := range kept {
					if k.iou(bi, boxes.f[(b*nbox+j)*4:(b*nbox+j+1)*4]) > iouTh {
						ok = false
						break
					}
				}
				if ok {
					kept = append(kept, i)
					sel = append(sel, int64(b), int64(c), int64(i))
				}
			}
		}
	}
	y, err := r.out(n, 0, dtInt64, []int{len(sel) / 3, 3})
	if err != nil {
		return err
	}
	copy(y.i, sel)
	return nil
}
