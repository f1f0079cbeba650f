package lineage

import (
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
)

// Graph is the lineage graph of a set of verified attestations: artefacts
// (content-addressed by SHA-256, with every name they were attested under)
// and steps, with edges material → step → subject. It is rebuilt in memory
// from the attestations each time; nothing is stored beside them.
type Graph struct {
	Nodes []*Node `json:"nodes"`
	Edges []Edge  `json:"edges"`
	index map[string]*Node
}

// Node is an artefact or a step.
type Node struct {
	ID          string    `json:"id"`   // "sha256:<hex>" or "step:<attestation file>"
	Kind        string    `json:"kind"` // artefact or step
	Names       []string  `json:"names,omitempty"`
	Step        Step      `json:"step,omitempty"`
	Attestation string    `json:"attestation,omitempty"`
	Signer      string    `json:"signer,omitempty"`
	Time        time.Time `json:"time,omitzero"`
}

// Edge goes from a material to a step (Role is the material's role), from
// a data or training step to its subject (Role "output"), or from the
// subject of an evaluation or release to that step (Role "evaluated",
// "released").
type Edge struct {
	From string `json:"from"`
	To   string `json:"to"`
	Role string `json:"role"`
}

// BuildGraph builds the graph of the attestations. Directory descriptors
// are left out: their files are nodes.
func BuildGraph(atts []*Attestation) *Graph {
	g := &Graph{index: map[string]*Node{}}
	art := func(d ResourceDescriptor) *Node {
		id := "sha256:" + d.Digest["sha256"]
		n := g.index[id]
		if n == nil {
			n = &Node{ID: id, Kind: "artefact"}
			g.index[id] = n
			g.Nodes = append(g.Nodes, n)
		}
		name := descName(d)
		for _, x := range n.Names {
			if x == name {
				return n
			}
		}
		n.Names = append(n.Names, name)
		sort.Strings(n.Names)
		return n
	}
	seen := map[Edge]bool{}
	edge := func(e Edge) {
		if !seen[e] {
			seen[e] = true
			g.Edges = append(g.Edges, e)
		}
	}
	sorted := append([]*Attestation(nil), atts...)
	sort.SliceStable(sorted, func(i, j int) bool { return later(sorted[j], sorted[i]) })
	for _, a := range sorted {
		s := &Node{ID: "step:" + a.File, Kind: "step", Step: a.Step, Attestation: a.File, Signer: keyLabel(a), Time: a.Time}
		if g.index[s.ID] != nil {
			continue
		}
		g.index[s.ID] = s
		g.Nodes = append(g.Nodes, s)
		for _, m := range a.Materials {
			if m.IsDir() || m.Digest["sha256"] == "" {
				continue
			}
			edge(Edge{From: art(m).ID, To: s.ID, Role: orDefault(m.Role(), RoleInput)})
		}
		for _, d := range a.Statement.Subject {
			if d.IsDir() || d.Digest["sha256"] == "" {
				continue
			}
			switch a.Step {
			case StepScan, StepEvaluation, StepRelease:
				// These steps attest an existing model: it is their input.
				edge(Edge{From: art(d).ID, To: s.ID, Role: roleOf(a.Step)})
			default:
				edge(Edge{From: s.ID, To: art(d).ID, Role: "output"})
			}
		}
	}
	return g
}

// ensureIndex rebuilds the node index of a graph made outside BuildGraph
// (decoded from JSON, or read from a store).
func (g *Graph) ensureIndex() {
	if g.index != nil {
		return
	}
	g.index = make(map[string]*Node, len(g.Nodes))
	for _, n := range g.Nodes {
		g.index[n.ID] = n
	}
}

// Find returns the artefacts whose name is ref, or whose digest is ref
// ("sha256:<hex>", or a hex prefix of at least 8 digits).
func (g *Graph) Find(ref string) []*Node {
	var out []*Node
	hexRef := strings.TrimPrefix(ref, "sha256:")
	for _, n := range g.Nodes {
		if n.Kind != "artefact" {
			continue
		}
		hit := len(hexRef) >= 8 && strings.HasPrefix(strings.TrimPrefix(n.ID, "sha256:"), hexRef)
		for _, x := range n.Names {
			if x == ref {
				hit = true
			}
		}
		if hit {
			out = append(out, n)
		}
	}
	return out
}

// Ancestors returns the subgraph of everything start came from.
func (g *Graph) Ancestors(start ...*Node) *Graph { return g.reach(start, false) }

// Descendants returns the subgraph of everything made from start.
func (g *Graph) Descendants(start ...*Node) *Graph { return g.reach(start, true) }

