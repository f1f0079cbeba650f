package oscal

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
)

// Group IDs of the exported catalog.
const (
	GroupControls     = "aiassure-controls"
	GroupRequirements = "aiassure-requirements"
)

// Catalog returns the catalogue as an OSCAL 1.2 catalog JSON document: a
// group of security controls (each with its statement, the threats it
// mitigates, its life-cycle phases and evidence kinds as properties, and
// links to the requirements it serves and the standards that ask for it) and
// a group of regulatory requirements (nested under their parent article,
// with links to the standards the ENISA report names for them). Standards and the
// regulations are back-matter resources. The output is deterministic.
func Catalog(c *catalog.Catalog) ([]byte, error) {
	doc, err := CatalogModelOf(c)
	if err != nil {
		return nil, err
	}
	return Marshal(CatalogDocument{Catalog: doc})
}

// CatalogModelOf builds the catalog model that Catalog encodes.
func CatalogModelOf(c *catalog.Catalog) (CatalogModel, error) {
	if c == nil {
		return CatalogModel{}, fmt.Errorf("oscal catalog: nil catalogue")
	}
	md, err := catalogMetadata(c, "aiassure catalogue: AI security controls and regulatory requirements")
	if err != nil {
		return CatalogModel{}, fmt.Errorf("oscal catalog: %w", err)
	}
	if len(c.Controls) == 0 && len(c.Requirements) == 0 {
		return CatalogModel{}, fmt.Errorf("oscal catalog: catalogue has no controls and no requirements")
	}
	reqIDs := map[aiassure.RequirementID]bool{}
	for _, r := range c.Requirements {
		reqIDs[r.ID] = true
	}
	model := CatalogModel{
		UUID:     UUID("catalog", c.Version),
		Metadata: md,
	}
	if len(c.Controls) > 0 {
		g := Group{ID: GroupControls, Class: "security-controls", Title: "Security controls for AI systems"}
		for _, ctl := range c.Controls {
			g.Controls = append(g.Controls, controlOf(c, ctl, reqIDs))
		}
		model.Groups = append(model.Groups, g)
	}
	if len(c.Requirements) > 0 {
		model.Groups = append(model.Groups, Group{
			ID: GroupRequirements, Class: "regulatory-requirements",
			Title:    "Requirements of the AI Act, Cyber Resilience Act and Cybersecurity Act",
			Controls: requirementTree(c, c.Requirements),
		})
	}
	res := standardResources(c.Standards)
	listed := map[aiassure.StandardID]bool{}
	for _, s := range c.Standards {
		listed[s.ID] = true
	}
	for _, s := range referencedStandards(c) {
		if !listed[s] { // keep every link resolvable
			res = append(res, Resource{UUID: standardUUID(s), Title: string(s), Props: P("label", string(s))})
		}
	}
	model.BackMatter = &BackMatter{Resources: res}
	return model, nil
}

// catalogMetadata dates the document by the newest changelog entry, so that
// the export does not change unless the catalogue does.
func catalogMetadata(c *catalog.Catalog, title string) (Metadata, error) {
	if strings.TrimSpace(c.Version) == "" {
		return Metadata{}, fmt.Errorf("catalogue has no version")
	}
	var newest time.Time
	for _, ch := range c.Changelog {
		t, err := time.Parse("2006-01-02", ch.Date)
		if err != nil {
			return Metadata{}, fmt.Errorf("changelog %s: date %q: %w", ch.Version, ch.Date, err)
		}
		if t.After(newest) {
			newest = t
		}
	}
	if newest.IsZero() {
		return Metadata{}, fmt.Errorf("catalogue has no dated changelog entry to take last-modified from")
	}
	lm, err := Time(newest)
	if err != nil {
		return Metadata{}, err
	}
	return Metadata{
		Title: title, LastModified: lm, Version: c.Version, OSCALVersion: Version,
		Props: P("generator", "aiassure"),
	}, nil
}

func controlOf(cat *catalog.Catalog, ctl catalog.Control, reqIDs map[aiassure.RequirementID]bool) Control {
	id := Token(string(ctl.ID))
	out := Control{ID: id, Class: "aiassure-control", Title: Clean(ctl.Name)}
	if out.Title == "" {
		out.Title = id
	}
	out.Props = append(out.Props, P("label", string(ctl.ID))...)
	out.Props = append(out.Props, PS("threat", ctl.Threats)...)
	out.Props = append(out.Props, PS("phase", ctl.Phases)...)
	out.Props = append(out.Props, PS("evidence-kind", ctl.Evidence)...)
	out.Props = append(out.Props, P("effect", ctl.Effect)...)
	props, links := cite(cat, ctl.Sources)
	out.Props = append(out.Props, props...)
	out.Links = append(out.Links, links...)
	for _, r := range ctl.Requirements {
		if reqIDs[r] {
			out.Links = append(out.Links, Link{Href: "#" + Token(string(r)), Rel: "related", Text: string(r)})
		}
	}
	for _, cl := range ctl.Clauses {
		text := string(cl.Standard)
		if cl.Clause != "" {
			text += " clause " + cl.Clause
		}
		out.Links = append(out.Links, Link{Href: "#" + standardUUID(cl.Standard), Rel: "reference", Text: Clean(text)})
	}
	if p := Clean(ctl.Description); p != "" {
		out.Parts = append(out.Parts, Part{ID: id + "_smt", Name: "statement", Prose: p})
	}
	return out
}

