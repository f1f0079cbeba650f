package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"github.com/aiassure/aiassure/accept"
	"github.com/aiassure/aiassure/assess"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/internal/yamlx"
)

// Exit codes of aiassure, the one place they are defined; the rule is the
// same for every verb (README, "Exit codes"; docs/endpoints.md):
//
//   - 2 when what the user gave is wrong: a flag, a profile, catalogue,
//     mapping or results file that does not validate, a data file that
//     cannot be read or holds a bad row (wherever in the file), a model file
//     that does not load, an endpoint URL or option that is refused before
//     anything is sent.
//   - 1 when the tool or the target failed: I/O on the output, an internal
//     error, an endpoint that does not answer, answers an HTTP error or an
//     answer that cannot be used (malformed, NaN, infinite, beyond the range
//     of float32), a -timeout that passed.
//   - 3 when the assessment found what -fail-on names (or lineage problems).
//   - 130 when interrupted (Ctrl-C); what finished was kept.
const (
	ExitOK          = 0   // success
	ExitError       = 1   // the tool or the target failed: I/O, an internal error, an endpoint failure, a -timeout passed
	ExitUsage       = 2   // bad usage or bad input: flags, a profile, catalogue or data file that does not validate
	ExitFindings    = 3   // the assessment found something at or above --fail-on
	ExitInterrupted = 130 // interrupted (Ctrl-C); what finished was kept
)

// usageError marks a usage or input error (exit 2).
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

// findingsError is returned when --fail-on is crossed (exit 3).
type findingsError struct {
	n     int
	level string
}

func (f findingsError) Error() string {
	return fmt.Sprintf("%d findings at or above %s", f.n, f.level)
}

// flagError is a usage error in the flags themselves; Main adds a pointer
// to the verb's help.
type flagError struct{ usageError }

func (f flagError) Unwrap() error { return f.usageError }

func isFlagError(err error) bool {
	var f flagError
	return errors.As(err, &f)
}

// helpError asks Main to print the help of the verb (or "verb sub") name,
// with the flags of fs (nil: none), on stdout and exit 0.
type helpError struct {
	name string
	fs   *flag.FlagSet
}

func (h helpError) Error() string { return "help requested" }

func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// inputErrors are sentinels that mean the user's input is wrong (exit 2)
// wherever they surface.
var inputErrors = []error{catalog.ErrInvalid, accept.ErrInvalid, assess.ErrResults}

func exitCode(err error) int {
	if err == nil {
		return ExitOK
	}
	var u usageError
	var f findingsError
	var ye yamlx.Errors
	var y *yamlx.Error
	var h helpError
	switch {
	case errors.As(err, &h):
		return ExitOK
	case errors.As(err, &u), errors.As(err, &ye), errors.As(err, &y):
		// a yamlx error is always about an input document (a profile, a
		// catalogue file), wherever it surfaces, e.g. from assess.Run
		return ExitUsage
	case errors.As(err, &f):
		return ExitFindings
	case errors.Is(err, context.Canceled):
		return ExitInterrupted
	}
	for _, e := range inputErrors {
		if errors.Is(err, e) {
			return ExitUsage
		}
	}
	return ExitError
}
