package lineage

import (
	"bytes"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func names(ns []*Node) []string {
	var out []string
	for _, n := range ns {
		if n.Kind == "artefact" {
			out = append(out, strings.Join(n.Names, ","))
		} else {
			out = append(out, string(n.Step))
		}
	}
	return out
}

func TestGraph(t *testing.T) {
	c := newChain(t)
	r := c.verify(t, false)
	g := BuildGraph(r.Attestations)
	if diff := cmp.Diff([]string{"model/model.onnx"}, names(g.Sinks())); diff != "" {
		t.Errorf("sinks (-want +got):\n%s", diff)
	}
	// Which models used this data set?
	raw := g.Find("data/raw/a.csv")
	if len(raw) != 1 {
		t.Fatalf("find: %v", names(raw))
	}
	if diff := cmp.Diff([]string{"model/model.onnx"}, names(g.Descendants(raw...).Models())); diff != "" {
		t.Errorf("models from a.csv (-want +got):\n%s", diff)
	}
	// What did this model come from?
	up := g.Ancestors(g.Find("model/model.onnx")...)
	want := []string{"data/raw/a.csv", "data/raw/b.csv", "code/prep.py", "data/train.csv", "data", "code/train.py", "model/model.onnx", "training"}
	if diff := cmp.Diff(sortedCopy(want), sortedCopy(names(up.Nodes))); diff != "" {
		t.Errorf("ancestors (-want +got):\n%s", diff)
	}
	var b bytes.Buffer
	if err := up.WriteText(&b, g.Find("model/model.onnx"), false); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"└─ training step", "data/train.csv", "[dataset]", "data/raw/a.csv"} {
		if !strings.Contains(b.String(), s) {
			t.Errorf("text tree lacks %q:\n%s", s, b.String())
		}
	}
	b.Reset()
	if err := g.WriteDOT(&b); err != nil || !strings.HasPrefix(b.String(), "digraph lineage {") {
		t.Errorf("dot: %v\n%s", err, b.String())
	}
	// A digest prefix finds the same node.
	if d := g.Find(strings.TrimPrefix(raw[0].ID, "sha256:")[:12]); len(d) != 1 || d[0] != raw[0] {
		t.Error("find by digest prefix")
	}
}

func sortedCopy(s []string) []string {
	c := append([]string(nil), s...)
	for i := range c {
		for j := i + 1; j < len(c); j++ {
			if c[j] < c[i] {
				c[i], c[j] = c[j], c[i]
			}
		}
	}
	return c
}
