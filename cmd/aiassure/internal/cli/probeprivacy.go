package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/aiassure/aiassure/dataset"
	"github.com/aiassure/aiassure/probe"
	"github.com/aiassure/aiassure/probe/privacy"
)

// privacyFlags are the flags of probe's privacy suite (docs/privacy.md).
type privacyFlags struct {
	members, nonMembers, population string
	sensitive                       string
	references, budget              int
}

func addPrivacyFlags(fs *flag.FlagSet) *privacyFlags {
	p := &privacyFlags{}
	fs.StringVar(&p.members, "members", "", "privacy: labelled records of the training data (`file`: CSV, NPY, ARFF)")
	fs.StringVar(&p.nonMembers, "non-members", "", "privacy: labelled records from the same distribution not trained on (`file`)")
	fs.StringVar(&p.population, "population", "", "privacy: optional further records not trained on, for the reference models and extraction queries (`file`)")
	fs.StringVar(&p.sensitive, "sensitive", "", "privacy: comma-separated attributes attribute inference recovers (a feature, or the stem of a one-hot group)")
	fs.IntVar(&p.references, "references", 0, "privacy: reference models the membership attacks train (default: the plan's)")
	fs.IntVar(&p.budget, "extraction-budget", 0, "privacy: queries of model extraction (default: the plan's)")
	return p
}

// adjust applies the privacy flags the user set to the plan.
func (p *privacyFlags) adjust(pl *probe.Plan, set map[string]bool) error {
	if set["references"] {
		if p.references < 2 || p.references > 256 {
			return usagef("-references must be between 2 and 256")
		}
		pl.Privacy.References = p.references
	}
	if set["extraction-budget"] {
		if p.budget < 1 {
			return usagef("-extraction-budget must be at least 1")
		}
		pl.Privacy.Budget = p.budget
	}
	if (p.members == "") != (p.nonMembers == "") {
		return usagef("the privacy suite needs both -members and -non-members")
	}
	if (p.population != "" || p.sensitive != "") && p.members == "" {
		return usagef("-population and -sensitive need -members and -non-members")
	}
	if p.members != "" && !pl.Has(probe.SuitePrivacy) {
		return usagef("-members and -non-members are for the privacy suite, which -suite leaves out")
	}
	if pl.Has(probe.SuitePrivacy) && len(pl.Suites) == 1 && p.members == "" {
		return usagef("-suite privacy needs -members FILE and -non-members FILE")
	}
	return nil
}

// load reads the member, non-member and population files, or returns nil
// when none was given.
func (p *privacyFlags) load(ctx context.Context, pl probe.Plan, opt dataset.Options, target string) (*probe.PrivacyData, error) {
	if p.members == "" || !pl.Has(probe.SuitePrivacy) {
		return nil, nil
	}
	d := &probe.PrivacyData{Sensitive: splitList(p.sensitive), Evidence: []string{target, p.members, p.nonMembers}}
	for _, f := range []struct {
		path string
		dst  **dataset.Dataset
	}{{p.members, &d.Members}, {p.nonMembers, &d.NonMembers}, {p.population, &d.Population}} {
		if f.path == "" {
			continue
		}
		ds, err := dataset.Load(ctx, f.path, opt)
		if err != nil {
			return nil, usageError{err}
		}
		*f.dst = ds
	}
	return d, nil
}

// writePrivacyText prints the ROC of each membership attack, the
// extraction curves and the attribute inference results.
func writePrivacyText(w io.Writer, rep *privacy.Report, width int) {
	fmt.Fprintln(w)
	wrapList(w, "", strings.Fields(fmt.Sprintf("PRIVACY (%d members, %d non-members, %d population records; the target returns %s; %d queries)",
		rep.Members, rep.NonMembers, rep.Population, rep.Output, rep.Queries)), " ", "  ", width)
	for _, m := range rep.Membership {
		r := m.ROC
		wrapList(w, fmt.Sprintf("%s:  ", m.Attack), []string{
			fmt.Sprintf("AUC %.3f [%.3f, %.3f]", r.AUC, r.AUCCI.Lo, r.AUCCI.Hi),
			fmt.Sprintf("TPR@1%%FPR %.1f%% [%.1f, %.1f]", 100*r.TPR01, 100*r.TPR01CI.Lo, 100*r.TPR01CI.Hi),
			fmt.Sprintf("TPR@0.1%%FPR %.1f%% [%.1f, %.1f]", 100*r.TPR001, 100*r.TPR001CI.Lo, 100*r.TPR001CI.Hi),
			fmt.Sprintf("(smallest FPR resolved %.3g%%)", 100*r.MinFPR),
		}, "  ", "    ", width)
	}
	for _, e := range rep.Extraction {
		var pts []string
		for _, p := range e.Points {
			pts = append(pts, fmt.Sprintf("%s@%d: fidelity %.1f%% accuracy %.1f%%", p.Substitute, p.Queries, 100*p.Fidelity, 100*p.Accuracy))
		}
		wrapList(w, fmt.Sprintf("extraction from %s (%d held out, target accuracy %.1f%%):  ", e.Mode, e.HeldOut, 100*e.TargetAccuracy), pts, "  ", "    ", width)
	}
	for _, v := range rep.Inversion {
		wrapList(w, fmt.Sprintf("inversion of %s:  ", v.Attribute), []string{
			fmt.Sprintf("members %.1f%% (baseline %.1f%%, n=%d)", 100*v.Members.Accuracy, 100*v.Members.Baseline, v.Members.Records),
			fmt.Sprintf("non-members %.1f%% (baseline %.1f%%, n=%d)", 100*v.NonMembers.Accuracy, 100*v.NonMembers.Baseline, v.NonMembers.Records),
		}, "  ", "    ", width)
	}
	for _, s := range rep.Skipped {
		wrapList(w, "skipped: ", strings.Fields(s), " ", "  ", width)
	}
	for _, s := range rep.Failed {
		wrapList(w, "failed: ", strings.Fields(s), " ", "  ", width)
	}
}
