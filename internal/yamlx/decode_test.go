package yamlx

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

type Name string

type exposure struct {
	Public    bool `yaml:"public"`
	RateLimit int  `yaml:"rate_limit,omitempty"`
}

type asset struct {
	ID       string    `yaml:"id"`
	Kind     Name      `yaml:"kind"`
	Exposure *exposure `yaml:"exposure,omitempty"`
}

type Common struct {
	Note string `yaml:"note,omitempty"`
}

type doc struct {
	Common  `yaml:",inline"`
	Version string            `yaml:"version"`
	Count   int               `yaml:"count"`
	Small   int8              `yaml:"small"`
	Size    uint              `yaml:"size"`
	Ratio   float64           `yaml:"ratio"`
	On      bool              `yaml:"on"`
	Tags    []string          `yaml:"tags"`
	Labels  map[string]string `yaml:"labels"`
	Assets  []asset           `yaml:"assets"`
	Skip    string            `yaml:"-"`
	Plain   string
	hidden  string // unexported: the decoder must leave it alone
}

func TestDecodeGood(t *testing.T) {
	src := `
note: hi
version: 1.10
count: 0x10
small: -3
size: 7
ratio: 0.5
on: true
tags: [a, b]
labels: {x: "1", y: 2024-01-02}
plain: p
base: &base {public: true}
assets:
  - id: a1
    kind: model
    exposure:
      <<: *base
      rate_limit: 5
  - id: a2
    kind: dataset
    exposure: null
`
	var got doc
	// base is unknown; decode into a struct that has it via a wrapper map.
	_, err := Decode("f.yaml", []byte(strings.Replace(src, "base: &base {public: true}\n", "", 1)+"\n"), &got)
	if err == nil || !strings.Contains(err.Error(), `unknown anchor`) {
		t.Fatalf("want unknown anchor error, got %v", err)
	}
	type withBase struct {
		doc  `yaml:",inline"`
		Base map[string]bool `yaml:"base"`
	}
	var wb withBase
	pos, err := Decode("f.yaml", []byte(src), &wb)
	if err != nil {
		t.Fatal(err)
	}
	want := doc{
		Common: Common{Note: "hi"}, Version: "1.10", Count: 16, Small: -3, Size: 7, Ratio: 0.5, On: true,
		Tags: []string{"a", "b"}, Labels: map[string]string{"x": "1", "y": "2024-01-02"}, Plain: "p",
		Assets: []asset{
			{ID: "a1", Kind: "model", Exposure: &exposure{Public: true, RateLimit: 5}},
			{ID: "a2", Kind: "dataset"},
		},
	}
	if diff := cmp.Diff(want, wb.doc, cmp.AllowUnexported(doc{})); diff != "" {
		t.Errorf("decode (-want +got):\n%s", diff)
	}
	for path, want := range map[string]Pos{
		"":                              {2, 1},
		"version":                       {3, 10},
		"assets[0].exposure.rate_limit": {18, 19},
		"assets[1].kind":                {20, 11},
		"assets[0].exposure.public":     {12, 22},
	} {
		if got := pos[path]; got != want {
			t.Errorf("pos[%q] = %v, want %v", path, got, want)
		}
	}
	if p, exact := pos.Near("assets[1].exposure.rate_limit"); exact || p != (Pos{21, 15}) {
		t.Errorf("Near = %v %v", p, exact)
	}
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, src string
		want      []string
	}{
		{"unknown field", "verison: x\n", []string{`f.yaml:1:1: verison: unknown field "verison"; did you mean "version"?`}},
		{"unknown no suggestion", "zzzzzzzz: x\n", []string{`f.yaml:1:1: zzzzzzzz: unknown field "zzzzzzzz"; known fields: note, version, count, small, size, ratio, on, tags, labels, assets, plain`}},
		{"nested path", "assets:\n  - id: a\n  - id: b\n    exposure:\n      rate-limit: 3\n", []string{`f.yaml:5:7: assets[1].exposure.rate-limit: unknown field "rate-limit"; did you mean "rate_limit"?`}},
		{"bad int", "count: abc\n", []string{`f.yaml:1:8: count: expected an integer, got the string "abc"`}},
		{"float for int", "count: 1.5\n", []string{`f.yaml:1:8: count: expected an integer, got the number 1.5`}},
		{"overflow", "small: 300\n", []string{`f.yaml:1:8: small: integer 300 is out of range`}},
		{"negative uint", "size: -1\n", []string{`f.yaml:1:7: size: integer -1 is out of range (must be 0 or more)`}},
		{"nan", "ratio: .nan\n", []string{`f.yaml:1:8: ratio: number .nan is not a finite value`}},
		{"bool for string", "version: true\n", []string{`f.yaml:1:10: version: expected a string, got the boolean true; quote it if you mean the text`}},
		{"string for bool", "on: yes\n", []string{`f.yaml:1:5: on: expected a boolean (true or false), got the string "yes"`}},
		{"map for list", "tags: {a: b}\n", []string{`f.yaml:1:7: tags: expected a list, got a mapping`}},
		{"list for struct", "assets: [[1]]\n", []string{`f.yaml:1:10: assets[0]: expected a mapping, got a list`}},
		{"scalar for map", "labels: x\n", []string{`f.yaml:1:9: labels: expected a mapping, got the string "x"`}},
		{"duplicate", "count: 1\ncount: 2\n", []string{`f.yaml:2:1: count: duplicate key "count" (first at line 1)`}},
		{"binary", "version: !!binary aGk=\n", []string{`f.yaml:1:10: version: expected a string, got a value tagged !!binary`}},
		{"complex key", "? [a]\n: b\n", []string{`f.yaml:1:3: mapping key is a list; keys must be plain strings`}},
		{"odd key path", "labels: {\"a b\": [1]}\n", []string{`f.yaml:1:17: labels["a b"]: expected a string, got a list`}},
		{"top-level list", "- a\n", []string{`f.yaml:1:1: expected a mapping, got a list`}},
		{"empty", "# nothing\n", []string{`f.yaml: empty document`}},
		{"two docs", "count: 1\n---\ncount: 2\n", []string{`f.yaml:2:1: more than one document; a file holds one`}},
		{"syntax", "tags: [a, b\n", []string{`f.yaml:1:1: syntax error: did not find expected ',' or ']'`}},
		{"many", "count: x\nsmall: y\nassets: 3\nfoo: 1\n", []string{
			`f.yaml:1:8: count: expected an integer, got the string "x"`,
			`f.yaml:2:8: small: expected an integer, got the string "y"`,
			`f.yaml:3:9: assets: expected a list, got the integer 3`,
			`f.yaml:4:1: foo: unknown field "foo"; known fields: note, version, count, small, size, ratio, on, tags, labels, assets, plain`,
		}},
		{"self alias", "tags: &a [*a]\n", []string{`f.yaml:1:7: tags[0]: expected a string, got a list`}},
		{"deep", "assets:" + strings.Repeat(" [", 70) + strings.Repeat("]", 70) + "\n", []string{`f.yaml:1:11: assets[0]: expected a mapping, got a list`}},
		{"bad merge", "<<: 3\n", []string{`f.yaml:1:5: merge key (<<) needs a mapping or a list of mappings, got the integer 3`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d doc
			_, err := Decode("f.yaml", []byte(tt.src), &d)
			var es Errors
			if !errors.As(err, &es) {
				t.Fatalf("error %v (%T) is not Errors", err, err)
			}
			var got []string
			for _, e := range es {
				got = append(got, e.Error())
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("errors (-want +got):\n%s", diff)
			}
			var first *Error
			if !errors.As(err, &first) || first != es[0] {
				t.Errorf("errors.As(*Error) did not find the first error")
			}
		})
	}
}

