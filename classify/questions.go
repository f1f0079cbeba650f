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

	"github.com/aiassure/aiassure/internal/yamlx"
	"github.com/aiassure/aiassure/profile"
)

//go:embed questions.yaml
var questionsYAML []byte

// QuestionsFile is the name the embedded questionnaire is reported under.
const QuestionsFile = "classify/questions.yaml"

// Sections of the questionnaire, in the order the interview asks them.
var Sections = []string{"scope", "prohibited", "annex-i", "annex-iii", "derogation", "transparency", "gpai", "obligations"}

// Questionnaire is a parsed and checked questionnaire.
type Questionnaire struct {
	Version     int              `json:"version"`
	AsOf        string           `json:"as_of"`
	Questions   []Question       `json:"questions"`
	Conclusions []ConclusionRule `json:"conclusions"`
	byID        map[string]*Question
}

// Question is one plain question about the system.
type Question struct {
	ID        string    `json:"id"`
	Section   string    `json:"section"`
	Provision string    `json:"provision"`
	Text      string    `json:"text"`
	Help      string    `json:"help,omitempty"`
	Choices   []string  `json:"choices,omitempty"` // empty: yes or no
	AskWhen   *FactCond `json:"ask_when,omitempty"`
	Line      int       `json:"-"`
}

// Answers returns the answers the question takes, "unknown" included.
func (q *Question) Answers() []string {
	if len(q.Choices) > 0 {
		return append(slices.Clone(q.Choices), Unknown)
	}
	return []string{Yes, No, Unknown}
}

// Target is the legal conclusion a ConclusionRule stands for, in the
// vocabulary of the profile's use: block.
type Target struct {
	Kind  string `json:"kind"`  // exclusion, practice, annex_i, annex_iii, profiling, derogation, transparency, gpai
	Value string `json:"value"` // the vocabulary value; for annex_iii "5b", for annex_i and profiling "true"
}

// String words the target as the use: field it sets.
func (t Target) String() string {
	switch t.Kind {
	case "annex_iii":
		area, point := t.ref()
		return "use.annex_iii " + refString(area, point)
	case "annex_i", "profiling":
		return "use." + t.Kind
	case "gpai":
		return "use.general_purpose." + t.Value
	case "exclusion":
		return "use.exclusions " + t.Value
	case "practice":
		return "use.practices " + t.Value
	}
	return "use." + t.Kind + " " + t.Value
}

// ref splits an annex_iii value ("5b", "2") into area and point.
func (t Target) ref() (int, string) {
	if t.Value == "" {
		return 0, ""
	}
	area := int(t.Value[0] - '0')
	return area, t.Value[1:]
}

// Tier is the tier the conclusion brings, or "" for a flag.
func (t Target) Tier() string {
	switch t.Kind {
	case "exclusion":
		return OutOfScope
	case "practice":
		return Prohibited
	case "annex_i", "annex_iii":
		return HighRisk
	case "transparency":
		return Transparency
	}
	return ""
}

// ConclusionRule says when the facts establish one legal conclusion, and
// which words of a purpose text point to it.
type ConclusionRule struct {
	ID        string    `json:"id"`
	Sets      Target    `json:"sets"`
	Provision string    `json:"provision"`
	When      *FactCond `json:"when"`
	// Indicators are patterns of a purpose text that point to the
	// conclusion: each is a group of patterns that must all match one
	// field, in any order.
	Indicators [][]*regexp.Regexp `json:"-"`
	Patterns   [][]string         `json:"indicators,omitempty"`
	Line       int                `json:"-"`
}

// FactCond is a condition on facts: exactly one of All, Any, Not, or a test
// of Fact against Is (yes or no) or In (choices).
type FactCond struct {
	All  []*FactCond `json:"all,omitempty"`
	Any  []*FactCond `json:"any,omitempty"`
	Not  *FactCond   `json:"not,omitempty"`
	Fact string      `json:"fact,omitempty"`
	Is   string      `json:"is,omitempty"`
	In   []string    `json:"in,omitempty"`
	Line int         `json:"-"`
}

