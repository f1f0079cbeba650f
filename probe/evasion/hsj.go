package evasion

import (
	"context"
	"math"

	"github.com/aiassure/aiassure/model"
)

// HopSkipJump is the decision-based black-box attack of Chen, Jordan and
// Wainwright (2020), untargeted, in L2 or L-infinity. It needs only the
// predicted class. From an adversarial starting point (random noise of
// growing size, or another sample of the batch that the target assigns to a
// different class, projected onto the constraint) it alternates
//
//   - a binary search toward the clean input, to the decision boundary
//     (precision θ = 1/d^1.5 of the segment in L2, min(θ·dist, θ) with
//     θ = 1/d² in L-infinity, d the input size);
//   - an estimate of the boundary's normal from the decisions at
//     n = InitEvals·√t random points around the boundary point (Gaussian
//     directions in L2, uniform in L-infinity; radius 0.1·range at t = 1,
//     then √d·θ·dist in L2 and d·θ·dist in L-infinity), capped at MaxEvals;
//   - a geometric step of size dist/√t along the normal (its sign in
//     L-infinity), halved until the point is adversarial.
//
// It returns the last boundary point, which is always misclassified; its
// distance to the clean input is the perturbation found. When
// Params.Epsilon is positive a sample stops once within it.
type HopSkipJump struct {
	Norm Norm
	// Iterations is the most gradient-estimation steps (default 50).
	Iterations int
	// InitEvals is the number of random points of the first estimate
	// (default 100); MaxEvals caps later ones (default 10,000).
	InitEvals, MaxEvals int
}

// Name returns "hopskipjump-l2" or "hopskipjump-linf".
func (a HopSkipJump) Name() string { return "hopskipjump-" + string(a.norm()) }

// Kind returns BlackBoxDecision.
func (HopSkipJump) Kind() Kind { return BlackBoxDecision }

// Metric returns the attack's norm (L2 when unset).
func (a HopSkipJump) Metric() Norm { return a.norm() }

func (a HopSkipJump) norm() Norm {
	if a.Norm == "" {
		return L2
	}
	return a.Norm
}

// Minimal returns true.
func (HopSkipJump) Minimal() bool { return true }

// hsj is the state of one HopSkipJump run. Position k holds sample idx[k].
type hsj struct {
	s      *state
	norm   Norm
	theta  float64
	idx    []int
	ys     []int
	x0, xb *model.Tensor // clean inputs and current boundary points
	ok     []bool        // an adversarial starting point was found
	dist   []float64     // distance of xb to x0
	pred   []int         // predicted class of xb
}

// Run attacks the batch.
func (a HopSkipJump) Run(ctx context.Context, t model.Target, x *model.Tensor, labels []int, p Params) (*Outcome, error) {
	if err := checkEpsilon(p.Epsilon, true); err != nil {
		return nil, err
	}
	f := a.filled()
	iters, initEvals, maxEvals := f.Iterations, f.InitEvals, f.MaxEvals
	norm := a.norm()
	s, err := begin(ctx, t, x, labels, p, norm)
	if err != nil {
		return nil, err
	}
	d := float64(s.row)
	h := &hsj{s: s, norm: norm, theta: 1 / (d * math.Sqrt(d))}
	if norm == Linf {
		h.theta = 1 / (d * d)
	}
	h.idx = s.keep(s.correct(), 2)
	if len(h.idx) == 0 {
		return s.finish(), nil
	}
	h.ys = make([]int, len(h.idx))
	for k, i := range h.idx {
		h.ys[k] = labels[i]
	}
	h.x0 = gather(x, h.idx)
	h.dist = make([]float64, len(h.idx))
	h.pred = make([]int, len(h.idx))
	if err := h.init(ctx, x); err != nil {
		return nil, err
	}
	all := make([]int, 0, len(h.idx))
	for k := range h.idx {
		if h.ok[k] {
			all = append(all, k)
		}
	}
	if err := h.search(ctx, h.xb, all); err != nil {
		return nil, err
	}
	lo, hi := s.bounds()
	span := float64(hi - lo)
	for it := 1; it <= iters; it++ {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var act []int
		for _, k := range all {
			if s.left(h.idx[k]) >= 3 && !(p.Epsilon > 0 && inBall(h.dist[k], p.Epsilon)) {
				act = append(act, k)
			}
		}
		if len(act) == 0 {
			break
		}
		nEval := min(int(float64(initEvals)*math.Sqrt(float64(it))), maxEvals)
		delta := make([]float64, len(act))
		for a, k := range act {
			switch {
			case it == 1:
				delta[a] = 0.1 * span
			case norm == L2:
				delta[a] = math.Sqrt(d) * h.theta * h.dist[k]
			default:
				delta[a] = d * h.theta * h.dist[k]
			}
		}
		upd, err := h.estimate(ctx, act, delta, nEval, it)
		if err != nil {
			return nil, err
		}
		cand, err := h.step(ctx, act, upd, it)
		if err != nil {
			return nil, err
		}
		if err := h.search(ctx, cand, act); err != nil {
			return nil, err
		}
	}
	for _, k := range all {
		i := h.idx[k]
		copy(s.out.Adv.Row(i), h.xb.Row(k))
		s.out.Pred[i] = h.pred[k]
	}
	return s.finish(), nil
}

