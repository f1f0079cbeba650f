package privacy

import (
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure/metrics"
)

// Inversion is the result of attribute inference on one sensitive
// attribute.
type Inversion struct {
	Attribute string   `json:"attribute"`
	Values    []string `json:"values"` // the candidate values, by name
	// Prior is each value's share in the attacker's data (the marginal).
	Prior []float64 `json:"prior"`
	// Members and NonMembers are the attack's and the baseline's accuracy
	// on each group.
	Members    InversionGroup `json:"members"`
	NonMembers InversionGroup `json:"non_members"`
	Queries    int            `json:"queries"`
}

// InversionGroup is attribute inference on one group of records.
type InversionGroup struct {
	Records    int      `json:"records"`
	Accuracy   float64  `json:"accuracy"`    // the attack recovers the true value
	AccuracyCI Interval `json:"accuracy_ci"` // Wilson 95%
	Baseline   float64  `json:"baseline"`    // guessing the most frequent value
	BaselineCI Interval `json:"baseline_ci"`
}

// Gain is how far the attack beats the baseline on members.
func (v *Inversion) Gain() float64 { return v.Members.Accuracy - v.Members.Baseline }

// maxCandidates bounds the values of a sensitive attribute.
const maxCandidates = 32

// candidates returns the columns of a sensitive attribute and its candidate
// completions (the value of each column): for a one-hot group
// ("name=value" columns), each column set to 1 and the others 0; for one
// feature, its distinct values in the attacker's data.
func (r *runner) candidates(attr string, pool *set) (cols []int, names []string, vals [][]float64, err error) {
	for j, f := range r.features {
		if f == attr {
			cols = []int{j}
			break
		}
	}
	if cols == nil {
		for j, f := range r.features {
			if v, ok := strings.CutPrefix(f, attr+"="); ok {
				cols = append(cols, j)
				names = append(names, v)
			}
		}
		if len(cols) == 0 {
			return nil, nil, nil, inputErr("no feature %q or one-hot group %q= among the data's features", attr, attr)
		}
		for c := range cols {
			v := make([]float64, len(cols))
			v[c] = 1
			vals = append(vals, v)
		}
		return cols, names, vals, nil
	}
	var seen []float64
	for i := range pool.x.n {
		v := pool.x.row(i)[cols[0]]
		if !slices.Contains(seen, v) {
			seen = append(seen, v)
			if len(seen) > maxCandidates {
				return nil, nil, nil, inputErr("feature %q takes more than %d values: attribute inference covers categorical attributes", attr, maxCandidates)
			}
		}
	}
	slices.Sort(seen)
	for _, v := range seen {
		vals = append(vals, []float64{v})
		names = append(names, formatValue(v))
	}
	return cols, names, vals, nil
}

func formatValue(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }

// inversion infers attr for up to InversionRecords members and as many
// non-members. For each record it queries the target with every candidate
// value in place of the true one and picks the value v maximising
// φ(y | x_v) + log prior(v), φ the true class's log-odds: the maximum a
// posteriori guess of Fredrikson et al. (2014) with log-odds in place of
// the log-probability, so that answers that saturate at 1 still rank. The
// baseline guesses the most frequent value of the attacker's data.
func (r *runner) inversion(attr string, pool *set) (*Inversion, error) {
	if r.features == nil {
		return nil, inputErr("the data's features have no names")
	}
	cols, names, vals, err := r.candidates(attr, pool)
	if err != nil {
		return nil, err
	}
	if len(vals) < 2 {
		return nil, inputErr("attribute %q takes a single value in the data", attr)
	}
	trueValue := func(row []float64) int {
		for c, v := range vals {
			same := true
			for j, col := range cols {
				if row[col] != v[j] {
					same = false
					break
				}
			}
			if same {
				return c
			}
		}
		return -1
	}
	prior := make([]float64, len(vals))
	nPrior := 0.0
	for i := range pool.x.n {
		if c := trueValue(pool.x.row(i)); c >= 0 {
			prior[c]++
			nPrior++
		}
	}
	mode := 0
	for c := range prior {
		prior[c] /= max(nPrior, 1)
		if prior[c] > prior[mode] {
			mode = c
		}
	}
	inv := &Inversion{Attribute: attr, Values: names, Prior: prior}
	rng := rand.New(rand.NewPCG(r.cfg.Seed, 0x1e5e))
	for g, s := range []*set{r.mem, r.non} {
		idx := make([]int, s.x.n)
		for i := range idx {
			idx[i] = i
		}
		if len(idx) > r.cfg.InversionRecords {
			rng.Shuffle(len(idx), func(i, j int) { idx[i], idx[j] = idx[j], idx[i] })
			idx = idx[:r.cfg.InversionRecords]
			slices.Sort(idx)
		}
		q := &matrix{d: s.x.d}
		var truth []int
		for _, i := range idx {
			row := s.x.row(i)
			c := trueValue(row)
			if c < 0 {
				continue // a value outside the candidates (a broken one-hot group)
			}
			truth = append(truth, c)
			for _, v := range vals {
				start := len(q.x)
				q.x = append(q.x, row...)
				for j, col := range cols {
					q.x[start+col] = v[j]
				}
				q.n++
			}
		}
		if len(truth) == 0 {
			return nil, inputErr("no record has one of the values of %q", attr)
		}
		ans, err := r.q.answers(r.ctx, q)
		if err != nil {
			return nil, err
		}
		inv.Queries += q.n
		hit, base := 0, 0
		for t, c := range truth {
			y := s.y[idx[t]]
			best, bs := 0, math.Inf(-1)
			for v := range vals {
				sc := logit(ans.probs[t*len(vals)+v], y) + math.Log(max(prior[v], 1e-12))
				if sc > bs {
					best, bs = v, sc
				}
			}
			if best == c {
				hit++
			}
			if mode == c {
				base++
			}
		}
		n := len(truth)
		al, ah := metrics.Wilson(hit, n, 0.95)
		bl, bh := metrics.Wilson(base, n, 0.95)
		grp := InversionGroup{Records: n, Accuracy: float64(hit) / float64(n), AccuracyCI: Interval{al, ah},
			Baseline: float64(base) / float64(n), BaselineCI: Interval{bl, bh}}
		if g == 0 {
			inv.Members = grp
		} else {
			inv.NonMembers = grp
		}
	}
	return inv, nil
}
