package yamlx

import "github.com/aiassure/aiassure/internal/limitio"

// ReadFile reads the regular file at path, refusing it before reading when
// it is larger than max bytes or not a regular file (see limitio).
func ReadFile(path string, max int64) ([]byte, error) {
	return limitio.ReadFile(path, max)
}
