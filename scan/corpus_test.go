package scan

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
)

var update = flag.Bool("update", false, "rewrite the golden files")

type expectation struct {
	Verdict string   `json:"verdict"` // malicious, suspicious, benign, policy
	Profile string   `json:"profile"`
	Rules   []string `json:"rules"`
	Note    string   `json:"note"`
}

func loadExpect(t testing.TB) map[string]expectation {
	t.Helper()
	data, err := os.ReadFile("testdata/corpus/expect.json")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]expectation
	if err := json.Unmarshal(data, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// TestCorpus scans every file of the corpus that tools/make_scan_corpus.py
// built, with the profile expect.json names, and checks: each malicious
// file has a finding at high or above and the rules expected for it; each
// benign file has no finding at medium or above (a false alarm) and the
// rules expected for it; each policy file has its rules. The per-file
// results are the golden testdata/corpus-results.txt.
func TestCorpus(t *testing.T) {
	exp := loadExpect(t)
	names := make([]string, 0, len(exp))
	for n := range exp {
		names = append(names, n)
	}
	sort.Strings(names)
	var out strings.Builder
	counts := map[string][2]int{} // verdict -> files, flagged at >= high (malicious) / >= medium (benign)
	for _, name := range names {
		e := exp[name]
		al, err := NewAllowList(strings.Split(e.Profile, ","), nil)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		rep, err := New(Options{Allow: al}).Paths(context.Background(), []string{filepath.Join("testdata/corpus", name)})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		got := map[string]bool{}
		for _, f := range rep.Findings {
			got[f.Rule] = true
		}
		var rules []string
		for r := range got {
			rules = append(rules, r)
		}
		sort.Strings(rules)
		for _, r := range e.Rules {
			if !got[r] {
				t.Errorf("%s (%s): rule %s not reported; got %v", name, e.Note, r, rules)
			}
		}
		c := counts[e.Verdict]
		c[0]++
		switch e.Verdict {
		case "malicious":
			if rep.AtOrAbove(aiassure.High) > 0 {
				c[1]++
			} else {
				t.Errorf("%s (%s): missed: no finding at high or above; got %v", name, e.Note, rules)
			}
		case "benign":
			if n := rep.AtOrAbove(aiassure.Medium); n > 0 {
				c[1]++
				t.Errorf("%s (%s): %d false alarms at medium or above: %v", name, e.Note, n, rules)
			}
		case "suspicious":
			if rep.AtOrAbove(aiassure.Medium) > 0 {
				c[1]++
			} else {
				t.Errorf("%s (%s): missed: no finding at medium or above; got %v", name, e.Note, rules)
			}
		default:
			if rep.AtOrAbove(aiassure.High) > 0 {
				c[1]++
			}
		}
		counts[e.Verdict] = c
		worst := rep.Worst()
		if worst == "" {
			worst = "none"
		}
		fmt.Fprintf(&out, "%-9s %-8s %-52s %s\n", e.Verdict, worst, name, strings.Join(rules, " "))
	}
	fmt.Fprintf(&out, "\nmalicious: %d files, %d detected (a finding at high or above)\n", counts["malicious"][0], counts["malicious"][1])
	fmt.Fprintf(&out, "suspicious: %d files, %d reported (a finding at medium or above)\n", counts["suspicious"][0], counts["suspicious"][1])
	fmt.Fprintf(&out, "benign: %d files, %d false alarms (a finding at medium or above)\n", counts["benign"][0], counts["benign"][1])
	fmt.Fprintf(&out, "policy: %d files, %d flagged at high or above\n", counts["policy"][0], counts["policy"][1])
	golden(t, "testdata/corpus-results.txt", out.String())
}

func golden(t *testing.T, path, got string) {
	t.Helper()
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./scan -update)", err)
	}
	if string(want) != got {
		t.Errorf("%s differs (go test ./scan -update rewrites it):\n%s", path, diffLines(string(want), got))
	}
}

func diffLines(a, b string) string {
	al, bl := strings.Split(a, "\n"), strings.Split(b, "\n")
	var d []string
	for _, l := range bl {
		if !slices.Contains(al, l) {
			d = append(d, "+ "+l)
		}
	}
	for _, l := range al {
		if !slices.Contains(bl, l) {
			d = append(d, "- "+l)
		}
	}
	return strings.Join(d, "\n")
}
