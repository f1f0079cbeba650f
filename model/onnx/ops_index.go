package onnx

import (
	"errors"
	"fmt"
	"math"
	"sort"
)

// Indexing and local normalisation: GatherND, ScatterND, Compress, TopK,
// ReverseSequence, LRN and MeanVarianceNormalization.

// ndIdx returns, for each index tuple of the last dimension of indices, the
// flat offset of the slice it selects in data (after batch_dims batch
// dimensions), and the slice size.
func ndIdx(data []int, ind *tensor, batch int) (offs []int, slice int, outer []int, err error) {
	if ind.dt != dtInt64 || ind.rank() < 1 {
		return nil, 0, nil, errors.New("indices must be INT64 of rank 1 or more")
	}
	q := ind.shape[ind.rank()-1]
	if batch < 0 || batch >= ind.rank() || batch >= len(data) || batch+q > len(data) {
		return nil, 0, nil, fmt.Errorf("indices shape %v does not fit data %v with batch_dims %d", ind.shape, data, batch)
	}
	for d := range batch {
		if ind.shape[d] != data[d] {
			return nil, 0, nil, errors.New("batch dimensions of data and indices differ")
		}
	}
	slice = prod(data[batch+q:])
	per := prod(data[batch:]) // elements per batch entry
	tuples := ind.size() / max(q, 1)
	if q == 0 {
		tuples = prod(ind.shape[:ind.rank()-1])
	}
	perBatch := tuples / max(prod(ind.shape[:batch]), 1)
	offs = make([]int, tuples)
	for t := range tuples {
		off := (t / max(perBatch, 1)) * per
		s := per
		for j := range q {
			dim := data[batch+j]
			v := ind.i[t*q+j]
			if v < 0 {
				v += int64(dim)
			}
			if v < 0 || v >= int64(dim) {
				return nil, 0, nil, fmt.Errorf("index %d out of range for dimension %d", ind.i[t*q+j], dim)
			}
			s /= dim
			off += int(v) * s
		}
		offs[t] = off
	}
	return offs, slice, ind.shape[:ind.rank()-1], nil
}

type gatherND struct{ batch int }

func makeGatherND(a *attrs) (kernel, error) {
	return &gatherND{batch: a.intIn("batch_dims", 0, 0, 64)}, nil
}

func (k *gatherND) run(r *runner, n *node) error {
	x, ind := r.in(n, 0), r.in(n, 1)
	offs, slice, outer, err := ndIdx(x.shape, ind, k.batch)
	if err != nil {
		return err
	}
	q := ind.shape[ind.rank()-1]
	shape := append(append([]int{}, outer...), x.shape[k.batch+q:]...)
	y, err := r.out(n, 0, x.dt, shape)
	if err != nil {
		return err
	}
	for t, off := range offs {
		if x.dt == dtFloat {
			copy(y.f[t*slice:(t+1)*slice], x.f[off:off+slice])
		} else {
			copy(y.i[t*slice:(t+1)*slice], x.i[off:off+slice])
		}
	}
	return nil
}

func (k *gatherND) backward(r *runner, n *node) error {
	offs, slice, _, err := ndIdx(r.in(n, 0).shape, r.in(n, 1), k.batch)
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	for t, off := range offs {
		for j := range slice {
			gx[off+j] += g[t*slice+j]
		}
	}
	return nil
}

type scatterND struct{ reduction string }

func makeScatterND(a *attrs) (kernel, error) {
	k := &scatterND{reduction: a.str("reduction", "none")}
	return k, checkReduction(a, k.reduction)
}

func (k *scatterND) run(r *runner, n *node) error {
	x, ind, upd := r.in(n, 0), r.in(n, 1), r.in(n, 2)
	offs, slice, _, err := ndIdx(x.shape, ind, 0)
	if err != nil {
		return err
	}
	if upd.dt != x.dt || upd.size() != len(offs)*slice {
		return errors.New("updates do not match the indices and the data")
	}
	y, err := r.out(n, 0, x.dt, x.shape)
	if err != nil {
		return err
	}
	copy(y.f, x.f)
	copy(y.i, x.i)
	for t, off := range offs {
		for j := range slice {
			scatterOne(y, upd, off+j, t*slice+j, k.reduction)
		}
	}
	return nil
}

// compress keeps the slices along axis (or the flattened elements) whose
// condition is true.
type compress struct {
	axis    int
	hasAxis bool
}

func makeCompress(a *attrs) (kernel, error) {
	return &compress{axis: a.intIn("axis", 0, -64, 64), hasAxis: a.has("axis")}, nil
}

