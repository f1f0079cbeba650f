package catalog

import (
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite golden and generated files")

// TestSchemasCurrent fails when a JSON Schema in data/schema has drifted from
// the Go types it is generated from. Run with -update to regenerate.
func TestSchemasCurrent(t *testing.T) {
	schemas, err := Schemas()
	if err != nil {
		t.Fatal(err)
	}
	for name, want := range schemas {
		p := filepath.Join("data", "schema", name)
		if *update {
			if err := os.WriteFile(p, want, 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(p)
		if err != nil {
			t.Fatalf("%v (run go test ./catalog -run TestSchemasCurrent -update)", err)
		}
		if diff := cmp.Diff(string(want), string(got)); diff != "" {
			t.Errorf("%s drifted from the Go types (-generated +file); run with -update:\n%s", p, diff)
		}
	}
}
