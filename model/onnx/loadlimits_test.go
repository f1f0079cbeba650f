package onnx

import (
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/aiassure/aiassure/internal/limitio"
)

// A model file over the limit, or a device, is refused before it is read
// (issue 14: a file over the 1 GiB limit, or /dev/zero, was read into 2.16 GB
// of memory first). The test uses a 64 MiB limit and measures what Load
// allocates.
func TestLoadRefusesBeforeReading(t *testing.T) {
	big := filepath.Join(t.TempDir(), "big.onnx")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Truncate(1 << 40); err != nil {
		t.Skipf("cannot make a sparse file: %v", err)
	}
	f.Close()
	paths := map[string]error{big: limitio.ErrTooLarge}
	if _, err := os.Stat("/dev/zero"); err == nil {
		paths["/dev/zero"] = limitio.ErrNotRegular
	}
	lim := DefaultLimits()
	lim.MaxFileBytes = 64 << 20
	for path, want := range paths {
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		_, err := Load(path, WithLimits(lim))
		runtime.ReadMemStats(&after)
		if !errors.Is(err, want) {
			t.Errorf("%s: err = %v, want %v", path, err, want)
		}
		if got := after.TotalAlloc - before.TotalAlloc; got > 1<<20 {
			t.Errorf("%s: refusing it allocated %d bytes", path, got)
		}
	}
}
