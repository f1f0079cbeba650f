package html

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
)

// PoisoningCheck is one training-data check read from a Result of the
// poisoning suite (package probe/poisoning): how many rows it flagged, in
// words, and its most suspicious rows.
type PoisoningCheck struct {
	ID      string
	Status  aiassure.Status
	Reading string // "12 of 604 rows (2.0%) look mislabelled: ..."
	Limit   string // the criterion, or "-" for rows to review
	Rows    []SuspectRow
	More    int // flagged rows not listed
}

// SuspectRow is a flagged row (0-based, in file order) with its score and,
// for a copy, the row it repeats (-1: none).
type SuspectRow struct {
	Row   int
	Score float64
	Of    int
}

// maxSuspectRows bounds the rows listed per check.
const maxSuspectRows = 20

// readings say in plain words what the flagged rows of each check are.
var readings = map[string]string{
	"poisoning/label-noise": "look mislabelled: reference models trained without them confidently give another class",
	"poisoning/duplicates":  "repeat an earlier row, exactly or nearly",
	"poisoning/outliers":    "lie far from the rest of the data or share an unusual pattern with others of their class: rows to review, not a verdict",
	// The model's penultimate activations against clean test rows' (Tran et al.; Chen et al.).
	"poisoning/activation-spectral":   "stand out along the top singular direction of their class's activations in the model, beyond the clean test rows' range",
	"poisoning/activation-clustering": "fall in a separate cluster of their class's activations in the model that clean test rows of the class do not share",
}

// poisoningChecks reads the training-data checks from the Results: those
// of check "poisoning" with "rows" and "flagged" metrics; rows come from
// the "suspect@<row>" and "of@<row>" keys. Rows that are not whole numbers
// below a billion are dropped.
func poisoningChecks(results []aiassure.Result) []PoisoningCheck {
	var out []PoisoningCheck
	for _, r := range results {
		what, ok := readings[r.ID]
		n, flagged := r.Metrics["rows"], r.Metrics["flagged"]
		if r.Check != "poisoning" || !ok || !(n >= 1 && n < 1e9) || !(flagged >= 0 && flagged <= n) {
			continue
		}
		c := PoisoningCheck{ID: r.ID, Status: r.Status, Limit: "-"}
		c.Reading = fmt.Sprintf("%d of %d rows (%s%%) %s", int(flagged), int(n), strconv.FormatFloat(100*flagged/n, 'f', 1, 64), what)
		if a, ok := r.Metrics["agreement"]; ok && a >= 0 && a <= 1 {
			c.Reading += fmt.Sprintf("; the reference models agree with %s%% of the labels", strconv.FormatFloat(100*a, 'f', 1, 64))
			if need, ok := r.Metrics["agreement_needed"]; ok && need >= 0 && need <= 1 && a < need {
				c.Reading += fmt.Sprintf(", too few (the check needs %s%%) to tell flips from hard cases: rows to review, not a verdict", strconv.FormatFloat(100*need, 'f', 1, 64))
			}
		}
		if l, ok := r.Metrics["limit"]; ok && l >= 0 && l <= 1 {
			c.Limit = "at most " + strconv.FormatFloat(100*l, 'f', 1, 64) + "% of the rows"
		}
		if a, ok := r.Metrics["alpha"]; ok && a > 0 && a < 1 {
			c.Limit = "no class with a one-sided Fisher p below " + strconv.FormatFloat(a, 'g', 3, 64) + " divided by the classes judged"
		}
		for k, v := range r.Metrics {
			s, ok := strings.CutPrefix(k, "suspect@")
			row, err := strconv.Atoi(s)
			if !ok || err != nil || row < 0 || row >= 1e9 || math.IsNaN(v) || math.IsInf(v, 0) {
				continue
			}
			sr := SuspectRow{Row: row, Score: v, Of: -1}
			if of, ok := r.Metrics["of@"+s]; ok && of >= 0 && of < 1e9 && of == math.Trunc(of) {
				sr.Of = int(of)
			}
			c.Rows = append(c.Rows, sr)
		}
		slices.SortFunc(c.Rows, func(a, b SuspectRow) int {
			return cmp.Or(cmp.Compare(b.Score, a.Score), cmp.Compare(a.Row, b.Row))
		})
		if len(c.Rows) > maxSuspectRows {
			c.Rows = c.Rows[:maxSuspectRows]
		}
		c.More = max(int(flagged)-len(c.Rows), 0)
		out = append(out, c)
	}
	return out
}
