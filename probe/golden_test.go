package probe

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure/profile"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGoldenVerdicts writes the Results of Check (probe.Quick) on every
// shipped example as text, one block per Result: status, ID, summary, the
// reason with its criterion, and the metrics of the verdict, and compares
// them with testdata/<example>.txt (go test ./probe -update rewrites them).
func TestGoldenVerdicts(t *testing.T) {
	for _, ex := range []string{"minimal-risk", "credit-scoring", "medical-diagnosis", "border-biometrics"} {
		t.Run(ex, func(t *testing.T) {
			p, err := profile.Load(filepath.Join("..", "examples", ex, "profile.yaml"))
			if err != nil {
				t.Fatal(err)
			}
			rs, err := Check(context.Background(), p, nil, WithPlan(Quick))
			if err != nil {
				t.Fatal(err)
			}
			var b strings.Builder
			for _, r := range rs {
				fmt.Fprintf(&b, "%s %s\n  %s\n", strings.ToUpper(string(r.Status)), r.ID, r.Summary)
				if r.Reason != "" {
					fmt.Fprintf(&b, "  %s\n", r.Reason)
				}
				var keys []string
				for k := range r.Metrics {
					if !strings.Contains(k, "@") && !strings.HasPrefix(k, "queries_") && !strings.HasPrefix(k, "perturbation_") {
						keys = append(keys, k)
					}
				}
				slices.Sort(keys)
				for i, k := range keys {
					sep := "  "
					if i%4 == 0 {
						sep = "    "
						if i > 0 {
							sep = "\n    "
						}
					}
					fmt.Fprintf(&b, "%s%s=%.4g", sep, k, r.Metrics[k])
				}
				b.WriteString("\n\n")
			}
			got := b.String()
			golden := filepath.Join("testdata", ex+".txt")
			if *update {
				if err := os.MkdirAll("testdata", 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./probe -update)", err)
			}
			if diff := cmp.Diff(string(want), got); diff != "" {
				t.Errorf("verdicts on %s differ from %s (-want +got):\n%s", ex, golden, diff)
			}
		})
	}
}
