package classify

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/profile"
)

//go:embed obligations.yaml
var obligationsYAML []byte

// ObligationsFile is the name the embedded obligations are reported under.
const ObligationsFile = "classify/obligations.yaml"

// Facts the obligations and the conformity route read from the profile's
// facts block (question IDs of the questionnaire). Each is answered "yes",
// "no" or "unknown"; a missing answer counts as unknown.
const (
	FactPublicAuthority      = "public_authority"             // Art. 26(8), 49(3)
	FactPublicService        = "public_service"               // Art. 27(1)
	FactHarmonisedStandards  = "harmonised_standards_in_full" // Art. 43(1)
	FactEstablishedOutsideEU = "established_outside_union"    // Art. 22(1), 54(1)
)

// ObligationFacts are the question IDs a `fact` condition may name.
var ObligationFacts = []string{FactPublicAuthority, FactPublicService, FactHarmonisedStandards, FactEstablishedOutsideEU}

// ObligationTriggers are the values of an obligation's `on`: what in the
// classification brings it.
var ObligationTriggers = []string{
	"any",           // every tier but out-of-scope and prohibited
	Prohibited,      // an Art. 5 rule fired
	HighRisk,        // the tier is high-risk (with scopes: the route)
	"derogation",    // an Art. 6(3) derogation lifted the Annex III classification
	"not-high-risk", // the tier is minimal or transparency
	"art-50",        // an Art. 50 situation, with any tier
	"gpai-model",    // the system's provider places a general-purpose AI model on the market
	"systemic-risk", // ... and the model has systemic risk
}

// Kinds are the kinds of obligation.
var Kinds = []string{KindObligation, KindPresumption, KindVoluntary, KindNote}

// ObligationSet is a parsed and checked obligations file.
type ObligationSet struct {
	Version     int             `json:"version"`
	AsOf        string          `json:"as_of"`
	Dates       []DateEntry     `json:"dates"`
	Obligations []ObligationDef `json:"obligations"`
}

// DateEntry is one application date: of a key (the obligations' `date`), in
// a scope or for any scope.
type DateEntry struct {
	ID       string `json:"id"`
	Scope    string `json:"scope,omitempty"`
	Date     string `json:"date"`
	Article  string `json:"article"`
	Source   string `json:"source"`
	AsOf     string `json:"as_of"`
	Verified bool   `json:"verified"`
	Line     int    `json:"-"`
}

// ObligationDef is one obligation of the file.
type ObligationDef struct {
	ID           string    `json:"id"`
	Roles        []string  `json:"roles"`
	ExceptRoles  []string  `json:"except_roles,omitempty"` // not when the system also holds one of these roles
	On           string    `json:"on"`
	Scopes       []string  `json:"scopes,omitempty"`
	Requirement  string    `json:"requirement,omitempty"`
	Article      string    `json:"article"`
	Title        string    `json:"title"`
	Summary      string    `json:"summary"`
	Kind         string    `json:"kind"`
	Condition    string    `json:"condition"`
	When         *DutyCond `json:"when,omitempty"`
	AppliesWhere string    `json:"applies_where,omitempty"`
	Route        bool      `json:"route,omitempty"`
	Date         string    `json:"date"`
	Line         int       `json:"-"`
}

// DutyCond is a condition of an obligation, evaluated in three values: a
// fact that is not answered leaves it unknown.
type DutyCond struct {
	All          []*DutyCond `json:"all,omitempty"`
	Any          []*DutyCond `json:"any,omitempty"`
	Not          *DutyCond   `json:"not,omitempty"`
	Fact         string      `json:"fact,omitempty"`
	AnnexIII     []string    `json:"annex_iii,omitempty"`      // points "5(b)", or an area "2"
	AnnexIIIOnly []string    `json:"annex_iii_only,omitempty"` // every point of the system is one of these
	Transparency []string    `json:"transparency,omitempty"`
}

