package yamlx

import (
	"io"
	"os"
)

// ReadFile reads at most max+1 bytes of the file at path: enough for the
// decoder, given the same limit, to report a file that is too large without
// reading all of it.
func ReadFile(path string, max int64) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, max+1))
}
