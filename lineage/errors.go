package lineage

import (
	"errors"
	"fmt"
	"strings"
)

// The kinds of failure. Every error of the package that is about the input
// wraps exactly one of them.
var (
	// ErrMalformed: an envelope, statement, manifest, key or policy that does
	// not parse or breaks its format's rules.
	ErrMalformed = errors.New("malformed")
	// ErrWrongKey: the envelope is not signed by any trusted key, or by a key
	// the policy does not allow for its step.
	ErrWrongKey = errors.New("not signed by a trusted key")
	// ErrBadSignature: a signature names a trusted key but does not verify:
	// the envelope was altered after signing.
	ErrBadSignature = errors.New("signature does not verify")
	// ErrDigestMismatch: a file's content differs from every attested digest.
	ErrDigestMismatch = errors.New("digest mismatch")
	// ErrFileAdded: a file inside an attested directory that no attestation names.
	ErrFileAdded = errors.New("file added")
	// ErrFileRemoved: an attested file that is not on disk.
	ErrFileRemoved = errors.New("file removed")
	// ErrFileRenamed: an attested file that is on disk under another name.
	ErrFileRenamed = errors.New("file renamed")
	// ErrMissingAttestation: the policy requires a step that no valid
	// attestation covers.
	ErrMissingAttestation = errors.New("missing attestation")
	// ErrExpired: an attestation older than the policy allows.
	ErrExpired = errors.New("attestation expired")
	// ErrReplayed: a validly signed attestation made for another subject (or
	// another version of it) than the one on disk and in the rest of the chain.
	ErrReplayed = errors.New("attestation replayed for another subject")
	// ErrUnattestedSource: an input of a step that the policy wants attested
	// by an earlier step is not.
	ErrUnattestedSource = errors.New("input not attested by an earlier step")
	// ErrEvaluationFailed: the evaluation attestation records failed tests
	// and the policy requires a pass.
	ErrEvaluationFailed = errors.New("evaluation did not pass")
	// ErrScanFindings: the model-scan attestation records a finding above
	// the severity the policy allows.
	ErrScanFindings = errors.New("model scan found too much")
	// ErrUnsafePath: a path that leaves the root, or a symbolic link that
	// points outside it.
	ErrUnsafePath = errors.New("unsafe path")
)

// Problem is one failure found by Verify. It wraps its Kind.
type Problem struct {
	Kind        error  `json:"-"`
	Path        string `json:"path,omitempty"`        // the artefact, relative to the root
	Step        Step   `json:"step,omitempty"`        // the step that last attested the artefact, or the step at fault
	Attestation string `json:"attestation,omitempty"` // the envelope file at fault or that last attested Path
	Detail      string `json:"detail,omitempty"`
}

// Error formats the problem as "path: kind (step ..., attestation ...): detail".
func (p *Problem) Error() string {
	var b strings.Builder
	if p.Path != "" {
		b.WriteString(p.Path)
		b.WriteString(": ")
	}
	if p.Kind != nil {
		b.WriteString(p.Kind.Error())
	} else {
		b.WriteString("problem")
	}
	var ctx []string
	if p.Step != "" {
		ctx = append(ctx, "step "+string(p.Step))
	}
	if p.Attestation != "" {
		ctx = append(ctx, "attestation "+p.Attestation)
	}
	if len(ctx) > 0 {
		fmt.Fprintf(&b, " (%s)", strings.Join(ctx, ", "))
	}
	if p.Detail != "" {
		b.WriteString(": ")
		b.WriteString(p.Detail)
	}
	return b.String()
}

// Unwrap returns the kind of the problem.
func (p *Problem) Unwrap() error { return p.Kind }

// KindName returns a short name for the problem's kind, for JSON output.
func (p *Problem) KindName() string { return kindName(p.Kind) }

func kindName(k error) string {
	switch k {
	case ErrMalformed:
		return "malformed"
	case ErrWrongKey:
		return "wrong-key"
	case ErrBadSignature:
		return "bad-signature"
	case ErrDigestMismatch:
		return "digest-mismatch"
	case ErrFileAdded:
		return "file-added"
	case ErrFileRemoved:
		return "file-removed"
	case ErrFileRenamed:
		return "file-renamed"
	case ErrMissingAttestation:
		return "missing-attestation"
	case ErrExpired:
		return "expired"
	case ErrReplayed:
		return "replayed"
	case ErrUnattestedSource:
		return "unattested-source"
	case ErrEvaluationFailed:
		return "evaluation-failed"
	case ErrScanFindings:
		return "scan-findings"
	case ErrUnsafePath:
		return "unsafe-path"
	}
	return "error"
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}