var defaultObligations = sync.OnceValues(func() (*ObligationSet, error) {
	return ParseObligations(ObligationsFile, obligationsYAML)
})

// Obligations returns the embedded obligation set.
func Obligations() (*ObligationSet, error) { return defaultObligations() }

var pointPattern = regexp.MustCompile(`^[1-8](\([a-e]\))?$`)

// ParseObligations reads and checks an obligations file; every problem is
// reported as name:line: message, all together.
func ParseObligations(name string, data []byte) (*ObligationSet, error) {
	root, err := document(name, "obligations file", data)
	if err != nil {
		return nil, err
	}
	ps := &parser{name: name}
	os := &ObligationSet{}
	ps.mapping(root, map[string]func(*yaml.Node){
		"version": func(n *yaml.Node) { os.Version = ps.int(n) },
		"as_of":   func(n *yaml.Node) { os.AsOf = ps.date(n) },
		"dates": func(n *yaml.Node) {
			for _, it := range ps.seq(n) {
				os.Dates = append(os.Dates, ps.dateEntry(it))
			}
		},
		"obligations": func(n *yaml.Node) {
			for _, it := range ps.seq(n) {
				os.Obligations = append(os.Obligations, ps.duty(it))
			}
		},
	}, "version", "as_of", "dates", "obligations")
	if len(ps.errs) == 0 {
		ps.checkObligations(os, root)
	}
	if len(ps.errs) > 0 {
		return nil, errors.Join(ps.errs...)
	}
	return os, nil
}

func (ps *parser) vocab(n *yaml.Node, what, v string, allowed []string) {
	if v != "" && !in(allowed, v) {
		ps.errorf(n, "unknown %s %q (want one of %s)", what, v, strings.Join(allowed, ", "))
	}
}

func (ps *parser) dateEntry(n *yaml.Node) DateEntry {
	d := DateEntry{Line: n.Line}
	ps.mapping(n, map[string]func(*yaml.Node){
		"id":       func(v *yaml.Node) { d.ID = ps.id(v) },
		"scope":    func(v *yaml.Node) { d.Scope = ps.str(v); ps.vocab(v, "scope", d.Scope, Scopes) },
		"date":     func(v *yaml.Node) { d.Date = ps.date(v) },
		"article":  func(v *yaml.Node) { d.Article = ps.str(v) },
		"source":   func(v *yaml.Node) { d.Source = ps.str(v) },
		"as_of":    func(v *yaml.Node) { d.AsOf = ps.date(v) },
		"verified": func(v *yaml.Node) { d.Verified = ps.boolean(v) },
	}, "id", "date", "article", "source", "as_of", "verified")
	return d
}

func (ps *parser) duty(n *yaml.Node) ObligationDef {
	d := ObligationDef{Line: n.Line}
	ps.mapping(n, map[string]func(*yaml.Node){
		"id": func(v *yaml.Node) { d.ID = ps.id(v) },
		"roles": func(v *yaml.Node) {
			d.Roles = ps.strs(v)
			for _, r := range d.Roles {
				ps.vocab(v, "role", r, Roles)
			}
		},
		"except_roles": func(v *yaml.Node) {
			d.ExceptRoles = ps.strs(v)
			for _, r := range d.ExceptRoles {
				ps.vocab(v, "role", r, Roles)
			}
		},
		"on": func(v *yaml.Node) { d.On = ps.str(v); ps.vocab(v, "trigger", d.On, ObligationTriggers) },
		"scopes": func(v *yaml.Node) {
			d.Scopes = ps.strs(v)
			for _, s := range d.Scopes {
				ps.vocab(v, "scope", s, Scopes)
			}
		},
		"requirement":   func(v *yaml.Node) { d.Requirement = ps.id(v) },
		"article":       func(v *yaml.Node) { d.Article = ps.str(v) },
		"title":         func(v *yaml.Node) { d.Title = ps.str(v) },
		"summary":       func(v *yaml.Node) { d.Summary = ps.str(v) },
		"kind":          func(v *yaml.Node) { d.Kind = ps.str(v); ps.vocab(v, "kind", d.Kind, Kinds) },
		"condition":     func(v *yaml.Node) { d.Condition = ps.str(v) },
		"when":          func(v *yaml.Node) { d.When = ps.dutyCond(v, 0) },
		"applies_where": func(v *yaml.Node) { d.AppliesWhere = ps.str(v) },
		"route":         func(v *yaml.Node) { d.Route = ps.boolean(v) },
		"date":          func(v *yaml.Node) { d.Date = ps.id(v) },
	}, "id", "roles", "on", "article", "title", "summary", "kind", "condition", "date")
	if len(d.Scopes) > 0 && d.On != HighRisk {
		ps.errorf(n, "obligation %q: scopes go only with on: high-risk", d.ID)
	}
	return d
}

