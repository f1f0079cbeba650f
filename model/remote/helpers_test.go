package remote

import (
	"context"
	"log/slog"
	"math"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/onnx"
	"github.com/aiassure/aiassure/model/remote/testserver"
)

// example is an example model with its test data.
type example struct {
	name     string
	model    *onnx.Model
	x        *model.Tensor
	features []string
}

// loadExample loads examples/<dir>/model/<file> and the first rows of
// examples/<dir>/data/test.csv (all columns but the last, the label).
func loadExample(t *testing.T, dir, file string, rows int) example {
	t.Helper()
	root := filepath.Join("..", "..", "examples", dir)
	m, err := onnx.Load(filepath.Join(root, "model", file))
	if err != nil {
		t.Fatalf("load %s/%s: %v", dir, file, err)
	}
	header, data := readCSV(t, filepath.Join(root, "data", "test.csv"), rows)
	shape := append([]int{len(data) / len(header)}, m.Info().InputShape...)
	x, err := model.NewTensor(shape, data)
	if err != nil {
		t.Fatalf("%s: %v", dir, err)
	}
	return example{name: dir + "/" + file, model: m, x: x, features: header}
}

// readCSV reads the first rows of an example's test.csv with the dataset
// package: the feature names and the flattened features.
func readCSV(t *testing.T, path string, rows int) ([]string, []float32) {
	t.Helper()
	d, err := dataset.Load(context.Background(), path, dataset.Options{})
	if err != nil {
		t.Fatal(err)
	}
	bt, err := d.Batch(0, min(rows, d.Len()))
	if err != nil {
		t.Fatal(err)
	}
	return d.Info.Features, bt.X.Data
}

// serve starts a test server for the example's model.
func serve(t *testing.T, ex example, cfg testserver.Config) *testserver.Server {
	t.Helper()
	s, err := testserver.New(ex.model, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// fakeClock records sleeps and advances its time by them; it never blocks.
type fakeClock struct {
	mu     sync.Mutex
	now    time.Time
	sleeps []time.Duration
}

func newFakeClock() *fakeClock { return &fakeClock{now: time.Unix(1e9, 0)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	if d > 0 {
		c.now = c.now.Add(d)
	}
	return ctx.Err()
}

func (c *fakeClock) Sleeps() []time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]time.Duration(nil), c.sleeps...)
}

func nanValue() float64 { return math.NaN() }

func discard() *slog.Logger { return slog.New(slog.DiscardHandler) }

func mustTensor(t *testing.T, shape []int, fill float32) *model.Tensor {
	t.Helper()
	x, err := model.Zeros(shape...)
	if err != nil {
		t.Fatal(err)
	}
	for i := range x.Data {
		x.Data[i] = fill
	}
	return x
}
