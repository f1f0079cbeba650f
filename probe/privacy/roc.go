package privacy

import (
	"cmp"
	"math"
	"math/rand/v2"
	"slices"
)

// ROC is the receiver operating characteristic of a membership score: how
// many members (positives) an attacker finds at each rate of non-members
// (negatives) wrongly called members, for every threshold on the score.
type ROC struct {
	Members    int `json:"members"`
	NonMembers int `json:"non_members"`
	// MinFPR is the smallest false-positive rate other than zero that this
	// number of non-members can resolve: 1/NonMembers. A TPR "at" a
	// smaller rate is the TPR at a threshold above every non-member.
	MinFPR float64 `json:"min_fpr"`
	AUC    float64 `json:"roc_auc"`
	// AUCCI, TPR001CI and TPR01CI are percentile bootstrap 95% intervals
	// (members and non-members resampled separately).
	AUCCI    Interval `json:"roc_auc_ci"`
	TPR001   float64  `json:"tpr_at_fpr_0.001"`
	TPR001CI Interval `json:"tpr_at_fpr_0.001_ci"`
	TPR01    float64  `json:"tpr_at_fpr_0.01"`
	TPR01CI  Interval `json:"tpr_at_fpr_0.01_ci"`
	// Curve holds the curve's corners, FPR ascending (ties of the score
	// make one corner), from (0, TPR at the highest threshold) to (1, 1).
	Curve []ROCPoint `json:"curve"`
	full  []ROCPoint // every corner, for TPRAt
}

// Interval is a confidence interval.
type Interval struct {
	Lo float64 `json:"lo"`
	Hi float64 `json:"hi"`
}

// ROCPoint is one corner of an ROC curve.
type ROCPoint struct {
	FPR float64 `json:"fpr"`
	TPR float64 `json:"tpr"`
}

// maxCurve bounds the corners kept in ROC.Curve; the low-FPR end, where
// the privacy risk is read, is kept whole.
const maxCurve = 400

// rocOf computes the ROC of member and non-member scores (higher: more
// likely a member) with resamples bootstrap resamples drawn with seed.
// NaN scores count as the lowest. Both sets must be non-empty.
func rocOf(members, nonMembers []float64, resamples int, seed uint64) *ROC {
	s := newScored(members, nonMembers)
	nm, nn := len(members), len(nonMembers)
	r := &ROC{Members: nm, NonMembers: nn, MinFPR: 1 / float64(nn)}
	wm, wn := ones(nm), ones(nn)
	r.AUC, r.TPR001, r.TPR01 = s.eval(wm, wn)
	r.full = s.curve(wm, wn)
	r.Curve = thin(r.full)
	if resamples <= 0 {
		r.AUCCI = Interval{r.AUC, r.AUC}
		r.TPR001CI = Interval{r.TPR001, r.TPR001}
		r.TPR01CI = Interval{r.TPR01, r.TPR01}
		return r
	}
	rng := rand.New(rand.NewPCG(seed, 0x5eed0f0c))
	aucs, t1, t2 := make([]float64, resamples), make([]float64, resamples), make([]float64, resamples)
	for b := range resamples {
		resample(rng, wm)
		resample(rng, wn)
		aucs[b], t1[b], t2[b] = s.eval(wm, wn)
	}
	r.AUCCI = percentile(aucs)
	r.TPR001CI = percentile(t1)
	r.TPR01CI = percentile(t2)
	return r
}

// TPRAt returns the largest TPR of the curve at an FPR of at most fpr.
func (r *ROC) TPRAt(fpr float64) float64 {
	c := r.full
	if c == nil {
		c = r.Curve // a report read back from JSON
	}
	best := 0.0
	for _, p := range c {
		if p.FPR <= fpr {
			best = max(best, p.TPR)
		}
	}
	return best
}

// scored holds the pooled scores sorted from the highest, each with the
// index of its member or non-member; groups of tied scores are marked.
type scored struct {
	order  []int32 // >= 0: member index; < 0: -1-non-member index
	tieEnd []bool  // true at the last entry of a group of equal scores
}

