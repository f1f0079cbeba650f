package catalog

import (
	"bufio"
	"fmt"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/google/go-cmp/cmp"
)

// The tests of this file prove that the catalogue reproduces the seed's annex
// A.1 to A.4 and every standard its body names. The expected rows are
// transcribed from the seed text into testdata/seed (annex-a1.txt,
// annex-a2.txt, annex-a3.tsv, annex-a4.tsv, named-in-body.txt), independently
// of catalog/data.

var annexCat struct {
	once sync.Once
	c    *Catalog
	err  error
}

// annexCatalog loads the embedded catalogue once for this file's tests.
func annexCatalog(t *testing.T) *Catalog {
	t.Helper()
	annexCat.once.Do(func() { annexCat.c, annexCat.err = Load() })
	if annexCat.err != nil {
		t.Fatalf("load: %v", annexCat.err)
	}
	return annexCat.c
}

// seedLine is one non-comment line of a transcription file.
type seedLine struct {
	n    int
	cols []string
}

// readSeedFile reads a tab-separated transcription, skipping blank lines and
// '#' comments. Each line has between min and max columns; missing trailing
// columns read as "".
func readSeedFile(t *testing.T, path string, min, max int) []seedLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []seedLine
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cols := strings.Split(line, "\t")
		if len(cols) < min || len(cols) > max {
			t.Fatalf("%s:%d: %d columns, want %d to %d", path, n, len(cols), min, max)
		}
		for len(cols) < max {
			cols = append(cols, "")
		}
		out = append(out, seedLine{n: n, cols: cols})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// seedDesignationID turns a designation as the seed prints it into a
// catalogue ID by the ID conventions: no year, edition, amendment or
// corrigendum; no stage prefix (AWI, CD, DIS, FDIS; DTR, DTS and DGR become
// TR, TS and GR); punctuation becomes '-'; ETSI deliverables printed without
// "ETSI" get it; ETSI SAI numbers have three digits; a series suffix "-x" goes.
func seedDesignationID(d string) string {
	s := strings.ToLower(strings.TrimSpace(d))
	if i := strings.IndexByte(s, ':'); i >= 0 {
		s = s[:i]
	}
	for _, p := range []string{"tr ", "ts ", "en ", "gr "} {
		if strings.HasPrefix(s, p) {
			s = "etsi " + s
			break
		}
	}
	s = strings.NewReplacer("/", " ", "-", " ", ",", " ").Replace(s)
	var out []string
	for _, tok := range strings.Fields(s) {
		switch tok {
		case "awi", "cd", "dis", "fdis", "wd":
			continue
		case "dtr":
			tok = "tr"
		case "dts":
			tok = "ts"
		case "dgr":
			tok = "gr"
		}
		if len(out) > 0 && out[len(out)-1] == "sai" && len(tok) > 3 && strings.Trim(tok, "0123456789") == "" {
			tok = strings.TrimLeft(tok, "0")
			for len(tok) < 3 {
				tok = "0" + tok
			}
		}
		out = append(out, tok)
	}
	if n := len(out); n > 1 && out[n-1] == "x" {
		out = out[:n-1]
	}
	return strings.Join(out, "-")
}

func TestSeedDesignationID(t *testing.T) {
	for in, want := range map[string]string{
		"ISO/IEC 27001:2013/Cor 2:2015": "iso-iec-27001",
		"ISO/IEC CD TR 27563":           "iso-iec-tr-27563",
		"ISO/IEC AWI TS 29119-11":       "iso-iec-ts-29119-11",
		"ISO/TR 22100-5:2021":           "iso-tr-22100-5",
		"ISO/IEC/IEEE 42010":            "iso-iec-ieee-42010",
		"ETSI DGR/SAI-0011":             "etsi-gr-sai-011",
		"ETSI GR/SAI-004":               "etsi-gr-sai-004",
		"TS 102 165-1":                  "etsi-ts-102-165-1",
		"ETSI TR 103 305-x":             "etsi-tr-103-305",
		"ISO 9001":                      "iso-9001",
	} {
		if got := seedDesignationID(in); got != want {
			t.Errorf("seedDesignationID(%q) = %q, want %q", in, got, want)
		}
	}
}

