package catalog

import (
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/aiassure/aiassure"
)

func TestCite(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	aiAct := "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32024R1689"
	tests := []struct {
		src  string
		want Citation
	}{
		{"enisa:4.1", Citation{Label: "ENISA report, section 4.1 (p. 16)", Title: ENISAReportTitle, URL: ENISAReportURL}},
		{"enisa:table-1", Citation{Label: "ENISA report, table 1 (p. 16)", Title: ENISAReportTitle, URL: ENISAReportURL}},
		{"enisa:table-3", Citation{Label: "ENISA report, table 3 (p. 20)", Title: ENISAReportTitle, URL: ENISAReportURL}},
		{"enisa:annex-a.2", Citation{Label: "ENISA report, annex A.2", Title: ENISAReportTitle, URL: ENISAReportURL}},
		{"enisa:fn-9", Citation{Label: "ENISA report, footnote 9 (p. 16)", Title: ENISAReportTitle, URL: ENISAReportURL}},
		{"enisa:box-3", Citation{Label: "ENISA report, box 3 (p. 18)", Title: ENISAReportTitle, URL: ENISAReportURL}},
		{"enisa:2.2", Citation{Label: "ENISA report, section 2.2", Title: ENISAReportTitle, URL: ENISAReportURL}},
		{"enisa:exec-summary", Citation{Label: "ENISA report, executive summary", Title: ENISAReportTitle, URL: ENISAReportURL}},
		{"enisa:annex-a.1 (edition as listed); not re-checked", Citation{Label: "ENISA report, annex A.1 (p. 27)", Title: ENISAReportTitle, URL: ENISAReportURL, Note: "(edition as listed); not re-checked"}},
		{"enisa:9.9", Citation{Label: "enisa:9.9"}},
		{"OJ L 2024/1689 Art. 15(5)", Citation{Label: "AI Act Art. 15(5)", Title: acts[0].title, URL: aiAct + "#art_15"}},
		{"Regulation (EU) 2024/1689 Art. 15(3)", Citation{Label: "AI Act Art. 15(3)", Title: acts[0].title, URL: aiAct + "#art_15"}},
		{"AI Act Art. 5(1) (not binding on this system as classified)", Citation{Label: "AI Act Art. 5(1)", Title: acts[0].title, URL: aiAct + "#art_5", Note: "not binding on this system as classified"}},
		{"OJ L 2024/1689 Art. 6(2) and Annex III point 1(a)", Citation{Label: "AI Act Art. 6(2)", Title: acts[0].title, URL: aiAct + "#art_6", Note: "and Annex III point 1(a)"}},
		{"AI Act Annex III point 4(a)", Citation{Label: "AI Act Annex III point 4(a)", Title: acts[0].title, URL: aiAct + "#anx_III"}},
		{"OJ L 2024/1689", Citation{Label: acts[0].title, Title: acts[0].title, URL: "https://eur-lex.europa.eu/eli/reg/2024/1689/oj"}},
		{"OJ L 2024/2847 Annex I Part I(2)(f)", Citation{Label: "CRA Annex I Part I(2)(f)", Title: acts[1].title, URL: "https://eur-lex.europa.eu/eli/reg/2024/2847/oj"}},
		{"OJ L 151, 7.6.2019, Reg. (EU) 2019/881 Art. 52(5)", Citation{Label: "Cybersecurity Act Art. 52(5)", Title: acts[2].title, URL: "https://eur-lex.europa.eu/eli/reg/2019/881/oj"}},
		{"Reg. (EU) 2026/1744 (Digital Omnibus on AI), OJ 2026-07-24", Citation{Label: acts[3].title, Title: acts[3].title, URL: "https://eur-lex.europa.eu/eli/reg/2026/1744/oj", Note: "(Digital Omnibus on AI), OJ 2026-07-24"}},
		{"Directive (EU) 2022/2555", Citation{Label: acts[5].title, Title: acts[5].title, URL: "https://eur-lex.europa.eu/eli/dir/2022/2555/oj"}},
		{"ISO/IEC 27090, status per a secondary tracker; not re-verified", Citation{Label: "ISO/IEC 27090", Title: mustStd(t, c, "iso-iec-27090").Title, URL: "https://www.iso.org/standard/56581.html", Note: "status per a secondary tracker; not re-verified"}},
		{"ISO/IEC 22989:2022 clause 5, trustworthiness subclauses", Citation{Label: "ISO/IEC 22989:2022, clause 5", Title: mustStd(t, c, "iso-iec-22989").Title, URL: "https://www.iso.org/search.html?q=ISO%2FIEC+22989", Note: "trustworthiness subclauses"}},
		{"ISO/IEC 27001", Citation{Label: "ISO/IEC 27001:2022", Title: mustStd(t, c, "iso-iec-27001").Title, URL: "https://www.iso.org/standard/82875.html"}},
		{"ETSI TS 102 165-1", Citation{Label: "ETSI TS 102 165-1", Title: mustStd(t, c, "etsi-ts-102-165-1").Title, URL: "https://www.etsi.org/deliver/etsi_ts/102100_102199/10216501/"}},
		{"ETSI GR SAI 006", Citation{Label: "ETSI GR SAI 006", Title: mustStd(t, c, "etsi-gr-sai-006").Title, URL: "https://www.etsi.org/deliver/etsi_gr/SAI/001_099/006/"}},
		{"ETSI EN 304 223", Citation{Label: "ETSI EN 304 223 V2.1.1", Title: mustStd(t, c, "etsi-en-304-223").Title, URL: "https://www.etsi.org/deliver/etsi_en/304200_304299/304223/"}},
		{"NIST AI 100-2 E2025", Citation{Label: "NIST AI 100-2 E2025", Title: mustStd(t, c, "nist-ai-100-2").Title, URL: "https://doi.org/10.6028/NIST.AI.100-2e2025"}},
		{"prEN 18282", Citation{Label: "prEN 18282", Title: mustStd(t, c, "cen-clc-en-18282").Title, URL: "https://www.cencenelec.eu/areas-of-work/cen-cenelec-topics/artificial-intelligence/"}},
		{"MITRE ATLAS AML.T0043.000", Citation{Label: "MITRE ATLAS AML.T0043.000", Title: "MITRE ATLAS technique AML.T0043.000", URL: "https://atlas.mitre.org/techniques/AML.T0043.000"}},
		{"OWASP ML Top 10 2023 ML05", Citation{Label: "OWASP Machine Learning Security Top 10 (2023), ML05", Title: "OWASP Machine Learning Security Top 10", URL: "https://owasp.org/www-project-machine-learning-security-top-10/"}},
		{"https://arxiv.org/abs/1902.02918", Citation{Label: "arxiv.org/abs/1902.02918", URL: "https://arxiv.org/abs/1902.02918"}},
		{"profile performance[0]", Citation{Label: "profile performance[0]"}},
		{"ISO/IEC 270011", Citation{Label: "ISO/IEC 270011"}}, // not a designation: no partial match
		{"research:standards-landscape.md §2", Citation{Label: "research:standards-landscape.md §2"}},
		{"seed:4.1", Citation{Label: "seed:4.1"}},
		{"", Citation{}},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			if got := c.Cite(tt.src); got != tt.want {
				t.Errorf("Cite(%q)\n got %+v\nwant %+v", tt.src, got, tt.want)
			}
		})
	}
}

