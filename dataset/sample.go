package dataset

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/aiassure/aiassure/model"
)

// newRand returns the generator behind every sample: PCG seeded with seed.
func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)) }

// Sample returns n samples of d drawn without replacement with the given
// seed, in their original order. The same seed and data give the same
// sample. When n >= d.Len() it returns a copy of d.
func (d *Dataset) Sample(n int, seed uint64) (*Dataset, error) {
	if n < 0 {
		return nil, fmt.Errorf("sample size %d: must not be negative", n)
	}
	idx := pick(newRand(seed), seqInts(d.Len()), n)
	return d.Select(idx)
}

// SampleStratified returns n samples of d drawn without replacement so that
// each class keeps its share: class k gets floor(n*N_k/N) samples and the
// remaining ones go to the classes with the largest fractional parts (the
// lower class index first on ties). Samples keep their original order.
func (d *Dataset) SampleStratified(n int, seed uint64) (*Dataset, error) {
	if n < 0 {
		return nil, fmt.Errorf("sample size %d: must not be negative", n)
	}
	if d.Y == nil {
		return nil, errors.New("stratified sample: the data set has no labels")
	}
	N := d.Len()
	if n >= N {
		return d.Select(seqInts(N))
	}
	var byClass [][]int
	for i, k := range d.Y {
		for len(byClass) <= k {
			byClass = append(byClass, nil)
		}
		byClass[k] = append(byClass[k], i)
	}
	alloc := make([]int, len(byClass))
	type frac struct {
		k int
		f float64
	}
	var fr []frac
	left := n
	for k, ix := range byClass {
		exact := float64(n) * float64(len(ix)) / float64(N)
		alloc[k] = int(exact)
		left -= alloc[k]
		fr = append(fr, frac{k, exact - float64(alloc[k])})
	}
	slices.SortStableFunc(fr, func(a, b frac) int {
		switch {
		case a.f > b.f:
			return -1
		case a.f < b.f:
			return 1
		}
		return 0
	})
	for i := 0; left > 0 && i < len(fr); i++ {
		if alloc[fr[i].k] < len(byClass[fr[i].k]) {
			alloc[fr[i].k]++
			left--
		}
	}
	rng := newRand(seed)
	var idx []int
	for k, ix := range byClass {
		idx = append(idx, pick(rng, ix, alloc[k])...)
	}
	slices.Sort(idx)
	return d.Select(idx)
}

func seqInts(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}

// pick returns n elements of from (all when n >= len(from)) chosen by a
// partial Fisher-Yates shuffle, sorted. It does not modify from.
func pick(rng *rand.Rand, from []int, n int) []int {
	s := slices.Clone(from)
	n = min(n, len(s))
	for i := range n {
		j := i + rng.IntN(len(s)-i)
		s[i], s[j] = s[j], s[i]
	}
	s = s[:n]
	slices.Sort(s)
	return s
}

// Select returns the samples of d at the given indices (copies).
func (d *Dataset) Select(idx []int) (*Dataset, error) {
	N := d.Len()
	r := d.X.RowLen()
	data := make([]float32, 0, len(idx)*r)
	var y []int
	if d.Y != nil {
		y = make([]int, 0, len(idx))
	}
	for _, i := range idx {
		if i < 0 || i >= N {
			return nil, fmt.Errorf("index %d out of range [0, %d)", i, N)
		}
		data = append(data, d.X.Row(i)...)
		if d.Y != nil {
			y = append(y, d.Y[i])
		}
	}
	info := d.Info
	info.Rows = len(idx)
	return &Dataset{Info: info, X: &model.Tensor{Shape: append([]int{len(idx)}, d.X.Shape[1:]...), Data: data}, Y: y}, nil
}

// SampleReader draws n samples from a stream without replacement with
// reservoir sampling (Algorithm R) and the given seed, keeping at most n
// samples in memory. The result keeps the stream's order. It is not the same
// sample as Dataset.Sample with the same seed.
func SampleReader(ctx context.Context, r Reader, n int, seed uint64) (*Dataset, error) {
	if n < 0 {
		return nil, fmt.Errorf("sample size %d: must not be negative", n)
	}
	info := r.Info()
	rng := newRand(seed)
	type kept struct {
		pos int
		x   []float32
		y   int
	}
	res := make([]kept, 0, min(n, 1<<16))
	seen := 0
	labelled := true
	for b, err := range Batches(ctx, r, 1024) {
		if err != nil {
			return nil, err
		}
		if b.Y == nil {
			labelled = false
		}
		for i := range b.X.Batch() {
			var yi int
			if b.Y != nil {
				yi = b.Y[i]
			}
			switch {
			case len(res) < n:
				res = append(res, kept{seen, slices.Clone(b.X.Row(i)), yi})
			default:
				if j := rng.IntN(seen + 1); j < n {
					res[j] = kept{seen, slices.Clone(b.X.Row(i)), yi}
				}
			}
			seen++
		}
	}
	slices.SortFunc(res, func(a, b kept) int { return a.pos - b.pos })
	rowLen := 1
	for _, d := range info.Shape {
		rowLen *= d
	}
	data := make([]float32, 0, len(res)*rowLen)
	var y []int
	if labelled {
		y = make([]int, 0, len(res))
	}
	for _, k := range res {
		data = append(data, k.x...)
		if labelled {
			y = append(y, k.y)
		}
	}
	x, err := model.NewTensor(append([]int{len(res)}, info.Shape...), data)
	if err != nil {
		return nil, err
	}
	info.Rows = len(res)
	return &Dataset{Info: info, X: x, Y: y}, nil
}