var defaultQuestions = sync.OnceValues(func() (*Questionnaire, error) { return ParseQuestions(QuestionsFile, questionsYAML) })

// Questions returns the embedded questionnaire.
func Questions() (*Questionnaire, error) { return defaultQuestions() }

// Question returns the question with the given ID, or nil.
func (qs *Questionnaire) Question(id string) *Question { return qs.byID[id] }

var factIDPattern = regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)

// ParseQuestions reads and checks a questionnaire. Every problem is
// reported as name:line: message; all are returned together.
func ParseQuestions(name string, data []byte) (*Questionnaire, error) {
	root, err := document(name, "questionnaire", data)
	if err != nil {
		return nil, err
	}
	ps := &parser{name: name}
	qs := &Questionnaire{byID: map[string]*Question{}}
	ps.mapping(root, map[string]func(*yaml.Node){
		"version": func(n *yaml.Node) { qs.Version = ps.int(n) },
		"as_of":   func(n *yaml.Node) { qs.AsOf = ps.date(n) },
		"questions": func(n *yaml.Node) {
			for _, it := range ps.seq(n) {
				qs.Questions = append(qs.Questions, ps.question(it))
			}
		},
		"conclusions": func(n *yaml.Node) {
			for _, it := range ps.seq(n) {
				qs.Conclusions = append(qs.Conclusions, ps.conclusion(it))
			}
		},
	}, "version", "as_of", "questions", "conclusions")
	if len(ps.errs) == 0 {
		ps.checkQuestions(qs)
	}
	if len(ps.errs) > 0 {
		return nil, errors.Join(ps.errs...)
	}
	return qs, nil
}

func (ps *parser) question(n *yaml.Node) Question {
	q := Question{Line: n.Line}
	ps.mapping(n, map[string]func(*yaml.Node){
		"id": func(v *yaml.Node) {
			q.ID = ps.str(v)
			if q.ID != "" && !factIDPattern.MatchString(q.ID) {
				ps.errorf(v, "question id %q: want lower-case words joined by '_'", q.ID)
			}
		},
		"section": func(v *yaml.Node) {
			q.Section = ps.str(v)
			if q.Section != "" && !in(Sections, q.Section) {
				ps.errorf(v, "unknown section %q (want one of %s)", q.Section, strings.Join(Sections, ", "))
			}
		},
		"provision": func(v *yaml.Node) { q.Provision = ps.str(v) },
		"text":      func(v *yaml.Node) { q.Text = ps.str(v) },
		"help":      func(v *yaml.Node) { q.Help = ps.str(v) },
		"choices": func(v *yaml.Node) {
			q.Choices = ps.strs(v)
			for _, c := range q.Choices {
				if c == Unknown || c == Yes || c == No {
					ps.errorf(v, "choice %q is reserved", c)
				}
			}
		},
		"ask_when": func(v *yaml.Node) { q.AskWhen = ps.factCond(v, 0) },
	}, "id", "section", "provision", "text")
	return q
}

func (ps *parser) conclusion(n *yaml.Node) ConclusionRule {
	c := ConclusionRule{Line: n.Line}
	ps.mapping(n, map[string]func(*yaml.Node){
		"id":        func(v *yaml.Node) { c.ID = ps.id(v) },
		"sets":      func(v *yaml.Node) { c.Sets = ps.target(v) },
		"provision": func(v *yaml.Node) { c.Provision = ps.str(v) },
		"when":      func(v *yaml.Node) { c.When = ps.factCond(v, 0) },
		"indicators": func(v *yaml.Node) {
			for _, it := range ps.seq(v) {
				// An indicator is one pattern, or a list of patterns that
				// must all match the same field, in any order.
				parts := []*yaml.Node{it}
				if it.Kind == yaml.SequenceNode {
					parts = it.Content
					if len(parts) == 0 {
						ps.errorf(it, "empty indicator")
					}
				}
				var group []*regexp.Regexp
				var texts []string
				for _, pn := range parts {
					s := ps.str(pn)
					re, err := regexp.Compile(`(?i)` + s)
					if err != nil {
						ps.errorf(pn, "indicator %q: %v", s, err)
						continue
					}
					group = append(group, re)
					texts = append(texts, s)
				}
				if len(group) == len(parts) && len(group) > 0 {
					c.Patterns = append(c.Patterns, texts)
					c.Indicators = append(c.Indicators, group)
				}
			}
		},
	}, "id", "sets", "provision", "when")
	return c
}

