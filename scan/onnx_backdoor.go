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
// low (attention masks look like this). A branch decided by scalar inputs
// alone (a sample rate, a mode flag: tensors of at most one element) is
// low: a setting of the caller, not a trigger in the data.
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
	// derived: values computed from the inputs; bulk: from an input that is
	// not a scalar setting (data an attacker sends).
	derived, bulk := map[string]bool{}, map[string]bool{}
	for k := range inputs {
		derived[k] = true
		bulk[k] = !g.scalar[k]
	}
	for _, n := range g.nodes {
		allConst, anyDerived, anyBulk := true, false, false
		for _, in := range n.in {
			if in == "" {
				continue
			}
			if !konst[in] {
				allConst = false
			}
			anyDerived = anyDerived || derived[in]
			anyBulk = anyBulk || bulk[in]
		}
		for _, out := range n.out {
			if n.op == "Constant" || (allConst && len(n.in) > 0) {
				konst[out] = true
			}
			if anyDerived {
				derived[out] = true
			}
			if anyBulk {
				bulk[out] = true
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
		case !bulk[n.in[0]]:
			// Only scalar inputs (a sample rate, a mode flag) decide: the
			// caller sets them, a trigger in the data cannot.
			sev = aiassure.Low
			why = fmt.Sprintf("%s whose condition is computed only from scalar inputs (%s) selects what reaches the output: a mode switch that whoever sets those inputs controls; check that callers, not senders of data, set them",
				article(n.op), strings.Join(scalarInputs(g), ", "))
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
		tail := "; a trigger in the input could switch the model's behaviour"
		if !bulk[n.in[0]] {
			tail = ""
		}
		o.c.add(Finding{Rule: "onnx/conditional-branch", Severity: sev, Path: o.path,
			Message:  fmt.Sprintf("%s: %s%s (subgraph: %s)", label(i), why, tail, strings.Join(ev, " <- ")),
			Evidence: ev})
	}
}

// scalarInputs lists the graph's scalar inputs, sorted.
func scalarInputs(g *onnxGraph) []string {
	var out []string
	for k := range g.scalar {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// article prefixes an operator name with "a" or "an".
func article(op string) string {
	if op != "" && strings.ContainsRune("AEIOU", rune(op[0])) {
		return "an " + op
	}
	return "a " + op
}
