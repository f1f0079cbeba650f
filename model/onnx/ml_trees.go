package onnx

import (
	"errors"
	"fmt"
	"math"
)

// Tree ensembles.

const (
	modeLeaf = iota
	modeLEQ
	modeLT
	modeGTE
	modeGT
	modeEQ
	modeNEQ
)

type treeNode struct {
	mode        uint8
	missingTrue bool
	feature     int
	value       float64
	t, f        int // indices of the true and false children
	weights     []targetWeight
}

type targetWeight struct {
	target int
	w      float64
}

type trees struct {
	nodes   []treeNode
	roots   []int
	targets int
	maxFeat int
}

// floatsAttr reads a float list attribute or its *_as_tensor form.
func floatsAttr(a *attrs, name string) ([]float64, bool) {
	if p, ok := a.tensor(name + "_as_tensor"); ok {
		v, err := protoFloat64s(p, a.lim.MaxTensorElements)
		if err != nil {
			a.fail("attribute %s_as_tensor: %v", name, err)
		}
		return v, true
	}
	f, ok := a.floats(name)
	out := make([]float64, len(f))
	for i, v := range f {
		out[i] = float64(v)
	}
	return out, ok
}

// readTrees reads the nodes_* attributes and the leaf weights (prefix
// "class" or "target").
func readTrees(a *attrs, prefix string, targets int) (*trees, error) {
	treeIDs, _ := a.ints("nodes_treeids")
	nodeIDs, _ := a.ints("nodes_nodeids")
	featIDs, _ := a.ints("nodes_featureids")
	values, _ := floatsAttr(a, "nodes_values")
	modes, _ := a.strs("nodes_modes")
	trueIDs, _ := a.ints("nodes_truenodeids")
	falseIDs, _ := a.ints("nodes_falsenodeids")
	missing, _ := a.ints("nodes_missing_value_tracks_true")
	wTree, _ := a.ints(prefix + "_treeids")
	wNode, _ := a.ints(prefix + "_nodeids")
	wID, _ := a.ints(prefix + "_ids")
	wVal, _ := floatsAttr(a, prefix+"_weights")
	if a.err != nil {
		return nil, a.err
	}
	n := len(nodeIDs)
	if n == 0 {
		return nil, errors.New("no tree nodes")
	}
	for _, l := range [][]int64{treeIDs, featIDs, trueIDs, falseIDs} {
		if len(l) != n {
			return nil, errors.New("nodes_* attributes have different lengths")
		}
	}
	if len(values) != n || len(modes) != n || (missing != nil && len(missing) != n) {
		return nil, errors.New("nodes_* attributes have different lengths")
	}
	if len(wTree) != len(wNode) || len(wNode) != len(wID) || len(wID) != len(wVal) {
		return nil, fmt.Errorf("%s_* attributes have different lengths", prefix)
	}
	t := &trees{nodes: make([]treeNode, n), targets: targets}
	index := make(map[[2]int64]int, n)
	for i := range n {
		k := [2]int64{treeIDs[i], nodeIDs[i]}
		if _, dup := index[k]; dup {
			return nil, fmt.Errorf("node %d of tree %d defined twice", nodeIDs[i], treeIDs[i])
		}
		index[k] = i
	}
	child := make([]bool, n)
	for i := range n {
		nd := &t.nodes[i]
		switch modes[i] {
		case "LEAF":
			nd.mode = modeLeaf
		case "BRANCH_LEQ":
			nd.mode = modeLEQ
		case "BRANCH_LT":
			nd.mode = modeLT
		case "BRANCH_GTE":
			nd.mode = modeGTE
		case "BRANCH_GT":
			nd.mode = modeGT
		case "BRANCH_EQ":
			nd.mode = modeEQ
		case "BRANCH_NEQ":
			nd.mode = modeNEQ
		default:
			return nil, fmt.Errorf("node mode %q is not supported", modes[i])
		}
		nd.missingTrue = missing != nil && missing[i] != 0
		nd.value = values[i]
		if nd.mode == modeLeaf {
			continue
		}
		if featIDs[i] < 0 || featIDs[i] > math.MaxInt32 {
			return nil, fmt.Errorf("feature id %d out of range", featIDs[i])
		}
		nd.feature = int(featIDs[i])
		t.maxFeat = max(t.maxFeat, nd.feature)
		var ok bool
		if nd.t, ok = index[[2]int64{treeIDs[i], trueIDs[i]}]; !ok {
			return nil, fmt.Errorf("node %d of tree %d: true child %d not found", nodeIDs[i], treeIDs[i], trueIDs[i])
		}
		if nd.f, ok = index[[2]int64{treeIDs[i], falseIDs[i]}]; !ok {
			return nil, fmt.Errorf("node %d of tree %d: false child %d not found", nodeIDs[i], treeIDs[i], falseIDs[i])
		}
		child[nd.t], child[nd.f] = true, true
	}
	for i := range wNode {
		j, ok := index[[2]int64{wTree[i], wNode[i]}]
		if !ok {
			return nil, fmt.Errorf("weight for unknown node %d of tree %d", wNode[i], wTree[i])
		}
		if wID[i] < 0 || wID[i] >= int64(targets) {
			return nil, fmt.Errorf("%s id %d out of range [0, %d)", prefix, wID[i], targets)
		}
		t.nodes[j].weights = append(t.nodes[j].weights, targetWeight{int(wID[i]), wVal[i]})
	}
	seen := map[int64]bool{}
	for i := range n {
		if !child[i] {
			if seen[treeIDs[i]] {
				return nil, fmt.Errorf("tree %d has more than one root", treeIDs[i])
			}
			seen[treeIDs[i]] = true
			t.roots = append(t.roots, i)
		}
	}
	if err := t.checkAcyclic(); err != nil {
		return nil, err
	}
	return t, nil
}