// target reads sets: {KIND: VALUE}, checking VALUE against the profile's
// vocabularies.
func (ps *parser) target(n *yaml.Node) Target {
	if n.Kind != yaml.MappingNode || len(n.Content) != 2 {
		ps.errorf(n, "sets: want one KIND: VALUE pair")
		return Target{}
	}
	k, v := n.Content[0], n.Content[1]
	t := Target{Kind: k.Value, Value: v.Value}
	vocab := map[string][]string{
		"exclusion":    Exclusions,
		"practice":     Practices,
		"derogation":   Derogations,
		"transparency": TransparencySituations,
		"gpai":         {"model", "systemic_risk", "built_on_third_party"},
		"annex_i":      {"true"},
		"profiling":    {"true"},
	}
	switch {
	case t.Kind == "annex_iii":
		area, point := t.ref()
		if len(t.Value) < 1 || len(t.Value) > 2 || !annexIIIValid(area, point) {
			ps.errorf(v, "sets annex_iii: %q is not an Annex III point (write e.g. 5b, or 2)", t.Value)
		}
	case vocab[t.Kind] != nil:
		if !in(vocab[t.Kind], t.Value) {
			ps.errorf(v, "sets %s: unknown value %q (want one of %s)", t.Kind, t.Value, strings.Join(vocab[t.Kind], ", "))
		}
	default:
		ps.errorf(k, "sets: unknown kind %q (want annex_iii or one of exclusion, practice, derogation, transparency, gpai, annex_i, profiling)", t.Kind)
	}
	return t
}

// factCond parses a condition on facts.
func (ps *parser) factCond(n *yaml.Node, depth int) *FactCond {
	if depth > maxDepth {
		ps.errorf(n, "conditions nested deeper than %d", maxDepth)
		return nil
	}
	if n.Kind != yaml.MappingNode {
		ps.errorf(n, "want a condition (a mapping with all, any, not or fact), got %s", kindName(n))
		return nil
	}
	c := &FactCond{Line: n.Line}
	list := func(v *yaml.Node) []*FactCond {
		items := ps.seq(v)
		if v.Kind == yaml.SequenceNode && len(items) == 0 {
			ps.errorf(v, "empty list of conditions")
		}
		var out []*FactCond
		for _, it := range items {
			if s := ps.factCond(it, depth+1); s != nil {
				out = append(out, s)
			}
		}
		return out
	}
	ps.mapping(n, map[string]func(*yaml.Node){
		"all":  func(v *yaml.Node) { c.All = list(v) },
		"any":  func(v *yaml.Node) { c.Any = list(v) },
		"not":  func(v *yaml.Node) { c.Not = ps.factCond(v, depth+1) },
		"fact": func(v *yaml.Node) { c.Fact = ps.str(v) },
		"is": func(v *yaml.Node) {
			c.Is = ps.str(v)
			if c.Is != Yes && c.Is != No {
				ps.errorf(v, "is: want yes or no, got %q", v.Value)
			}
		},
		"in": func(v *yaml.Node) { c.In = ps.strs(v) },
	})
	forms := 0
	for _, b := range []bool{c.All != nil, c.Any != nil, c.Not != nil, c.Fact != ""} {
		if b {
			forms++
		}
	}
	switch {
	case forms != 1:
		ps.errorf(n, "a condition has exactly one of all, any, not, or fact with is or in")
		return nil
	case c.Fact != "" && (c.Is == "") == (c.In == nil):
		ps.errorf(n, "fact %s needs exactly one of is or in", c.Fact)
		return nil
	case c.Fact == "" && (c.Is != "" || c.In != nil):
		ps.errorf(n, "is and in go with fact")
		return nil
	}
	return c
}

