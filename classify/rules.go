package classify

import (
	_ "embed"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

//go:embed rules.yaml
var rulesYAML []byte

// RulesFile is the name the embedded rules are reported under.
const RulesFile = "classify/rules.yaml"

// RuleSet is a parsed and checked rules file.
type RuleSet struct {
	Version int    `json:"version"`
	AsOf    string `json:"as_of"`
	Rules   []Rule `json:"rules"`
}

// Rule is one classification rule.
type Rule struct {
	ID          string   `json:"id"`
	Article     string   `json:"article"`
	Requirement string   `json:"requirement,omitempty"` // the catalogue requirement of the article, where it has one
	When        *Cond    `json:"when"`
	Outcome     string   `json:"outcome"`
	Scope       string   `json:"scope,omitempty"`
	Reason      string   `json:"reason"`
	ExplainWhen *Cond    `json:"explain_when,omitempty"` // when the rule does not fire but this holds, record a "no" verdict
	ReasonNot   string   `json:"reason_not,omitempty"`
	Sources     []string `json:"sources"`
	Verified    bool     `json:"verified"`
	Line        int      `json:"-"`
}

var defaultRules = sync.OnceValues(func() (*RuleSet, error) { return Parse(RulesFile, rulesYAML) })

// Rules returns the embedded rule set.
func Rules() (*RuleSet, error) { return defaultRules() }

// parser collects errors with file:line positions.
type parser struct {
	name string
	errs []error
}

func (ps *parser) errorf(n *yaml.Node, format string, args ...any) {
	line := 0
	if n != nil {
		line = n.Line
	}
	ps.errs = append(ps.errs, fmt.Errorf("%s:%d: %s", ps.name, line, fmt.Sprintf(format, args...)))
}

// Parse reads and checks a rules file. Every problem is reported as
// name:line: message; all are returned together.
func Parse(name string, data []byte) (*RuleSet, error) {
	root, err := document(name, "rules file", data)
	if err != nil {
		return nil, err
	}
	ps := &parser{name: name}
	rs := &RuleSet{}
	ps.mapping(root, map[string]func(*yaml.Node){
		"version": func(n *yaml.Node) { rs.Version = ps.int(n) },
		"as_of":   func(n *yaml.Node) { rs.AsOf = ps.date(n) },
		"rules": func(n *yaml.Node) {
			for _, it := range ps.seq(n) {
				rs.Rules = append(rs.Rules, ps.rule(it))
			}
		},
	}, "version", "as_of", "rules")
	if len(ps.errs) == 0 {
		ps.check(rs, root)
	}
	if len(ps.errs) > 0 {
		return nil, errors.Join(ps.errs...)
	}
	return rs, nil
}

// document reads a YAML file of classify (the rules, the questionnaire,
// the obligations) and returns its root node; what names the file in the
// error for an empty one.
func document(name, what string, data []byte) (*yaml.Node, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil, fmt.Errorf("%s: empty %s", name, what)
	}
	return doc.Content[0], nil
}

// mapping walks a mapping node, calling the handler of each key; unknown
// and duplicate keys are errors, as are missing required keys.
func (ps *parser) mapping(n *yaml.Node, handlers map[string]func(*yaml.Node), required ...string) {
	if n.Kind != yaml.MappingNode {
		ps.errorf(n, "want a mapping, got %s", kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		h, ok := handlers[k.Value]
		if !ok {
			keys := make([]string, 0, len(handlers))
			for key := range handlers {
				keys = append(keys, key)
			}
			slices.Sort(keys)
			ps.errorf(k, "unknown key %q (want one of %s)", k.Value, strings.Join(keys, ", "))
			continue
		}
		if seen[k.Value] {
			ps.errorf(k, "duplicate key %q", k.Value)
			continue
		}
		seen[k.Value] = true
		h(v)
	}
	for _, r := range required {
		if !seen[r] {
			ps.errorf(n, "missing key %q", r)
		}
	}
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		return fmt.Sprintf("%q", n.Value)
	case yaml.AliasNode:
		return "an alias"
	}
	return "nothing"
}

func (ps *parser) seq(n *yaml.Node) []*yaml.Node {
	if n.Kind != yaml.SequenceNode {
		ps.errorf(n, "want a list, got %s", kindName(n))
		return nil
	}
	return n.Content
}

func (ps *parser) str(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode || (n.Tag != "!!str" && n.Tag != "!!int") {
		ps.errorf(n, "want a string, got %s", kindName(n))
		return ""
	}
	if strings.TrimSpace(n.Value) == "" {
		ps.errorf(n, "empty string")
	}
	return n.Value
}

func (ps *parser) strs(n *yaml.Node) []string {
	var out []string
	for _, it := range ps.seq(n) {
		out = append(out, ps.str(it))
	}
	if n.Kind == yaml.SequenceNode && len(out) == 0 {
		ps.errorf(n, "empty list")
	}
	return out
}

