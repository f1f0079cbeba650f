package onnx

import (
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Einsum (version 12): a direct loop over every combination of the
// equation's labels, with ellipses (numpy-broadcast) and repeated labels
// (diagonals). Not a speed path: a contraction of M, K and N labels costs
// M·K·N multiply-adds without blocking.

type einsum struct {
	terms  [][]rune // per input: letters, '.' for one ellipsis
	output []rune
	hasOut bool
}

func makeEinsum(a *attrs) (kernel, error) {
	eq := strings.ReplaceAll(a.str("equation", ""), " ", "")
	if eq == "" {
		return nil, errors.New("attribute equation is missing")
	}
	k := &einsum{}
	lhs, rhs, explicit := strings.Cut(eq, "->")
	parse := func(t string) ([]rune, error) {
		if strings.Count(t, "...") > 1 {
			return nil, fmt.Errorf("term %q has more than one ellipsis", t)
		}
		t = strings.ReplaceAll(t, "...", ".")
		for _, c := range t {
			if c != '.' && !(c >= 'a' && c <= 'z') && !(c >= 'A' && c <= 'Z') {
				return nil, fmt.Errorf("term %q: %q is not a letter", t, c)
			}
		}
		return []rune(t), nil
	}
	for _, t := range strings.Split(lhs, ",") {
		r, err := parse(t)
		if err != nil {
			return nil, err
		}
		k.terms = append(k.terms, r)
	}
	if explicit {
		r, err := parse(rhs)
		if err != nil {
			return nil, err
		}
		seen := map[rune]bool{}
		for _, c := range r {
			if seen[c] {
				return nil, fmt.Errorf("output label %q appears twice", c)
			}
			seen[c] = true
		}
		k.output, k.hasOut = r, true
	}
	return k, nil
}

type einsumPlan struct {
	sizes  []int   // per label
	opStr  [][]int // per input, per label: the input's stride (0 when absent or broadcast)
	outStr []int
	shape  []int
}

func (k *einsum) plan(r *runner, n *node) (*einsumPlan, error) {
	if len(n.in) != len(k.terms) {
		return nil, fmt.Errorf("equation has %d terms, the node %d inputs", len(k.terms), len(n.in))
	}
	// Labels: letters by rune, ellipsis dimensions as '0'+j (right-aligned).
	ell := 0
	for i, t := range k.terms {
		x := r.in(n, i)
		if !x.dt.isFloat() || x.dt != r.in(n, 0).dt {
			return nil, fmt.Errorf("input types %v and %v are not supported", r.in(n, 0).dt, x.dt)
		}
		letters := len(t)
		if strings.ContainsRune(string(t), '.') {
			letters--
			ell = max(ell, x.rank()-letters)
		} else if letters != x.rank() {
			return nil, fmt.Errorf("term %q does not match rank %d", string(t), x.rank())
		}
		if x.rank() < letters {
			return nil, fmt.Errorf("term %q does not match rank %d", string(t), x.rank())
		}
	}
	size := map[rune]int{}
	var order []rune
	axes := make([][]rune, len(k.terms)) // per input, the label of each axis
	count := map[rune]int{}
	for i, t := range k.terms {
		x := r.in(n, i)
		e := x.rank() - (len(t) - b2i(strings.ContainsRune(string(t), '.')))
		for _, c := range t {
			if c == '.' {
				for j := range e {
					axes[i] = append(axes[i], rune('0'+ell-e+j))
				}
				continue
			}
			axes[i] = append(axes[i], c)
		}
		for d, c := range axes[i] {
			dim := x.shape[d]
			old, seen := size[c]
			switch {
			case !seen:
				order = append(order, c)
				size[c] = dim
			case old == dim || dim == 1 && c < 'A':
			case old == 1 && c < 'A':
				size[c] = dim
			default:
				return nil, fmt.Errorf("label %q has sizes %d and %d", c, old, dim)
			}
			count[c]++
		}
	}
	out := k.output
	if !k.hasOut {
		var letters []rune
		for c, m := range count {
			if c >= 'A' && m == 1 {
				letters = append(letters, c)
			}
		}
		sort.Slice(letters, func(i, j int) bool { return letters[i] < letters[j] })
		out = append([]rune{'.'}, letters...)
	}
	var outAxes []rune
	for _, c := range out {
		if c == '.' {
			for j := range ell {
				outAxes = append(outAxes, rune('0'+j))
			}
			continue
		}
		if _, ok := size[c]; !ok {
			return nil, fmt.Errorf("output label %q is not in any input", c)
		}
		outAxes = append(outAxes, c)
	}
	p := &einsumPlan{}
	idx := map[rune]int{}
	for j, c := range order {
		idx[c] = j
		p.sizes = append(p.sizes, size[c])
	}
	for i := range k.terms {
		x := r.in(n, i)
		st := make([]int, len(order))
		s := 1
		for d := x.rank() - 1; d >= 0; d-- {
			if x.shape[d] != 1 {
				st[idx[axes[i][d]]] += s
			}
			s *= x.shape[d]
		}
		p.opStr = append(p.opStr, st)
	}
	p.outStr = make([]int, len(order))
	s := 1
	for d := len(outAxes) - 1; d >= 0; d-- {
		p.outStr[idx[outAxes[d]]] += s
		s *= size[outAxes[d]]
	}
	for _, c := range outAxes {
		p.shape = append(p.shape, size[c])
	}
	if _, err := checkedProd(p.sizes, 64*r.g.lim.MaxTensorElements); err != nil {
		return nil, fmt.Errorf("work: %w", err)
	}
	return p, nil
}

func b2i(v bool) int {
	if v {
		return 1
	}
	return 0
}

// each calls fn(o, offs) for every label combination: the output offset
// and the offset in each input.
func (p *einsumPlan) each(fn func(o int, offs []int)) {
	total := prod(p.sizes)
	if total == 0 {
		return
	}
	pos := make([]int, len(p.sizes))
	offs := make([]int, len(p.opStr))
	o := 0
	for range total {
		fn(o, offs)
		for d := len(pos) - 1; d >= 0; d-- {
			pos[d]++
			o += p.outStr[d]
			for i := range offs {
				offs[i] += p.opStr[i][d]
			}
			if pos[d] < p.sizes[d] {
				break
			}
			o -= p.outStr[d] * p.sizes[d]
			for i := range offs {
				offs[i] -= p.opStr[i][d] * p.sizes[d]
			}
			pos[d] = 0
		}
	}
}

func (k *einsum) run(r *runner, n *node) error {
	p, err := k.plan(r, n)
	if err != nil {
		return err
	}
	y, err := r.out(n, 0, r.in(n, 0).dt, p.shape)
	if err != nil {
		return err
	}
	acc := make([]float64, y.size())
	p.each(func(o int, offs []int) {
		v := 1.0
		for i, off := range offs {
			v *= num(r.in(n, i), off)
		}
		acc[o] += v
	})
	storeFloats(y, len(acc), func(o int) float64 { return acc[o] })
	return nil
}

func (k *einsum) backward(r *runner, n *node) error {
	p, err := k.plan(r, n)
	if err != nil {
		return err
	}
	g := r.gradOut(n, 0)
	gs := make([][]float32, len(n.in))
	for i := range n.in {
		gs[i] = r.gradIn(n, i)
	}
	p.each(func(o int, offs []int) {
		for i, gi := range gs {
			if gi == nil {
				continue
			}
			v := float64(g[o])
			for j, off := range offs {
				if j != i {
					v *= float64(r.in(n, j).f[off])
				}
			}
			gi[offs[i]] += float32(v)
		}
	})
	return nil
}