// checkNamed checks one transcribed name against the catalogue: the row
// exists, its seed places include want, and, unless alias is set, the ID
// follows from the designation by the conventions.
func checkNamed(t *testing.T, c *Catalog, where, designation, id string, alias bool, want ...string) {
	t.Helper()
	if !alias {
		if got := seedDesignationID(designation); got != id {
			t.Errorf("%s: %q maps to %q by the ID conventions, transcription says %q", where, designation, got, id)
		}
	}
	s, ok := c.Standard(aiassure.StandardID(id))
	if !ok {
		t.Errorf("%s: %q: no standard %q in the catalogue", where, designation, id)
		return
	}
	for _, p := range want {
		if !slices.Contains(s.Seed, p) {
			t.Errorf("%s: %q: standard %s: seed %v lacks %q", where, designation, id, s.Seed, p)
		}
	}
}

// checkAnnexCovered reports catalogue standards that claim the annex place but
// are not in its transcription.
func checkAnnexCovered(t *testing.T, c *Catalog, place string, ids map[string]bool) {
	t.Helper()
	for _, s := range c.Standards {
		if slices.Contains(s.Seed, place) && !ids[string(s.ID)] {
			t.Errorf("standard %s claims seed place %s but is not in the transcription of that annex", s.ID, place)
		}
	}
}

func TestSeedAnnexA1(t *testing.T) {
	c := annexCatalog(t)
	const path = "testdata/seed/annex-a1.txt"
	ids := map[string]bool{}
	rows := 0
	for _, l := range readSeedFile(t, path, 2, 3) {
		d, id, kind := l.cols[0], l.cols[1], l.cols[2]
		mention := strings.HasPrefix(kind, "mention:")
		if !mention {
			rows++
		}
		ids[id] = true
		checkNamed(t, c, fmt.Sprintf("%s:%d", path, l.n), d, id, mention, "annex-a.1")
	}
	if rows != 27 {
		t.Errorf("annex A.1: %d rows transcribed, the seed has 27", rows)
	}
	checkAnnexCovered(t, c, "annex-a.1", ids)
}

func TestSeedAnnexA2(t *testing.T) {
	c := annexCatalog(t)
	const path = "testdata/seed/annex-a2.txt"
	ids := map[string]bool{}
	rows := 0
	for _, l := range readSeedFile(t, path, 3, 4) {
		d, id, date, kind := l.cols[0], l.cols[1], l.cols[2], l.cols[3]
		where := fmt.Sprintf("%s:%d", path, l.n)
		mention := strings.HasPrefix(kind, "mention:")
		ids[id] = true
		checkNamed(t, c, where, d, id, mention, "annex-a.2")
		if mention {
			continue
		}
		rows++
		// A row the seed gives as not yet published must say so in its
		// status source, or be marked replaced, so that the seed's stage is
		// not lost when the status is brought up to date.
		if s, ok := c.Standard(aiassure.StandardID(id)); ok && !strings.HasPrefix(date, "Published") {
			if len(s.Sources) == 0 || !slices.Contains(s.Sources, "enisa:annex-a.2") {
				t.Errorf("%s: %s: sources %v lack enisa:annex-a.2", where, id, s.Sources)
			}
		}
	}
	if rows != 33 {
		t.Errorf("annex A.2: %d rows transcribed, the seed has 33", rows)
	}
	checkAnnexCovered(t, c, "annex-a.2", ids)
}

func TestSeedNamedInBody(t *testing.T) {
	c := annexCatalog(t)
	const path = "testdata/seed/named-in-body.txt"
	ids := map[string]bool{}
	for _, l := range readSeedFile(t, path, 3, 4) {
		d, id, places, note := l.cols[0], l.cols[1], l.cols[2], l.cols[3]
		ids[id] = true
		checkNamed(t, c, fmt.Sprintf("%s:%d", path, l.n), d, id, strings.HasPrefix(note, "alias:"), strings.Split(places, ",")...)
	}
	// Every standard that claims a place in the body of the seed must be
	// in the transcription.
	for _, s := range c.Standards {
		for _, p := range s.Seed {
			if !strings.HasPrefix(p, "annex-") && !ids[string(s.ID)] {
				t.Errorf("standard %s claims seed place %s but is not in %s", s.ID, p, path)
				break
			}
		}
	}
}