// checkAcyclic refuses trees whose child links form a cycle (which would
// make prediction loop forever).
func (t *trees) checkAcyclic() error {
	state := make([]uint8, len(t.nodes)) // 0 new, 1 on stack, 2 done
	type frame struct{ i, next int }
	for _, r := range t.roots {
		if state[r] == 2 {
			continue
		}
		stack := []frame{{r, 0}}
		state[r] = 1
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			nd := &t.nodes[top.i]
			if nd.mode == modeLeaf || top.next == 2 {
				state[top.i] = 2
				stack = stack[:len(stack)-1]
				continue
			}
			c := nd.t
			if top.next == 1 {
				c = nd.f
			}
			top.next++
			switch state[c] {
			case 1:
				return errors.New("tree nodes form a cycle")
			case 0:
				state[c] = 1
				stack = append(stack, frame{c, 0})
			}
		}
	}
	for i, s := range state {
		if s != 2 {
			return fmt.Errorf("tree node %d is unreachable from any root (a cycle?)", i)
		}
	}
	return nil
}

// leaf returns the leaf that row x reaches from root and the number of
// nodes it visited on the way.
func (t *trees) leaf(root int, x []float32) (int, int) {
	i, visited := root, 0
	for {
		nd := &t.nodes[i]
		visited++
		if nd.mode == modeLeaf {
			return i, visited
		}
		v := float64(x[nd.feature])
		var b bool
		if nd.missingTrue && math.IsNaN(v) {
			b = true
		} else {
			switch nd.mode {
			case modeLEQ:
				b = v <= nd.value
			case modeLT:
				b = v < nd.value
			case modeGTE:
				b = v >= nd.value
			case modeGT:
				b = v > nd.value
			case modeEQ:
				b = v == nd.value
			case modeNEQ:
				b = v != nd.value
			}
		}
		if b {
			i = nd.t
		} else {
			i = nd.f
		}
	}
}

// scores accumulates the leaf weights of all trees for row x into s (and
// marks the targets that received a weight in has), and returns the number
// of nodes visited.
func (t *trees) scores(x []float32, s []float64, has []bool) int64 {
	var visited int64
	for _, r := range t.roots {
		l, v := t.leaf(r, x)
		visited += int64(v)
		for _, w := range t.nodes[l].weights {
			s[w.target] += w.w
			has[w.target] = true
		}
	}
	return visited
}

type treeClassifier struct {
	t           *trees
	cl          classLabels
	base        []float64
	post        int
	binary      bool
	allPositive bool
}

func makeTreeClassifier(a *attrs) (kernel, error) {
	k := &treeClassifier{cl: readLabels(a, "classlabels_int64s"), post: readPost(a)}
	k.base, _ = floatsAttr(a, "base_values")
	if a.err != nil {
		return nil, a.err
	}
	nc := k.cl.n()
	if nc == 0 {
		return nil, errors.New("no class labels")
	}
	t, err := readTrees(a, "class", nc)
	if err != nil {
		return nil, err
	}
	k.t = t
	if len(k.base) != 0 && len(k.base) != nc && !(nc == 2 && len(k.base) == 1) {
		return nil, fmt.Errorf("%d base values for %d classes", len(k.base), nc)
	}
	ids := map[int]bool{}
	k.allPositive = true
	for _, nd := range t.nodes {
		for _, w := range nd.weights {
			ids[w.target] = true
			if w.w < 0 {
				k.allPositive = false
			}
		}
	}
	k.binary = nc == 2 && len(ids) == 1
	return k, nil
}

func (k *treeClassifier) labels() []string { return k.cl.labels() }

func (k *treeClassifier) outType(j int, _ []dtype) dtype {
	if j == 0 {
		return dtInt64
	}
	return dtFloat
}

func (k *treeClassifier) run(r *runner, n *node) error {
	rows, cols, xf, err := features(r.in(n, 0))
	if err != nil {
		return err
	}
	if k.t.maxFeat >= cols {
		return fmt.Errorf("trees use feature %d of %d", k.t.maxFeat, cols)
	}
	nc := k.cl.n()
	y, err := r.out(n, 0, dtInt64, []int{rows})
	if err != nil {
		return err
	}
	z, err := r.out(n, 1, dtFloat, []int{rows, nc})
	if err != nil {
		return err
	}
	s, has := make([]float64, nc), make([]bool, nc)
	for i := range rows {
		clear(s)
		clear(has)
		r.work += k.t.scores(xf[i*cols:(i+1)*cols], s, has)
		label, out := k.finish(s, has)
		y.i[i] = label
		for j := range nc {
			z.f[i*nc+j] = float32(out[j])
		}
	}
	return nil
}