func TestLimits(t *testing.T) {
	var laughs strings.Builder
	laughs.WriteString("a: &a [x, x, x, x, x, x, x, x, x, x]\n")
	prev := "a"
	for _, name := range []string{"b", "c", "d", "e", "f", "g", "h", "i"} {
		laughs.WriteString(name + ": &" + name + " [")
		for i := range 10 {
			if i > 0 {
				laughs.WriteString(", ")
			}
			laughs.WriteString("*" + prev)
		}
		laughs.WriteString("]\n")
		prev = name
	}
	var m struct {
		A []string                 `yaml:"a"`
		B [][]string               `yaml:"b"`
		C [][][]string             `yaml:"c"`
		D [][][][]string           `yaml:"d"`
		E [][][][][]string         `yaml:"e"`
		F [][][][][][]string       `yaml:"f"`
		G [][][][][][][]string     `yaml:"g"`
		H [][][][][][][][]string   `yaml:"h"`
		I [][][][][][][][][]string `yaml:"i"`
	}
	_, err := Decode("bomb.yaml", []byte(laughs.String()), &m)
	if err == nil || !strings.Contains(err.Error(), "document expands to more than 100000 values") {
		t.Errorf("billion laughs: got %v", err)
	}

	nested := "tags:" + strings.Repeat(" [", 100) + strings.Repeat("]", 100) + "\n"
	var deep map[string]any
	_, err = Decode("deep.yaml", []byte(nested), &deep)
	if err == nil {
		t.Errorf("deep nesting into any: want error")
	}
	type tree struct {
		Kids []*tree `yaml:"k"`
	}
	var tr tree
	_, err = Decode("deep.yaml", []byte("k:"+strings.Repeat(" [{k:", 70)+strings.Repeat("}]", 70)+"\n"), &tr)
	if err == nil || !strings.Contains(err.Error(), "nested more than 64 levels deep") {
		t.Errorf("deep tree: got %v", err)
	}

	_, err = DecodeLimits("big.yaml", []byte("count: 1\n"), &doc{}, Limits{MaxBytes: 4})
	if want := "big.yaml: document is 9 bytes, over the limit of 4"; err == nil || err.Error() != want {
		t.Errorf("size limit: got %v, want %s", err, want)
	}

	var many strings.Builder
	for i := range 80 {
		many.WriteString("x" + strings.Repeat("y", i) + ": 1\n")
	}
	_, err = Decode("many.yaml", []byte(many.String()), &doc{})
	var es Errors
	if !errors.As(err, &es) || len(es) != DefaultMaxErrors+1 || es[len(es)-1].Msg != msgTooMany {
		t.Errorf("error cap: got %d errors", len(es))
	}
}

