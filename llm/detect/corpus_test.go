package detect

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"

	"github.com/aiassure/aiassure/metrics"
)

type item struct {
	Detector string   `yaml:"detector"`
	Text     string   `yaml:"text"`
	Args     string   `yaml:"args"`
	Secret   string   `yaml:"secret"`
	Allowed  []string `yaml:"allowed"`
	Hit      bool     `yaml:"hit"`
	Kind     string   `yaml:"kind"`
	Note     string   `yaml:"note"`
}

func run(it item) []Hit {
	switch it.Detector {
	case "leak":
		if h, ok := Leak(it.Text, it.Secret); ok {
			return []Hit{h}
		}
		return nil
	case "exfil":
		return Exfil(it.Text, it.Allowed)
	case "markup":
		return Markup(it.Text)
	case "toolargs":
		return ToolArgs(it.Args)
	}
	return nil
}

// Floors: the precision and recall each detector must keep on the corpus,
// set just below the figures measured when the corpus was committed
// (2026-12-03, see docs/llm.md). Raise them when the detectors improve.
var floors = map[string][2]float64{ // precision, recall
	"leak":     {0.98, 0.98},
	"exfil":    {0.98, 0.98},
	"markup":   {0.98, 0.98},
	"toolargs": {0.98, 0.95}, // measured recall 0.963: the "" OR ""=" tautology is missed
}

// go test ./llm/detect -run TestCorpus -v
func TestCorpus(t *testing.T) {
	raw, err := os.ReadFile("testdata/corpus.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var items []item
	if err := yaml.Unmarshal(raw, &items); err != nil {
		t.Fatal(err)
	}
	if len(items) < 150 {
		t.Fatalf("corpus has %d items, want at least 150", len(items))
	}
	type conf struct{ tp, fp, fn, tn, kindMiss int }
	c := map[string]*conf{}
	for i, it := range items {
		if _, ok := floors[it.Detector]; !ok {
			t.Fatalf("item %d: unknown detector %q", i, it.Detector)
		}
		if c[it.Detector] == nil {
			c[it.Detector] = &conf{}
		}
		k := c[it.Detector]
		hits := run(it)
		got := len(hits) > 0
		switch {
		case got && it.Hit:
			k.tp++
			if it.Kind != "" && !hasKind(hits, it.Kind) {
				k.kindMiss++
				t.Logf("kind: item %d (%s, %s): want %s, got %v", i, it.Detector, it.Note, it.Kind, kinds(hits))
			}
		case got && !it.Hit:
			k.fp++
			t.Logf("false positive: item %d (%s, %s): %v", i, it.Detector, it.Note, kinds(hits))
		case !got && it.Hit:
			k.fn++
			t.Logf("miss: item %d (%s, %s)", i, it.Detector, it.Note)
		default:
			k.tn++
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "\n| detector | items | TP | FP | FN | TN | precision (95%% CI) | recall (95%% CI) | kind right |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, d := range []string{"leak", "exfil", "markup", "toolargs"} {
		k := c[d]
		if k == nil {
			t.Fatalf("no items for %s", d)
		}
		pl, ph := metrics.Wilson(k.tp, k.tp+k.fp, 0.95)
		rl, rh := metrics.Wilson(k.tp, k.tp+k.fn, 0.95)
		p, r := ratio(k.tp, k.tp+k.fp), ratio(k.tp, k.tp+k.fn)
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %.3f (%.3f–%.3f) | %.3f (%.3f–%.3f) | %d/%d |\n",
			d, k.tp+k.fp+k.fn+k.tn, k.tp, k.fp, k.fn, k.tn, p, pl, ph, r, rl, rh, k.tp-k.kindMiss, k.tp)
		if f := floors[d]; p < f[0] || r < f[1] {
			t.Errorf("%s: precision %.3f recall %.3f below floors %.2f %.2f", d, p, r, f[0], f[1])
		}
	}
	t.Log(b.String())
}

func ratio(x, n int) float64 {
	if n == 0 {
		return 1
	}
	return float64(x) / float64(n)
}

func hasKind(hits []Hit, k string) bool {
	for _, h := range hits {
		if h.Kind == k {
			return true
		}
	}
	return false
}

func kinds(hits []Hit) []string {
	var out []string
	for _, h := range hits {
		out = append(out, h.Kind)
	}
	return out
}