func mustStd(t *testing.T, c *Catalog, id string) Standard {
	t.Helper()
	s, ok := c.Standard(aiassure.StandardID(id))
	if !ok {
		t.Fatalf("no standard %s", id)
	}
	return s
}

func TestProvision(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	for in, want := range map[string]string{
		"Art. 15(5)":                        "AI Act Art. 15(5)",
		"Art. 12":                           "AI Act Art. 12",
		"AI Act Art. 15(4)":                 "AI Act Art. 15(4)",
		"Regulation (EU) 2024/1689 Art. 10": "AI Act Art. 10",
	} {
		got := c.Provision(in)
		if got.Label != want || !strings.HasPrefix(got.URL, "https://eur-lex.europa.eu/legal-content/EN/TXT/?uri=CELEX:32024R1689#art_") {
			t.Errorf("Provision(%q) = %+v, want label %q and an EUR-Lex article URL", in, got, want)
		}
	}
	// Every AI Act requirement of the catalogue cites as a provision.
	for _, r := range c.Requirements {
		if r.Regulation != "eu-ai-act" {
			continue
		}
		if ct := c.Provision(r.Article); !strings.HasPrefix(ct.Label, "AI Act "+r.Article) || ct.URL == "" {
			t.Errorf("%s: Provision(%q) = %+v", r.ID, r.Article, ct)
		}
	}
}

func TestCiteClause(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	got := c.CiteClause(Clause{Standard: "iso-iec-27001", Clause: "A.5.23"})
	if got.Label != "ISO/IEC 27001:2022, Annex A.5.23" || got.URL != "https://www.iso.org/standard/82875.html" {
		t.Errorf("CiteClause = %+v", got)
	}
	for _, ct := range c.Controls {
		for _, cl := range ct.Clauses {
			if got := c.CiteClause(cl); got.URL == "" {
				t.Errorf("%s: clause %+v cites %+v without a URL", ct.ID, cl, got)
			}
		}
	}
}

// internal matches what a reader must never see: internal notes, the seed
// key, paths of the development machine.
var internal = regexp.MustCompile(`research:|\bseed:|/shared/|\.\./shared|research notes?|\b[Tt]he seed\b`)