// init finds an adversarial starting point for each sample: uniform noise
// of 0.1, 0.25, 0.5, 1 and 2 times the feature range around the clean
// input, and up to five other samples of the batch predicted as another
// class, all projected onto the constraint; the closest adversarial
// candidate wins.
func (h *hsj) init(ctx context.Context, x *model.Tensor) error {
	s := h.s
	D := s.row
	lo, hi := s.bounds()
	span := float64(hi - lo)
	scales := []float64{0.1, 0.25, 0.5, 1, 2}
	var rows []float32
	var owner, pos []int
	var base []float32
	for k, i := range h.idx {
		budget := s.left(i) - 1
		rng := s.rng(i, 0x4a5a)
		n := 0
		for _, sc := range scales {
			if n >= budget {
				break
			}
			for _, v := range h.x0.Row(k) {
				rows = append(rows, v+float32(sc*span*(2*rng.Float64()-1)))
			}
			base = append(base, h.x0.Row(k)...)
			owner, pos, n = append(owner, i), append(pos, k), n+1
		}
		found := 0
		for o := 1; o < x.Batch() && found < 5 && n < budget; o++ {
			j := (i + o) % x.Batch()
			if s.out.Clean[j] == h.ys[k] {
				continue
			}
			rows = append(rows, x.Row(j)...)
			base = append(base, h.x0.Row(k)...)
			owner, pos, n, found = append(owner, i), append(pos, k), n+1, found+1
		}
	}
	h.ok = make([]bool, len(h.idx))
	h.xb = h.x0.Clone()
	if len(owner) == 0 {
		return nil
	}
	cand := &model.Tensor{Shape: append([]int{len(owner)}, x.Shape[1:]...), Data: rows}
	x0s := &model.Tensor{Shape: cand.Shape, Data: base}
	if err := enforce(cand, x0s, h.norm, 0, s.p.Constraint); err != nil {
		return err
	}
	out, err := s.predict(ctx, cand, owner)
	if err != nil {
		return err
	}
	for r, k := range pos {
		o := out.Row(r)
		if !adversarial(o, h.ys[k]) {
			continue
		}
		dd := dist(cand.Row(r), h.x0.Row(k), h.norm)
		if !h.ok[k] || dd < h.dist[k] {
			h.ok[k], h.dist[k], h.pred[k] = true, dd, argmax(o)
			copy(h.xb.Data[k*D:(k+1)*D], cand.Row(r))
		}
	}
	return nil
}