func (k *compress) plan(r *runner, n *node) ([]int, []int, error) {
	x, c := r.in(n, 0), r.in(n, 1)
	if c.dt != dtBool || c.rank() != 1 {
		return nil, nil, errors.New("condition must be a 1-D BOOL tensor")
	}
	shape := []int{x.size()}
	ax := 0
	if k.hasAxis {
		var err error
		if ax, err = normAxis(k.axis, x.rank()); err != nil {
			return nil, nil, err
		}
		shape = x.shape
	}
	var keep []int
	for i, v := range c.i {
		if v != 0 && i < shape[ax] {
			keep = append(keep, i)
		}
	}
	outer, dim, inner := prod(shape[:ax]), shape[ax], prod(shape[ax+1:])
	out := append([]int{}, shape...)
	out[ax] = len(keep)
	idx := make([]int, 0, outer*len(keep)*inner)
	for b := range outer {
		for _, j := range keep {
			for c := range inner {
				idx = append(idx, (b*dim+j)*inner+c)
			}
		}
	}
	return out, idx, nil
}

func (k *compress) run(r *runner, n *node) error {
	shape, idx, err := k.plan(r, n)
	if err != nil {
		return err
	}
	x := r.in(n, 0)
	y, err := r.out(n, 0, x.dt, shape)
	if err != nil {
		return err
	}
	copyIdx(y, x, idx)
	return nil
}

func (k *compress) backward(r *runner, n *node) error {
	_, idx, err := k.plan(r, n)
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	for o, j := range idx {
		gx[j] += g[o]
	}
	return nil
}

// topK returns the k largest (or smallest) elements along an axis, sorted,
// and their indices; ties keep the lower index first.
type topK struct {
	axis            int
	k               int64 // version 1 attribute
	largest, sorted bool
}

func makeTopK(a *attrs) (kernel, error) {
	return &topK{axis: a.intIn("axis", -1, -64, 64), k: a.int("k", -1), largest: a.int("largest", 1) != 0, sorted: a.int("sorted", 1) != 0}, nil
}

func (k *topK) outType(j int, in []dtype) dtype {
	if j == 1 {
		return dtInt64
	}
	return in[0]
}

func (k *topK) plan(r *runner, n *node) (ax, kk int, sel []int, err error) {
	x := r.in(n, 0)
	if ax, err = normAxis(k.axis, x.rank()); err != nil {
		return 0, 0, nil, err
	}
	kv := k.k
	if n.version >= 10 {
		if r.in(n, 1) == nil {
			return 0, 0, nil, errors.New("input K is missing")
		}
		v, err := r.in(n, 1).ints()
		if err != nil || len(v) != 1 {
			return 0, 0, nil, errors.New("K must be one INT64")
		}
		kv = v[0]
	}
	if kv < 0 || kv > int64(x.shape[ax]) {
		return 0, 0, nil, fmt.Errorf("k=%d out of range for dimension %d", kv, x.shape[ax])
	}
	kk = int(kv)
	outer, l, inner := prod(x.shape[:ax]), x.shape[ax], prod(x.shape[ax+1:])
	sel = make([]int, 0, outer*kk*inner)
	order := make([]int, l)
	for b := range outer {
		for c := range inner {
			for j := range order {
				order[j] = j
			}
			at := func(j int) float64 { return num(x, (b*l+j)*inner+c) }
			sort.SliceStable(order, func(p, q int) bool {
				vp, vq := at(order[p]), at(order[q])
				if k.largest {
					return vp > vq || (math.IsNaN(vp) && !math.IsNaN(vq))
				}
				return vp < vq
			})
			for _, j := range order[:kk] {
				sel = append(sel, j)
			}
		}
	}
	return ax, kk, sel, nil
}

func (k *topK) run(r *runner, n *node) error {
	x := r.in(n, 0)
	ax, kk, sel, err := k.plan(r, n)
	if err != nil {
		return err
	}
	shape := append([]int{}, x.shape...)
	shape[ax] = kk
	y, err := r.out(n, 0, x.dt, shape)
	if err != nil {
		return err
	}
	ind, err := r.out(n, 1, dtInt64, shape)
	if err != nil {
		return err
	}
	l, inner := x.shape[ax], prod(x.shape[ax+1:])
	for t, j := range sel {
		b, c, p := t/(kk*inner), t%inner, (t/inner)%kk
		o := (b*kk+p)*inner + c
		i := (b*l+j)*inner + c
		if x.dt == dtFloat {
			y.f[o] = x.f[i]
		} else {
			y.i[o] = x.i[i]
		}
		ind.i[o] = int64(j)
	}
	return nil
}

func (k *topK) backward(r *runner, n *node) error {
	x := r.in(n, 0)
	ax, kk, sel, err := k.plan(r, n)
	if err != nil {
		return err
	}
	g, gx := r.gradOut(n, 0), r.gradIn(n, 0)
	if g == nil {
		return nil
	}
	l, inner := x.shape[ax], prod(x.shape[ax+1:])
	for t, j := range sel {
		b, c, p := t/(kk*inner), t%inner, (t/inner)%kk
		gx[(b*l+j)*inner+c] += g[(b*kk+p)*inner+c]
	}
	return nil
}

