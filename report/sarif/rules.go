package sarif

import (
	"slices"
	"strings"

	"github.com/aiassure/aiassure"
)

// kinds describes each finding kind: a short description, what it means,
// how to fix it, and the aiassure document that explains it.
var kinds = map[string]struct{ short, full, fix, doc string }{
	"risk": {
		"Residual risk from the threat and vulnerability analysis",
		"The TVRA of the system (ETSI TS 102 165-1) rates the residual risk of this threat against the system's assets, after the controls the profile declares, at or above the finding's severity.",
		"Implement the catalogue controls that are missing against the threat, declare them in the profile's controls with their evidence, and assess again. If the risk is to be accepted instead, record the acceptance (who, why, until when) in the profile's risk-acceptance file.",
		"scoring.md",
	},
	"implementation-gap": {
		"Implementation gap: a control the risk calls for is missing",
		"A catalogue control that mitigates a risk of the system is not implemented.",
		"Implement the missing controls and declare them in the profile's controls with their evidence.",
		"gaps.md",
	},
	"evidence-gap": {
		"Evidence gap: a claim without test, attestation or log",
		"The profile declares a control or a performance level that no test result, signed attestation or log supports.",
		"Add evidence for the claim under controls[].evidence in the profile (a results file, an attestation or a log), or run the test that produces it with aiassure assess.",
		"gaps.md",
	},
	"test": {
		"Failed or inconclusive model or lineage test",
		"A model test (robustness, privacy, poisoning) or a lineage check (digests, signatures) of the system failed or could not run.",
		"Read the result's reason: fix the model, data or release artefacts it names, or the test inputs, and assess again.",
		"metrics.md",
	},
	"classification": {
		"AI Act classification finding",
		"The AI Act classification of the system from its profile calls for attention.",
		"Check the use facts of the profile (use.annex_iii, use.annex_i, use.practices) and the obligations that follow from the tier.",
		"classification.md",
	},
	"input": {
		"Input that could not be assessed",
		"A file or value the profile declares could not be read or checked, so part of the assessment did not run.",
		"Correct the path or value in the profile, or provide the missing file, and assess again.",
		"profile.md",
	},
	"acceptance": {
		"Risk acceptance that no longer holds",
		"An entry of the risk-acceptance file has expired or names no finding of this assessment, so the risk it covered counts again.",
		"Renew the acceptance with a new expiry date and reason, or remove the entry and treat the risk.",
		"scoring.md",
	},
}