func newScored(members, nonMembers []float64) *scored {
	type e struct {
		v float64
		i int32
	}
	es := make([]e, 0, len(members)+len(nonMembers))
	for i, v := range members {
		es = append(es, e{clean(v), int32(i)})
	}
	for i, v := range nonMembers {
		es = append(es, e{clean(v), int32(-1 - i)})
	}
	slices.SortStableFunc(es, func(a, b e) int { return cmp.Compare(b.v, a.v) })
	s := &scored{order: make([]int32, len(es)), tieEnd: make([]bool, len(es))}
	for k, x := range es {
		s.order[k] = x.i
		s.tieEnd[k] = k == len(es)-1 || es[k+1].v != x.v
	}
	return s
}

func clean(v float64) float64 {
	if math.IsNaN(v) {
		return math.Inf(-1)
	}
	return v
}

// eval returns the AUC and the TPR at FPR 0.001 and 0.01 under weights
// (bootstrap multiplicities) of the members and non-members.
func (s *scored) eval(wm, wn []int32) (auc, tpr001, tpr01 float64) {
	var tm, tn float64
	for _, w := range wm {
		tm += float64(w)
	}
	for _, w := range wn {
		tn += float64(w)
	}
	if tm == 0 || tn == 0 {
		return 0.5, 0, 0
	}
	var tp, fp, gp, gn, area float64
	for k, i := range s.order {
		if i >= 0 {
			gp += float64(wm[i])
		} else {
			gn += float64(wn[-1-i])
		}
		if !s.tieEnd[k] {
			continue
		}
		// A group of ties: the members in it beat the non-members above
		// it and tie with the non-members in it (half credit).
		area += gn * (tp + gp/2)
		tp += gp
		fp += gn
		gp, gn = 0, 0
		f := fp / tn
		if f <= 0.001 {
			tpr001 = tp / tm
		}
		if f <= 0.01 {
			tpr01 = tp / tm
		}
	}
	return area / (tm * tn), tpr001, tpr01
}

// curve returns the corners of the ROC, FPR ascending.
func (s *scored) curve(wm, wn []int32) []ROCPoint {
	var tm, tn, tp, fp float64
	for _, w := range wm {
		tm += float64(w)
	}
	for _, w := range wn {
		tn += float64(w)
	}
	out := []ROCPoint{{0, 0}}
	for k, i := range s.order {
		if i >= 0 {
			tp += float64(wm[i])
		} else {
			fp += float64(wn[-1-i])
		}
		if s.tieEnd[k] {
			out = append(out, ROCPoint{FPR: fp / tn, TPR: tp / tm})
		}
	}
	return out
}

// thin keeps every corner up to FPR 0.05 and an even spread above, at most
// maxCurve in all, always with the last.
func thin(c []ROCPoint) []ROCPoint {
	if len(c) <= maxCurve {
		return c
	}
	var out []ROCPoint
	var rest []ROCPoint
	for _, p := range c {
		if p.FPR <= 0.05 && len(out) < maxCurve/2 {
			out = append(out, p)
		} else {
			rest = append(rest, p)
		}
	}
	room := maxCurve - len(out)
	step := float64(len(rest)) / float64(room)
	for k := range room {
		out = append(out, rest[int(float64(k)*step)])
	}
	if last := c[len(c)-1]; out[len(out)-1] != last {
		out = append(out, last)
	}
	return out
}

func ones(n int) []int32 {
	w := make([]int32, n)
	for i := range w {
		w[i] = 1
	}
	return w
}

// resample fills w with the multiplicities of len(w) draws with
// replacement.
func resample(rng *rand.Rand, w []int32) {
	clear(w)
	for range w {
		w[rng.IntN(len(w))]++
	}
}

// percentile is the 2.5% and 97.5% percentiles of v (sorted in place).
func percentile(v []float64) Interval {
	slices.Sort(v)
	q := func(p float64) float64 {
		x := p * float64(len(v)-1)
		i := int(x)
		if i+1 >= len(v) {
			return v[len(v)-1]
		}
		return v[i] + (x-float64(i))*(v[i+1]-v[i])
	}
	return Interval{q(0.025), q(0.975)}
}
