package catalog

import (
	"fmt"
	"sort"
	"time"
)

// StaleRow is one dated check of the catalogue that is older than a cut-off
// date: a standard's status, a requirement's application date, a gap's
// state. A requirement with several application dates gives one StaleRow per
// date that is stale.
type StaleRow struct {
	Kind   string `json:"kind"`   // the kind of row, as Kinds names it: standards, requirements, gaps
	ID     string `json:"id"`     // the row's ID
	Field  string `json:"field"`  // the dated field: status, applies[N], state
	AsOf   string `json:"as_of"`  // when it was checked, YYYY-MM-DD (as recorded; may be empty)
	Stage  string `json:"stage"`  // the stage recorded (for an application date: "applies from DATE")
	Source string `json:"source"` // where the fact came from, as recorded
}

// DateLayout is the layout of every date the catalogue records for a check
// (as_of): YYYY-MM-DD.
const DateLayout = "2006-01-02"

// Stale returns every dated check of the catalogue whose as_of is before
// the date before (YYYY-MM-DD): standards' status, requirements' applies
// rows and gaps' state. A check whose as_of is missing or not a date counts
// as stale: nothing says when it was made. The rows are sorted oldest first
// (an unknown date before every date), then in catalogue order (standards,
// requirements, gaps, each in file order). A before that is not a date is
// an error.
func (c *Catalog) Stale(before string) ([]StaleRow, error) {
	cut, err := time.Parse(DateLayout, before)
	if err != nil {
		return nil, fmt.Errorf("date %q: want YYYY-MM-DD", before)
	}
	var out []StaleRow
	add := func(kind, id, field string, s Status) {
		if d, err := time.Parse(DateLayout, s.AsOf); err == nil && !d.Before(cut) {
			return
		}
		out = append(out, StaleRow{Kind: kind, ID: id, Field: field, AsOf: s.AsOf, Stage: s.Stage, Source: s.Source})
	}
	for _, s := range c.Standards {
		add("standards", string(s.ID), "status", s.Status)
	}
	for _, r := range c.Requirements {
		for i, a := range r.Applies {
			stage := "applies from " + a.Date
			if a.Date == "" {
				stage = "applies"
			}
			add("requirements", string(r.ID), fmt.Sprintf("applies[%d]", i), Status{Stage: stage, AsOf: a.AsOf, Source: a.Source})
		}
	}
	for _, g := range c.Gaps {
		add("gaps", string(g.ID), "state", g.State)
	}
	sort.SliceStable(out, func(i, j int) bool { return dateKey(out[i].AsOf) < dateKey(out[j].AsOf) })
	return out, nil
}

// dateKey orders as_of values: a valid date as itself, anything else
// before every date.
func dateKey(s string) string {
	if _, err := time.Parse(DateLayout, s); err != nil {
		return ""
	}
	return s
}
