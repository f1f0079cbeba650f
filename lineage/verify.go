package lineage

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aiassure/aiassure/internal/limitio"
	"github.com/aiassure/aiassure/internal/safepath"
)

// Input is one envelope to verify.
type Input struct {
	Name string // file name, for messages
	Data []byte
}

// LoadInputs reads envelope files; a directory contributes every *.json
// file below it, in name order.
func LoadInputs(paths []string) ([]Input, error) {
	var out []Input
	for _, p := range paths {
		fi, err := os.Stat(p)
		if err != nil {
			return nil, fmt.Errorf("load attestations: %w", err)
		}
		var files []string
		if fi.IsDir() {
			err := filepath.WalkDir(p, func(f string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.Type().IsRegular() && strings.HasSuffix(f, ".json") {
					files = append(files, f)
				}
				return nil
			})
			if err != nil {
				return nil, fmt.Errorf("load attestations: %w", err)
			}
			sort.Strings(files)
		} else {
			files = []string{p}
		}
		for _, f := range files {
			b, err := limitio.ReadFile(f, MaxEnvelopeSize)
			if errors.Is(err, limitio.ErrTooLarge) {
				return nil, fmt.Errorf("load attestations: %s: %w: larger than %d bytes", f, ErrMalformed, MaxEnvelopeSize)
			}
			if err != nil {
				return nil, fmt.Errorf("load attestations: %w", err)
			}
			out = append(out, Input{Name: f, Data: b})
		}
	}
	return out, nil
}

// VerifyOptions configure Verify.
type VerifyOptions struct {
	Root    string      // artefact names are relative to it; "." if empty
	Keys    []*Verifier // trusted keys (the policy's key files are added)
	Policy  *Policy     // optional
	Now     time.Time   // for max_age; time.Now() if zero
	Workers int         // hashing workers
	// AllowOutsidePaths lets artefact names and the policy's model resolve
	// outside Root; by default such a name is an ErrUnsafePath problem.
	AllowOutsidePaths bool
}

// Report is the outcome of Verify.
type Report struct {
	Attestations []*Attestation    // those whose signature verified and that parsed
	Problems     []*Problem        // every failure, in a stable order
	Disk         map[string]string // artefact → SHA-256 on disk, for every artefact checked
}

// Err joins the problems (nil if none); errors.Is finds each kind.
func (r *Report) Err() error {
	var errs []error
	for _, p := range r.Problems {
		errs = append(errs, p)
	}
	return errors.Join(errs...)
}

// claim is one attestation's statement of an artefact's digest.
type claim struct {
	a       *Attestation
	digest  string
	subject bool
}