// The ten requirement columns of annex A.3 and A.4, in order.
var annexColumns = []aiassure.RequirementID{
	"ai-act-art-9", "ai-act-art-10", "ai-act-art-12", "ai-act-art-13", "ai-act-art-14",
	"ai-act-art-15-3", "ai-act-art-15-4", "ai-act-art-15-5", "ai-act-art-17", "ai-act-art-43",
}

// readMarkCells reads the requirement cells of one annex matrix row from the
// characters the seed prints after the row's date: spaces (or '·') and marks
// ('x', '?'). In the seed's layout a separator space opens the row, a marked
// cell is the mark and one space, and an empty cell is one space (compact
// rows) or two (full-width rows), the same width across the row. Extra spaces
// are irregular. readMarkCells returns every reading of ten cells with the
// fewest irregular spaces, as mark strings ('x', '?', '.'), and that number.
func readMarkCells(raw string, columns int) (readings []string, irregular int, err error) {
	type mark struct {
		pos int
		ch  byte
	}
	var marks []mark
	n := 0
	for _, r := range raw {
		switch r {
		case ' ', '·':
		case 'x', '?':
			marks = append(marks, mark{n, byte(r)})
		default:
			return nil, 0, fmt.Errorf("unexpected %q in mark cells", r)
		}
		n++
	}
	if len(marks) > columns {
		return nil, 0, fmt.Errorf("%d marks for %d columns", len(marks), columns)
	}
	// gaps[i] is the run of spaces before mark i; the last is after the last mark.
	gaps := make([]int, len(marks)+1)
	prev := -1
	for i, m := range marks {
		gaps[i] = m.pos - prev - 1
		prev = m.pos
	}
	gaps[len(marks)] = n - prev - 1
	if len(marks) == 0 {
		gaps[0] = n
	}
	best := -1
	seen := map[string]bool{}
	empties := make([]int, len(gaps))
	var walk func(i, left, width, cost int)
	walk = func(i, left, width, cost int) {
		if i == len(gaps)-1 {
			surplus := gaps[i] - 1 - width*left
			if surplus < 0 {
				return
			}
			empties[i] = left
			cost += surplus
			if best >= 0 && cost > best {
				return
			}
			if cost < best || best < 0 {
				best, readings, seen = cost, nil, map[string]bool{}
			}
			var b strings.Builder
			for j, e := range empties {
				b.WriteString(strings.Repeat(".", e))
				if j < len(marks) {
					b.WriteByte(marks[j].ch)
				}
			}
			if s := b.String(); !seen[s] {
				seen[s] = true
				readings = append(readings, s)
			}
			return
		}
		for e := 0; e <= left; e++ {
			surplus := gaps[i] - 1 - width*e
			if surplus < 0 {
				break
			}
			empties[i] = e
			walk(i+1, left-e, width, cost+surplus)
		}
	}
	for width := 1; width <= 2; width++ {
		walk(0, columns-len(marks), width, 0)
	}
	if best < 0 {
		return nil, 0, fmt.Errorf("no reading of %q as %d cells", raw, columns)
	}
	slices.Sort(readings)
	return readings, best, nil
}

