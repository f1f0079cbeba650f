package lineage

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/scan"
)

// StatementType is the _type of an in-toto Statement v1.
const StatementType = "https://in-toto.io/Statement/v1"

// Predicate and build types aiassure writes.
const (
	PredicateSLSAProvenance = "https://slsa.dev/provenance/v1"
	PredicateEvaluation     = "https://aiassure.dev/attestation/evaluation/v1"
	PredicateCycloneDX      = "https://cyclonedx.org/bom"
	PredicateModelScan      = "https://aiassure.dev/attestation/model-scan/v1"

	BuildTypeData     = "https://aiassure.dev/lineage/data/v1"
	BuildTypeTraining = "https://aiassure.dev/lineage/training/v1"

	// AnnotationRole names a material's role: dataset, code, base-model, config, input.
	AnnotationRole = "aiassure.dev/role"
	// AnnotationKind is "directory" on the descriptor of a whole directory.
	AnnotationKind = "aiassure.dev/kind"
)

// Step is a life-cycle step that an attestation covers.
type Step string

// The steps, in life-cycle order.
const (
	StepData       Step = "data"
	StepTraining   Step = "training"
	StepScan       Step = "scan" // the model files scanned for code, traps and backdoors (package scan)
	StepEvaluation Step = "evaluation"
	StepRelease    Step = "release"
)

// Steps lists the steps in life-cycle order.
var Steps = []Step{StepData, StepTraining, StepScan, StepEvaluation, StepRelease}

// Valid reports whether s is one of Steps.
func (s Step) Valid() bool {
	for _, x := range Steps {
		if s == x {
			return true
		}
	}
	return false
}

// Statement is an in-toto Statement v1.
type Statement struct {
	Type          string               `json:"_type"`
	Subject       []ResourceDescriptor `json:"subject"`
	PredicateType string               `json:"predicateType"`
	Predicate     json.RawMessage      `json:"predicate,omitempty"`
}

// ResourceDescriptor is an in-toto ResourceDescriptor (the fields aiassure uses).
type ResourceDescriptor struct {
	Name             string         `json:"name,omitempty"`
	URI              string         `json:"uri,omitempty"`
	Digest           DigestSet      `json:"digest,omitempty"`
	DownloadLocation string         `json:"downloadLocation,omitempty"`
	MediaType        string         `json:"mediaType,omitempty"`
	Annotations      map[string]any `json:"annotations,omitempty"`
}

// Role returns the descriptor's role annotation.
func (r ResourceDescriptor) Role() string { s, _ := r.Annotations[AnnotationRole].(string); return s }

// IsDir reports whether the descriptor stands for a whole directory.
func (r ResourceDescriptor) IsDir() bool {
	s, _ := r.Annotations[AnnotationKind].(string)
	return s == "directory"
}

// Provenance is the SLSA Provenance v1 predicate.
type Provenance struct {
	BuildDefinition BuildDefinition `json:"buildDefinition"`
	RunDetails      RunDetails      `json:"runDetails"`
}

// BuildDefinition of SLSA Provenance v1.
type BuildDefinition struct {
	BuildType            string               `json:"buildType"`
	ExternalParameters   map[string]any       `json:"externalParameters"`
	InternalParameters   map[string]any       `json:"internalParameters,omitempty"`
	ResolvedDependencies []ResourceDescriptor `json:"resolvedDependencies,omitempty"`
}

// RunDetails of SLSA Provenance v1.
type RunDetails struct {
	Builder  Builder       `json:"builder"`
	Metadata BuildMetadata `json:"metadata,omitzero"`
}

// Builder of SLSA Provenance v1.
type Builder struct {
	ID      string            `json:"id"`
	Version map[string]string `json:"version,omitempty"`
}

// BuildMetadata of SLSA Provenance v1.
type BuildMetadata struct {
	InvocationID string     `json:"invocationId,omitempty"`
	StartedOn    *time.Time `json:"startedOn,omitempty"`
	FinishedOn   *time.Time `json:"finishedOn,omitempty"`
}