// dutyCond parses an obligation's condition.
func (ps *parser) dutyCond(n *yaml.Node, depth int) *DutyCond {
	if depth > maxDepth {
		ps.errorf(n, "conditions nested deeper than %d", maxDepth)
		return nil
	}
	if n.Kind != yaml.MappingNode {
		ps.errorf(n, "want a condition (a mapping), got %s", kindName(n))
		return nil
	}
	c := &DutyCond{}
	list := func(v *yaml.Node) []*DutyCond {
		var out []*DutyCond
		items := ps.seq(v)
		if v.Kind == yaml.SequenceNode && len(items) == 0 {
			ps.errorf(v, "empty list of conditions")
		}
		for _, it := range items {
			if s := ps.dutyCond(it, depth+1); s != nil {
				out = append(out, s)
			}
		}
		return out
	}
	points := func(v *yaml.Node) []string {
		ss := ps.strs(v)
		for _, s := range ss {
			if !pointPattern.MatchString(s) || !annexIIIValidPoint(s) {
				ps.errorf(v, "Annex III has no point %q (write 5(b), or an area alone: 2)", s)
			}
		}
		return ss
	}
	ps.mapping(n, map[string]func(*yaml.Node){
		"all":            func(v *yaml.Node) { c.All = list(v) },
		"any":            func(v *yaml.Node) { c.Any = list(v) },
		"not":            func(v *yaml.Node) { c.Not = ps.dutyCond(v, depth+1) },
		"fact":           func(v *yaml.Node) { c.Fact = ps.str(v); ps.vocab(v, "fact", c.Fact, ObligationFacts) },
		"annex_iii":      func(v *yaml.Node) { c.AnnexIII = points(v) },
		"annex_iii_only": func(v *yaml.Node) { c.AnnexIIIOnly = points(v) },
		"transparency": func(v *yaml.Node) {
			c.Transparency = ps.strs(v)
			for _, s := range c.Transparency {
				ps.vocab(v, "transparency situation", s, TransparencySituations)
			}
		},
	})
	forms := 0
	for _, b := range []bool{c.All != nil, c.Any != nil, c.Not != nil, c.Fact != "", c.AnnexIII != nil, c.AnnexIIIOnly != nil, c.Transparency != nil} {
		if b {
			forms++
		}
	}
	if forms != 1 {
		ps.errorf(n, "a condition has exactly one of all, any, not, fact, annex_iii, annex_iii_only, transparency")
		return nil
	}
	return c
}

// annexIIIValidPoint reports whether "5(b)" or "2" names an Annex III point
// or area.
func annexIIIValidPoint(s string) bool {
	area := int(s[0] - '0')
	if len(s) == 1 {
		return annexIIIArea(area)
	}
	return annexIIIValid(area, s[2:3])
}

