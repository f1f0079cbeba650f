package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// A model over the limit, or a device, is refused at once (issue 14: a file
// over 1 GiB, or /dev/zero, was read into 2.16 GB first, for up to 20 s);
// -max-model-bytes and -max-line-bytes set the limits.
func TestPredictSizeLimits(t *testing.T) {
	const ex = "../../../../examples/credit-scoring/"
	big := filepath.Join(t.TempDir(), "big.onnx")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1<<30 + 1); err != nil { // sparse: one byte over the default
		t.Skipf("no sparse files here: %v", err)
	}
	f.Close()
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"model over 1 GiB", []string{"-model", big}, "more than the limit of 1073741824"},
		{"small model limit", []string{"-max-model-bytes", "1000", "-model", ex + "model/mlp.onnx"}, "more than the limit of 1000"},
		{"short line limit", []string{"-max-line-bytes", "100", "-model", ex + "model/mlp.onnx"}, "longer than 100 bytes"},
	}
	if _, err := os.Stat("/dev/zero"); err == nil {
		tests = append(tests, struct {
			name string
			args []string
			want string
		}{"device", []string{"-model", "/dev/zero"}, "is a character device"})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			code, _, stderr := run(t, append(append([]string{"predict"}, tc.args...), "-data", ex+"data/test.csv", "-o", os.DevNull)...)
			if code != ExitUsage || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q; want 2 and %q", code, stderr, tc.want)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %v", d)
			}
		})
	}
}
