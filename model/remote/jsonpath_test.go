package remote

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func decode(t *testing.T, s string) any {
	t.Helper()
	var v any
	if err := json.Unmarshal([]byte(s), &v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestPathGet(t *testing.T) {
	doc := `{"a": {"b": [10, 20, {"c": "x"}]}, "r": [{"s": [1]}, {"s": [2]}], "odd key.": 5, "m": [[1, 2], [3, 4]]}`
	for _, tc := range []struct {
		path string
		want string // JSON
		err  string
	}{
		{"", doc, ""},
		{"$", doc, ""},
		{"a.b[1]", `20`, ""},
		{"$.a.b[2].c", `"x"`, ""},
		{"r[*].s", `[[1], [2]]`, ""},
		{"r[*].s[0]", `[1, 2]`, ""},
		{"m[*][1]", `[2, 4]`, ""},
		{`["odd key."]`, `5`, ""},
		{`$["a"]["b"][0]`, `10`, ""},
		{"a.z", "", `$.a has no member "z"`},
		{"a.b[3]", "", "index 3 out of range at $.a.b (length 3)"},
		{"a.b.c", "", "$.a.b is an array, not an object"},
		{"a[0]", "", "$.a is an object, not an array"},
		{"r[*].t", "", `$.r[*] has no member "t"`},
	} {
		p, err := ParsePath(tc.path)
		if err != nil {
			t.Fatalf("ParsePath(%q): %v", tc.path, err)
		}
		got, err := p.Get(decode(t, doc))
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want %q", tc.path, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.path, err)
			continue
		}
		if diff := cmp.Diff(decode(t, tc.want), got); diff != "" {
			t.Errorf("%q: %s", tc.path, diff)
		}
	}
}

func TestPathSet(t *testing.T) {
	for _, tc := range []struct {
		doc, path, want, err string
	}{
		{`{}`, "instances", `{"instances": [1]}`, ""},
		{`{"x": 1}`, "data.inputs", `{"x": 1, "data": {"inputs": [1]}}`, ""},
		{`{"a": [null, {"b": 2}]}`, "a[1].c", `{"a": [null, {"b": 2, "c": [1]}]}`, ""},
		{`[0, 0]`, "[1]", `[0, [1]]`, ""},
		{`{}`, "", `[1]`, ""},
		{`{"a": 3}`, "a.b", "", "$.a is a number, not an object"},
		{`{"a": []}`, "a[0]", "", "index 0 out of range"},
		{`{"a": []}`, "a[*]", "", "wildcard cannot be set"},
	} {
		p, err := ParsePath(tc.path)
		if err != nil {
			t.Fatal(err)
		}
		got, err := p.Set(decode(t, tc.doc), []any{1.0})
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%q: err = %v, want %q", tc.path, err, tc.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", tc.path, err)
		}
		if diff := cmp.Diff(decode(t, tc.want), got); diff != "" {
			t.Errorf("%q: %s", tc.path, diff)
		}
	}
}

func TestParsePathErrors(t *testing.T) {
	for _, s := range []string{
		".a", "a..b", "a.", "a[", "a[x]", "a[-1]", "a[1", `a["x`, `a["x"`, "a b", "$a", "a]",
		"a[99999999999]", `a["\q"]`, strings.Repeat("a", maxPathLen+1), "a.b.c[*]x",
	} {
		if p, err := ParsePath(s); err == nil {
			t.Errorf("ParsePath(%q) = %v, want an error", s, p.segs)
		}
	}
}