// Verify checks each envelope's signature against the trusted keys before
// reading its payload, then the digest of every subject and material
// against the files under the root, then the policy. Failures are Problems
// in the report; the error is for the verification itself failing (the
// context, an unreadable key file of the policy).
func Verify(ctx context.Context, inputs []Input, opts VerifyOptions) (*Report, error) {
	if opts.Root == "" {
		opts.Root = "."
	}
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	keys := append([]*Verifier(nil), opts.Keys...)
	names := map[string]string{} // key ID → policy name
	if opts.Policy != nil {
		pk, ids, err := opts.Policy.Verifiers()
		if err != nil {
			return nil, fmt.Errorf("verify: %w", err)
		}
		keys = append(keys, pk...)
		for n, id := range ids {
			names[id] = n
		}
	}
	r := &Report{Disk: map[string]string{}}
	add := func(p *Problem) { r.Problems = append(r.Problems, p) }
	for _, in := range inputs {
		a, err := verifyOne(in, keys)
		if err != nil {
			add(&Problem{Kind: kindOf(err), Attestation: in.Name, Detail: detailOf(err)})
			continue
		}
		if n, ok := names[a.KeyID]; ok {
			a.KeyName = n
		}
		r.Attestations = append(r.Attestations, a)
	}
	if err := checkDigests(ctx, r, opts); err != nil {
		return nil, err
	}
	if opts.Policy != nil {
		if err := checkPolicy(ctx, r, opts, names); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// verifyOne verifies the signature, then parses the payload.
func verifyOne(in Input, keys []*Verifier) (*Attestation, error) {
	env, err := ParseSigned(in.Data)
	if err != nil {
		return nil, err
	}
	k, err := env.Verify(keys)
	if err != nil {
		return nil, err
	}
	// From here on the payload is authentic.
	if env.PayloadType != PayloadTypeInToto {
		return nil, malformed("payloadType %q (want %s)", env.PayloadType, PayloadTypeInToto)
	}
	st, err := ParseStatement(env.Payload)
	if err != nil {
		return nil, err
	}
	a, err := interpret(st)
	if err != nil {
		return nil, err
	}
	a.File, a.KeyID, a.KeyName = in.Name, k.ID, k.Name
	sum := sha256.Sum256(env.Payload)
	a.Payload = hex.EncodeToString(sum[:])
	return a, nil
}

var kinds = []error{ErrMalformed, ErrWrongKey, ErrBadSignature, ErrDigestMismatch, ErrFileAdded, ErrFileRemoved,
	ErrFileRenamed, ErrMissingAttestation, ErrExpired, ErrReplayed, ErrUnattestedSource, ErrEvaluationFailed, ErrUnsafePath}

func kindOf(err error) error {
	for _, k := range kinds {
		if errors.Is(err, k) {
			return k
		}
	}
	return ErrMalformed
}

// detailOf strips the kind's own text from an error message.
func detailOf(err error) string {
	k := kindOf(err)
	s := strings.TrimPrefix(err.Error(), k.Error())
	return strings.TrimLeft(s, ": ")
}

// later reports whether claim a comes after claim b in the life cycle:
// by step order, then by time.
func later(a, b *Attestation) bool {
	if ia, ib := stepIndex(a.Step), stepIndex(b.Step); ia != ib {
		return ia > ib
	}
	return a.Time.After(b.Time)
}

func checkDigests(ctx context.Context, r *Report, opts VerifyOptions) error {
	claims := map[string][]claim{}
	dirs := map[string][]*Attestation{}
	for _, a := range r.Attestations {
		for i, l := range [][]ResourceDescriptor{a.Statement.Subject, a.Materials} {
			for _, d := range l {
				if d.Name == "" {
					continue // a URI only: not on disk
				}
				if d.IsDir() {
					n := trimDir(d.Name)
					dirs[n] = append(dirs[n], a)
					continue
				}
				if v, ok := d.Digest["sha256"]; ok {
					claims[d.Name] = append(claims[d.Name], claim{a: a, digest: v, subject: i == 0})
				}
			}
		}
	}
	root, err := filepath.Abs(opts.Root)
	if err != nil {
		return err
	}
	realRoot, err := filepath.EvalSymlinks(root)
	if err != nil {
		return fmt.Errorf("verify: root: %w", err)
	}
	add := func(p *Problem) { r.Problems = append(r.Problems, p) }
	// Hash the attested directories (every file in them, attested or not).
	inDir := map[string]string{} // file → the attested directory it is in
	dirNames := sortedKeys(dirs)
	for _, d := range dirNames {
		abs := filepath.Join(root, filepath.FromSlash(d))
		if err := safe(realRoot, abs, opts.AllowOutsidePaths); err != nil {
			add(&Problem{Kind: ErrUnsafePath, Path: d + "/", Step: lastOf(dirs[d]).Step, Attestation: lastOf(dirs[d]).File, Detail: detailOf(err)})
			continue
		}
		m, err := Hash(ctx, abs, HashOptions{Workers: opts.Workers})
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, os.ErrNotExist) {
				continue // its files are reported as removed
			}
			add(&Problem{Kind: kindOf(err), Path: d + "/", Step: lastOf(dirs[d]).Step, Attestation: lastOf(dirs[d]).File, Detail: err.Error()})
			continue
		}
		for _, res := range m.Resources {
			n := d + "/" + res.Name
			r.Disk[n] = res.Digest
			inDir[n] = d
		}
	}
	// Hash the attested files not already hashed.
	missing := map[string]bool{}
	paths := sortedKeys(claims)
	for _, p := range paths {
		if _, ok := r.Disk[p]; ok {
			continue
		}
		abs := filepath.Join(root, filepath.FromSlash(p))
		if err := safe(realRoot, abs, opts.AllowOutsidePaths); err != nil {
			if errors.Is(err, os.ErrNotExist) {
				missing[p] = true
				continue
			}
			c := lastClaim(claims[p])
			add(&Problem{Kind: ErrUnsafePath, Path: p, Step: c.a.Step, Attestation: c.a.File, Detail: detailOf(err)})
			continue
		}
		d, _, err := HashFile(ctx, abs)
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			missing[p] = true
			continue
		}
		r.Disk[p] = d
	}
	explained := map[string]bool{} // unattested files that are a rename target
	for _, p := range paths {
		cs := claims[p]
		last := lastClaim(cs)
		if missing[p] || r.Disk[p] == "" {
			want := map[string]bool{}
			for _, c := range cs {
				want[c.digest] = true
			}
			target := ""
			for _, f := range sortedKeys(inDir) {
				if _, attested := claims[f]; !attested && !explained[f] && want[r.Disk[f]] {
					target = f
					break
				}
			}
			if target != "" {
				explained[target] = true
				add(&Problem{Kind: ErrFileRenamed, Path: p, Step: last.a.Step, Attestation: last.a.File, Detail: "now at " + target})
			} else {
				add(&Problem{Kind: ErrFileRemoved, Path: p, Step: last.a.Step, Attestation: last.a.File})
			}
			continue
		}
		disk := r.Disk[p]
		var match, other []claim
		for _, c := range cs {
			if c.digest == disk {
				match = append(match, c)
			} else {
				other = append(other, c)
			}
		}
		if len(match) == 0 {
			add(&Problem{Kind: ErrDigestMismatch, Path: p, Step: last.a.Step, Attestation: last.a.File,
				Detail: fmt.Sprintf("sha256 on disk %s, attested %s", short(disk), short(last.digest))})
			continue
		}
		for _, c := range other {
			earliest := true
			for _, m := range match {
				if !later(m.a, c.a) {
					earliest = false
				}
			}
			if earliest {
				add(&Problem{Kind: ErrDigestMismatch, Path: p, Step: c.a.Step, Attestation: c.a.File,
					Detail: fmt.Sprintf("changed after step %s attested sha256 %s; later steps and the disk have %s", c.a.Step, short(c.digest), short(disk))})
			} else {
				add(&Problem{Kind: ErrReplayed, Path: p, Step: c.a.Step, Attestation: c.a.File,
					Detail: fmt.Sprintf("signed for sha256 %s, but the file and the %s attestation have %s", short(c.digest), lastClaim(match).a.Step, short(disk))})
			}
		}
	}
	for _, f := range sortedKeys(inDir) {
		if _, attested := claims[f]; attested || explained[f] {
			continue
		}
		a := lastOf(dirs[inDir[f]])
		add(&Problem{Kind: ErrFileAdded, Path: f, Step: a.Step, Attestation: a.File, Detail: "in attested directory " + inDir[f] + "/"})
	}
	return nil
}