// search moves the adversarial points from[k] (k in pos) toward x0 to the
// decision boundary and stores the results in xb.
func (h *hsj) search(ctx context.Context, from *model.Tensor, pos []int) error {
	s := h.s
	D := s.row
	lo, hi, thr := make([]float64, len(pos)), make([]float64, len(pos)), make([]float64, len(pos))
	for a, k := range pos {
		if from != h.xb {
			copy(h.xb.Row(k), from.Row(k))
		}
		if h.norm == L2 {
			hi[a], thr[a] = 1, h.theta
		} else {
			hi[a] = linf(from.Row(k), h.x0.Row(k))
			thr[a] = min(h.dist[k]*h.theta, h.theta)
			if h.dist[k] == 0 {
				thr[a] = hi[a] * h.theta
			}
		}
	}
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		var act []int // positions in pos
		for a, k := range pos {
			if hi[a]-lo[a] > thr[a] && s.left(h.idx[k]) >= 1 {
				act = append(act, a)
			}
		}
		if len(act) == 0 {
			break
		}
		pts := &model.Tensor{Shape: append([]int{len(act)}, s.shape[1:]...), Data: make([]float32, len(act)*D)}
		x0s := &model.Tensor{Shape: pts.Shape, Data: make([]float32, len(act)*D)}
		owner := make([]int, len(act))
		for r, a := range act {
			k := pos[a]
			mid := (lo[a] + hi[a]) / 2
			h.point(pts.Data[r*D:(r+1)*D], from.Row(k), h.x0.Row(k), mid)
			copy(x0s.Data[r*D:(r+1)*D], h.x0.Row(k))
			owner[r] = h.idx[k]
		}
		if err := enforce(pts, x0s, h.norm, 0, s.p.Constraint); err != nil {
			return err
		}
		out, err := s.predict(ctx, pts, owner)
		if err != nil {
			return err
		}
		for r, a := range act {
			k := pos[a]
			mid := (lo[a] + hi[a]) / 2
			if o := out.Row(r); adversarial(o, h.ys[k]) {
				hi[a] = mid
				copy(h.xb.Row(k), pts.Row(r))
				h.pred[k] = argmax(o)
			} else {
				lo[a] = mid
			}
		}
	}
	for _, k := range pos {
		h.dist[k] = dist(h.xb.Row(k), h.x0.Row(k), h.norm)
	}
	return nil
}

// point sets dst to the point at alpha between x0 and adv: the blend
// x0 + alpha*(adv-x0) in L2, adv clipped to the L-infinity ball of radius
// alpha in L-infinity.
func (h *hsj) point(dst, adv, x0 []float32, alpha float64) {
	if h.norm == L2 {
		for j := range dst {
			dst[j] = x0[j] + float32(alpha*float64(adv[j]-x0[j]))
		}
		return
	}
	a := float32(alpha)
	for j := range dst {
		dst[j] = min(max(adv[j], x0[j]-a), x0[j]+a)
	}
}

