package poisoning

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
)

// ActivationResults turns an activation scan into two Results,
// "poisoning/activation-spectral" and "poisoning/activation-clustering":
// fail when some class's region holds training rows significantly more
// often than clean reference rows (Fisher's exact test, one-sided, p below
// Alpha over the judged classes), pass when classes were judged and none
// is, unknown when no class had enough rows of both sets. Both carry the
// threats backdoor and data-poisoning-targeted, the controls
// c-backdoor-scanning and c-data-sanitisation, AI Act Art. 15(5) and the
// category data_poisoning. Metrics: rows, reference_rows,
// classes_judged, classes_flagged, flagged, p_min, alpha, and the TopRows
// highest-scoring suspects as "suspect@<row>".
func ActivationResults(rep *ActivationReport, evidence []string) []aiassure.Result {
	type check struct {
		id, name, region string
		get              func(ActivationClass) Region
		check            string
	}
	checks := []check{
		{"poisoning/activation-spectral", "spectral signatures", "beyond the reference rows' far-out fence on the top singular vector",
			func(c ActivationClass) Region { return c.Spectral }, CheckActSpectral},
		{"poisoning/activation-clustering", "activation clustering", "in the smaller of two k-means clusters of the activations reduced by PCA",
			func(c ActivationClass) Region { return c.Cluster }, CheckActCluster},
	}
	var out []aiassure.Result
	for _, ck := range checks {
		r := aiassure.Result{
			ID: ck.id, Check: "poisoning",
			Threats:      []aiassure.ThreatID{"backdoor", "data-poisoning-targeted"},
			Controls:     []aiassure.ControlID{"c-backdoor-scanning", "c-data-sanitisation"},
			Requirements: []aiassure.RequirementID{"ai-act-art-15-5"},
			Category:     aiassure.DataPoisoning,
			Metrics:      map[string]float64{"rows": float64(rep.Rows), "reference_rows": float64(rep.Reference), "alpha": rep.Alpha},
			Evidence:     slices.Clone(evidence),
		}
		judged, pmin := 0, 1.0
		var flaggedClasses []string
		for _, c := range rep.Classes {
			if !c.Judged {
				continue
			}
			judged++
			g := ck.get(c)
			pmin = math.Min(pmin, g.P)
			if g.Flagged {
				flaggedClasses = append(flaggedClasses, fmt.Sprintf("class %d: %d of %d training rows, %d of %d reference rows (p %.2g)", c.Class, g.Train, c.Train, g.Reference, c.Reference, g.P))
			}
		}
		n := len(flagged(rep.Suspects, ck.check))
		r.Metrics["classes_judged"], r.Metrics["classes_flagged"] = float64(judged), float64(len(flaggedClasses))
		r.Metrics["flagged"], r.Metrics["p_min"] = float64(n), pmin
		for _, s := range Top(rep.Suspects, ck.check, TopRows) {
			r.Metrics["suspect@"+strconv.Itoa(s.Row)] = s.Score
		}
		layer := "the penultimate layer"
		if rep.Layer != "" {
			layer = fmt.Sprintf("the penultimate layer (%q, %d values)", rep.Layer, rep.Dims)
		}
		criterion := fmt.Sprintf("criterion: per class, the training rows %s must not be more frequent than among the clean reference rows of the class, "+
			"Fisher's exact test one-sided at %.2g over %d judged classes (Bonferroni)", ck.region, rep.Alpha, judged)
		switch {
		case judged == 0:
			r.Status = aiassure.Unknown
			r.Summary = fmt.Sprintf("%s on %s: no class had enough training and reference rows", ck.name, layer)
			r.Reason = criterion
		case len(flaggedClasses) > 0:
			r.Status = aiassure.Fail
			r.Summary = fmt.Sprintf("%s on %s: %d of %d training rows look poisoned, in %d of %d classes", ck.name, layer, n, rep.Rows, len(flaggedClasses), judged)
			r.Reason = fmt.Sprintf("%s; flagged %s%s", criterion, strings.Join(flaggedClasses, "; "), rowsText(rep.Suspects, ck.check))
		default:
			r.Status = aiassure.Pass
			r.Summary = fmt.Sprintf("%s on %s: no class has a group of training rows that the clean reference rows lack", ck.name, layer)
			r.Reason = fmt.Sprintf("%s; the smallest p was %.2g", criterion, pmin)
		}
		out = append(out, r)
	}
	return out
}
