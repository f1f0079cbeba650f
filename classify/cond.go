package classify

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure/profile"
)

// Cond is a condition on profile fields: exactly one of All, Any, Not, or a
// test of Field by Op against a value.
type Cond struct {
	All   []*Cond `json:"all,omitempty"`
	Any   []*Cond `json:"any,omitempty"`
	Not   *Cond   `json:"not,omitempty"`
	Field string  `json:"field,omitempty"`
	Op    string  `json:"op,omitempty"` // is, equals, in, contains, contains_any, present

	Bool bool     `json:"bool,omitempty"`   // is, present
	Strs []string `json:"values,omitempty"` // equals (one), in, contains (one), contains_any
	Ref  *refPat  `json:"ref,omitempty"`    // contains on use.annex_iii

	Line int `json:"-"`
}

// refPat matches Annex III references: an area, and a point unless Point is "".
type refPat struct {
	Area  int    `json:"area"`
	Point string `json:"point,omitempty"`
}

// kind is the shape of a profile field.
type kind int

const (
	kBool    kind = iota // a bool
	kString              // a string
	kStrings             // a list of strings
	kRefs                // the list of Annex III references
	kPresent             // an optional struct: only its presence is tested
)

// ops lists the operators each kind of field takes.
var ops = map[kind][]string{
	kBool:    {"is"},
	kString:  {"equals", "in"},
	kStrings: {"contains", "contains_any", "present"},
	kRefs:    {"contains", "present"},
	kPresent: {"present"},
}

// field is a profile field the rules may read: its kind, the closed
// vocabulary of its values (if any), and how to read it.
type field struct {
	kind   kind
	vocab  []string
	parent string // an optional struct the field lives in; absent parent means the field is absent
	get    func(*profile.Profile) any
}

// soleRole is the value of the role field path: the profile's one role
// (role, or roles with one item); "" when it holds several, so that a rule
// "role equals deployer" (Art. 2(10)) holds only for an operator that is
// nothing but a deployer.
func soleRole(p *profile.Profile) any {
	if rs := p.RoleList(); len(rs) == 1 {
		return rs[0]
	}
	return ""
}

// Fields are the profile field paths the rules may name.
var fields = map[string]field{
	"role":                                     {kind: kString, vocab: Roles, get: soleRole},
	"use.annex_iii":                            {kind: kRefs, get: func(p *profile.Profile) any { return p.Use.AnnexIII }},
	"use.annex_i":                              {kind: kPresent, get: func(p *profile.Profile) any { return p.Use.AnnexI != nil }},
	"use.annex_i.legislation":                  {kind: kString, vocab: annexILegislation(), parent: "use.annex_i", get: func(p *profile.Profile) any { return p.Use.AnnexI.Legislation }},
	"use.annex_i.safety_component":             {kind: kBool, parent: "use.annex_i", get: func(p *profile.Profile) any { return p.Use.AnnexI.SafetyComponent }},
	"use.annex_i.third_party_assessment":       {kind: kBool, parent: "use.annex_i", get: func(p *profile.Profile) any { return p.Use.AnnexI.ThirdParty }},
	"use.practices":                            {kind: kStrings, vocab: Practices, get: func(p *profile.Profile) any { return p.Use.Practices }},
	"use.profiling":                            {kind: kBool, get: func(p *profile.Profile) any { return p.Use.Profiling }},
	"use.derogation":                           {kind: kStrings, vocab: Derogations, get: func(p *profile.Profile) any { return p.Use.Derogation }},
	"use.transparency":                         {kind: kStrings, vocab: TransparencySituations, get: func(p *profile.Profile) any { return p.Use.Transparency }},
	"use.general_purpose":                      {kind: kPresent, get: func(p *profile.Profile) any { return p.Use.GeneralPurpose != nil }},
	"use.general_purpose.model":                {kind: kBool, parent: "use.general_purpose", get: func(p *profile.Profile) any { return p.Use.GeneralPurpose.Model }},
	"use.general_purpose.systemic_risk":        {kind: kBool, parent: "use.general_purpose", get: func(p *profile.Profile) any { return p.Use.GeneralPurpose.SystemicRisk }},
	"use.general_purpose.built_on_third_party": {kind: kBool, parent: "use.general_purpose", get: func(p *profile.Profile) any { return p.Use.GeneralPurpose.BuiltOnThirdParty }},
	"use.exclusions":                           {kind: kStrings, vocab: Exclusions, get: func(p *profile.Profile) any { return p.Use.Exclusions }},
}

func annexILegislation() []string {
	return slices.Concat(AnnexISectionA, AnnexISectionB)
}

