package poisoning

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/probe/privacy"
)

// load reads a committed data set.
func load(t testing.TB, path, label string) *Data {
	t.Helper()
	ds, err := dataset.Load(context.Background(), path, dataset.Options{Label: label})
	if err != nil {
		t.Fatal(err)
	}
	d, err := FromDataset(ds)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

var trainFast = privacy.TrainConfig{Epochs: 3}

func breastCancer(t testing.TB) *Data { return load(t, "testdata/breast-cancer.csv", "label") }

func creditG(t testing.TB) *Data {
	return load(t, "../../examples/credit-scoring/data/credit-g.arff", "class")
}

// clone returns a deep copy of d.
func clone(d *Data) *Data {
	c := *d
	c.X, c.Y = slices.Clone(d.X), slices.Clone(d.Y)
	return &c
}

// appendRow appends one row to d.
func appendRow(d *Data, x []float64, y int) int {
	d.X = append(d.X, x...)
	d.Y = append(d.Y, y)
	d.N++
	return d.N - 1
}

// planted records what corrupt did.
type planted struct {
	flipped, exact, near, trigger []int
}

// corrupt flips frac of the labels to another class and appends nDup exact
// copies, nDup near copies (features moved by 1e-3 of their range) and
// nTrig trigger rows: rows of class 0 whose last three features are set to
// their largest value in the data and relabelled to class 1.
func corrupt(d *Data, frac float64, nDup, nTrig int, seed uint64) (*Data, planted) {
	rng := rand.New(rand.NewPCG(seed, 1))
	c := clone(d)
	var p planted
	for _, i := range rng.Perm(d.N)[:int(frac*float64(d.N))] {
		c.Y[i] = (c.Y[i] + 1 + rng.IntN(d.K-1)) % d.K
		p.flipped = append(p.flipped, i)
	}
	lo, hi := make([]float64, d.D), make([]float64, d.D)
	copy(lo, d.row(0))
	copy(hi, d.row(0))
	for i := range d.N {
		for j, v := range d.row(i) {
			lo[j], hi[j] = min(lo[j], v), max(hi[j], v)
		}
	}
	for range nDup {
		i := rng.IntN(d.N)
		p.exact = append(p.exact, appendRow(c, d.row(i), c.Y[i]))
	}
	for range nDup {
		i := rng.IntN(d.N)
		x := slices.Clone(d.row(i))
		for j := range x {
			x[j] += 1e-3 * (hi[j] - lo[j]) * (2*rng.Float64() - 1)
		}
		p.near = append(p.near, appendRow(c, x, c.Y[i]))
	}
	col := make([]float64, d.N)
	trig := make([]float64, 3)
	for q := range trig {
		j := d.D - 1 - q
		for i := range d.N {
			col[i] = d.X[i*d.D+j]
		}
		slices.Sort(col)
		trig[q] = col[len(col)-1]
	}
	var zero []int
	for i, y := range d.Y {
		if y == 0 {
			zero = append(zero, i)
		}
	}
	for range nTrig {
		i := zero[rng.IntN(len(zero))]
		x := slices.Clone(d.row(i))
		for q, v := range trig {
			x[d.D-1-q] = v
		}
		p.trigger = append(p.trigger, appendRow(c, x, 1))
	}
	return c, p
}
