package catalog

import (
	"slices"
	"sort"
	"strings"

	"github.com/aiassure/aiassure"
)

// Standard returns the standard with the given ID.
func (c *Catalog) Standard(id aiassure.StandardID) (Standard, bool) {
	i, ok := c.idx.standards[string(id)]
	if !ok {
		return Standard{}, false
	}
	return c.Standards[i], true
}

// Threat returns the threat with the given ID.
func (c *Catalog) Threat(id aiassure.ThreatID) (Threat, bool) {
	i, ok := c.idx.threats[string(id)]
	if !ok {
		return Threat{}, false
	}
	return c.Threats[i], true
}

// Requirement returns the requirement with the given ID.
func (c *Catalog) Requirement(id aiassure.RequirementID) (Requirement, bool) {
	i, ok := c.idx.requirements[string(id)]
	if !ok {
		return Requirement{}, false
	}
	return c.Requirements[i], true
}

// Control returns the control with the given ID.
func (c *Catalog) Control(id aiassure.ControlID) (Control, bool) {
	i, ok := c.idx.controls[string(id)]
	if !ok {
		return Control{}, false
	}
	return c.Controls[i], true
}

// Gap returns the gap with the given ID.
func (c *Catalog) Gap(id aiassure.GapID) (Gap, bool) {
	i, ok := c.idx.gaps[string(id)]
	if !ok {
		return Gap{}, false
	}
	return c.Gaps[i], true
}

// ControlsFor returns the controls that mitigate threat t or any of its
// ancestors in the taxonomy (a control for "evasion" also serves
// "evasion-white-box"), in catalogue order.
func (c *Catalog) ControlsFor(t aiassure.ThreatID) []Control {
	seen := map[aiassure.ThreatID]bool{}
	var pos []int
	for id := t; id != "" && !seen[id]; {
		seen[id] = true
		pos = append(pos, c.idx.controlsByThreat[id]...)
		th, ok := c.Threat(id)
		if !ok {
			break
		}
		id = th.Parent
	}
	slices.Sort(pos)
	pos = slices.Compact(pos)
	out := make([]Control, len(pos))
	for i, p := range pos {
		out[i] = c.Controls[p]
	}
	return out
}

// StandardsFor returns the standards whose coverage names threat t, or, with
// t == "", none.
func (c *Catalog) StandardsFor(t aiassure.ThreatID) []Standard {
	var out []Standard
	for _, s := range c.Standards {
		for _, cv := range s.Coverage {
			if cv.Threat == t {
				out = append(out, s)
				break
			}
		}
	}
	return out
}

// Hit is one search result.
type Hit struct {
	Kind  string `json:"kind"`
	ID    string `json:"id"`
	Title string `json:"title"`
	Score int    `json:"score"`
}

// Kinds lists the kinds of row, as the CLI names them.
var Kinds = []string{"standards", "threats", "requirements", "crosswalk", "characteristics", "controls", "gaps", "recommendations", "glossary", "matrices"}

// Rows returns the rows of one kind as (id, title) pairs plus the row values.
func (c *Catalog) Rows(kind string) (ids, titles []string, rows []any, ok bool) {
	add := func(id, title string, row any) {
		ids, titles, rows = append(ids, id), append(titles, title), append(rows, row)
	}
	switch kind {
	case "standards":
		for _, r := range c.Standards {
			add(string(r.ID), r.Designation+" – "+r.Title, r)
		}
	case "threats":
		for _, r := range c.Threats {
			add(string(r.ID), r.Name, r)
		}
	case "requirements":
		for _, r := range c.Requirements {
			add(string(r.ID), r.Article+" – "+r.Title, r)
		}
	case "crosswalk":
		for _, r := range c.Crosswalk {
			add(string(r.From)+"~"+string(r.To), string(r.From)+" "+r.Relationship+" "+string(r.To), r)
		}
	case "characteristics":
		for _, r := range c.Characteristics {
			add(r.ID, r.Name, r)
		}
	case "controls":
		for _, r := range c.Controls {
			add(string(r.ID), r.Name, r)
		}
	case "gaps":
		for _, r := range c.Gaps {
			add(string(r.ID), r.Title, r)
		}
	case "recommendations":
		for _, r := range c.Recommendations {
			add(string(r.ID), r.Summary, r)
		}
	case "glossary":
		for _, r := range c.Glossary {
			add(r.ID, r.Term, r)
		}
	case "matrices":
		for _, r := range c.Matrices {
			add(r.ID, r.Title, r)
		}
	default:
		return nil, nil, nil, false
	}
	return ids, titles, rows, true
}

// Search finds rows of every kind whose ID, title or text contains all the
// words of q (case-insensitive). Matches in the ID or title rank first.
func (c *Catalog) Search(q string) []Hit {
	words := strings.Fields(strings.ToLower(q))
	if len(words) == 0 {
		return nil
	}
	var hits []Hit
	for _, kind := range Kinds {
		ids, titles, rows, _ := c.Rows(kind)
		for i := range ids {
			head := strings.ToLower(ids[i] + " " + titles[i])
			body := strings.ToLower(text(rows[i]))
			score, all := 0, true
			for _, w := range words {
				switch {
				case strings.Contains(head, w):
					score += 3
				case strings.Contains(body, w):
					score++
				default:
					all = false
				}
			}
			if all {
				hits = append(hits, Hit{Kind: kind, ID: ids[i], Title: titles[i], Score: score})
			}
		}
	}
	sort.SliceStable(hits, func(i, j int) bool { return hits[i].Score > hits[j].Score })
	return hits
}

// text returns the searchable prose of a row.
func text(row any) string {
	switch r := row.(type) {
	case Standard:
		return r.Scope + " " + r.Body + " " + r.Committee
	case Threat:
		return r.Description + " " + strings.Join(r.ATLAS, " ") + " " + strings.Join(r.OWASP, " ") + " " +
			strings.Join(r.OWASPLLM, " ") + " " + strings.Join(r.OWASPAgentic, " ") + " " + strings.Join(r.OWASPAITG, " ") + " " + strings.Join(r.NIST, " ")
	case Requirement:
		return r.Summary + " " + r.Cybersecurity + " " + r.SeedName
	case Mapping:
		return r.Note
	case Characteristic:
		return r.Description
	case Control:
		return r.Description
	case Gap:
		return r.Description
	case Recommendation:
		return r.Summary
	case Term:
		return r.Definition
	case Matrix:
		return r.Note
	}
	return ""
}