func TestReadMarkCells(t *testing.T) {
	for _, tc := range []struct {
		raw       string
		want      []string
		irregular int
	}{
		{"·x·x·x·x·x·x·x·x·x·x·", []string{"xxxxxxxxxx"}, 0},
		{"·x··········", []string{"x........."}, 0},
		{"·····?·x·x·x·x·x···x·", []string{"..?xxxxx.x"}, 0},
		{"··x·x·x···x····", []string{".xxx..x..."}, 0},
		{"···············x·x····", []string{".......xx."}, 1},
		{"·x·x·············x···x·", []string{"xx......xx", "xx.....x.x"}, 2},
		{"·····················", []string{".........."}, 0},
	} {
		got, irr, err := readMarkCells(tc.raw, 10)
		if err != nil {
			t.Errorf("%q: %v", tc.raw, err)
			continue
		}
		if diff := cmp.Diff(tc.want, got); diff != "" || irr != tc.irregular {
			t.Errorf("%q: irregular %d (want %d), readings (-want +got):\n%s", tc.raw, irr, tc.irregular, diff)
		}
	}
	for _, bad := range []string{"xx", "·x·y·", "·x·x·x·x·x·x·x·x·x·x·x·", "·"} {
		if _, _, err := readMarkCells(bad, 10); err == nil {
			t.Errorf("%q: no error", bad)
		}
	}
}

func FuzzReadMarkCells(f *testing.F) {
	for _, s := range []string{"·x·x·x·x·x·x·x·x·x·x·", "···x·x···", "·x·x·············x···x·", "", "x?x", "····?·x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		if len(raw) > 64 {
			return
		}
		readings, irr, err := readMarkCells(raw, 10)
		if err != nil {
			return
		}
		if len(readings) == 0 || irr < 0 {
			t.Fatalf("%q: %d readings, %d irregular", raw, len(readings), irr)
		}
		for _, r := range readings {
			if len(r) != 10 || strings.Trim(r, ".x?") != "" {
				t.Fatalf("%q: bad reading %q", raw, r)
			}
		}
	})
}

// checkAnnexMatrix compares matrix id with its transcription: the marks the
// transcriber read must be a reading of the seed's spacing, a row is verified
// exactly when that reading is the only regular one, and the catalogue row
// must match the transcription field for field.
func checkAnnexMatrix(t *testing.T, id, path, place string, nrows int) {
	c := annexCatalog(t)
	var m *Matrix
	for i := range c.Matrices {
		if c.Matrices[i].ID == id {
			m = &c.Matrices[i]
		}
	}
	if m == nil {
		t.Fatalf("no matrix %q", id)
	}
	if !m.Reconstructed {
		t.Errorf("%s: reconstructed is false; its column headings are inferred", id)
	}
	if diff := cmp.Diff(annexColumns, m.Columns); diff != "" {
		t.Errorf("%s: columns (-want +got):\n%s", id, diff)
	}
	if !slices.Contains(m.Seed, place) {
		t.Errorf("%s: seed %v lacks %s", id, m.Seed, place)
	}
	lines := readSeedFile(t, path, 9, 9)
	if len(lines) != nrows {
		t.Errorf("%s: %d rows transcribed, the seed has %d", path, len(lines), nrows)
	}
	// Same rows in the same order; then each row field by field.
	var wantOrder, gotOrder []string
	for _, l := range lines {
		wantOrder = append(wantOrder, l.cols[0])
	}
	byStd := map[aiassure.StandardID]MatrixRow{}
	for _, r := range m.Rows {
		gotOrder = append(gotOrder, string(r.Standard))
		byStd[r.Standard] = r
	}
	if diff := cmp.Diff(wantOrder, gotOrder); diff != "" {
		t.Errorf("%s: rows (-seed +catalogue):\n%s", id, diff)
	}
	for _, l := range lines {
		where := fmt.Sprintf("%s:%d", path, l.n)
		std, label, typ, action, date, raw, marks := l.cols[0], l.cols[1], l.cols[2], l.cols[3], l.cols[4], l.cols[5], l.cols[6]
		verified := l.cols[7] == "true"
		alts := strings.Split(l.cols[8], ",")
		readings, irregular, err := readMarkCells(raw, len(annexColumns))
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		unique := irregular == 0 && len(readings) == 1
		switch {
		case verified && !unique:
			t.Errorf("%s: marked verified, but the spacing allows %v with %d irregular spaces", where, readings, irregular)
		case verified && readings[0] != marks:
			t.Errorf("%s: marks %s, the spacing reads %s", where, marks, readings[0])
		case !verified && unique:
			t.Errorf("%s: marked unverified, but the spacing reads %s without ambiguity", where, readings[0])
		case !verified:
			known := append([]string{marks}, alts...)
			if !slices.Contains(readings, marks) && !slices.Contains(alts, marks) {
				t.Errorf("%s: marks %s are neither a best reading %v nor a listed alternative", where, marks, readings)
			}
			for _, r := range readings {
				if !slices.Contains(known, r) {
					t.Errorf("%s: best reading %s is not among the marks or alternatives %v", where, r, known)
				}
			}
		}
		s, ok := c.Standard(aiassure.StandardID(std))
		if !ok {
			t.Errorf("%s: no standard %q", where, std)
		} else if !slices.Contains(s.Seed, place) {
			t.Errorf("%s: standard %s: seed %v lacks %s", where, std, s.Seed, place)
		}
		got, ok := byStd[aiassure.StandardID(std)]
		if !ok {
			continue // reported with the row order
		}
		want := MatrixRow{Standard: aiassure.StandardID(std), Label: label, Type: typ, Action: action, Date: date, Marks: marks, Verified: verified}
		if !verified && strings.TrimSpace(got.Note) == "" {
			t.Errorf("%s: row %s is unverified but has no note of the alternatives", id, std)
		}
		got.Note = ""
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: row %s differs from %s (-seed +catalogue):\n%s", id, std, where, diff)
		}
	}
	checkAnnexCovered(t, c, place, func() map[string]bool {
		ids := map[string]bool{}
		for _, l := range lines {
			ids[l.cols[0]] = true
		}
		return ids
	}())
}

