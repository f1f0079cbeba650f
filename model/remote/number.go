package remote

import (
	"errors"
	"fmt"
	"math"
	"strconv"

	"github.com/aiassure/aiassure/model"
)

// errOutOfRange is wrapped when an answer holds a number that float32
// cannot hold (beyond ±3.4e38): it would become ±Inf.
var errOutOfRange = errors.New("beyond the range of float32")

// parseFloat32 reads a JSON number as the nearest float32 (the decimal is
// rounded once). A number too large for float32 is an error, not ±Inf; one
// too small becomes 0 or a subnormal, as rounding makes it.
func parseFloat32(s string) (float32, error) {
	f, err := strconv.ParseFloat(s, 32)
	switch {
	case err != nil && !errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("%.40s: %w", s, errNotNumber)
	case math.IsNaN(f):
		return 0, errNotNumber
	case math.IsInf(f, 0):
		return 0, fmt.Errorf("%.40s is %w", s, errOutOfRange)
	}
	return float32(f), nil
}

// checkOutput is the one check of every decoded answer, whatever the
// protocol: a NaN or an infinity is a malformed response, an error of that
// request, so that no command prints, scores or judges it.
func checkOutput(out *model.Tensor) error {
	if err := out.CheckFinite(); err != nil {
		return fmt.Errorf("%w: %w", ErrBadResponse, err)
	}
	return nil
}
