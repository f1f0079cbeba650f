package onnx

import (
	"errors"
	"fmt"
	"math"
)

// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: the losses of
// classifiers exported with their training graph, and of evaluation graphs.

type lossOp struct {
	softmax   bool // SoftmaxCrossEntropyLoss: log-softmax of the scores first
	reduction string
	ignore    int64
	hasIgnore bool
}

func makeLoss(softmax bool) func(a *attrs) (kernel, error) {
	return func(a *attrs) (kernel, error) {
		k := &lossOp{softmax: softmax, reduction: a.str("reduction", "mean"), hasIgnore: a.has("ignore_index")}
		k.ignore = a.int("ignore_index", 0)
		switch k.reduction {
		case "none", "sum", "mean":
		default:
			return nil, fmt.Errorf("reduction %q is not supported", k.reduction)
		}
		return k, nil
	}
}

// lossGeom checks the operands: scores [N, C, d...], target [N, d...] and an
// optional weight [C].
func (k *lossOp) lossGeom(r *runner, n *node) (x, t, w *tensor, c, d int, err error) {
	x, t, w = r.in(n, 0), r.in(n, 1), r.in(n, 2)
	if x.dt != dtFloat || x.rank() < 2 {
		return nil, nil, nil, 0, 0, errors.New("input must be a FLOAT tensor of rank 2 or more")
	}
	if t.dt != dtInt64 && t.dt != dtInt32 {
		return nil, nil, nil, 0, 0, fmt.Errorf("target type %v is not an integer type", t.dt)
	}
	want := append([]int{x.shape[0]}, x.shape[2:]...)
	if fmt.Sprint(t.shape) != fmt.Sprint(want) {
		return nil, nil, nil, 0, 0, fmt.Errorf("target shape %v, want %v", t.shape, want)
	}
	c, d = x.shape[1], prod(x.shape[2:])
	if w != nil && (w.dt != dtFloat || fmt.Sprint(w.shape) != fmt.Sprint([]int{c})) {
		return nil, nil, nil, 0, 0, fmt.Errorf("weight must be FLOAT of shape [%d]", c)
	}
	for _, v := range t.i {
		if (!k.hasIgnore || v != k.ignore) && (v < 0 || v >= int64(c)) {
			return nil, nil, nil, 0, 0, fmt.Errorf("target %d out of range [0, %d)", v, c)
		}
	}
	return x, t, w, c, d, nil
}

// weightOf returns the weight of target element j (0 when ignored).
func (k *lossOp) weightOf(t, w *tensor, j int) float64 {
	v := t.i[j]
	switch {
	case k.hasIgnore && v == k.ignore:
		return 0
	case w != nil:
		return float64(w.f[v])
	}
	return 1
}

// logProbs returns log-softmax over axis 1 (SoftmaxCrossEntropyLoss) or the
// input itself.
func (k *lossOp) logProbs(x *tensor, c, d int) []float32 {
	if !k.softmax {
		return x.f
	}
	lp := make([]float32, len(x.f))
	for b := range x.shape[0] {
		for e := range d {
			m := math.Inf(-1)
			for j := range c {
				m = math.Max(m, float64(x.f[(b*c+j)*d+e]))
			}
			var s float64
			for j := range c {
				s += math.Exp(float64(x.f[(b*c+j)*d+e]) - m)
			}
			ls := math.Log(s) + m
			for j := range c {
				lp[(b*c+j)*d+e] = float32(float64(x.f[(b*c+j)*d+e]) - ls)
			}
		}
	}
	return lp
}

func (k *lossOp) run(r *runner, n *node) error {
	x, t, w, c, d, err := k.lossGeom(r, n)
	if err != nil {
		return err
	}
	lp := k.logProbs(x, c, d)
	if k.softmax && r.wantOut(n, 1) {
		out, err := r.out(n, 1, dtFloat, x.shape)
		if err != nil {
			return err
		}
		copy(out.f, lp)
	}
	var shape []int
	if k.reduction == "none" {
		shape = t.shape
	} else {
		shape = []int{}
	}
	y, err := r.out(n, 0, dtFloat, shape)
	if err != nil {
		return err
	}
	var sum, wsum float64
	for j := range t.size() {
		b, e := j/d, j%d
		wt := k.weightOf(t, w, j)
		l := 0.0
		if wt != 0 {
			l = -float64(lp[(b*c+int(t.i[j]))*d+e]) * wt
		}
		if k.reduction == "none" {
			y.f[j] = float32(l)
		}
		sum += l
		wsum += wt
	}
	switch k.reduction {
	case "sum":
		y.f[0] = float32(sum)
	case "mean":
		y.f[0] = float32(sum / wsum)
	}
	return nil
}

// backward differentiates the loss output with respect to the input (the
// log-probabilities or the scores).
func (k *lossOp) backward(r *runner, n *node) error {
	if k.softmax && r.gradOut(n, 1) != nil {
		return errors.New("the gradient of the log_prob output is not supported")
	}
	x, t, w, c, d, err := k.lossGeom(r, n)
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	if gx == nil || g == nil {
		return nil
	}
	var wsum float64
	for j := range t.size() {
		wsum += k.weightOf(t, w, j)
	}
	var lp []float32
	if k.softmax {
		lp = k.logProbs(x, c, d)
	}
	for j := range t.size() {
		b, e := j/d, j%d
		wt := k.weightOf(t, w, j)
		if wt == 0 {
			continue
		}
		var gj float64
		switch k.reduction {
		case "none":
			gj = float64(g[j])
		case "sum":
			gj = float64(g[0])
		default:
			gj = float64(g[0]) / wsum
		}
		s := -wt * gj // d loss / d logp[target]
		if !k.softmax {
			gx[(b*c+int(t.i[j]))*d+e] += float32(s)
			continue
		}
		// d logp[target] / d score[i] = [i == target] - softmax[i]
		for i := range c {
			o := (b*c+i)*d + e
			v := -math.Exp(float64(lp[o]))
			if i == int(t.i[j]) {
				v++
			}
			gx[o] += float32(s * v)
		}
	}
	return nil
}
