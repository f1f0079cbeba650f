package privacy

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/aiassure/aiassure/dataset"
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
