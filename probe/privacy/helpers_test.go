package privacy

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/onnx"
)

// testInput loads a test model and the member, non-member and population
// splits made by tools/make_privacy_models.py.
func testInput(t testing.TB, modelFile string) Input {
	t.Helper()
	m, err := onnx.Load(filepath.Join("testdata", modelFile))
	if err != nil {
		t.Fatal(err)
	}
	load := func(name string) *dataset.Dataset {
		d, err := dataset.Load(context.Background(), filepath.Join("testdata", name), dataset.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	return Input{Target: m, Members: load("members.csv"), NonMembers: load("nonmembers.csv"), Population: load("population.csv"),
		Sensitive: []string{"property_magnitude", "personal_status"}}
}

// testConfig is the configuration of the tests on the credit models: fewer
// reference models and resamples than the plans, every inversion record.
func testConfig() Config {
	return Config{References: 8, Resamples: 200, Budget: 400, InversionRecords: 400, Seed: 1}
}

var (
	runsMu sync.Mutex
	runs   = map[string]*Report{}
)

// runOn runs the suite once per model with testConfig and caches the report.
func runOn(t testing.TB, modelFile string) *Report {
	t.Helper()
	runsMu.Lock()
	defer runsMu.Unlock()
	if r, ok := runs[modelFile]; ok {
		return r
	}
	in := testInput(t, modelFile)
	in.Config = testConfig()
	rep, err := Run(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	runs[modelFile] = rep
	return rep
}

func membership(t testing.TB, rep *Report, attack string) *ROC {
	t.Helper()
	for _, m := range rep.Membership {
		if m.Attack == attack {
			return m.ROC
		}
	}
	t.Fatalf("%s: no %s result", rep.Target, attack)
	return nil
}

func inversionOf(t testing.TB, rep *Report, attr string) *Inversion {
	t.Helper()
	for _, v := range rep.Inversion {
		if v.Attribute == attr {
			return v
		}
	}
	t.Fatalf("%s: no inversion of %s (skipped: %v)", rep.Target, attr, rep.Skipped)
	return nil
}

// mapTarget wraps a target and rewrites each answer row.
type mapTarget struct {
	model.Target
	f func(row []float32)
}

func (m mapTarget) Predict(ctx context.Context, x *model.Tensor) (*model.Tensor, error) {
	out, err := m.Target.Predict(ctx, x)
	if err != nil {
		return nil, err
	}
	k := out.RowLen()
	for i := range out.Batch() {
		m.f(out.Data[i*k : (i+1)*k])
	}
	return out, nil
}