// buildRules returns one rule per distinct RuleID, sorted, each at the level
// and security-severity of its most severe finding.
func buildRules(findings []aiassure.Finding) []Rule {
	type acc struct {
		first    aiassure.Finding
		worst    aiassure.Severity
		controls []aiassure.ControlID
	}
	byID := map[string]*acc{}
	for _, f := range findings {
		id := RuleID(f)
		a, ok := byID[id]
		if !ok {
			a = &acc{first: f, worst: f.Severity}
			byID[id] = a
		}
		if f.Severity.Rank() > a.worst.Rank() {
			a.worst = f.Severity
		}
		for _, c := range f.Controls {
			if !slices.Contains(a.controls, c) {
				a.controls = append(a.controls, c)
			}
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	rules := make([]Rule, 0, len(ids))
	for _, id := range ids {
		a := byID[id]
		slices.Sort(a.controls)
		rules = append(rules, rule(id, a.first, a.worst, a.controls))
	}
	return rules
}

func rule(id string, f aiassure.Finding, worst aiassure.Severity, controls []aiassure.ControlID) Rule {
	k, known := kinds[f.Kind]
	if !known {
		k.short = "Finding of kind " + orDefault(f.Kind, "finding")
		k.full = "A finding of the aiassure assessment."
		k.fix = "Read the finding's detail and sources."
		k.doc = "report-formats.md"
	}
	var threat, threatName, threatDesc, atlas string
	if len(f.Threats) > 0 {
		threat = string(f.Threats[0])
		threatName = threat
		if c := names(); c != nil {
			if t, ok := c.Threat(f.Threats[0]); ok {
				threatName = t.Name
				threatDesc = strings.TrimSpace(t.Description)
				if len(t.ATLAS) > 0 {
					atlas = t.ATLAS[0]
				}
			}
		}
	}
	short, full := k.short, k.full
	if threat != "" {
		short += ": " + threatName
		full = "Threat: " + threatName + " (catalogue ID " + threat + ")."
		if threatDesc != "" {
			full += " " + sentence(threatDesc)
		}
		full += " " + k.full
	}

	fix := k.fix
	var md strings.Builder
	md.WriteString("**" + k.short + "**")
	if threat != "" {
		md.WriteString(" — " + threatName + " (`" + threat + "`)")
	}
	md.WriteString("\n\n" + full + "\n\n")
	if (f.Kind == "risk" || f.Kind == "implementation-gap") && len(controls) > 0 {
		fix = "Implement the controls missing against it: " + controlList(controls, false) + ". " + fix
		md.WriteString("**How to fix.** Implement the controls missing against it:\n\n" + controlList(controls, true) + "\n\n" + k.fix + "\n")
	} else {
		md.WriteString("**How to fix.** " + fix + "\n")
	}
	md.WriteString("\nSee [docs/" + k.doc + "](" + docsURL + k.doc + ") of aiassure and the ENISA report, " +
		"[*Cybersecurity of AI and Standardisation*](" + ENISAReportURL + ").")
	help := MultiformatMessage{Text: full + " How to fix: " + fix + " See docs/" + k.doc + " of aiassure.", Markdown: md.String()}

	helpURI := docsURL + k.doc
	if atlas != "" {
		helpURI = "https://atlas.mitre.org/techniques/" + atlas
	} else if threat != "" {
		helpURI = ENISAReportURL
	}

	tags := []string{"security", orDefault(f.Kind, "finding")}
	if len(f.Provisions) > 0 || len(f.Requirements) > 0 {
		tags = append(tags, "ai-act")
	}
	if threat != "" {
		tags = append(tags, "threat/"+threat)
	}
	precision := "high"
	if f.Kind == "risk" {
		precision = "medium" // a rating from a model of the attacker, not a measurement
	}
	return Rule{
		ID: id, Name: ruleName(id), ShortDescription: Message{Text: short}, FullDescription: Message{Text: full},
		Help: help, HelpURI: helpURI,
		DefaultConfiguration: Configuration{Level: Level(worst)},
		Properties: RuleProperties{Tags: tags, SecuritySeverity: SecuritySeverity(worst), Precision: precision,
			Kind: f.Kind, Threat: threat},
	}
}

// controlList names controls with their catalogue names: "c-x (Name), ..."
// or, in Markdown, a list with their descriptions.
func controlList(ids []aiassure.ControlID, markdown bool) string {
	c := names()
	var out []string
	for _, id := range ids {
		name, desc := "", ""
		if c != nil {
			if ctl, ok := c.Control(id); ok {
				name, desc = ctl.Name, strings.TrimSpace(ctl.Description)
			}
		}
		switch {
		case markdown && name != "":
			line := "- `" + string(id) + "` " + name
			if desc != "" {
				line += ": " + strings.ReplaceAll(desc, "\n", " ")
			}
			out = append(out, line)
		case markdown:
			out = append(out, "- `"+string(id)+"`")
		case name != "":
			out = append(out, string(id)+" ("+name+")")
		default:
			out = append(out, string(id))
		}
	}
	if markdown {
		return strings.Join(out, "\n")
	}
	return strings.Join(out, ", ")
}

// ruleName is the rule ID in PascalCase, as SARIF viewers expect.
func ruleName(id string) string {
	var b strings.Builder
	up := true
	for _, r := range id {
		if r == '-' || r == '/' || r == '_' || r == '.' || r == ' ' {
			up = true
			continue
		}
		if up {
			b.WriteString(strings.ToUpper(string(r)))
			up = false
		} else {
			b.WriteRune(r)
		}
	}
	return b.String()
}