// estimate returns, for each position of act, the update direction: the
// normalised (L2) or signed (L-infinity) Monte-Carlo estimate of the
// boundary's normal at xb. Samples are processed in groups so that one
// group sends at most 8*BatchSize rows.
func (h *hsj) estimate(ctx context.Context, act []int, delta []float64, nEval, it int) ([]float64, error) {
	s := h.s
	D := s.row
	upd := make([]float64, len(act)*D)
	limit := max(8*s.p.BatchSize, nEval)
	for lo := 0; lo < len(act); {
		// A group of samples, with each one's number of evaluations.
		var grp, ns []int
		rows := 0
		for a := lo; a < len(act) && (rows == 0 || rows+nEval <= limit); a++ {
			n := min(nEval, s.left(h.idx[act[a]])-2)
			grp, ns, rows = append(grp, a), append(ns, n), rows+max(n, 0)
		}
		lo += len(grp)
		pts := &model.Tensor{Shape: append([]int{rows}, s.shape[1:]...), Data: make([]float32, rows*D)}
		x0s := &model.Tensor{Shape: pts.Shape, Data: make([]float32, rows*D)}
		owner := make([]int, 0, rows)
		r := 0
		for g, a := range grp {
			k := act[a]
			rng := s.rng(h.idx[k], 0x6a5b0000+uint64(it))
			for range ns[g] {
				row := pts.Data[r*D : (r+1)*D]
				n := 0.0
				for j := range row {
					var v float64
					if h.norm == L2 {
						v = rng.NormFloat64()
					} else {
						v = 2*rng.Float64() - 1
					}
					row[j] = float32(v)
					n += v * v
				}
				f := delta[a] / max(math.Sqrt(n), 1e-12)
				for j, b := range h.xb.Row(k) {
					row[j] = b + float32(float64(row[j])*f)
				}
				copy(x0s.Data[r*D:(r+1)*D], h.x0.Row(k))
				owner = append(owner, h.idx[k])
				r++
			}
		}
		if rows == 0 {
			continue
		}
		if err := enforce(pts, x0s, h.norm, 0, s.p.Constraint); err != nil {
			return nil, err
		}
		out, err := s.predict(ctx, pts, owner)
		if err != nil {
			return nil, err
		}
		r = 0
		for g, a := range grp {
			k, n := act[a], ns[g]
			if n <= 0 {
				continue
			}
			phi := make([]float64, n)
			mean := 0.0
			for e := range n {
				if adversarial(out.Row(r+e), h.ys[k]) {
					phi[e] = 1
				} else {
					phi[e] = -1
				}
				mean += phi[e]
			}
			mean /= float64(n)
			if math.Abs(mean) == 1 {
				mean = 0
			}
			u, xb := upd[a*D:(a+1)*D], h.xb.Row(k)
			for e := range n {
				w := (phi[e] - mean) / delta[a]
				for j, v := range pts.Row(r + e) {
					u[j] += w * float64(v-xb[j])
				}
			}
			r += n
			if h.norm == L2 {
				nn := 0.0
				for _, v := range u {
					nn += v * v
				}
				nn = math.Sqrt(nn)
				for j := range u {
					u[j] /= max(nn, 1e-12)
				}
			} else {
				for j, v := range u {
					u[j] = sign(float32(v))
				}
			}
		}
	}
	return upd, nil
}

// step tries xb + eps*update with eps = dist/√it, halving eps until the
// point is adversarial (at most 10 times); it returns the points, which are
// xb where no step succeeded.
func (h *hsj) step(ctx context.Context, act []int, upd []float64, it int) (*model.Tensor, error) {
	s := h.s
	D := s.row
	cand := h.xb.Clone()
	eps := make([]float64, len(act))
	for a, k := range act {
		eps[a] = h.dist[k] / math.Sqrt(float64(it))
	}
	todo := make([]int, len(act))
	for a := range todo {
		todo[a] = a
	}
	for range 10 {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		var next []int
		for _, a := range todo {
			if s.left(h.idx[act[a]]) >= 2 {
				next = append(next, a)
			}
		}
		todo = next
		if len(todo) == 0 {
			break
		}
		pts := &model.Tensor{Shape: append([]int{len(todo)}, s.shape[1:]...), Data: make([]float32, len(todo)*D)}
		x0s := &model.Tensor{Shape: pts.Shape, Data: make([]float32, len(todo)*D)}
		owner := make([]int, len(todo))
		for r, a := range todo {
			k := act[a]
			row, u := pts.Data[r*D:(r+1)*D], upd[a*D:(a+1)*D]
			for j, b := range h.xb.Row(k) {
				row[j] = b + float32(eps[a]*u[j])
			}
			copy(x0s.Data[r*D:(r+1)*D], h.x0.Row(k))
			owner[r] = h.idx[k]
		}
		if err := enforce(pts, x0s, h.norm, 0, s.p.Constraint); err != nil {
			return nil, err
		}
		out, err := s.predict(ctx, pts, owner)
		if err != nil {
			return nil, err
		}
		next = next[:0:0]
		for r, a := range todo {
			k := act[a]
			if o := out.Row(r); adversarial(o, h.ys[k]) {
				copy(cand.Row(k), pts.Row(r))
				h.pred[k] = argmax(o)
				continue
			}
			eps[a] /= 2
			next = append(next, a)
		}
		todo = next
	}
	return cand, nil
}
