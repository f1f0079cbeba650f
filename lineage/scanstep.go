package lineage

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/scan"
)

// scanSubjects runs the model-file scanner over the files of the subjects
// (directories are scanned through their files) and returns the model-scan
// predicate. Every subject file must have been scanned with the digest the
// statement gives it, so the predicate speaks of exactly those bytes.
func scanSubjects(ctx context.Context, root string, subjects []ResourceDescriptor, profiles []string, builder string, at time.Time) (*ModelScan, error) {
	if profiles == nil {
		profiles = []string{"default", "sklearn"}
	}
	al, err := scan.NewAllowList(profiles, nil)
	if err != nil {
		return nil, fmt.Errorf("scan step: %w", err)
	}
	rootAbs, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	var paths []string
	want := map[string]string{} // name -> sha256
	for _, d := range subjects {
		if d.IsDir() {
			continue
		}
		want[d.Name] = d.Digest["sha256"]
		paths = append(paths, filepath.Join(rootAbs, filepath.FromSlash(d.Name)))
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("scan step: no subject file to scan")
	}
	rep, err := scan.New(scan.Options{Allow: al}).Paths(ctx, paths)
	if err != nil {
		return nil, fmt.Errorf("scan step: %w", err)
	}
	rel := func(p string) string {
		outer, inner, member := strings.Cut(p, "!")
		if r, err := filepath.Rel(rootAbs, outer); err == nil {
			outer = filepath.ToSlash(r)
		}
		if member {
			return outer + "!" + inner
		}
		return outer
	}
	ms := &ModelScan{Scanner: builder, Version: scan.SchemaVersion, ScannedOn: at, Result: "CLEAN", AllowList: profiles}
	for _, a := range rep.Artifacts {
		name := rel(a.Path)
		if d, ok := want[name]; ok {
			if a.SHA256 != d {
				return nil, fmt.Errorf("scan step: %s changed while it was attested (sha256 %s, then %s)", name, short(d), short(a.SHA256))
			}
			delete(want, name)
		}
		ms.Artifacts = append(ms.Artifacts, ScannedFile{Name: name, Format: a.Format, Size: a.Size, SHA256: a.SHA256})
	}
	for name := range want {
		return nil, fmt.Errorf("scan step: the scanner did not report %s", name)
	}
	for _, f := range rep.Findings {
		f.Path = rel(f.Path)
		ms.Findings = append(ms.Findings, f)
	}
	if w := rep.Worst(); w != "" {
		ms.Result, ms.Worst = "FINDINGS", w
	}
	return ms, nil
}

// stepList is the steps for messages: "data, training, scan, evaluation or release".
func stepList() string {
	s := make([]string, len(Steps))
	for i, x := range Steps {
		s[i] = string(x)
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

// scanRules lists the rules of a scan's findings with their counts, worst
// first: "pickle/unsafe-global (critical) x2, ...".
func scanRules(m *ModelScan) string {
	type rc struct {
		rule string
		sev  string
		n    int
	}
	var out []rc
	idx := map[string]int{}
	for _, f := range m.Findings {
		i, ok := idx[f.Rule]
		if !ok {
			i = len(out)
			idx[f.Rule] = i
			out = append(out, rc{rule: f.Rule, sev: string(f.Severity)})
		}
		out[i].n++
	}
	sort.SliceStable(out, func(i, j int) bool {
		return aiassure.Severity(out[i].sev).Rank() > aiassure.Severity(out[j].sev).Rank()
	})
	parts := make([]string, len(out))
	for i, r := range out {
		parts[i] = fmt.Sprintf("%s (%s) x%d", r.rule, r.sev, r.n)
	}
	return strings.Join(parts, ", ")
}

// scanOutcome judges verified scan attestations as the assessment's own
// scan check does: fail when a finding at high or above is recorded.
func scanOutcome(r *aiassure.Result, atts []*Attestation) {
	worst, n := aiassure.Severity(""), 0
	var bad []string
	for _, a := range atts {
		if a.Scan == nil {
			continue
		}
		n += len(a.Scan.Artifacts)
		if a.Scan.Worst.Rank() > worst.Rank() {
			worst = a.Scan.Worst
		}
		if a.Scan.Worst.Rank() >= aiassure.High.Rank() {
			bad = append(bad, filepath.Base(a.File)+": "+scanRules(a.Scan))
		}
	}
	r.Metrics["files_scanned"] = float64(n)
	if len(bad) > 0 {
		r.Status = aiassure.Fail
		r.Summary = fmt.Sprintf("the attested model scan records findings at %s", worst)
		r.Reason = "criterion: no finding at high or above; " + strings.Join(bad, "; ")
		return
	}
	r.Status = aiassure.Pass
	w := "none"
	if worst != "" {
		w = string(worst)
	}
	r.Summary = fmt.Sprintf("model-file scanning attested: %d signed attestation(s) verified over %d file(s), worst finding %s", len(atts), n, w)
	r.Reason = "criterion: no finding at high or above, in a scan signed for the files on disk"
}
