package onnx

import (
	"encoding/binary"
	"math"
	"slices"
	"sort"
)

// Unique (version 11): the distinct elements (or slices along axis), sorted
// or in order of first occurrence, with the first index of each, the
// inverse map and the counts.
type uniqueOp struct {
	axis            int
	hasAxis, sorted bool
}

func makeUnique(a *attrs) (kernel, error) {
	return &uniqueOp{axis: a.intIn("axis", 0, -64, 64), hasAxis: a.has("axis"), sorted: a.int("sorted", 1) != 0}, nil
}

func (k *uniqueOp) outType(j int, in []dtype) dtype {
	if j == 0 {
		return in[0]
	}
	return dtInt64
}

func (k *uniqueOp) run(r *runner, n *node) error {
	x := r.in(n, 0)
	shape := []int{x.size()}
	ax := 0
	if k.hasAxis {
		var err error
		if ax, err = normAxis(k.axis, x.rank()); err != nil {
			return err
		}
		shape = x.shape
	}
	outer, dim, inner := prod(shape[:ax]), shape[ax], prod(shape[ax+1:])
	// slice j as a vector of float64 values
	key := func(j int) []float64 {
		v := make([]float64, 0, outer*inner)
		for b := range outer {
			for c := range inner {
				v = append(v, num(x, (b*dim+j)*inner+c))
			}
		}
		return v
	}
	keys := make([][]float64, dim)
	for j := range dim {
		keys[j] = key(j)
	}
	var firsts []int // first index of each distinct slice, in order of occurrence
	inverse := make([]int, dim)
	ids := map[string]int{} // a hash, so the work stays linear in the input
	buf := make([]byte, 0, 8*outer*inner)
	for j := range dim {
		buf = buf[:0]
		for _, v := range keys[j] {
			buf = binary.LittleEndian.AppendUint64(buf, math.Float64bits(v))
		}
		found, ok := ids[string(buf)]
		if !ok {
			found = len(firsts)
			firsts = append(firsts, j)
			ids[string(buf)] = found
		}
		inverse[j] = found
	}
	order := make([]int, len(firsts)) // output position -> distinct id
	for i := range order {
		order[i] = i
	}
	if k.sorted {
		sort.SliceStable(order, func(p, q int) bool {
			return slices.Compare(keys[firsts[order[p]]], keys[firsts[order[q]]]) < 0
		})
	}
	rank := make([]int, len(order)) // distinct id -> output position
	for p, u := range order {
		rank[u] = p
	}
	oshape := append([]int{}, shape...)
	oshape[ax] = len(order)
	y, err := r.out(n, 0, x.dt, oshape)
	if err != nil {
		return err
	}
	for p, u := range order {
		j := firsts[u]
		for b := range outer {
			for c := range inner {
				o, i := (b*len(order)+p)*inner+c, (b*dim+j)*inner+c
				if x.dt == dtFloat {
					y.f[o] = x.f[i]
				} else {
					y.i[o] = x.i[i]
				}
			}
		}
	}
	outs := [][]int64{make([]int64, len(order)), make([]int64, dim), make([]int64, len(order))}
	for p, u := range order {
		outs[0][p] = int64(firsts[u])
	}
	for j, u := range inverse {
		outs[1][j] = int64(rank[u])
		outs[2][rank[u]]++
	}
	for k, v := range outs {
		if !r.wantOut(n, k+1) {
			continue
		}
		t, err := r.out(n, k+1, dtInt64, []int{len(v)})
		if err != nil {
			return err
		}
		copy(t.i, v)
	}
	return nil
}