// checkQuestions runs the checks across rows: unique IDs, every fact a
// condition names is a question, in: names the question's choices, and
// every choice question is tested with in:, every yes/no one with is:.
func (ps *parser) checkQuestions(qs *Questionnaire) {
	for i := range qs.Questions {
		q := &qs.Questions[i]
		if prev, ok := qs.byID[q.ID]; ok {
			ps.errs = append(ps.errs, fmt.Errorf("%s:%d: question id %q already used at line %d", ps.name, q.Line, q.ID, prev.Line))
			continue
		}
		qs.byID[q.ID] = q
	}
	var check func(c *FactCond)
	check = func(c *FactCond) {
		if c == nil {
			return
		}
		for _, s := range slices.Concat(c.All, c.Any, []*FactCond{c.Not}) {
			check(s)
		}
		if c.Fact == "" {
			return
		}
		q := qs.byID[c.Fact]
		switch {
		case q == nil:
			ps.errs = append(ps.errs, fmt.Errorf("%s:%d: unknown fact %q (not a question)", ps.name, c.Line, c.Fact))
		case len(q.Choices) > 0 && c.Is != "":
			ps.errs = append(ps.errs, fmt.Errorf("%s:%d: fact %s is a choice question: test it with in", ps.name, c.Line, c.Fact))
		case len(q.Choices) == 0 && c.In != nil:
			ps.errs = append(ps.errs, fmt.Errorf("%s:%d: fact %s is a yes/no question: test it with is", ps.name, c.Line, c.Fact))
		default:
			for _, v := range c.In {
				if !in(q.Choices, v) {
					ps.errs = append(ps.errs, fmt.Errorf("%s:%d: fact %s has no choice %q", ps.name, c.Line, c.Fact, v))
				}
			}
		}
	}
	for i := range qs.Questions {
		check(qs.Questions[i].AskWhen)
	}
	ids := map[string]int{}
	for i := range qs.Conclusions {
		c := &qs.Conclusions[i]
		if prev, ok := ids[c.ID]; ok {
			ps.errs = append(ps.errs, fmt.Errorf("%s:%d: conclusion id %q already used at line %d", ps.name, c.Line, c.ID, prev))
		}
		ids[c.ID] = c.Line
		check(c.When)
		if c.Sets.Tier() == "" && c.Sets.Kind != "gpai" && len(c.Indicators) > 0 {
			ps.errs = append(ps.errs, fmt.Errorf("%s:%d: conclusion %s sets a condition of Art. 6(3), not a tier: indicators would only add noise", ps.name, c.Line, c.ID))
		}
	}
	for _, need := range []string{annexILegislationFact, annexIThirdPartyFact} {
		if qs.byID[need] == nil {
			ps.errs = append(ps.errs, fmt.Errorf("%s: the question %s is required", ps.name, need))
		}
	}
	if q := qs.byID[annexILegislationFact]; q != nil && !slices.Equal(slices.Sorted(slices.Values(q.Choices)), slices.Sorted(slices.Values(annexILegislation()))) {
		ps.errs = append(ps.errs, fmt.Errorf("%s:%d: %s must offer exactly the Annex I legislation of the profile vocabulary", ps.name, q.Line, annexILegislationFact))
	}
}

// The facts the Annex I conclusion reads besides its condition.
const (
	annexILegislationFact = "annex_i_legislation"
	annexIThirdPartyFact  = "annex_i_third_party"
)