// internalDoc is internal for documents, where "the seed" of a random
// generator is a word of their own: the ENISA report named as the seed is
// "the seed's" or "The seed".
var internalDoc = regexp.MustCompile(`research:|\bseed:|/shared/|\.\./shared|research notes?|\b[Tt]he seed's|\bThe seed\b`)

// TestSourcesPublic renders every source of the shipped catalogue as a
// citation: each has a URL, and neither the source nor its citation names an
// internal note, the seed or a path users do not have.
func TestSourcesPublic(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, rows := range [][]any{anys(c.Standards), anys(c.Threats), anys(c.Requirements), anys(c.Crosswalk),
		anys(c.Characteristics), anys(c.Controls), anys(c.Gaps), anys(c.Recommendations), anys(c.Glossary), anys(c.Matrices)} {
		for _, r := range rows {
			for _, s := range sourcesOf(r) {
				n++
				ct := c.Cite(s)
				if ct.URL == "" {
					t.Errorf("source %q: no URL", s)
				}
				if u, err := url.Parse(ct.URL); err != nil || u.Scheme != "https" || u.Host == "" {
					t.Errorf("source %q: URL %q is not an https address", s, ct.URL)
				}
				for _, x := range []string{s, ct.Label, ct.Title, ct.Note} {
					if m := internal.FindString(x); m != "" {
						t.Errorf("source %q: %q mentions %q", s, x, m)
					}
				}
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d sources walked; the walk misses fields", n)
	}
}

func anys[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}

// TestSourceUnresolved checks that catalogue validation rejects a source that
// does not resolve, with its file and line.
func TestSourceUnresolved(t *testing.T) {
	schemas, err := Schemas()
	if err != nil {
		t.Fatal(err)
	}
	fs := fstest.MapFS{"catalog.yaml": {Data: []byte("version: 1.0.0\nchangelog: []\n")}}
	for name, b := range schemas {
		fs["schema/"+name] = &fstest.MapFile{Data: b}
	}
	fs["threats.yaml"] = &fstest.MapFile{Data: []byte(`threats:
  - id: evasion
    name: Evasion
    ai_specific: true
    description: d
    goals: [integrity]
    phases: [operation]
    assets: [model]
    knowledge: black-box
    access: [query]
    attack_potential: {elapsed_time: le-1-week, expertise: proficient, knowledge: public, window: easy, equipment: standard}
    sources: [enisa:table-1, "research:notes.md §1"]
`)}
	_, err = LoadFS(fs)
	want := `threats.yaml:2: source "research:notes.md §1" does not resolve`
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("LoadFS: %v; want an error containing %q", err, want)
	}
}

// docExceptions are lines of documents other work owns that still point at
// internal material; each must still be there (so the list shrinks when they
// are fixed) and nothing else may.
var docExceptions = map[string]bool{}

// TestDocsPublic checks that no document a user reads points at internal
// notes, the seed or paths a user does not have.
func TestDocsPublic(t *testing.T) {
	files, err := filepath.Glob("../docs/*.md")
	if err != nil || len(files) == 0 {
		t.Fatalf("no docs found: %v", err)
	}
	seen := map[string]bool{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for i, line := range strings.Split(string(b), "\n") {
			if m := internalDoc.FindString(line); m != "" {
				at := strings.TrimPrefix(filepath.ToSlash(f), "../") + ":" + strconv.Itoa(i+1)
				if docExceptions[at] {
					seen[at] = true
					continue
				}
				t.Errorf("%s: mentions %q: %s", at, m, line)
			}
		}
	}
	for at := range docExceptions {
		if !seen[at] {
			t.Errorf("%s is fixed: remove it from docExceptions", at)
		}
	}
}

// FuzzCite checks that Cite never panics, always labels a non-blank source
// and only returns https addresses that parse.
func FuzzCite(f *testing.F) {
	for _, s := range []string{"enisa:4.1", "enisa:fn-9; note", "OJ L 2024/1689 Art. 15(5)", "AI Act Annex III point 1(a)",
		"OJ L 151, 7.6.2019, Reg. (EU) 2019/881 Art. 52(5)", "ISO/IEC 27001:2022 clause 6.1.3", "ETSI TS 102 165-1",
		"MITRE ATLAS AML.T0043.000", "OWASP ML Top 10 2023 ML01", "https://example.org/x (note)", "Regulation (EU) No 526/2013"} {
		f.Add(s)
	}
	c, err := Load()
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ct := c.Cite(s)
		if strings.TrimSpace(s) != "" && ct.Label == "" {
			t.Errorf("Cite(%q): empty label", s)
		}
		if ct.URL != "" {
			if u, err := url.Parse(ct.URL); err != nil || (u.Scheme != "https" && u.Scheme != "http") {
				t.Errorf("Cite(%q): URL %q does not parse", s, ct.URL)
			}
		}
	})
}