func (ps *parser) boolean(n *yaml.Node) bool {
	if n.Kind != yaml.ScalarNode || n.Tag != "!!bool" {
		ps.errorf(n, "want true or false, got %s", kindName(n))
		return false
	}
	var b bool
	if err := n.Decode(&b); err != nil {
		ps.errorf(n, "%v", err)
	}
	return b
}

func (ps *parser) int(n *yaml.Node) int {
	var v int
	if n.Kind != yaml.ScalarNode || n.Tag != "!!int" || n.Decode(&v) != nil {
		ps.errorf(n, "want a whole number, got %s", kindName(n))
	}
	return v
}

// date reads a YYYY-MM-DD date (YAML may tag it as a timestamp).
func (ps *parser) date(n *yaml.Node) string {
	if n.Kind != yaml.ScalarNode {
		ps.errorf(n, "want a date YYYY-MM-DD, got %s", kindName(n))
		return ""
	}
	if _, err := time.Parse(time.DateOnly, n.Value); err != nil {
		ps.errorf(n, "want a date YYYY-MM-DD, got %q", n.Value)
	}
	return n.Value
}

var idPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

func (ps *parser) id(n *yaml.Node) string {
	s := ps.str(n)
	if s != "" && !idPattern.MatchString(s) {
		ps.errorf(n, "id %q: want lower-case words joined by '-'", s)
	}
	return s
}

func (ps *parser) rule(n *yaml.Node) Rule {
	r := Rule{Line: n.Line}
	var reasonNode, reasonNotNode, outcomeNode, scopeNode *yaml.Node
	ps.mapping(n, map[string]func(*yaml.Node){
		"id":          func(v *yaml.Node) { r.ID = ps.id(v) },
		"article":     func(v *yaml.Node) { r.Article = ps.str(v) },
		"requirement": func(v *yaml.Node) { r.Requirement = ps.id(v) },
		"when":        func(v *yaml.Node) { r.When = ps.cond(v, 0) },
		"outcome": func(v *yaml.Node) {
			outcomeNode = v
			r.Outcome = ps.str(v)
			if r.Outcome != "" && !in(Outcomes, r.Outcome) {
				ps.errorf(v, "unknown outcome %q (want one of %s)", r.Outcome, strings.Join(Outcomes, ", "))
			}
		},
		"scope": func(v *yaml.Node) {
			scopeNode = v
			r.Scope = ps.str(v)
			if r.Scope != "" && !in(Scopes, r.Scope) {
				ps.errorf(v, "unknown scope %q (want one of %s)", r.Scope, strings.Join(Scopes, ", "))
			}
		},
		"reason":       func(v *yaml.Node) { reasonNode = v; r.Reason = ps.str(v) },
		"explain_when": func(v *yaml.Node) { r.ExplainWhen = ps.cond(v, 0) },
		"reason_not":   func(v *yaml.Node) { reasonNotNode = v; r.ReasonNot = ps.str(v) },
		"sources":      func(v *yaml.Node) { r.Sources = ps.strs(v) },
		"verified":     func(v *yaml.Node) { r.Verified = ps.boolean(v) },
	}, "id", "article", "when", "outcome", "reason", "sources", "verified")
	if n.Kind != yaml.MappingNode {
		return r
	}
	if reasonNode != nil {
		ps.template(reasonNode, r.Reason)
	}
	if reasonNotNode != nil {
		ps.template(reasonNotNode, r.ReasonNot)
	}
	if (r.ExplainWhen == nil) != (reasonNotNode == nil) {
		ps.errorf(n, "rule %q: explain_when and reason_not go together", r.ID)
	}
	if r.Outcome == HighRisk && outcomeNode != nil {
		if !in([]string{"annex-i", "annex-i-b", "annex-iii"}, r.Scope) {
			ps.errorf(outcomeNode, "rule %q: a high-risk rule needs scope annex-i, annex-i-b or annex-iii", r.ID)
		}
	} else if scopeNode != nil && strings.HasPrefix(r.Scope, "annex-") {
		ps.errorf(scopeNode, "rule %q: scope %s goes only with outcome high-risk", r.ID, r.Scope)
	}
	return r
}

var placeholder = regexp.MustCompile(`\{[^{}]*\}`)

// template checks a reason's placeholders: {fields}, {values} and {facts}
// only.
func (ps *parser) template(n *yaml.Node, s string) {
	for _, m := range placeholder.FindAllString(s, -1) {
		if m != "{fields}" && m != "{values}" && m != "{facts}" {
			ps.errorf(n, "unknown placeholder %s (want {fields}, {values} or {facts})", m)
		}
	}
}

// maxDepth bounds the nesting of conditions.
const maxDepth = 16

