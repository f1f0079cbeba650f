package ledger

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/profile"
)

// CheckName is the assessment plug-in's name. Its Results carry the check
// "log", the evidence kind the catalogue's logging controls name.
const CheckName = "ledger"

const evidenceKind = "log"

// resultFacts ties the two Results to the catalogue; IDs it lacks are
// dropped.
var resultFacts = map[string]struct {
	controls     []aiassure.ControlID
	threats      []aiassure.ThreatID
	requirements []aiassure.RequirementID
}{
	"ledger/integrity": {
		[]aiassure.ControlID{"c-log-integrity"},
		[]aiassure.ThreatID{"sw-log-tampering", "sw-data-breach"},
		[]aiassure.RequirementID{"ai-act-art-12", "cra-annex-i-part-i-2f", "cra-annex-i-part-i-2l"},
	},
	"ledger/events": {
		[]aiassure.ControlID{"c-event-logging"},
		[]aiassure.ThreatID{"sw-log-tampering"},
		[]aiassure.RequirementID{"ai-act-art-12", "ai-act-art-14", "ai-act-art-72", "ai-act-art-73"},
	},
}

func result(id string, c *catalog.Catalog) aiassure.Result {
	f := resultFacts[id]
	r := aiassure.Result{ID: id, Check: evidenceKind}
	for _, x := range f.controls {
		if c == nil {
			r.Controls = append(r.Controls, x)
		} else if _, ok := c.Control(x); ok {
			r.Controls = append(r.Controls, x)
		}
	}
	for _, x := range f.threats {
		if c == nil {
			r.Threats = append(r.Threats, x)
		} else if _, ok := c.Threat(x); ok {
			r.Threats = append(r.Threats, x)
		}
	}
	for _, x := range f.requirements {
		if c == nil {
			r.Requirements = append(r.Requirements, x)
		} else if _, ok := c.Requirement(x); ok {
			r.Requirements = append(r.Requirements, x)
		}
	}
	return r
}

// Check verifies the ledger the profile names (artefacts.ledger, with
// artefacts.ledger_public_key) and returns two Results: the ledger's
// integrity (c-log-integrity) and what it records (c-event-logging), with
// its counts of events, incidents and human overrides as metrics. A profile
// without a ledger yields no Results; a ledger that cannot be read yields
// Results with status unknown. now is the assessment's time.
func Check(ctx context.Context, p *profile.Profile, c *catalog.Catalog, now time.Time) ([]aiassure.Result, error) {
	if p == nil || p.Artefacts.Ledger == "" {
		return nil, nil
	}
	unknown := func(reason string) []aiassure.Result {
		var out []aiassure.Result
		for _, id := range []string{"ledger/integrity", "ledger/events"} {
			r := result(id, c)
			r.Status, r.Summary, r.Reason = aiassure.Unknown, "the event ledger could not be verified", reason
			out = append(out, r)
		}
		return out
	}
	dir, err := p.File(p.Artefacts.Ledger)
	if err != nil {
		return unknown(err.Error()), nil
	}
	if p.Artefacts.LedgerPublicKey == "" {
		return unknown("artefacts.ledger is set but artefacts.ledger_public_key is not: without a trusted key no checkpoint can be verified"), nil
	}
	keyPath, err := p.File(p.Artefacts.LedgerPublicKey)
	if err != nil {
		return unknown(err.Error()), nil
	}
	key, err := LoadPublicKey(keyPath)
	if err != nil {
		return unknown(err.Error()), nil
	}
	rep, err := Verify(ctx, dir, key, VerifyOptions{})
	if err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return unknown(err.Error()), nil
	}
	evidence := []string{p.Artefacts.Ledger}
	if rep.Root != "" {
		evidence = append(evidence, fmt.Sprintf("%s@%d:sha256:%s", rep.Origin, rep.Size, rep.Root))
	}

	integ := result("ledger/integrity", c)
	integ.Evidence, integ.Time = evidence, now
	integ.Metrics = map[string]float64{
		"entries": float64(rep.Size), "checkpoints": float64(rep.Checkpoints),
		"problems": float64(len(rep.Problems) + rep.Omitted), "personal_fields": float64(rep.Personal),
	}
	if rep.OK() {
		integ.Status = aiassure.Pass
		integ.Summary = fmt.Sprintf("the event ledger verifies: %d entries, every entry bundle, tile and %d signed checkpoint(s) consistent with the recomputed Merkle tree", rep.Size, rep.Checkpoints)
	} else {
		integ.Status = aiassure.Fail
		integ.Summary = fmt.Sprintf("the event ledger does not verify: %d problem(s)", len(rep.Problems)+rep.Omitted)
		var ps []string
		for i, pr := range rep.Problems {
			if i == 5 {
				ps = append(ps, fmt.Sprintf("and %d more", len(rep.Problems)-5+rep.Omitted))
				break
			}
			ps = append(ps, pr.String())
		}
		integ.Reason = strings.Join(ps, "; ")
	}

	ev := result("ledger/events", c)
	ev.Evidence, ev.Time = evidence, now
	ev.Metrics = map[string]float64{
		"entries": float64(rep.Size), "incidents": float64(rep.Incidents),
		"serious_incidents": float64(rep.Serious), "human_overrides": float64(rep.Overrides),
	}
	ts, _ := Types()
	var missing []string
	for _, t := range ts {
		ev.Metrics["events_"+t.Name] = float64(rep.Types[t.Name])
		if rep.Types[t.Name] == 0 && (t.Name == TypeInference || t.Name == TypeModelUpdate) {
			missing = append(missing, t.Name)
		}
	}
	counts := fmt.Sprintf("%d incident(s), %d serious; %d human override(s)", rep.Incidents, rep.Serious, rep.Overrides)
	switch {
	case rep.Size == 0:
		ev.Status = aiassure.Fail
		ev.Summary = "the event ledger records no event"
		ev.Reason = "AI Act Art. 12(1) asks for the automatic recording of events over the system's lifetime; the ledger is empty"
	case !rep.OK():
		ev.Status = aiassure.Fail
		ev.Summary = fmt.Sprintf("the ledger records %d events (%s), but it does not verify, so they are no reliable record", rep.Size, counts)
		ev.Reason = "see ledger/integrity"
	case len(missing) > 0:
		ev.Status = aiassure.Fail
		ev.Summary = fmt.Sprintf("the ledger records %d events (%s) but none of type %s", rep.Size, counts, strings.Join(missing, ", "))
		ev.Reason = "the decisions the system takes and the model versions that took them are the events Art. 12(2) needs to trace its functioning"
	default:
		ev.Status = aiassure.Pass
		ev.Summary = fmt.Sprintf("the ledger holds %d events, recorded from %s to %s: %s", rep.Size, rep.First.Format("2006-01-02"), rep.Last.Format("2006-01-02"), counts)
		if rep.Serious > 0 {
			ev.Reason = fmt.Sprintf("%d serious incident(s) recorded: each must be reported under AI Act Art. 73", rep.Serious)
		}
	}
	return []aiassure.Result{integ, ev}, nil
}