// requirementTree nests requirements under their parents, keeping file order.
func requirementTree(cat *catalog.Catalog, reqs []catalog.Requirement) []Control {
	known := map[aiassure.RequirementID]bool{}
	for _, r := range reqs {
		known[r.ID] = true
	}
	children := map[aiassure.RequirementID][]catalog.Requirement{}
	var roots []catalog.Requirement
	for _, r := range reqs {
		if r.Parent != "" && r.Parent != r.ID && known[r.Parent] {
			children[r.Parent] = append(children[r.Parent], r)
		} else {
			roots = append(roots, r)
		}
	}
	seen := map[aiassure.RequirementID]bool{}
	var build func(r catalog.Requirement) Control
	build = func(r catalog.Requirement) Control {
		seen[r.ID] = true
		c := requirementOf(cat, r)
		for _, ch := range children[r.ID] {
			if !seen[ch.ID] { // a parent cycle cannot recurse forever
				c.Controls = append(c.Controls, build(ch))
			}
		}
		return c
	}
	var out []Control
	for _, r := range roots {
		out = append(out, build(r))
	}
	// Requirements caught in a parent cycle have no root; keep them at the top.
	for _, r := range reqs {
		if !seen[r.ID] {
			out = append(out, build(r))
		}
	}
	return out
}

func requirementOf(cat *catalog.Catalog, r catalog.Requirement) Control {
	id := Token(string(r.ID))
	title := Clean(strings.TrimSpace(r.Article + " " + r.Title))
	if title == "" {
		title = id
	}
	c := Control{ID: id, Class: "regulatory-requirement", Title: title}
	c.Props = append(c.Props, P("label", string(r.ID))...)
	c.Props = append(c.Props, P("regulation", string(r.Regulation))...)
	c.Props = append(c.Props, P("article", r.Article)...)
	c.Props = append(c.Props, P("enisa-report-name", r.SeedName)...)
	c.Props = append(c.Props, PS("characteristic", r.Characteristic)...)
	for _, a := range r.Applies {
		c.Props = append(c.Props, P("applies-from", a.Date)...)
	}
	props, links := cite(cat, r.Sources)
	c.Props = append(c.Props, props...)
	c.Links = append(c.Links, links...)
	if r.Regulation != "" {
		c.Links = append(c.Links, Link{Href: "#" + standardUUID(r.Regulation), Rel: "reference", Text: string(r.Regulation)})
	}
	for _, s := range r.SeedStandards {
		c.Links = append(c.Links, Link{Href: "#" + standardUUID(s), Rel: "related", Text: string(s)})
	}
	if p := Clean(r.Summary); p != "" {
		c.Parts = append(c.Parts, Part{ID: id + "_smt", Name: "statement", Prose: p})
	}
	if p := Clean(r.Cybersecurity); p != "" {
		c.Parts = append(c.Parts, Part{ID: id + "_gdn", Name: "guidance", Title: "Relevance of cybersecurity", Prose: p})
	}
	return c
}

func standardUUID(id aiassure.StandardID) string { return UUID("standard", string(id)) }

// standardResources describes every standard as a back-matter resource. A
// link to a standard the catalogue does not list still resolves, to a
// resource that names only its ID.
func standardResources(stds []catalog.Standard) []Resource {
	var out []Resource
	for _, s := range stds {
		r := Resource{UUID: standardUUID(s.ID), Title: Clean(strings.TrimSpace(s.Designation + " " + s.Title))}
		if r.Title == "" {
			r.Title = string(s.ID)
		}
		r.Description = Clean(s.Scope)
		r.Props = append(r.Props, P("label", string(s.ID))...)
		r.Props = append(r.Props, P("body", s.Body)...)
		r.Props = append(r.Props, P("kind", s.Kind)...)
		r.Props = append(r.Props, P("stage", s.Status.Stage)...)
		r.Props = append(r.Props, P("status-date", s.Status.Date)...)
		r.Props = append(r.Props, P("ai-specific", fmt.Sprint(s.AISpecific))...)
		if d := Clean(s.Designation); d != "" {
			r.DocumentIDs = []Document{{Scheme: NS + ":designation", Identifier: d}}
		}
		out = append(out, r)
	}
	return out
}

// referencedStandards lists, sorted, the standards a catalogue's controls and
// requirements refer to.
func referencedStandards(c *catalog.Catalog) []aiassure.StandardID {
	set := map[aiassure.StandardID]bool{}
	for _, ctl := range c.Controls {
		for _, cl := range ctl.Clauses {
			set[cl.Standard] = true
		}
	}
	for _, r := range c.Requirements {
		if r.Regulation != "" {
			set[r.Regulation] = true
		}
		for _, s := range r.SeedStandards {
			set[s] = true
		}
	}
	out := make([]aiassure.StandardID, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	slices.Sort(out)
	return out
}

// cite turns the catalogue's source keys into public citations
// (catalog.Cite): one "source" property per citation, with its label, and
// one link (rel "reference") per citation URL. A source that cites nothing
// public (an empty label) is left out.
func cite(c *catalog.Catalog, sources []string) ([]Prop, []Link) {
	var props []Prop
	var links []Link
	seen := map[string]bool{}
	for _, s := range sources {
		ct := c.Cite(s)
		if Clean(ct.Label) == "" || seen[ct.Label] {
			continue
		}
		seen[ct.Label] = true
		props = append(props, P("source", ct.Label)...)
		if ct.URL != "" {
			links = append(links, Link{Href: ct.URL, Rel: "reference", Text: Clean(ct.Label)})
		}
	}
	return props, links
}