func TestNotPointer(t *testing.T) {
	var d doc
	if _, err := Decode("f", []byte("count: 1"), d); err == nil {
		t.Error("want error decoding into a non-pointer")
	}
	if _, err := Decode("f", []byte("count: 1"), nil); err == nil {
		t.Error("want error decoding into nil")
	}
}

func TestSuggest(t *testing.T) {
	tests := []struct {
		word string
		want string
	}{
		{"provder", "provider"},
		{"Provider", "provider"},
		{"rate-limit", "rate_limit"},
		{"xyz", ""},
		{"provider", ""},
	}
	for _, tt := range tests {
		if got := Suggest(tt.word, []string{"provider", "deployer", "rate_limit"}); got != tt.want {
			t.Errorf("Suggest(%q) = %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestErrorFormat(t *testing.T) {
	tests := []struct {
		e    Error
		want string
	}{
		{Error{File: "f", Line: 2, Col: 3, Path: "a.b", Msg: "m"}, "f:2:3: a.b: m"},
		{Error{File: "f", Msg: "m"}, "f: m"},
		{Error{Line: 1, Col: 1, Msg: "m"}, "1:1: m"},
		{Error{Path: "p", Msg: "m"}, "p: m"},
	}
	for _, tt := range tests {
		if got := tt.e.Error(); got != tt.want {
			t.Errorf("got %q, want %q", got, tt.want)
		}
	}
	es := Errors{{File: "f", Line: 3, Col: 1, Msg: "b"}, {File: "f", Msg: "c"}, {File: "f", Line: 1, Col: 2, Msg: "a"}}
	es.Sort()
	if got, want := es.Error(), "f:1:2: a\nf:3:1: b\nf: c"; got != want {
		t.Errorf("sorted = %q, want %q", got, want)
	}
	if (Errors{}).Err() != nil {
		t.Error("empty Errors.Err() should be nil")
	}
}

func TestMergeBomb(t *testing.T) {
	var b strings.Builder
	b.WriteString("a0: &a0 {")
	for i := range 500 {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("k" + strconv.Itoa(i) + ": 1")
	}
	b.WriteString("}\n")
	prev := "a0"
	for i := 1; i < 12; i++ {
		name := "a" + strconv.Itoa(i)
		b.WriteString(name + ": &" + name + " {<<: [")
		for j := range 20 {
			if j > 0 {
				b.WriteString(", ")
			}
			b.WriteString("*" + prev)
		}
		b.WriteString("]}\n")
		prev = name
	}
	var m map[string]map[string]int
	_, err := Decode("merge.yaml", []byte(b.String()), &m)
	if err == nil || !strings.Contains(err.Error(), "document expands to more than") {
		t.Errorf("merge bomb: got %v", err)
	}
}