// Evaluation is aiassure's evaluation predicate: the test results bound to
// the model digests in the statement's subject. Its first fields follow the
// in-toto test-result predicate.
type Evaluation struct {
	Result        string               `json:"result"` // PASSED, WARNED or FAILED
	Configuration []ResourceDescriptor `json:"configuration,omitempty"`
	PassedTests   []string             `json:"passedTests,omitempty"`
	WarnedTests   []string             `json:"warnedTests,omitempty"`
	FailedTests   []string             `json:"failedTests,omitempty"`
	EvaluatedOn   time.Time            `json:"evaluatedOn"`
	Results       []aiassure.Result    `json:"results,omitempty"`
}

// ModelScan is aiassure's model-scan predicate: what the model-file scanner
// (package scan, `aiassure scan`) found in the statement's subjects, which
// it scanned itself when the attestation was made.
type ModelScan struct {
	Scanner   string    `json:"scanner"`   // who ran the scan: the builder ID
	Version   string    `json:"version"`   // the scan report's schema version
	ScannedOn time.Time `json:"scannedOn"` //
	// Result is CLEAN (no finding) or FINDINGS.
	Result string `json:"result"`
	// Worst is the highest severity found, empty when CLEAN.
	Worst aiassure.Severity `json:"worst,omitempty"`
	// AllowList names the pickle allow-list profiles the scan used.
	AllowList []string       `json:"allowList"`
	Artifacts []ScannedFile  `json:"artifacts"`
	Findings  []scan.Finding `json:"findings,omitempty"`
}

// ScannedFile is one file the scan looked at, archive members included
// ("outer!inner"); names are relative to the attestation's root.
type ScannedFile struct {
	Name   string      `json:"name"`
	Format scan.Format `json:"format"`
	Size   int64       `json:"size"`
	SHA256 string      `json:"sha256,omitempty"`
}

// MaxStatementSize bounds the statements ParseStatement reads.
const MaxStatementSize = MaxEnvelopeSize

// ParseStatement reads an in-toto Statement v1 and checks its shape: the
// type, at least one subject, every subject and material with a name or URI
// and a digest set of lower-case hex, names that are clean relative paths.
func ParseStatement(data []byte) (*Statement, error) {
	if len(data) > MaxStatementSize {
		return nil, malformed("statement larger than %d bytes", MaxStatementSize)
	}
	var s Statement
	if err := decodeStrict(data, &s); err != nil {
		return nil, malformed("statement: %v", err)
	}
	if s.Type != StatementType {
		return nil, malformed("statement: _type %q (want %s)", s.Type, StatementType)
	}
	if s.PredicateType == "" {
		return nil, malformed("statement: no predicateType")
	}
	if len(s.Subject) == 0 {
		return nil, malformed("statement: no subject")
	}
	for i, r := range s.Subject {
		if err := checkDescriptor(r); err != nil {
			return nil, malformed("statement: subject %d: %v", i, err)
		}
	}
	return &s, nil
}

func checkDescriptor(r ResourceDescriptor) error {
	if r.Name == "" && r.URI == "" {
		return fmt.Errorf("neither name nor uri")
	}
	if r.Name != "" && !cleanRelative(trimDir(r.Name)) {
		return fmt.Errorf("name %q is not a clean relative path", r.Name)
	}
	if len(r.Digest) == 0 {
		return fmt.Errorf("no digest")
	}
	for alg, d := range r.Digest {
		size := 0
		switch alg {
		case "sha256":
			size = 32
		case "sha512":
			size = 64
		case "sha384":
			size = 48
		default:
			continue // other algorithms are carried, not checked
		}
		if !isHexDigest(d, size) {
			return fmt.Errorf("digest %s is not %d lower-case hex digits", alg, 2*size)
		}
	}
	return nil
}

// trimDir drops the final slash of a directory descriptor's name.
func trimDir(n string) string {
	if len(n) > 1 && n[len(n)-1] == '/' {
		return n[:len(n)-1]
	}
	return n
}

