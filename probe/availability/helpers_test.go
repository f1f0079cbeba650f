package availability

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/onnx"
)

// example is an example model with rows of its test data and constraints.
type example struct {
	model *onnx.Model
	x     *model.Tensor
	cons  *dataset.Constraints
}

// loadExample loads examples/<dir>/model/<file>, the first rows of its
// data/test.csv and its data/features.json.
func loadExample(t testing.TB, dir, file string, rows int) example {
	t.Helper()
	root := filepath.Join("..", "..", "examples", dir)
	m, err := onnx.Load(filepath.Join(root, "model", file))
	if err != nil {
		t.Fatalf("load %s/%s: %v", dir, file, err)
	}
	d, err := dataset.Load(context.Background(), filepath.Join(root, "data", "test.csv"), dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := d.Batch(0, min(rows, d.Len()))
	if err != nil {
		t.Fatal(err)
	}
	x, err := model.NewTensor(append([]int{b.X.Batch()}, m.Info().InputShape...), b.X.Data)
	if err != nil {
		t.Fatal(err)
	}
	c, err := dataset.LoadConstraints(filepath.Join(root, "data", "features.json"))
	if err != nil {
		t.Fatal(err)
	}
	return example{model: m, x: x, cons: c}
}

// fakeClock is a clock that moves only when told to.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// slowTarget is a black box whose every prediction takes 1ms of the fake
// clock, and 1ms more per 0.1 by which its first feature exceeds 0.5: a
// model whose latency depends on its input.
type slowTarget struct {
	clk *fakeClock
	d   int
	err error
}

func (s *slowTarget) Info() model.Info {
	return model.Info{Name: "slow", Kind: "fake", InputShape: []int{s.d}, OutputShape: []int{2}}
}

func (s *slowTarget) Predict(ctx context.Context, x *model.Tensor) (*model.Tensor, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if s.err != nil {
		return nil, s.err
	}
	out := &model.Tensor{Shape: []int{x.Batch(), 2}, Data: make([]float32, 2*x.Batch())}
	for i := range x.Batch() {
		d := time.Millisecond
		if v := x.Row(i)[0]; v > 0.5 {
			d += time.Duration(float64(v-0.5) * 10 * float64(time.Millisecond))
		}
		s.clk.advance(d)
		out.Data[2*i] = 1
	}
	return out, nil
}
