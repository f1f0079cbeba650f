package scan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aiassure/aiassure"
)

var comparisons = []string{"Equal", "Greater", "Less", "GreaterOrEqual", "LessOrEqual"}

// backdoors looks in the main graph for the shape of a graph-level
// backdoor (ShadowLogic and its kind): a branch (If, or Where) whose
// condition is computed from the inputs, through a comparison with a
// constant, and whose result reaches an output. An If on an input-derived
// condition is reported high; a Where whose condition compares input
// data with a constant and where one of the two branches is a constant is
// high (a trigger that overrides the output), other Wheres of that kind
// low (attention masks look like this).
func (o *onnxScan) backdoors(g *onnxGraph) {
	producer := map[string]int{}
	for i, n := range g.nodes {
		for _, out := range n.out {
			producer[out] = i
		}
	}
	// constant: initializers not also inputs, Constant nodes and what is
	// computed from constants only. Nodes are topologically sorted in a
	// valid model; one pass suffices (a cycle leaves values non-constant).
	inputs := map[string]bool{}
	for _, in := range g.inputs {
		if !g.inits[in] {
			inputs[in] = true
		}
	}
	konst := map[string]bool{}
	for k := range g.inits {
		if !inputs[k] {
			konst[k] = true
		}
	}
	derived := map[string]bool{}
	for k := range inputs {
		derived[k] = true
	}
	for _, n := range g.nodes {
		allConst, anyDerived := true, false
		for _, in := range n.in {
			if in == "" {
				continue
			}
			if !konst[in] {
				allConst = false
			}
			if derived[in] {
				anyDerived = true
			}
		}
		for _, out := range n.out {
			if n.op == "Constant" || (allConst && len(n.in) > 0) {
				konst[out] = true
			}
			if anyDerived {
				derived[out] = true
			}
		}
	}
	// reaches: what flows into an output.
	reaches := map[int]bool{}
	stack := []string{}
	stack = append(stack, g.outputs...)
	seen := map[string]bool{}
	for len(stack) > 0 {
		t := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if seen[t] {
			continue
		}
		seen[t] = true
		i, ok := producer[t]
		if !ok {
			continue
		}
		reaches[i] = true
		stack = append(stack, g.nodes[i].in...)
	}
	label := func(i int) string {
		n := g.nodes[i]
		if n.name != "" {
			return n.name + " (" + n.op + ")"
		}
		return fmt.Sprintf("#%d (%s)", i, n.op)
	}
	for i, n := range g.nodes {
		if (n.op != "If" && n.op != "Where") || len(n.in) == 0 || !reaches[i] || !derived[n.in[0]] {
			continue
		}
		// walk back from the condition over input-derived values, to the
		// comparisons with a constant
		var path []string
		var cmp []string
		visit := map[string]bool{}
		q := []string{n.in[0]}
		for len(q) > 0 && len(path) < 64 {
			t := q[0]
			q = q[1:]
			if visit[t] || !derived[t] {
				continue
			}
			visit[t] = true
			j, ok := producer[t]
			if !ok {
				continue
			}
			path = append(path, label(j))
			m := g.nodes[j]
			if slices.Contains(comparisons, m.op) && len(m.in) == 2 && (konst[m.in[0]] || konst[m.in[1]]) {
				cmp = append(cmp, label(j))
			}
			q = append(q, m.in...)
		}
		sev := aiassure.Severity("")
		var why string
		switch {
		case n.op == "If":
			sev = aiassure.High
			why = "an If whose condition is computed from the inputs selects what reaches the output"
			if len(cmp) > 0 {
				why += ", through a comparison with a constant"
			}
		case len(cmp) > 0 && len(n.in) == 3 && (konst[n.in[1]] || konst[n.in[2]]):
			sev = aiassure.High
			why = "a Where whose condition compares input data with a constant replaces the output with a constant when it holds"
		case len(cmp) > 0:
			sev = aiassure.Low
			why = "a Where whose condition compares input data with a constant selects what reaches the output (masks look like this too)"
		}
		if sev == "" {
			continue
		}
		ev := append([]string{label(i)}, path...)
		o.c.add(Finding{Rule: "onnx/conditional-branch", Severity: sev, Path: o.path,
			Message:  fmt.Sprintf("%s: %s; a trigger in the input could switch the model's behaviour (subgraph: %s)", label(i), why, strings.Join(ev, " <- ")),
			Evidence: ev})
	}
}
