package probe

import (
	"fmt"
	"slices"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/probe/evasion"
)

// combined adds, for each norm with at least two finished attacks, the
// ensemble of its attacks (evasion.Ensemble: the worst case per sample),
// judged as a single attack is by judge, and the gradient-masking check of
// the norm's attacks (evasion.CheckMasking). The ensembles' reports join
// sum.Evasion.
func combined(sum *Summary, judge func(evasion.Norm) evasion.ResultOptions, evidence []string) []aiassure.Result {
	var norms []evasion.Norm
	by := map[evasion.Norm][]*evasion.Report{}
	for _, r := range sum.Evasion {
		if r.Partial || len(r.Members) > 0 {
			continue
		}
		if !slices.Contains(norms, r.Norm) {
			norms = append(norms, r.Norm)
		}
		by[r.Norm] = append(by[r.Norm], r)
	}
	var out []aiassure.Result
	for _, n := range norms {
		reps := by[n]
		if len(reps) < 2 {
			continue
		}
		ens, err := evasion.Ensemble(reps)
		if err != nil {
			sum.Skipped = append(sum.Skipped, fmt.Sprintf("%s: %v", evasion.EnsembleName(n), err))
			continue
		}
		sum.Evasion = append(sum.Evasion, ens)
		out = append(out, curveResult(ens, judge(n), evidence))
	}
	for _, n := range norms {
		if res, ok := evasion.CheckMasking(by[n]); ok {
			res.Evidence = slices.Clone(evidence)
			out = append(out, res)
		}
	}
	return out
}