// CheckFacts checks the answers of a profile's facts block against the
// questionnaire: every key a question, every answer one it takes. Errors
// name the field and, for a profile read from a file, its line.
func (qs *Questionnaire) CheckFacts(p *profile.Profile) error {
	var errs []error
	for _, id := range slices.Sorted(func(yield func(string) bool) {
		for k := range p.Facts {
			if !yield(k) {
				return
			}
		}
	}) {
		path := "facts." + id
		at := path
		if line, ok := p.Line(path); ok {
			at = fmt.Sprintf("line %d: %s", line, path)
		}
		q := qs.byID[id]
		if q == nil {
			ids := make([]string, len(qs.Questions))
			for i, q := range qs.Questions {
				ids[i] = q.ID
			}
			msg := fmt.Sprintf("%s: unknown question %q", at, id)
			if s := yamlx.Suggest(id, ids); s != "" {
				msg += fmt.Sprintf("; did you mean %q?", s)
			}
			errs = append(errs, errors.New(msg+" (aiassure classify -questions lists them)"))
			continue
		}
		if a := normalAnswer(p.Facts[id]); !in(q.Answers(), a) {
			errs = append(errs, fmt.Errorf("%s: answer %q: want one of %s", at, p.Facts[id], strings.Join(q.Answers(), ", ")))
		}
	}
	return errors.Join(errs...)
}

// normalAnswer reads true and false (which YAML may give for yes and no) as
// yes and no.
func normalAnswer(a string) string {
	switch strings.ToLower(strings.TrimSpace(a)) {
	case "yes", "true", "y":
		return Yes
	case "no", "false", "n":
		return No
	case "", "unknown", "?":
		return Unknown
	}
	return strings.TrimSpace(a)
}

// hasRole reports whether p names role r.
func hasRole(p *profile.Profile, r string) bool { return slices.Contains(p.RoleList(), r) }

// Next returns the first question, in questionnaire order, that p's facts
// leave unanswered, that is not in asked, and whose answer matters given
// the answers so far; nil when no question is left to ask. An answer
// matters when it can decide a conclusion the facts leave open, within the
// sections that still count: nothing after a scope exclusion or a
// prohibited practice is established, the Art. 6(3) questions only for an
// Annex III system, and the obligation facts only for the roles and tiers
// they concern.
func (qs *Questionnaire) Next(p *profile.Profile, asked map[string]bool) *Question {
	d := qs.derive(p)
	annexIII := len(d.use.AnnexIII) > 0
	highRisk := annexIII || d.use.AnnexI != nil && d.use.AnnexI.ThirdParty
	area1 := slices.ContainsFunc(d.use.AnnexIII, func(r profile.AnnexIIIRef) bool { return r.Area == 1 })
	gpai := d.use.GeneralPurpose != nil && d.use.GeneralPurpose.Model
	for i := range qs.Questions {
		q := &qs.Questions[i]
		if _, ok := p.Facts[q.ID]; ok || asked[q.ID] {
			continue
		}
		if q.Section != "scope" && len(d.use.Exclusions) > 0 && (!slices.Contains(d.use.Exclusions, "personal") || hasRole(p, "deployer")) {
			return nil
		}
		if q.Section != "scope" && q.Section != "prohibited" && len(d.use.Practices) > 0 {
			return nil
		}
		if q.AskWhen != nil && q.AskWhen.eval(p.Facts) != tYes {
			continue
		}
		switch q.ID {
		case "personal_use":
			if !hasRole(p, "deployer") {
				continue
			}
		case "public_authority", "public_service":
			if !highRisk || !hasRole(p, "deployer") {
				continue
			}
			return q
		case "harmonised_standards_in_full":
			if !area1 {
				continue
			}
			return q
		case "established_outside_union":
			if !highRisk && !gpai {
				continue
			}
			return q
		}
		if q.Section == "derogation" && !annexIII {
			continue
		}
		if q.ID == annexILegislationFact || q.ID == annexIThirdPartyFact {
			return q // asked once the product question is yes (ask_when)
		}
		if qs.decides(q.ID, p.Facts) {
			return q
		}
	}
	return nil
}

// decides reports whether an answer to fact id can decide a conclusion the
// facts leave open.
func (qs *Questionnaire) decides(id string, facts map[string]string) bool {
	for _, c := range qs.Conclusions {
		if c.When.eval(facts) == tUnknown && slices.Contains(c.When.deciding(facts), id) {
			return true
		}
	}
	return false
}
