package yamlx

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// FuzzDecode checks that no input panics, that failures always come back
// as Errors within the cap, and that decoding is deterministic.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{
		"count: 1\ntags: [a, b]\nassets:\n  - id: a\n    exposure: {public: true, rate_limit: 3}\n",
		"a: &a [x]\nb: [*a, *a]\n",
		"<<: {count: 1}\nversion: 2\n",
		"labels: {x: 1, x: 2}\n",
		"- 1\n- 2\n",
		"? [a]\n: b\n",
		"tags: &a [*a]\n",
		"ratio: .inf\nsmall: 999\n",
		"---\n---\n",
		"",
	} {
		f.Add([]byte(s))
	}
	// Seed with the profile test documents too.
	files, _ := filepath.Glob("../../profile/testdata/*/*.yaml")
	for _, name := range files {
		if b, err := os.ReadFile(name); err == nil {
			f.Add(b)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var d1, d2 doc
		pos, err1 := Decode("fuzz.yaml", data, &d1)
		_, err2 := Decode("fuzz.yaml", data, &d2)
		if (err1 == nil) != (err2 == nil) || err1 != nil && err1.Error() != err2.Error() {
			t.Fatalf("not deterministic:\n%v\n---\n%v", err1, err2)
		}
		if err1 == nil {
			if pos == nil {
				t.Fatal("nil positions without error")
			}
			return
		}
		var es Errors
		if !errors.As(err1, &es) {
			t.Fatalf("error is %T, not Errors: %v", err1, err1)
		}
		if len(es) == 0 || len(es) > DefaultMaxErrors+1 {
			t.Fatalf("%d errors", len(es))
		}
		for _, e := range es {
			if e.File != "fuzz.yaml" || e.Msg == "" {
				t.Fatalf("malformed error %+v", e)
			}
		}
	})
}