func TestSeedAnnexA3(t *testing.T) {
	checkAnnexMatrix(t, "enisa-a3", "testdata/seed/annex-a3.tsv", "annex-a.3", 14)
}

func TestSeedAnnexA4(t *testing.T) {
	checkAnnexMatrix(t, "enisa-a4", "testdata/seed/annex-a4.tsv", "annex-a.4", 21)
}

func TestExtensionMatrix(t *testing.T) {
	c := annexCatalog(t)
	for _, m := range c.Matrices {
		if m.ID != "extension-2026" {
			continue
		}
		if m.Reconstructed {
			t.Errorf("%s: reconstructed is true; it is our own mapping", m.ID)
		}
		if diff := cmp.Diff(annexColumns, m.Columns); diff != "" {
			t.Errorf("%s: columns (-want +got):\n%s", m.ID, diff)
		}
		seen := map[aiassure.StandardID]bool{}
		for _, r := range m.Rows {
			if r.Verified {
				t.Errorf("%s: %s is verified, but no primary source states this mapping", m.ID, r.Standard)
			}
			if seen[r.Standard] {
				t.Errorf("%s: %s appears twice", m.ID, r.Standard)
			}
			seen[r.Standard] = true
			if !strings.ContainsAny(r.Marks, "x?") {
				t.Errorf("%s: %s marks no requirement", m.ID, r.Standard)
			}
		}
		for _, want := range []aiassure.StandardID{
			"cen-clc-en-18286", "cen-clc-en-18228", "cen-clc-en-18229-1", "cen-clc-en-18282",
			"cen-clc-en-18283", "cen-clc-en-18284", "cen-clc-en-18285", "iso-iec-27090",
			"iso-iec-42001", "iso-iec-42005", "iso-iec-42006", "iso-iec-ts-4213",
			"iso-iec-24029-2", "etsi-en-304-223",
		} {
			if !seen[want] {
				t.Errorf("%s: no row for %s", m.ID, want)
			}
		}
		return
	}
	t.Fatal("no matrix extension-2026")
}

// coverageThreats are the top-level threat IDs of the catalogue ID conventions;
// standards' coverage may name only these.
var coverageThreats = []aiassure.ThreatID{
	"oracle", "model-extraction", "membership-inference", "model-inversion", "model-disclosure",
	"evasion", "data-poisoning", "model-poisoning", "backdoor", "denial-of-service",
	"sponge-examples", "model-flaws", "sw-unauthorised-access", "sw-supply-chain",
	"sw-data-breach", "sw-tampering", "sw-log-tampering", "sw-network-dos", "sw-model-substitution",
	// the top-level threats of LLM-based and agentic systems
	"llm-direct-prompt-injection", "llm-indirect-prompt-injection", "llm-system-prompt-leakage",
	"llm-sensitive-information-disclosure", "llm-improper-output-handling", "llm-excessive-agency",
	"llm-vector-store-weaknesses", "llm-supply-chain-poisoned-component", "llm-agent-memory-poisoning",
}