// cond parses a condition.
func (ps *parser) cond(n *yaml.Node, depth int) *Cond {
	if depth > maxDepth {
		ps.errorf(n, "conditions nested deeper than %d", maxDepth)
		return nil
	}
	if n.Kind != yaml.MappingNode {
		ps.errorf(n, "want a condition (a mapping with all, any, not or field), got %s", kindName(n))
		return nil
	}
	c := &Cond{Line: n.Line}
	var opNode, fieldNode *yaml.Node
	list := func(v *yaml.Node) []*Cond {
		items := ps.seq(v)
		if v.Kind == yaml.SequenceNode && len(items) == 0 {
			ps.errorf(v, "empty list of conditions")
		}
		out := make([]*Cond, 0, len(items))
		for _, it := range items {
			if s := ps.cond(it, depth+1); s != nil {
				out = append(out, s)
			}
		}
		return out
	}
	setOp := func(name string) func(*yaml.Node) {
		return func(v *yaml.Node) {
			if opNode != nil {
				ps.errorf(v, "two operators in one condition: %s and %s", c.Op, name)
				return
			}
			c.Op, opNode = name, v
		}
	}
	ps.mapping(n, map[string]func(*yaml.Node){
		"all":          func(v *yaml.Node) { c.All = list(v) },
		"any":          func(v *yaml.Node) { c.Any = list(v) },
		"not":          func(v *yaml.Node) { c.Not = ps.cond(v, depth+1) },
		"field":        func(v *yaml.Node) { fieldNode = v; c.Field = ps.str(v) },
		"is":           setOp("is"),
		"equals":       setOp("equals"),
		"in":           setOp("in"),
		"contains":     setOp("contains"),
		"contains_any": setOp("contains_any"),
		"present":      setOp("present"),
	})
	forms := 0
	for _, b := range []bool{c.All != nil, c.Any != nil, c.Not != nil, fieldNode != nil || opNode != nil} {
		if b {
			forms++
		}
	}
	if forms != 1 {
		ps.errorf(n, "a condition has exactly one of all, any, not, or field with an operator")
		return nil
	}
	if fieldNode == nil {
		if opNode != nil {
			ps.errorf(n, "operator %s without a field", c.Op)
			return nil
		}
		return c
	}
	f, ok := fields[c.Field]
	if !ok {
		ps.errorf(fieldNode, "unknown field path %q (want one of %s)", c.Field, strings.Join(FieldPaths(), ", "))
		return nil
	}
	if opNode == nil {
		ps.errorf(n, "field %s has no operator (want one of %s)", c.Field, strings.Join(ops[f.kind], ", "))
		return nil
	}
	if !in(ops[f.kind], c.Op) {
		ps.errorf(opNode, "operator %s does not apply to %s (want one of %s)", c.Op, c.Field, strings.Join(ops[f.kind], ", "))
		return nil
	}
	switch c.Op {
	case "is", "present":
		c.Bool = ps.boolean(opNode)
	case "equals":
		c.Strs = []string{ps.str(opNode)}
	case "in", "contains_any":
		c.Strs = ps.strs(opNode)
	case "contains":
		if f.kind == kRefs {
			c.Ref = ps.ref(opNode)
		} else {
			c.Strs = []string{ps.str(opNode)}
		}
	}
	if f.vocab != nil {
		for _, s := range c.Strs {
			if s != "" && !in(f.vocab, s) {
				ps.errorf(opNode, "%s: unknown value %q (want one of %s)", c.Field, s, strings.Join(f.vocab, ", "))
			}
		}
	}
	return c
}

// ref reads an Annex III pattern {area: N, point: x}.
func (ps *parser) ref(n *yaml.Node) *refPat {
	r := &refPat{}
	var pointNode *yaml.Node
	ps.mapping(n, map[string]func(*yaml.Node){
		"area":  func(v *yaml.Node) { r.Area = ps.int(v) },
		"point": func(v *yaml.Node) { pointNode = v; r.Point = ps.str(v) },
	}, "area")
	if !annexIIIArea(r.Area) {
		ps.errorf(n, "Annex III has areas 1 to 8, not %d", r.Area)
	} else if pointNode != nil && !annexIIIValid(r.Area, r.Point) {
		ps.errorf(pointNode, "Annex III area %d has no point %q", r.Area, r.Point)
	}
	return r
}

// check runs the checks across rows: unique rule IDs. The obligations and
// their dates are in obligations.yaml (ParseObligations).
func (ps *parser) check(rs *RuleSet, root *yaml.Node) {
	ids := map[string]int{}
	for _, r := range rs.Rules {
		if prev, ok := ids[r.ID]; ok {
			ps.errs = append(ps.errs, fmt.Errorf("%s:%d: rule id %q already used at line %d", ps.name, r.Line, r.ID, prev))
		}
		ids[r.ID] = r.Line
		if r.ID == TierRule {
			ps.errs = append(ps.errs, fmt.Errorf("%s:%d: rule id %q is reserved", ps.name, r.Line, r.ID))
		}
	}
	if len(rs.Rules) == 0 {
		ps.errorf(root, "no rules")
	}
}