// reverseSequence reverses the first sequence_lens[b] steps of each batch
// entry along the time axis.
type reverseSequence struct{ batchAx, timeAx int }

func makeReverseSequence(a *attrs) (kernel, error) {
	k := &reverseSequence{batchAx: a.intIn("batch_axis", 1, 0, 1), timeAx: a.intIn("time_axis", 0, 0, 1)}
	if k.batchAx == k.timeAx {
		return nil, errors.New("batch_axis and time_axis must differ")
	}
	return k, nil
}

func (k *reverseSequence) run(r *runner, n *node) error {
	x, lens := r.in(n, 0), r.in(n, 1)
	if x.rank() < 2 || lens.rank() != 1 || lens.size() != x.shape[k.batchAx] {
		return errors.New("input must have rank 2 or more and one sequence length per batch entry")
	}
	y, err := r.out(n, 0, x.dt, x.shape)
	if err != nil {
		return err
	}
	inner := prod(x.shape[2:])
	d0, d1 := x.shape[0], x.shape[1]
	for i := range d0 {
		for j := range d1 {
			b, t := j, i
			if k.batchAx == 0 {
				b, t = i, j
			}
			ln := int(num(lens, b))
			if ln < 0 || ln > x.shape[k.timeAx] {
				return fmt.Errorf("sequence length %d out of range", ln)
			}
			st := t
			if t < ln {
				st = ln - 1 - t
			}
			si, sj := st, b
			if k.batchAx == 0 {
				si, sj = b, st
			}
			for c := range inner {
				o, s := (i*d1+j)*inner+c, (si*d1+sj)*inner+c
				if x.dt == dtFloat {
					y.f[o] = x.f[s]
				} else {
					y.i[o] = x.i[s]
				}
			}
		}
	}
	return nil
}

// lrn normalises each element by the squares of its neighbours across
// channels.
type lrn struct {
	alpha, beta, bias float64
	size              int
}

func makeLRN(a *attrs) (kernel, error) {
	return &lrn{alpha: float64(a.finite("alpha", 1e-4)), beta: float64(a.finite("beta", 0.75)), bias: float64(a.finite("bias", 1)), size: a.intIn("size", 0, 1, 1<<16)}, nil
}

func (k *lrn) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.dt != dtFloat || x.rank() < 3 {
		return errors.New("input must be FLOAT of rank 3 or more")
	}
	y, err := r.out(n, 0, dtFloat, x.shape)
	if err != nil {
		return err
	}
	c, hw := x.shape[1], prod(x.shape[2:])
	lo, hi := (k.size-1)/2, (k.size-1)-(k.size-1)/2
	for b := range x.shape[0] {
		for ch := range c {
			for p := range hw {
				var s float64
				for j := max(0, ch-lo); j <= min(c-1, ch+hi); j++ {
					v := float64(x.f[(b*c+j)*hw+p])
					s += v * v
				}
				i := (b*c+ch)*hw + p
				y.f[i] = float32(float64(x.f[i]) / math.Pow(k.bias+k.alpha/float64(k.size)*s, k.beta))
			}
		}
	}
	return nil
}

// mvn is MeanVarianceNormalization: (x - mean) / (std + 1e-9) over axes.
type mvn struct{ axes []int64 }

func makeMVN(a *attrs) (kernel, error) {
	k := &mvn{axes: []int64{0, 2, 3}}
	if v, ok := a.ints("axes"); ok {
		k.axes = v
	}
	return k, nil
}

func (k *mvn) run(r *runner, n *node) error {
	x := r.in(n, 0)
	if x.dt != dtFloat {
		return fmt.Errorf("input type %v is not supported", x.dt)
	}
	red := &reduceOp{kind: redMean, keep: true, axes: k.axes}
	_, ostr, cnt, err := red.plan(r, n, x.shape)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, dtFloat, x.shape)
	if err != nil {
		return err
	}
	m := 1
	for i, s := range ostr {
		if s > 0 {
			m = max(m, s*x.shape[i])
		}
	}
	sum, sq := make([]float64, m), make([]float64, m)
	eachReduced(x.shape, ostr, func(i, o int) {
		v := float64(x.f[i])
		sum[o] += v
		sq[o] += v * v
	})
	eachReduced(x.shape, ostr, func(i, o int) {
		mu := sum[o] / float64(cnt)
		sd := math.Sqrt(math.Max(sq[o]/float64(cnt)-mu*mu, 0))
		y.f[i] = float32((float64(x.f[i]) - mu) / (sd + 1e-9))
	})
	return nil
}