func TestStandardsLandscape(t *testing.T) {
	c := annexCatalog(t)
	for _, s := range c.Standards {
		for _, r := range s.ReplacedBy {
			if o, ok := c.Standard(r); ok && !slices.Contains(o.Replaces, s.ID) {
				t.Errorf("%s replaced_by %s, but %s does not list it in replaces", s.ID, r, r)
			}
		}
		for _, r := range s.Replaces {
			if o, ok := c.Standard(r); ok && !slices.Contains(o.ReplacedBy, s.ID) {
				t.Errorf("%s replaces %s, but %s does not list it in replaced_by", s.ID, r, r)
			}
		}
		for _, cv := range s.Coverage {
			if cv.Threat != "" && !slices.Contains(coverageThreats, cv.Threat) {
				t.Errorf("%s: coverage of %q, not a top-level threat ID", s.ID, cv.Threat)
			}
			if len(cv.Sources) == 0 {
				t.Errorf("%s: coverage of %s%s has no source", s.ID, cv.Goal, cv.Threat)
			}
		}
		if strings.Contains(s.Scope, "\n") || s.Scope == "" {
			t.Errorf("%s: scope must be one non-empty line", s.ID)
		}
		// A status from a secondary source, or known only from the seed, is
		// never verified.
		if s.Status.Verified && strings.Contains(s.Status.Source, "not re-checked") {
			t.Errorf("%s: status verified, but its source says it was not re-checked", s.ID)
		}
	}
	// Section 4.1: ISO/IEC 27001 and 27002 relevant to all three goals,
	// ISO 9001 to integrity and availability.
	for id, goals := range map[aiassure.StandardID][]string{
		"iso-iec-27001": {"confidentiality", "integrity", "availability"},
		"iso-iec-27002": {"confidentiality", "integrity", "availability"},
		"iso-9001":      {"integrity", "availability"},
	} {
		s, ok := c.Standard(id)
		if !ok {
			t.Errorf("no standard %s", id)
			continue
		}
		var got []string
		for _, cv := range s.Coverage {
			if cv.Goal != "" {
				got = append(got, cv.Goal)
				if cv.Level != "general" || !slices.Contains(cv.Sources, "enisa:4.1") {
					t.Errorf("%s: coverage of %s: level %s, sources %v; want general from enisa:4.1", id, cv.Goal, cv.Level, cv.Sources)
				}
			}
		}
		if diff := cmp.Diff(goals, got); diff != "" {
			t.Errorf("%s: goals covered (-seed 4.1 +catalogue):\n%s", id, diff)
		}
	}
	// The documents that appeared since the seed.
	for _, id := range []aiassure.StandardID{
		"iso-iec-27090", "iso-iec-27091", "iso-iec-42005", "iso-iec-42006",
		"cen-clc-en-18286", "cen-clc-en-18228", "cen-clc-en-18229-1", "cen-clc-en-18229-2",
		"cen-clc-en-18282", "cen-clc-en-18283", "cen-clc-en-18284", "cen-clc-en-18285",
		"etsi-en-304-223", "etsi-ts-104-050", "etsi-tr-104-221", "etsi-tr-104-032",
		"nist-ai-100-2", "nist-ai-600-1", "mitre-atlas", "owasp-ml-top-10", "owasp-ai-exchange",
		"eu-ai-act", "eu-cra", "eu-csa", "eu-gdpr", "eu-nis2", "eu-mdr",
	} {
		if _, ok := c.Standard(id); !ok {
			t.Errorf("no standard %s", id)
		}
	}
	if s, ok := c.Standard("iso-iec-ts-5471"); !ok || !slices.Contains(s.ReplacedBy, "iso-iec-ts-25058") {
		t.Errorf("iso-iec-ts-5471 must be replaced by iso-iec-ts-25058")
	}
}