// checkObligations runs the checks across entries: unique IDs and date
// rows, and a date for every obligation.
func (ps *parser) checkObligations(os *ObligationSet, root *yaml.Node) {
	ids := map[string]int{}
	for _, d := range os.Obligations {
		if prev, ok := ids[d.ID]; ok {
			ps.errs = append(ps.errs, fmt.Errorf("%s:%d: obligation id %q already used at line %d", ps.name, d.Line, d.ID, prev))
		}
		ids[d.ID] = d.Line
	}
	type key struct{ id, scope string }
	dates := map[key]int{}
	known := map[string]bool{}
	for _, e := range os.Dates {
		k := key{e.ID, e.Scope}
		if prev, ok := dates[k]; ok {
			ps.errs = append(ps.errs, fmt.Errorf("%s:%d: date %s scope %q already given at line %d", ps.name, e.Line, e.ID, e.Scope, prev))
		}
		dates[k] = e.Line
		known[e.ID] = true
	}
	for _, d := range os.Obligations {
		if !known[d.Date] {
			ps.errs = append(ps.errs, fmt.Errorf("%s:%d: obligation %s: no date %q in dates", ps.name, d.Line, d.ID, d.Date))
			continue
		}
		for _, s := range d.Scopes {
			if _, ok := dates[key{d.Date, s}]; !ok {
				if _, ok := dates[key{d.Date, ""}]; !ok {
					ps.errs = append(ps.errs, fmt.Errorf("%s:%d: obligation %s: date %s has no row for scope %q", ps.name, d.Line, d.ID, d.Date, s))
				}
			}
		}
	}
	if len(os.Obligations) == 0 {
		ps.errorf(root, "no obligations")
	}
}

// The three truth values of a duty condition (see tri): a condition on an
// unanswered fact is unknown.
const (
	no      = tNo
	unknown = tUnknown
	yes     = tYes
)

// dutyInput is what the obligations are derived from.
type dutyInput struct {
	p      *profile.Profile
	active map[string][]string // trigger -> scopes of the rules that brought it ("" for none)
	points []string            // the Annex III points of the classification, "5(b)" or "2"
}

// eval evaluates c, recording the facts it read.
func (c *DutyCond) eval(in dutyInput, facts map[string]string) tri {
	switch {
	case c.All != nil:
		out := yes
		for _, s := range c.All {
			out = min(out, s.eval(in, facts))
		}
		return out
	case c.Any != nil:
		out := no
		for _, s := range c.Any {
			out = max(out, s.eval(in, facts))
		}
		return out
	case c.Not != nil:
		return -c.Not.eval(in, facts)
	case c.Fact != "":
		a := factAnswer(in.p, c.Fact)
		facts[c.Fact] = a
		switch a {
		case "yes":
			return yes
		case "no":
			return no
		}
		return unknown
	case c.AnnexIII != nil:
		for _, pt := range in.points {
			if pointIn(pt, c.AnnexIII) {
				return yes
			}
		}
		return no
	case c.AnnexIIIOnly != nil:
		if len(in.points) == 0 {
			return no
		}
		for _, pt := range in.points {
			if !pointIn(pt, c.AnnexIIIOnly) {
				return no
			}
		}
		return yes
	case c.Transparency != nil:
		for _, s := range in.p.Use.Transparency {
			if slices.Contains(c.Transparency, s) {
				return yes
			}
		}
		return no
	}
	return no
}

// pointIn reports whether point ("5(b)" or "2") is one of pats, where an
// area alone stands for all its points.
func pointIn(point string, pats []string) bool {
	for _, pat := range pats {
		if point == pat || (len(pat) == 1 && strings.HasPrefix(point, pat)) {
			return true
		}
	}
	return false
}

// factAnswer is the profile's answer to question id: "yes", "no", or
// "unknown" (also for a missing or other answer).
func factAnswer(p *profile.Profile, id string) string { return answer(p.Facts, id) }

var annexIIIArticle = regexp.MustCompile(`Annex III point ([1-8](?:\([a-e]\))?)`)