func (g *Graph) reach(start []*Node, forward bool) *Graph {
	keep := map[string]bool{}
	var stack []string
	for _, n := range start {
		stack = append(stack, n.ID)
	}
	for len(stack) > 0 {
		id := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if keep[id] {
			continue
		}
		keep[id] = true
		for _, e := range g.Edges {
			if forward && e.From == id {
				stack = append(stack, e.To)
			}
			if !forward && e.To == id {
				stack = append(stack, e.From)
			}
		}
	}
	sub := &Graph{index: map[string]*Node{}}
	for _, n := range g.Nodes {
		if keep[n.ID] {
			sub.Nodes = append(sub.Nodes, n)
			sub.index[n.ID] = n
		}
	}
	for _, e := range g.Edges {
		if keep[e.From] && keep[e.To] {
			sub.Edges = append(sub.Edges, e)
		}
	}
	return sub
}

func roleOf(s Step) string {
	switch s {
	case StepScan:
		return "scanned"
	case StepEvaluation:
		return "evaluated"
	}
	return "released"
}

// Sinks returns the artefacts that no data or training step used: models
// and other final outputs.
func (g *Graph) Sinks() []*Node {
	used := map[string]bool{}
	for _, e := range g.Edges {
		if strings.HasPrefix(e.To, "step:") && e.Role != "evaluated" && e.Role != "released" && e.Role != "scanned" {
			used[e.From] = true
		}
	}
	var out []*Node
	for _, n := range g.Nodes {
		if n.Kind == "artefact" && !used[n.ID] {
			out = append(out, n)
		}
	}
	return out
}

// Sources returns the artefacts that no step made: raw data, code.
func (g *Graph) Sources() []*Node {
	made := map[string]bool{}
	for _, e := range g.Edges {
		if strings.HasPrefix(e.From, "step:") {
			made[e.To] = true
		}
	}
	var out []*Node
	for _, n := range g.Nodes {
		if n.Kind == "artefact" && !made[n.ID] {
			out = append(out, n)
		}
	}
	return out
}

// Models returns the artefacts that are outputs of a training step.
func (g *Graph) Models() []*Node {
	g.ensureIndex()
	var out []*Node
	seen := map[string]bool{}
	for _, e := range g.Edges {
		if s := g.index[e.From]; s != nil && s.Kind == "step" && s.Step == StepTraining && !seen[e.To] && g.index[e.To] != nil {
			seen[e.To] = true
			out = append(out, g.index[e.To])
		}
	}
	return out
}

func (n *Node) label() string {
	if n.Kind == "step" {
		t := ""
		if !n.Time.IsZero() {
			t = ", " + n.Time.UTC().Format("2006-01-02")
		}
		return fmt.Sprintf("%s step [%s, %s%s]", n.Step, n.Attestation, n.Signer, t)
	}
	return fmt.Sprintf("%s (%s)", strings.Join(n.Names, ", "), short(strings.TrimPrefix(n.ID, "sha256:")))
}

// WriteText writes trees rooted at roots: upwards (what each came from)
// or, with forward, downwards (what was made from each).
func (g *Graph) WriteText(w io.Writer, roots []*Node, forward bool) error {
	g.ensureIndex()
	var err error
	var walk func(id, prefix, role string, last bool, depth int, path map[string]bool)
	walk = func(id, prefix, role string, last bool, depth int, path map[string]bool) {
		n := g.index[id]
		if n == nil || err != nil {
			return
		}
		branch, next := "", ""
		if depth > 0 {
			branch, next = "├─ ", "│  "
			if last {
				branch, next = "└─ ", "   "
			}
		}
		r := ""
		if role != "" && role != "output" && !(forward && (role == "evaluated" || role == "released")) {
			r = " [" + role + "]"
		}
		_, err = fmt.Fprintf(w, "%s%s%s%s\n", prefix, branch, n.label(), r)
		if path[id] {
			return
		}
		path[id] = true
		defer delete(path, id)
		type kid struct{ id, role string }
		var kids []kid
		for _, e := range g.Edges {
			if forward && e.From == id {
				kids = append(kids, kid{e.To, e.Role})
			}
			if !forward && e.To == id {
				kids = append(kids, kid{e.From, e.Role})
			}
		}
		for i, k := range kids {
			walk(k.id, prefix+next, k.role, i == len(kids)-1, depth+1, path)
		}
	}
	for _, r := range roots {
		walk(r.ID, "", "", true, 0, map[string]bool{})
	}
	return err
}

// WriteDOT writes the graph in Graphviz DOT.
func (g *Graph) WriteDOT(w io.Writer) error {
	var b strings.Builder
	b.WriteString("digraph lineage {\n  rankdir=LR;\n  node [fontname=\"Helvetica\"];\n")
	for _, n := range g.Nodes {
		shape := "box"
		if n.Kind == "step" {
			shape = "ellipse"
		}
		fmt.Fprintf(&b, "  %q [label=%q, shape=%s];\n", n.ID, n.label(), shape)
	}
	for _, e := range g.Edges {
		fmt.Fprintf(&b, "  %q -> %q [label=%q];\n", e.From, e.To, e.Role)
	}
	b.WriteString("}\n")
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON writes the nodes and edges as JSON.
func (g *Graph) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(g)
}
