package evasion

import (
	"context"
	"fmt"
	"math"
	"math/rand/v2"
	"path/filepath"
	"sync/atomic"
	"testing"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/onnx"
)

// linear is softmax(Wx+b) (or its logits), a Differentiable target with
// exact gradients.
type linear struct {
	w     [][]float32 // classes x features
	b     []float32
	probs bool
}

func (l *linear) Info() model.Info {
	return model.Info{Name: "linear", Kind: "test", InputShape: []int{len(l.w[0])}, OutputShape: []int{len(l.w)}, Differentiable: true}
}

func (l *linear) Predict(ctx context.Context, x *model.Tensor) (*model.Tensor, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	d, k := len(l.w[0]), len(l.w)
	if x.Validate() != nil || len(x.Shape) != 2 || x.Shape[1] != d {
		return nil, fmt.Errorf("linear: bad input shape %v", x.Shape)
	}
	y := &model.Tensor{Shape: []int{x.Batch(), k}, Data: make([]float32, x.Batch()*k)}
	for i := range x.Batch() {
		row, out := x.Row(i), y.Data[i*k:(i+1)*k]
		m := math.Inf(-1)
		z := make([]float64, k)
		for c := range k {
			s := float64(l.b[c])
			for j, v := range row {
				s += float64(l.w[c][j]) * float64(v)
			}
			z[c] = s
			m = max(m, s)
		}
		if !l.probs {
			for c := range k {
				out[c] = float32(z[c])
			}
			continue
		}
		sum := 0.0
		for c := range k {
			z[c] = math.Exp(z[c] - m)
			sum += z[c]
		}
		for c := range k {
			out[c] = float32(z[c] / sum)
		}
	}
	return y, nil
}

func (l *linear) Gradient(ctx context.Context, x, seed *model.Tensor) (*model.Tensor, error) {
	y, err := l.Predict(ctx, x)
	if err != nil {
		return nil, err
	}
	d, k := len(l.w[0]), len(l.w)
	g := &model.Tensor{Shape: []int{x.Batch(), d}, Data: make([]float32, x.Batch()*d)}
	for i := range x.Batch() {
		s := make([]float64, k)
		for c := range k {
			s[c] = float64(seed.Data[i*k+c])
		}
		if l.probs { // softmax VJP: p * (s - <s, p>)
			p := y.Row(i)
			dot := 0.0
			for c := range k {
				dot += s[c] * float64(p[c])
			}
			for c := range k {
				s[c] = float64(p[c]) * (s[c] - dot)
			}
		}
		for c := range k {
			for j := range d {
				g.Data[i*d+j] += float32(s[c] * float64(l.w[c][j]))
			}
		}
	}
	return g, nil
}

// randomLinear returns a linear model with k classes on d features and n
// samples in [0, 1] with the model's own predictions as labels.
func randomLinear(seed uint64, k, d, n int, probs bool) (*linear, *model.Tensor, []int) {
	rng := rand.New(rand.NewPCG(seed, 1))
	l := &linear{w: make([][]float32, k), b: make([]float32, k), probs: probs}
	for c := range k {
		l.w[c] = make([]float32, d)
		for j := range d {
			l.w[c][j] = float32(rng.NormFloat64())
		}
		l.b[c] = float32(rng.NormFloat64() * 0.1)
	}
	x := &model.Tensor{Shape: []int{n, d}, Data: make([]float32, n*d)}
	for i := range x.Data {
		x.Data[i] = float32(rng.Float64())
	}
	y, _ := l.Predict(context.Background(), x)
	return l, x, y.ArgMax()
}

// counting counts the rows a target receives; it is Differentiable when
// its inner target is, and counts a value-and-gradient call once.
type counting struct {
	inner model.Target
	rows  atomic.Int64
}

func (c *counting) Info() model.Info { return c.inner.Info() }

func (c *counting) Predict(ctx context.Context, x *model.Tensor) (*model.Tensor, error) {
	c.rows.Add(int64(x.Batch()))
	return c.inner.Predict(ctx, x)
}

type countingDiff struct{ *counting }

func (c countingDiff) Gradient(ctx context.Context, x, seed *model.Tensor) (*model.Tensor, error) {
	c.rows.Add(int64(x.Batch()))
	return c.inner.(model.Differentiable).Gradient(ctx, x, seed)
}

func (c countingDiff) ValueAndGradient(ctx context.Context, x *model.Tensor, seed model.SeedFunc) (*model.Tensor, *model.Tensor, error) {
	c.rows.Add(int64(x.Batch()))
	return model.ValueAndGradient(ctx, c.inner.(model.Differentiable), x, seed)
}

func count(t model.Target) (model.Target, *atomic.Int64) {
	c := &counting{inner: t}
	if _, ok := t.(model.Differentiable); ok {
		return countingDiff{c}, &c.rows
	}
	return c, &c.rows
}

// blackBox hides the gradient of a target.
type blackBox struct{ model.Target }

// readCSV reads the first limit rows (all when limit <= 0) of an example's
// test.csv with the dataset package.
func readCSV(t testing.TB, path string, limit int) (*model.Tensor, []int) {
	t.Helper()
	d, err := dataset.Load(context.Background(), path, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	n := d.Len()
	if limit > 0 {
		n = min(n, limit)
	}
	bt, err := d.Batch(0, n)
	if err != nil {
		t.Fatal(err)
	}
	return bt.X, bt.Y
}

// example loads an example model and its data (first n rows), reshaped to
// the model's input; it skips the test when the model does not load.
func example(t testing.TB, name, file string, n int) (*onnx.Model, *model.Tensor, []int) {
	t.Helper()
	root := filepath.Join("..", "..", "examples", name)
	m, err := onnx.Load(filepath.Join(root, "model", file))
	if err != nil {
		t.Fatalf("load %s/%s: %v", name, file, err)
	}
	x, y := readCSV(t, filepath.Join(root, "data", "test.csv"), n)
	x.Shape = append([]int{x.Batch()}, m.Info().InputShape...)
	if x.Validate() != nil {
		t.Fatalf("data of shape %v does not fit the model's input %v", x.Shape, m.Info().InputShape)
	}
	return m, x, y
}
