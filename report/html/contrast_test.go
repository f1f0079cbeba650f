package html

import (
	"math"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/report/internal/reporttest"
	"github.com/aiassure/aiassure/risk"
)

func TestContrastFormula(t *testing.T) {
	for _, tc := range []struct {
		a, b string
		want float64
	}{
		{"#000000", "#ffffff", 21},
		{"#ffffff", "#ffffff", 1},
		{"#777777", "#ffffff", 4.48}, // the classic just-failing grey
		{"#767676", "#ffffff", 4.54}, // and the just-passing one
		{"#ff0000", "#ffffff", 4.00},
	} {
		if got := Contrast(tc.a, tc.b); math.Abs(got-tc.want) > 0.01 {
			t.Errorf("Contrast(%s, %s) = %.3f, want %.2f", tc.a, tc.b, got, tc.want)
		}
	}
	// ink reaches AA on every fill, the worst mid-greys included.
	for v := 0; v < 256; v += 3 {
		fill := "#" + strings.Repeat(hex2(v), 3)
		if c := Contrast(fill, ink(fill)); c < 4.5 {
			t.Errorf("ink(%s) = %s, contrast %.2f", fill, ink(fill), c)
		}
	}
}

func hex2(v int) string {
	s := strconv.FormatInt(int64(v), 16)
	if len(s) == 1 {
		s = "0" + s
	}
	return s
}

var (
	cellRE   = regexp.MustCompile(`<g><title>([^<]*)</title><rect [^>]*fill="(#[0-9a-fA-F]{6})"[^>]*></rect>((?:<text [^>]*>[^<]*</text>)*)</g>`)
	textRE   = regexp.MustCompile(`<text [^>]*fill="(#[0-9a-fA-F]{6})"[^>]*>([^<]*)</text>`)
	cssRE    = regexp.MustCompile(`((?:\.[\w-]+,?)+)\{background:(#[0-9a-fA-F]{6});color:(#[0-9a-fA-F]{6})\}`)
	inlineRE = regexp.MustCompile(`style="background:(#[0-9a-fA-F]{6});color:(#[0-9a-fA-F]{6})"`)
	classRE  = regexp.MustCompile(`= (\d+), (\w+):`)
)

// TestContrast renders the report of every example (the golden reports of
// assess) and the fixture, parses every text drawn on a coloured cell of
// the risk matrices and heat maps, and every coloured badge of the style
// sheet, and checks WCAG AA contrast (4.5:1) of the text against its fill.
// Risk-matrix cells must have the colour of their risk class.
func TestContrast(t *testing.T) {
	paths, err := filepath.Glob("../../assess/testdata/*.json")
	if err != nil || len(paths) < 4 {
		t.Fatalf("example reports: %v %v", paths, err)
	}
	paths = append(paths, "../testdata/report.json")
	scoring, err := risk.LoadScoring()
	if err != nil {
		t.Fatal(err)
	}
	classFill := map[string]string{}
	for _, c := range Classes() {
		classFill[c.Level] = c.Fill
	}
	for _, path := range paths {
		out := render(t, reporttest.Read(t, path))
		cells, texts := 0, 0
		for _, m := range cellRE.FindAllStringSubmatch(out, -1) {
			title, fill := m[1], strings.ToLower(m[2])
			cells++
			for _, tm := range textRE.FindAllStringSubmatch(m[3], -1) {
				texts++
				if c := Contrast(fill, strings.ToLower(tm[1])); c < 4.5 {
					t.Errorf("%s: %q in %s on %s: contrast %.2f < 4.5 (%s)", path, tm[2], tm[1], fill, c, title)
				}
			}
			if cm := classRE.FindStringSubmatch(title); cm != nil && strings.HasPrefix(title, "likelihood") {
				v, _ := strconv.Atoi(cm[1])
				want := ""
				for _, l := range scoring.Risk.Levels {
					if v >= l.Min && v <= l.Max {
						want = l.Level
					}
				}
				if cm[2] != want || fill != classFill[want] {
					t.Errorf("%s: matrix cell %d is %s in %s, want class %s in %s", path, v, cm[2], fill, want, classFill[want])
				}
			}
		}
		if cells < 18 || texts < cells {
			t.Errorf("%s: %d cells, %d texts parsed", path, cells, texts)
		}
		for _, m := range cssRE.FindAllStringSubmatch(out, -1) {
			if c := Contrast(m[2], m[3]); c < 4.5 {
				t.Errorf("%s: CSS %s: %s on %s, contrast %.2f", path, m[1], m[3], m[2], c)
			}
		}
		for _, m := range inlineRE.FindAllStringSubmatch(out, -1) {
			if c := Contrast(m[1], m[2]); c < 4.5 {
				t.Errorf("%s: inline %s on %s, contrast %.2f", path, m[2], m[1], c)
			}
		}
	}
}

func TestCSSParsed(t *testing.T) {
	out := render(t, fixture(t))
	if n := len(cssRE.FindAllString(out, -1)); n < 8 {
		t.Errorf("%d coloured CSS rules parsed: the contrast test does not see the style sheet", n)
	}
}