// finish adds the base values, picks the label and applies the post
// transform, as ONNX Runtime does, including its binary special cases.
func (k *treeClassifier) finish(s []float64, has []bool) (int64, []float64) {
	nc := len(s)
	if nc > 2 {
		for j, b := range k.base {
			s[j] += b
			has[j] = true
		}
		best := -1
		for j := range s {
			if has[j] && (best < 0 || s[j] > s[best]) {
				best = j
			}
		}
		transform(k.post, s)
		return k.cl.label(max(best, 0)), s
	}
	scores := s[:2]
	switch len(k.base) {
	case 2:
		if has[1] {
			s[1] = k.base[1] + s[0]
			s[0] = -s[1]
		} else {
			s[1] += k.base[1]
			s[0] += k.base[0]
		}
	case 1:
		s[0] += k.base[0]
		if !has[1] {
			scores = s[:1]
		}
	case 0:
		if !has[1] {
			scores = s[:1]
		}
	}
	pos := 0.0
	switch {
	case len(scores) == 2 && has[1]:
		pos = scores[1]
	case has[0]:
		pos = scores[0]
	}
	mode := -1
	var label int64
	if k.binary {
		switch {
		case k.allPositive && pos > 0.5:
			mode, label = 0, k.cl.label(1)
		case k.allPositive:
			mode, label = 1, k.cl.label(0)
		case pos > 0:
			mode, label = 2, k.cl.label(1)
		default:
			mode, label = 3, k.cl.label(0)
		}
	} else if pos > 0 {
		label = k.cl.label(1)
	} else {
		label = k.cl.label(0)
	}
	if len(scores) == 2 {
		transform(k.post, scores)
		return label, scores
	}
	v := scores[0]
	out := s[:2]
	switch {
	case k.post == postProbit:
		out[0], out[1] = probit(v), 0
	case mode == 0 || mode == 1:
		out[0], out[1] = 1-v, v
	case (mode == 2 || mode == 3) && k.post == postLogistic:
		out[0], out[1] = logistic(-v), logistic(v)
	case mode == 2:
		out[0], out[1] = -v, v
	case mode == 3:
		out[0], out[1] = v, -v
	default:
		out[0], out[1] = v, 0
	}
	return label, out
}

type treeRegressor struct {
	t    *trees
	base []float64
	post int
	agg  string
}

func makeTreeRegressor(a *attrs) (kernel, error) {
	k := &treeRegressor{post: readPost(a), agg: a.str("aggregate_function", "SUM")}
	switch k.agg {
	case "SUM", "AVERAGE", "MIN", "MAX":
	default:
		return nil, fmt.Errorf("aggregate_function %q is not supported", k.agg)
	}
	k.base, _ = floatsAttr(a, "base_values")
	nt := a.intIn("n_targets", 1, 1, 1<<20)
	if a.err != nil {
		return nil, a.err
	}
	t, err := readTrees(a, "target", nt)
	if err != nil {
		return nil, err
	}
	k.t = t
	if len(k.base) != 0 && len(k.base) != nt {
		return nil, fmt.Errorf("%d base values for %d targets", len(k.base), nt)
	}
	return k, nil
}

func (k *treeRegressor) run(r *runner, n *node) error {
	rows, cols, xf, err := features(r.in(n, 0))
	if err != nil {
		return err
	}
	if k.t.maxFeat >= cols {
		return fmt.Errorf("trees use feature %d of %d", k.t.maxFeat, cols)
	}
	nt := k.t.targets
	y, err := r.out(n, 0, dtFloat, []int{rows, nt})
	if err != nil {
		return err
	}
	s, has := make([]float64, nt), make([]bool, nt)
	for i := range rows {
		clear(s)
		clear(has)
		x := xf[i*cols : (i+1)*cols]
		for _, root := range k.t.roots {
			l, v := k.t.leaf(root, x)
			r.work += int64(v)
			for _, w := range k.t.nodes[l].weights {
				switch {
				case k.agg == "MIN" && has[w.target]:
					s[w.target] = math.Min(s[w.target], w.w)
				case k.agg == "MAX" && has[w.target]:
					s[w.target] = math.Max(s[w.target], w.w)
				case k.agg == "MIN" || k.agg == "MAX":
					s[w.target] = w.w
				default:
					s[w.target] += w.w
				}
				has[w.target] = true
			}
		}
		for j := range s {
			if k.agg == "AVERAGE" {
				s[j] /= float64(len(k.t.roots))
			}
			if len(k.base) == nt {
				s[j] += k.base[j]
			}
		}
		if nt > 1 || k.post == postProbit {
			transform(k.post, s)
		}
		for j, v := range s {
			y.f[i*nt+j] = float32(v)
		}
	}
	return nil
}
