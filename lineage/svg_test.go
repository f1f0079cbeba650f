package lineage

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// stableGraph is the chain's graph with the parts that change from run to
// run (temporary file names, fresh key IDs) replaced by fixed ones.
func stableGraph(t *testing.T) *Graph {
	t.Helper()
	c := newChain(t)
	r := c.verify(t, false)
	for _, a := range r.Attestations {
		a.File = filepath.Base(a.File)
		switch a.KeyID {
		case c.data.KeyID():
			a.KeyID, a.KeyName = strings.Repeat("d", 64), "data-steward"
		case c.ml.KeyID():
			a.KeyID, a.KeyName = strings.Repeat("e", 64), "ml-team"
		}
	}
	return BuildGraph(r.Attestations)
}

func TestSVGGolden(t *testing.T) {
	g := stableGraph(t)
	var b bytes.Buffer
	if err := g.WriteSVG(&b, "lineage of model/model.onnx"); err != nil {
		t.Fatal(err)
	}
	wellFormed(t, b.Bytes())
	golden := filepath.Join("testdata", "graph.svg")
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update)", err)
	}
	if diff := cmp.Diff(string(want), b.String()); diff != "" {
		t.Errorf("SVG differs from %s (-want +got; run with -update if intended):\n%s", golden, diff)
	}
}

// TestSVGLayers checks the left-to-right layering: raw data, then the data
// step, the prepared data set, training, the model, then evaluation and
// release; code sits just left of the step that uses it.
func TestSVGLayers(t *testing.T) {
	g := stableGraph(t)
	l := g.layout()
	x := func(ref string) int {
		t.Helper()
		if strings.HasPrefix(ref, "step:") {
			return l.boxes[ref].x
		}
		n := g.Find(ref)
		if len(n) != 1 {
			t.Fatalf("find %s: %d nodes", ref, len(n))
		}
		return l.boxes[n[0].ID].x
	}
	order := []string{"data/raw/a.csv", "step:1-data.json", "data/train.csv", "step:2-training.json", "model/model.onnx", "step:3-evaluation.json"}
	for i := 1; i < len(order); i++ {
		if x(order[i-1]) >= x(order[i]) {
			t.Errorf("%s (x=%d) is not left of %s (x=%d)", order[i-1], x(order[i-1]), order[i], x(order[i]))
		}
	}
	for _, same := range [][2]string{{"data/raw/a.csv", "data/raw/b.csv"}, {"data/raw/a.csv", "code/prep.py"}, {"data/train.csv", "code/train.py"}, {"step:3-evaluation.json", "step:4-release.json"}} {
		if x(same[0]) != x(same[1]) {
			t.Errorf("%s and %s are not in the same column", same[0], same[1])
		}
	}
}

// TestSVGEscapes feeds hostile names and a cycle: the output must stay
// well-formed XML with the text escaped, and the layout must end.
func TestSVGEscapes(t *testing.T) {
	g := &Graph{
		Nodes: []*Node{
			{ID: "sha256:" + strings.Repeat("a", 64), Kind: "artefact", Names: []string{`<script>alert("x")</script>&.csv`, "b\x00\x1b.csv"}},
			{ID: "step:x]]>.json", Kind: "step", Step: "data", Signer: `"><svg onload=1>`, Time: time.Date(2026, 1, 2, 0, 0, 0, 0, time.UTC)},
			{ID: "sha256:" + strings.Repeat("b", 64), Kind: "artefact", Names: []string{strings.Repeat("very-long-directory-name/", 8) + "file.bin"}},
		},
		Edges: []Edge{
			{From: "sha256:" + strings.Repeat("a", 64), To: "step:x]]>.json", Role: "in<put>"},
			{From: "step:x]]>.json", To: "sha256:" + strings.Repeat("b", 64), Role: "output"},
			{From: "sha256:" + strings.Repeat("b", 64), To: "step:x]]>.json", Role: "dataset"}, // a cycle
			{From: "sha256:" + strings.Repeat("b", 64), To: "step:missing", Role: "dataset"},   // a dangling edge
		},
	}
	var b bytes.Buffer
	if err := g.WriteSVG(&b, `title <&> "q"`); err != nil {
		t.Fatal(err)
	}
	wellFormed(t, b.Bytes())
	s := b.String()
	for _, bad := range []string{"<script", "<svg onload", "\x00", "\x1b"} {
		if strings.Contains(s, bad) {
			t.Errorf("output contains %q unescaped", bad)
		}
	}
	for _, good := range []string{"&lt;script&gt;", "<title>title &lt;&amp;&gt; &#34;q&#34;</title>", "…/very-long-directory-name/file.bin"} {
		if !strings.Contains(s, good) {
			t.Errorf("output lacks %q", good)
		}
	}
}

// wellFormed parses the document and checks it has an <svg> root with a
// <title>.
func wellFormed(t *testing.T, doc []byte) {
	t.Helper()
	d := xml.NewDecoder(bytes.NewReader(doc))
	var root, first string
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatalf("not well-formed XML: %v\n%s", err, doc)
		}
		if se, ok := tok.(xml.StartElement); ok {
			if root == "" {
				root = se.Name.Local
			} else if first == "" {
				first = se.Name.Local
			}
		}
	}
	if root != "svg" || first != "title" {
		t.Errorf("root %q, first child %q; want svg, title", root, first)
	}
}
