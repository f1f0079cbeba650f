package assess

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/internal/limitio"
	"github.com/aiassure/aiassure/llm/suite"
	"github.com/aiassure/aiassure/probe"
	"github.com/aiassure/aiassure/report"
	reportjson "github.com/aiassure/aiassure/report/json"
)

// ResultsType is the type of a results document, the file `aiassure probe
// -format json` writes and `aiassure assess -results` reads.
const ResultsType = "aiassure.results"

// MaxResultsSize is the largest results file LoadResults reads, in bytes.
const MaxResultsSize = reportjson.MaxSize

// ErrResults is wrapped by every error of LoadResults and ReadResults that
// is about the file's content rather than reading it: not JSON, not a
// results document or report, a version this build does not read, an
// unknown field, a result outside the vocabulary.
var ErrResults = errors.New("not a results file")

// Results is a results document: saved test results with what made them.
// Its schema_version is that of the report (report.SchemaVersion), whose
// results it holds; a report of that version is a results file too.
type Results struct {
	Type          string            `json:"type"`           // ResultsType
	SchemaVersion string            `json:"schema_version"` // report.SchemaVersion of the build that wrote it
	Tool          report.Tool       `json:"tool"`
	Results       []aiassure.Result `json:"results"`
	Summary       *probe.Summary    `json:"summary,omitempty"`     // the model tests' summary, when probe wrote it
	LLM           *suite.Summary    `json:"llm_summary,omitempty"` // the LLM tests' summary, when probe -suite llm wrote it
}

// NewResults returns the results document of rs (and a probe summary, or nil).
func NewResults(rs []aiassure.Result, sum *probe.Summary) *Results {
	if rs == nil {
		rs = []aiassure.Result{}
	}
	return &Results{Type: ResultsType, SchemaVersion: report.SchemaVersion,
		Tool: report.Tool{Name: "aiassure", Version: Version}, Results: rs, Summary: sum}
}

// WriteResults writes the results document of rs as indented JSON.
func WriteResults(w io.Writer, rs []aiassure.Result, sum *probe.Summary) error {
	return WriteResultsDoc(w, NewResults(rs, sum))
}

// WriteResultsDoc writes the results document doc as indented JSON.
func WriteResultsDoc(w io.Writer, doc *Results) error {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// LoadResults reads the saved test results in the file at path: a results
// document (Results, as `aiassure probe -format json` writes it) or a saved
// JSON report (`aiassure assess -format json`), whose results it takes.
// Errors name the file; see ReadResults for what is refused.
func LoadResults(path string) ([]aiassure.Result, error) {
	data, err := limitio.ReadFile(path, MaxResultsSize)
	if err != nil {
		return nil, fmt.Errorf("read results %s: %w", path, err)
	}
	return ReadResults(path, data)
}

// ReadResults decodes the results file data; name is the file it came from,
// for errors. It refuses, with an error wrapping ErrResults that says what
// is wrong (with line:col where the JSON decoder knows it):
//   - data over MaxResultsSize, data that is not one JSON object (a bare
//     list of results has no type or version and is refused too);
//   - a document whose type is not ResultsType, or that has no type and is
//     not an aiassure report (schema_version and tool.name "aiassure");
//   - a schema_version that is not MAJOR.REVISION.ADDITION or whose major
//     differs from report.SchemaVersion's;
//   - a field this build does not know, unless the document's version is
//     later than this build's (it may add fields; they are ignored);
//   - no results, a result with no id or check, or a status or Art. 15
//     category outside the vocabulary.
func ReadResults(name string, data []byte) ([]aiassure.Result, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s: %w: %s", name, ErrResults, fmt.Sprintf(format, args...))
	}
	if len(data) > MaxResultsSize {
		return nil, bad("larger than %d bytes", MaxResultsSize)
	}
	trimmed := bytes.TrimSpace(data)
	switch {
	case len(trimmed) == 0:
		return nil, bad("empty file")
	case trimmed[0] == '[':
		return nil, bad("a bare JSON list of results, with no type or schema_version; use the file `aiassure probe -format json` writes, or a JSON report")
	case trimmed[0] != '{':
		if !json.Valid(trimmed) {
			return nil, bad("not JSON: %s", jsonProblem(data, json.Unmarshal(trimmed, new(any))))
		}
		return nil, bad("not a JSON object")
	}
	var head struct {
		Type          *string `json:"type"`
		SchemaVersion *string `json:"schema_version"`
		Tool          *struct {
			Name string `json:"name"`
		} `json:"tool"`
	}
	if err := json.NewDecoder(bytes.NewReader(data)).Decode(&head); err != nil {
		return nil, bad("%s", jsonProblem(data, err))
	}
	if head.SchemaVersion == nil {
		return nil, bad("no schema_version: not an aiassure results document (type %q) or report", ResultsType)
	}
	later, err := schemaLater(*head.SchemaVersion)
	if err != nil {
		return nil, bad("%v", err)
	}
	var rs []aiassure.Result
	switch {
	case head.Type != nil && *head.Type == ResultsType:
		var doc Results
		if err := decodeJSON(data, &doc, !later); err != nil {
			return nil, bad("%s", jsonProblem(data, err))
		}
		rs = doc.Results
	case head.Type != nil:
		return nil, bad("type %q: want %q or an aiassure JSON report", *head.Type, ResultsType)
	case head.Tool == nil || head.Tool.Name != "aiassure":
		return nil, bad("no type and no tool.name \"aiassure\": not an aiassure results document (type %q) or report", ResultsType)
	default:
		r, err := reportjson.Read(bytes.NewReader(data))
		if err != nil {
			return nil, bad("%v", err)
		}
		if !later {
			if err := decodeJSON(data, new(report.Report), true); err != nil {
				return nil, bad("%s", jsonProblem(data, err))
			}
		}
		rs = r.Results
	}
	if len(rs) == 0 {
		return nil, bad("no results")
	}
	var errs []string
	for i, r := range rs {
		if p := resultProblem(r); p != "" {
			errs = append(errs, fmt.Sprintf("results[%d] (%q): %s", i, r.ID, p))
		}
	}
	if len(errs) > 0 {
		return nil, bad("%s", strings.Join(errs, "; "))
	}
	return rs, nil
}

