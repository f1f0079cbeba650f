package profile

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure/internal/yamlx"
)

// A small profile that repeats one large string through aliases (issue 14:
// 40,000 aliases of a 100 KB string took 100 s and 6 GB because every
// duplicate-value error quoted the expanded value). The errors must quote a
// short prefix only, and stop at the cap.
func TestDecodeAliasedLargeValue(t *testing.T) {
	for _, field := range []string{"users", "roles"} { // duplicates; invalid enum values too
		t.Run(field, func(t *testing.T) {
			var b strings.Builder
			b.WriteString("api_version: aiassure.dev/v1\n" + field + ":\n  - &a " + strings.Repeat("x", 100_000) + "\n")
			b.WriteString(strings.Repeat("  - *a\n", 5000))
			start := time.Now()
			_, err := Decode("aliases.yaml", []byte(b.String()))
			if err == nil {
				t.Fatal("no error")
			}
			var es yamlx.Errors
			if !errors.As(err, &es) {
				t.Fatalf("error is %T", err)
			}
			if n := len(err.Error()); n > 32<<10 {
				t.Errorf("error text is %d bytes; want a short prefix of each value", n)
			}
			if !strings.Contains(err.Error(), "(100000 bytes)") {
				t.Errorf("errors do not give the value's length:\n%.500s", err)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}
