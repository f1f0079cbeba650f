package scan

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/profile"
)

// CheckName is the assessment plug-in's name.
const CheckName = "scan"

// checkThreats are the catalogue threats the assessment gets a result on
// for every scanned model, with the control a failure shows missing. A
// pass names no control: the scan of one file is no evidence that a
// control is in place for the system's other models.
var checkThreats = []struct {
	threat  aiassure.ThreatID
	control aiassure.ControlID
	what    string
}{
	{threatUnsafeLoading, "c-secure-serialisation", "code run when the model is loaded"},
	{threatBackdoor, "", "graph backdoor patterns"},
	{threatSupplyChain, "", "external data, custom operators, archive and file traps"},
}

// Check scans the profile's model artefacts — artefacts.model (with the
// external data beside it) and the path of every asset of kind model —
// with the allow-list profiles default and sklearn (a scikit-learn
// pickle is what that format is; its code is the threat the catalogue
// already rates), and returns one result per supply-chain threat it
// speaks to: fail when a finding at high or above bears on the threat (the
// findings are the reason), pass otherwise. Findings on tampered
// structure count for the supply chain, chat-template findings for the
// poisoned-component threat of LLM systems (a result only when there are
// some). No model file: no results.
func Check(ctx context.Context, p *profile.Profile) ([]aiassure.Result, error) {
	if p == nil {
		return nil, nil
	}
	var paths, evidence, refused []string
	seen := map[string]bool{}
	addPath := func(rel string) {
		if rel == "" || seen[rel] {
			return
		}
		seen[rel] = true
		path, err := p.File(rel) // confined to the profile's folder
		if err != nil {
			refused = append(refused, err.Error())
			return
		}
		paths = append(paths, path)
		evidence = append(evidence, rel)
	}
	addPath(p.Artefacts.Model)
	for _, a := range p.Assets {
		if a.Kind == "model" {
			addPath(a.Path)
		}
	}
	if len(refused) > 0 {
		return []aiassure.Result{{ID: CheckName, Check: CheckName, Status: aiassure.Unknown,
			Summary: "model files not scanned", Reason: strings.Join(refused, "; "), Evidence: evidence}}, nil
	}
	if len(paths) == 0 {
		return nil, nil
	}
	al, err := NewAllowList([]string{"default", "sklearn"}, nil)
	if err != nil {
		return nil, err
	}
	rep, err := New(Options{Allow: al}).Paths(ctx, paths)
	if err != nil {
		return []aiassure.Result{{ID: CheckName, Check: CheckName, Status: aiassure.Unknown,
			Summary: "model files not scanned", Reason: err.Error(), Evidence: evidence}}, nil
	}
	formats := map[string]bool{}
	for _, a := range rep.Artifacts {
		if !strings.Contains(a.Path, "!") && !strings.Contains(a.Path, "#") {
			formats[string(a.Format)] = true
		}
	}
	var fl []string
	for f := range formats {
		fl = append(fl, f)
	}
	sort.Strings(fl)
	format := strings.Join(fl, ", ")
	byThreat := map[aiassure.ThreatID][]Finding{}
	for _, f := range rep.Findings {
		t := aiassure.ThreatID(Rules[f.Rule].Threat)
		if t == threatTampering {
			t = threatSupplyChain
		}
		byThreat[t] = append(byThreat[t], f)
	}
	var out []aiassure.Result
	emit := func(t aiassure.ThreatID, control aiassure.ControlID, what string) {
		fs := byThreat[t]
		r := aiassure.Result{ID: CheckName + "/" + string(t), Check: CheckName, Threats: []aiassure.ThreatID{t},
			Evidence: evidence}
		var serious []string
		for _, f := range fs {
			if f.Severity.Rank() >= aiassure.High.Rank() {
				serious = append(serious, fmt.Sprintf("%s (%s): %s", f.Rule, f.Severity, f.Message))
			}
		}
		sort.Strings(serious)
		if len(serious) > 0 {
			r.Status = aiassure.Fail
			r.Summary = fmt.Sprintf("the model files (%s) have %d finding(s) at high or above on %s", format, len(serious), what)
			r.Reason = strings.Join(serious, "; ")
			if control != "" {
				r.Controls = []aiassure.ControlID{control} // the control the findings show missing
			}
		} else {
			r.Status = aiassure.Pass
			r.Summary = fmt.Sprintf("%d model file(s) (%s) scanned for %s: nothing at high or above", len(paths), format, what)
			if len(fs) > 0 {
				r.Summary += fmt.Sprintf(" (%d lesser finding(s); run aiassure scan)", len(fs))
			}
		}
		out = append(out, r)
	}
	for _, ct := range checkThreats {
		emit(ct.threat, ct.control, ct.what)
	}
	if len(byThreat[threatLLMComponent]) > 0 {
		emit(threatLLMComponent, "", "the chat template")
	}
	return out, nil
}