// Attestation is a statement whose envelope verified, with what aiassure
// read from it.
type Attestation struct {
	File      string               // the envelope file
	Step      Step                 // from the predicate and build type
	KeyID     string               // the key that verified it
	KeyName   string               // the key's file
	Time      time.Time            // when the step finished (zero if not stated)
	Statement *Statement           //
	Materials []ResourceDescriptor // resolved dependencies or evaluation configuration
	Eval      *Evaluation          // for evaluation steps
	Scan      *ModelScan           // for scan steps
	Payload   string               // hex SHA-256 of the signed payload: the attestation's identity, whatever its file
}

// interpret reads the step, time and materials out of a verified statement.
func interpret(s *Statement) (*Attestation, error) {
	a := &Attestation{Statement: s}
	switch s.PredicateType {
	case PredicateSLSAProvenance:
		var p Provenance
		if err := json.Unmarshal(s.Predicate, &p); err != nil {
			return nil, malformed("provenance predicate: %v", err)
		}
		switch p.BuildDefinition.BuildType {
		case BuildTypeData:
			a.Step = StepData
		case BuildTypeTraining:
			a.Step = StepTraining
		default:
			return nil, malformed("provenance buildType %q is not an aiassure step", p.BuildDefinition.BuildType)
		}
		if t := p.RunDetails.Metadata.FinishedOn; t != nil {
			a.Time = *t
		}
		a.Materials = p.BuildDefinition.ResolvedDependencies
	case PredicateEvaluation:
		var e Evaluation
		if err := json.Unmarshal(s.Predicate, &e); err != nil {
			return nil, malformed("evaluation predicate: %v", err)
		}
		switch e.Result {
		case "PASSED", "WARNED", "FAILED":
		default:
			return nil, malformed("evaluation result %q (want PASSED, WARNED or FAILED)", e.Result)
		}
		a.Step, a.Time, a.Materials, a.Eval = StepEvaluation, e.EvaluatedOn, e.Configuration, &e
	case PredicateModelScan:
		var m ModelScan
		if err := json.Unmarshal(s.Predicate, &m); err != nil {
			return nil, malformed("model-scan predicate: %v", err)
		}
		switch {
		case m.Result != "CLEAN" && m.Result != "FINDINGS":
			return nil, malformed("model-scan result %q (want CLEAN or FINDINGS)", m.Result)
		case m.Result == "FINDINGS" && (m.Worst.Rank() < 0 || len(m.Findings) == 0), m.Result == "CLEAN" && (m.Worst != "" || len(m.Findings) > 0):
			return nil, malformed("model-scan result %s does not agree with its findings (worst %q, %d findings)", m.Result, m.Worst, len(m.Findings))
		}
		for _, f := range m.Findings {
			if f.Severity.Rank() < 0 || f.Severity.Rank() > m.Worst.Rank() {
				return nil, malformed("model-scan finding %s has severity %q, above the stated worst %q", f.Rule, f.Severity, m.Worst)
			}
		}
		a.Step, a.Time, a.Scan = StepScan, m.ScannedOn, &m
	case PredicateCycloneDX:
		var b struct {
			Metadata struct {
				Timestamp string `json:"timestamp"`
			} `json:"metadata"`
		}
		if err := json.Unmarshal(s.Predicate, &b); err != nil {
			return nil, malformed("CycloneDX predicate: %v", err)
		}
		a.Step = StepRelease
		mats, err := bomMaterials(s.Predicate)
		if err != nil {
			return nil, malformed("CycloneDX predicate: %v", err)
		}
		a.Materials = mats
		if b.Metadata.Timestamp != "" {
			t, err := time.Parse(time.RFC3339, b.Metadata.Timestamp)
			if err != nil {
				return nil, malformed("CycloneDX metadata.timestamp: %v", err)
			}
			a.Time = t
		}
	default:
		return nil, malformed("predicateType %q is not one aiassure reads", s.PredicateType)
	}
	for i, m := range a.Materials {
		if err := checkDescriptor(m); err != nil {
			return nil, malformed("material %d: %v", i, err)
		}
	}
	return a, nil
}
