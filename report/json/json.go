// Package json writes and reads the canonical JSON report. Write gives
// indented JSON in the field order of report.Report, with map keys sorted,
// so that the same report always gives the same bytes. Read decodes a saved
// report and rejects one whose major schema version this build does not
// speak, so that a saved report can be converted into any other format.
package json

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	stdjson "encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/report"
)

// MediaType of the canonical report.
const MediaType = "application/json"

// MaxSize is the largest report Read accepts.
const MaxSize = 64 << 20

// Write writes r as indented JSON followed by a newline. HTML characters are
// not escaped.
func Write(w io.Writer, r *report.Report) error {
	if r == nil {
		return errors.New("json report: nil report")
	}
	var buf bytes.Buffer
	enc := stdjson.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(r); err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("json report: %w", err)
	}
	return nil
}

// Read decodes one report. It rejects input over MaxSize, trailing data, a
// missing or malformed schema_version, a major version other than that of
// report.SchemaVersion, and severities and statuses outside the vocabulary.
// Fields it does not know are ignored, so a report of a later minor version
// still reads.
func Read(rd io.Reader) (*report.Report, error) {
	data, err := io.ReadAll(io.LimitReader(rd, MaxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	if len(data) > MaxSize {
		return nil, fmt.Errorf("read report: larger than %d bytes", MaxSize)
	}
	// Look at the version first, so that a report of another major version
	// says so rather than failing on a field whose type has changed.
	var head struct {
		SchemaVersion *string `json:"schema_version"`
	}
	if err := stdjson.NewDecoder(bytes.NewReader(data)).Decode(&head); err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	if head.SchemaVersion == nil {
		return nil, errors.New("read report: no schema_version: not an aiassure report")
	}
	if err := compatible(*head.SchemaVersion); err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	dec := stdjson.NewDecoder(bytes.NewReader(data))
	var r report.Report
	if err := dec.Decode(&r); err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return nil, errors.New("read report: trailing data after the report")
	}
	if err := check(&r); err != nil {
		return nil, fmt.Errorf("read report: %w", err)
	}
	return &r, nil
}

// compatible accepts MAJOR.REVISION.ADDITION with the major of this build.
func compatible(v string) error {
	parts := strings.Split(v, ".")
	if len(parts) != 3 {
		return fmt.Errorf("schema_version %q is not MAJOR.REVISION.ADDITION", v)
	}
	for _, p := range parts {
		if _, err := strconv.ParseUint(p, 10, 32); err != nil {
			return fmt.Errorf("schema_version %q is not MAJOR.REVISION.ADDITION", v)
		}
	}
	want := strings.SplitN(report.SchemaVersion, ".", 2)[0]
	if parts[0] != want {
		return fmt.Errorf("schema_version %s: this build reads major version %s (%s)", v, want, report.SchemaVersion)
	}
	return nil
}

// check rejects values the other formats cannot map.
func check(r *report.Report) error {
	var errs []error
	for i, f := range r.Findings {
		if f.Severity.Rank() < 0 {
			errs = append(errs, fmt.Errorf("findings[%d] (%s): unknown severity %q", i, f.ID, f.Severity))
		}
	}
	for i, g := range r.Coverage.Gaps {
		if g.Severity.Rank() < 0 {
			errs = append(errs, fmt.Errorf("coverage.gaps[%d] (%s): unknown severity %q", i, g.ID, g.Severity))
		}
	}
	if r.Summary.Highest != "" && r.Summary.Highest.Rank() < 0 {
		errs = append(errs, fmt.Errorf("summary.highest: unknown severity %q", r.Summary.Highest))
	}
	for i, res := range r.Results {
		switch res.Status {
		case aiassure.Pass, aiassure.Fail, aiassure.NotApplicable, aiassure.Unknown:
		default:
			errs = append(errs, fmt.Errorf("results[%d] (%s): unknown status %q", i, res.ID, res.Status))
		}
	}
	return errors.Join(errs...)
}

// Digest returns the report's own digest, "sha256:" and the hex SHA-256 of
// its canonical JSON encoding (the bytes Write writes). A report saved with
// -format json from the same run has this digest, so a reader can check the
// HTML, Markdown or text rendering against the saved JSON with sha256sum.
func Digest(r *report.Report) (string, error) {
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		return "", err
	}
	sum := sha256.Sum256(buf.Bytes())
	return "sha256:" + hex.EncodeToString(sum[:]), nil
}