// FieldPaths returns the profile field paths the rules may name, sorted.
func FieldPaths() []string {
	out := make([]string, 0, len(fields))
	for k := range fields {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// match is the outcome of evaluating a condition: whether it holds, the
// profile field paths that decided it, and their values as text.
type match struct {
	ok     bool
	fields []string
	values []string
}

func (m *match) add(o match) {
	for i, f := range o.fields {
		if !slices.Contains(m.fields, f) {
			m.fields = append(m.fields, f)
			m.values = append(m.values, o.values[i])
		}
	}
}

// eval evaluates c on p. For All it reports the fields of every part when it
// holds and those of the failing parts when it does not; for Any, those of
// the holding parts, or of every part. Not reports its operand's fields.
func (c *Cond) eval(p *profile.Profile) match {
	switch {
	case c.All != nil:
		var yes, no match
		allOK := true
		for _, s := range c.All {
			r := s.eval(p)
			if r.ok {
				yes.add(r)
			} else {
				allOK = false
				no.add(r)
			}
		}
		if allOK {
			yes.ok = true
			return yes
		}
		return no
	case c.Any != nil:
		var yes, all match
		for _, s := range c.Any {
			r := s.eval(p)
			all.add(r)
			if r.ok {
				yes.ok = true
				yes.add(r)
			}
		}
		if yes.ok {
			return yes
		}
		return all
	case c.Not != nil:
		r := c.Not.eval(p)
		r.ok = !r.ok
		return r
	}
	return c.leaf(p)
}

func (c *Cond) leaf(p *profile.Profile) match {
	f := fields[c.Field]
	if f.parent != "" && !fields[f.parent].get(p).(bool) {
		return match{ok: false, fields: []string{f.parent}, values: []string{"absent"}}
	}
	v := f.get(p)
	one := func(ok bool, val string) match {
		return match{ok: ok, fields: []string{c.Field}, values: []string{val}}
	}
	switch c.Op {
	case "is":
		b := v.(bool)
		return one(b == c.Bool, strconv.FormatBool(b))
	case "equals", "in":
		s := v.(string)
		return one(slices.Contains(c.Strs, s), quoteEmpty(s))
	case "present":
		var n bool
		switch x := v.(type) {
		case bool:
			n = x
		case []string:
			n = len(x) > 0
		case []profile.AnnexIIIRef:
			n = len(x) > 0
		}
		val := "absent"
		if n {
			val = "present"
		}
		return one(n == c.Bool, val)
	case "contains", "contains_any":
		var m match
		switch x := v.(type) {
		case []string:
			for i, s := range x {
				if slices.Contains(c.Strs, s) {
					m.ok = true
					m.fields = append(m.fields, fmt.Sprintf("%s[%d]", c.Field, i))
					m.values = append(m.values, s)
				}
			}
		case []profile.AnnexIIIRef:
			for i, r := range x {
				if r.Area == c.Ref.Area && (c.Ref.Point == "" || r.Point == c.Ref.Point) {
					m.ok = true
					m.fields = append(m.fields, fmt.Sprintf("%s[%d]", c.Field, i))
					m.values = append(m.values, refString(r.Area, r.Point))
				}
			}
		}
		if !m.ok {
			return one(false, listString(v))
		}
		return m
	}
	return one(false, "unknown operator")
}

// listString writes a list field's content for a reason: "none" or
// "[a, b]".
func listString(v any) string {
	var parts []string
	switch x := v.(type) {
	case []string:
		parts = x
	case []profile.AnnexIIIRef:
		for _, r := range x {
			parts = append(parts, refString(r.Area, r.Point))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

func quoteEmpty(s string) string {
	if s == "" {
		return `""`
	}
	return s
}

// refString writes an Annex III reference as the Act does: 5(b), or 2.
func refString(area int, point string) string {
	if point == "" {
		return strconv.Itoa(area)
	}
	return fmt.Sprintf("%d(%s)", area, point)
}

// String writes c in a compact form for messages and docs.
func (c *Cond) String() string {
	join := func(name string, cs []*Cond) string {
		parts := make([]string, len(cs))
		for i, s := range cs {
			parts[i] = s.String()
		}
		return name + "(" + strings.Join(parts, ", ") + ")"
	}
	switch {
	case c.All != nil:
		return join("all", c.All)
	case c.Any != nil:
		return join("any", c.Any)
	case c.Not != nil:
		return "not(" + c.Not.String() + ")"
	}
	switch c.Op {
	case "is", "present":
		return fmt.Sprintf("%s %s %t", c.Field, c.Op, c.Bool)
	case "contains":
		if c.Ref != nil {
			return fmt.Sprintf("%s contains %s", c.Field, refString(c.Ref.Area, c.Ref.Point))
		}
		return fmt.Sprintf("%s contains %s", c.Field, strings.Join(c.Strs, ""))
	}
	return fmt.Sprintf("%s %s [%s]", c.Field, c.Op, strings.Join(c.Strs, " "))
}