// decodeJSON decodes one JSON value into v, refusing trailing data, and
// unknown fields when strict.
func decodeJSON(data []byte, v any, strict bool) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	if strict {
		dec.DisallowUnknownFields()
	}
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the document")
	}
	return nil
}

// schemaLater checks v against report.SchemaVersion: MAJOR.REVISION.ADDITION
// with the same major. It reports whether v is later than this build's.
func schemaLater(v string) (bool, error) {
	parse := func(v string) ([3]uint64, bool) {
		var n [3]uint64
		parts := strings.Split(v, ".")
		if len(parts) != 3 {
			return n, false
		}
		for i, p := range parts {
			x, err := strconv.ParseUint(p, 10, 32)
			if err != nil || p != strconv.FormatUint(x, 10) {
				return n, false
			}
			n[i] = x
		}
		return n, true
	}
	got, ok := parse(v)
	if !ok {
		return false, fmt.Errorf("schema_version %q is not MAJOR.REVISION.ADDITION", v)
	}
	want, _ := parse(report.SchemaVersion)
	if got[0] != want[0] {
		return false, fmt.Errorf("schema_version %s: this build reads major version %d (it writes %s)", v, want[0], report.SchemaVersion)
	}
	return got[1] > want[1] || got[1] == want[1] && got[2] > want[2], nil
}

func resultProblem(r aiassure.Result) string {
	var p []string
	if r.ID == "" {
		p = append(p, "no id")
	}
	if r.Check == "" {
		p = append(p, "no check")
	}
	switch r.Status {
	case aiassure.Pass, aiassure.Fail, aiassure.NotApplicable, aiassure.Unknown:
	default:
		p = append(p, fmt.Sprintf("unknown status %q (want pass, fail, not_applicable or unknown)", r.Status))
	}
	switch r.Category {
	case "", aiassure.DataPoisoning, aiassure.ModelPoisoning, aiassure.AdversarialExamples, aiassure.ConfidentialityAttacks, aiassure.ModelFlaws:
	default:
		p = append(p, fmt.Sprintf("unknown art15_category %q", r.Category))
	}
	return strings.Join(p, ", ")
}

// jsonProblem describes a decoding error, with the line and column of the
// offset where the decoder gives one.
func jsonProblem(data []byte, err error) string {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset - 1 // the decoder has read the offending byte
	case errors.As(err, &te):
		off = te.Offset
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if off < 0 || off >= int64(len(data)) {
		return msg
	}
	line, col := 1, 1
	for _, b := range data[:off] {
		if b == '\n' {
			line, col = line+1, 1
		} else {
			col++
		}
	}
	return fmt.Sprintf("line %d, column %d: %s", line, col, msg)
}

// LLMTests converts the LLM suite's summary into the report's detail of the
// LLM tests: per family the counts and the answers that show a success.
func LLMTests(sum *suite.Summary) *report.LLMTests {
	if sum == nil {
		return nil
	}
	t := &report.LLMTests{Plan: fmt.Sprintf("%s plan, seed %d, %d variants × %d repetitions", cmp.Or(sum.Plan.Level, "custom"),
		sum.Plan.Seed, sum.Plan.Variants, sum.Plan.Repetitions), Families: []report.LLMFamily{}}
	for _, f := range sum.Families {
		lf := report.LLMFamily{Family: f.Family, Status: f.Status, Attempts: f.Attempts, Successes: f.Successes, Unknown: f.Unknown}
		for _, e := range f.Examples {
			lf.Examples = append(lf.Examples, report.LLMExample{Variant: e.Variant, Detector: e.Detector, Kind: e.Kind,
				Evidence: e.Evidence, Answer: e.Answer, Start: e.Start, End: e.End})
		}
		t.Families = append(t.Families, lf)
	}
	return t
}

// LoadLLMTests reads the LLM tests' detail from a results file that
// probe -suite llm -format json wrote (its llm_summary), or from a JSON
// report (its llm); nil when the file has none or cannot be read as such
// (LoadResults reports the errors).
func LoadLLMTests(path string) *report.LLMTests {
	data, err := limitio.ReadFile(path, MaxResultsSize)
	if err != nil {
		return nil
	}
	var doc struct {
		LLM    *suite.Summary   `json:"llm_summary"`
		Report *report.LLMTests `json:"llm"`
	}
	if json.Unmarshal(data, &doc) != nil {
		return nil
	}
	if doc.LLM != nil {
		return LLMTests(doc.LLM)
	}
	return doc.Report
}