// annexIIIPoints returns the Annex III points of the classification: those
// the profile declares and those the firing high-risk rules name.
func annexIIIPoints(p *profile.Profile, highRisk []fired) []string {
	var out []string
	add := func(s string) {
		if s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	for _, r := range p.Use.AnnexIII {
		if r.Area == 2 || r.Point == "" {
			add(fmt.Sprint(r.Area))
		} else {
			add(fmt.Sprintf("%d(%s)", r.Area, r.Point))
		}
	}
	for _, f := range highRisk {
		if f.rule.Scope != "annex-iii" {
			continue
		}
		for _, m := range annexIIIArticle.FindAllStringSubmatch(f.rule.Article, -1) {
			add(m[1])
		}
	}
	return out
}

// effectiveRoles returns the roles whose obligations apply: the declared
// ones, plus provider for a product manufacturer of an Annex I Section A
// product (Art. 25(3)) and gpai-provider for a provider placing a
// general-purpose AI model on the market.
func effectiveRoles(p *profile.Profile, active map[string][]string) []string {
	roles := slices.Clone(p.RoleList())
	add := func(r string) {
		if !slices.Contains(roles, r) {
			roles = append(roles, r)
		}
	}
	if slices.Contains(roles, "product-manufacturer") && slices.Contains(active[HighRisk], "annex-i") {
		add("provider")
	}
	if len(active["gpai-model"]) > 0 && slices.Contains(roles, "provider") {
		add("gpai-provider")
	}
	if roles == nil {
		roles = []string{}
	}
	return roles
}

// derive lists the obligations of the roles for the classification in, in
// file order, with the conformity route cf for those that name it.
func (os *ObligationSet) derive(in dutyInput, roles []string, cf Conformity, c *catalog.Catalog) []Obligation {
	out := []Obligation{}
	for i := range os.Obligations {
		d := &os.Obligations[i]
		scopes, ok := in.active[d.On]
		if !ok {
			continue
		}
		if len(d.Scopes) > 0 {
			scopes = slices.DeleteFunc(slices.Clone(scopes), func(s string) bool { return !slices.Contains(d.Scopes, s) })
			if len(scopes) == 0 {
				continue
			}
		}
		var rs []string
		for _, r := range d.Roles {
			if slices.Contains(roles, r) {
				rs = append(rs, r)
			}
		}
		if len(rs) == 0 || slices.ContainsFunc(d.ExceptRoles, func(r string) bool { return slices.Contains(roles, r) }) {
			continue
		}
		facts := map[string]string{}
		truth := yes
		if d.When != nil {
			truth = d.When.eval(in, facts)
		}
		if truth == no {
			continue
		}
		o := Obligation{ID: d.ID, Roles: rs, Kind: d.Kind, Status: StatusApplies, Requirement: aiassure.RequirementID(d.Requirement),
			Article: d.Article, Title: d.Title, Summary: d.Summary, Condition: d.Condition}
		ids := make([]string, 0, len(facts))
		for id := range facts {
			ids = append(ids, id)
		}
		slices.Sort(ids)
		for _, id := range ids {
			o.Facts = append(o.Facts, "facts."+id+" = "+facts[id])
		}
		if truth == unknown {
			o.Status = StatusConditional
			var ask []string
			for _, id := range ids {
				if facts[id] == "unknown" {
					ask = append(ask, "facts."+id)
				}
			}
			o.Condition += fmt.Sprintf(" Applies if %s is yes: answer it.", strings.Join(ask, " or "))
		}
		if d.AppliesWhere != "" {
			o.Status = StatusConditional
			o.Condition += " Applies where " + d.AppliesWhere + ": the tool cannot tell."
		}
		if d.Route {
			o.Article = cf.Article
			o.Condition += " Route: " + cf.Procedure
			if cf.Legislation != "" {
				o.Condition += " (" + cf.Legislation + ")"
			}
			o.Condition += "."
		}
		os.date(&o, d, scopes, c)
		out = append(out, o)
	}
	return out
}

// date sets the application date of o from the catalogue where its
// requirement has a row with the date the file gives, else from the file.
func (os *ObligationSet) date(o *Obligation, d *ObligationDef, scopes []string, c *catalog.Catalog) {
	e := os.dateFor(d.Date, scopes)
	if e == nil { // ParseObligations guarantees a date; keep the obligation visible regardless
		o.Source = ObligationsFile + ": no date"
		return
	}
	req := findRequirement(c, d.Requirement)
	if req != nil {
		for _, a := range req.Applies {
			if a.Date == e.Date {
				o.AppliesFrom, o.Verified = a.Date, a.Verified
				o.Source = fmt.Sprintf("catalog requirement %s: %s", d.Requirement, a.Source)
				return
			}
		}
	}
	o.AppliesFrom, o.Verified = e.Date, e.Verified
	why := ""
	switch {
	case d.Requirement == "":
	case req == nil:
		why = "the catalogue has no requirement " + d.Requirement + "; "
	default:
		why = "the catalogue's requirement " + d.Requirement + " has no applies row dated " + e.Date + "; "
	}
	o.Source = fmt.Sprintf("%s:%d (%s; %s%s)", ObligationsFile, e.Line, e.Article, why, e.Source)
}

// dateFor returns the earliest date row of key for scopes, falling back to
// its row without scope, and for a trigger without scopes (Art. 25(1) on
// any tier) to its earliest row.
func (os *ObligationSet) dateFor(key string, scopes []string) *DateEntry {
	var best, fallback, earliest *DateEntry
	for i := range os.Dates {
		e := &os.Dates[i]
		if e.ID != key {
			continue
		}
		if earliest == nil || e.Date < earliest.Date {
			earliest = e
		}
		if e.Scope == "" {
			fallback = e
			continue
		}
		if slices.Contains(scopes, e.Scope) && (best == nil || e.Date < best.Date) {
			best = e
		}
	}
	switch {
	case best != nil && (fallback == nil || !slices.Contains(scopes, "") || best.Date < fallback.Date):
		return best
	case fallback != nil:
		return fallback
	}
	return earliest
}

// CheckCatalog compares the obligations with the catalogue: every
// requirement must exist there, its article must contain the obligation's,
// and every date an obligation with a requirement can take must appear among
// the requirement's applies rows. It returns one line per disagreement.
func (os *ObligationSet) CheckCatalog(c *catalog.Catalog) []string {
	var out []string
	for _, d := range os.Obligations {
		if d.Requirement == "" {
			continue
		}
		req := findRequirement(c, d.Requirement)
		if req == nil {
			out = append(out, fmt.Sprintf("%s:%d: obligation %s: requirement %s is not in the catalogue", ObligationsFile, d.Line, d.ID, d.Requirement))
			continue
		}
		if !d.Route && !articleWithin(d.Article, req.Article) {
			out = append(out, fmt.Sprintf("%s:%d: obligation %s: article %q is not within the catalogue's %s article %q", ObligationsFile, d.Line, d.ID, d.Article, d.Requirement, req.Article))
		}
		var have []string
		for _, a := range req.Applies {
			have = append(have, a.Date)
		}
		for _, e := range os.Dates {
			if e.ID != d.Date || (len(d.Scopes) > 0 && e.Scope != "" && !slices.Contains(d.Scopes, e.Scope)) {
				continue
			}
			if !slices.Contains(have, e.Date) {
				out = append(out, fmt.Sprintf("%s:%d: obligation %s: date %s (%s) is %s; the catalogue's %s has %v", ObligationsFile, d.Line, d.ID, e.ID, scopeName(e.Scope), e.Date, d.Requirement, have))
			}
		}
	}
	return out
}

func scopeName(s string) string {
	if s == "" {
		return "any scope"
	}
	return "scope " + s
}