// safe checks that abs, after resolving links, stays below the real root.
func safe(realRoot, abs string, allowOutside bool) error {
	real, err := filepath.EvalSymlinks(abs)
	if err != nil {
		return err
	}
	real, _ = filepath.Abs(real)
	if !allowOutside && !safepath.Within(realRoot, real) {
		return fmt.Errorf("%w: resolves outside the root", ErrUnsafePath)
	}
	return nil
}

func lastClaim(cs []claim) claim {
	best := cs[0]
	for _, c := range cs[1:] {
		if later(c.a, best.a) {
			best = c
		}
	}
	return best
}

func lastOf(as []*Attestation) *Attestation {
	best := as[0]
	for _, a := range as[1:] {
		if later(a, best) {
			best = a
		}
	}
	return best
}

func short(d string) string {
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func checkPolicy(ctx context.Context, r *Report, opts VerifyOptions, names map[string]string) error {
	pol := opts.Policy
	add := func(p *Problem) { r.Problems = append(r.Problems, p) }
	var modelDigest string
	if pol.Model != "" {
		modelDigest = r.Disk[pol.Model]
		if modelDigest == "" {
			abs, err := safepath.Join(opts.Root, pol.Model, opts.AllowOutsidePaths)
			var d string
			if err != nil {
				add(&Problem{Kind: ErrUnsafePath, Path: pol.Model, Detail: "the policy's model: " + err.Error()})
			} else if d, _, err = HashFile(ctx, abs); err != nil {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				add(&Problem{Kind: ErrFileRemoved, Path: pol.Model, Detail: "the policy's model is not on disk"})
			}
			modelDigest = d
		}
	}
	valid := map[Step][]*Attestation{}
	for _, s := range Steps {
		sp, inPolicy := pol.Steps[s]
		allowed := map[string]bool{}
		for _, n := range sp.Signers {
			for id, name := range names {
				if name == n {
					allowed[id] = true
				}
			}
		}
		flagged := false
		for _, a := range r.Attestations {
			if a.Step != s {
				continue
			}
			if inPolicy && len(sp.Signers) > 0 && !allowed[a.KeyID] {
				add(&Problem{Kind: ErrWrongKey, Step: s, Attestation: a.File,
					Detail: fmt.Sprintf("signed by %s; the policy wants %s", keyLabel(a), strings.Join(sp.Signers, " or "))})
				flagged = true
				continue
			}
			if max, ok := pol.maxAge[s]; inPolicy && ok {
				if a.Time.IsZero() {
					add(&Problem{Kind: ErrExpired, Step: s, Attestation: a.File, Detail: "the attestation states no time"})
					flagged = true
					continue
				}
				if age := opts.Now.Sub(a.Time); age > max {
					add(&Problem{Kind: ErrExpired, Step: s, Attestation: a.File,
						Detail: fmt.Sprintf("made %s, %d days ago; max_age %s", a.Time.UTC().Format(time.RFC3339), int(age.Hours()/24), sp.MaxAge)})
					flagged = true
					continue
				}
			}
			if modelDigest != "" && s != StepData && !hasSubject(a, pol.Model, modelDigest) {
				continue // about another artefact
			}
			if s == StepEvaluation && sp.RequirePass && a.Eval != nil && a.Eval.Result != "PASSED" {
				add(&Problem{Kind: ErrEvaluationFailed, Step: s, Attestation: a.File, Path: pol.Model,
					Detail: fmt.Sprintf("result %s; failed: %s; warned: %s", a.Eval.Result, listOrNone(a.Eval.FailedTests), listOrNone(a.Eval.WarnedTests))})
				flagged = true
				continue
			}
			if s == StepScan && a.Scan != nil && !sp.allowsScan(a.Scan.Worst) {
				add(&Problem{Kind: ErrScanFindings, Step: s, Attestation: a.File, Path: pol.Model,
					Detail: fmt.Sprintf("worst finding %s, the policy allows up to %s: %s", a.Scan.Worst, sp.MaxSeverity, scanRules(a.Scan))})
				flagged = true
				continue
			}
			valid[s] = append(valid[s], a)
		}
		if inPolicy && sp.Required && len(valid[s]) == 0 && !flagged {
			d := "no attestation of this step verified"
			if pol.Model != "" && s != StepData {
				d = "no verified attestation of this step has " + pol.Model + " (sha256 " + short(modelDigest) + ") as subject"
			}
			add(&Problem{Kind: ErrMissingAttestation, Step: s, Path: pol.Model, Detail: d})
		}
	}
	for _, s := range Steps {
		sp, ok := pol.Steps[s]
		if !ok || sp.DatasetsFrom == "" {
			continue
		}
		for _, a := range valid[s] {
			for _, m := range a.Materials {
				if m.Role() != RoleDataset || m.IsDir() {
					continue
				}
				if !attestedBy(valid[sp.DatasetsFrom], m) {
					add(&Problem{Kind: ErrUnattestedSource, Step: s, Attestation: a.File, Path: descName(m),
						Detail: fmt.Sprintf("no verified %s attestation has it (sha256 %s) as subject", sp.DatasetsFrom, short(m.Digest["sha256"]))})
				}
			}
		}
	}
	return nil
}

func keyLabel(a *Attestation) string {
	if a.KeyName != "" {
		return a.KeyName + " (" + short(a.KeyID) + ")"
	}
	return "key " + short(a.KeyID)
}

func listOrNone(l []string) string {
	if len(l) == 0 {
		return "none"
	}
	return strings.Join(l, ", ")
}

func hasSubject(a *Attestation, name, digest string) bool {
	for _, s := range a.Statement.Subject {
		if s.Name == name && s.Digest["sha256"] == digest {
			return true
		}
	}
	return false
}

func attestedBy(as []*Attestation, m ResourceDescriptor) bool {
	for _, a := range as {
		for _, s := range a.Statement.Subject {
			if s.Digest["sha256"] == m.Digest["sha256"] && (m.Name == "" || s.Name == m.Name) {
				return true
			}
		}
	}
	return false
}

// VerifyEnvelope verifies one envelope's signature against the keys and
// reads its statement; it checks no digest.
func VerifyEnvelope(in Input, keys []*Verifier) (*Attestation, error) {
	return verifyOne(in, keys)
}
