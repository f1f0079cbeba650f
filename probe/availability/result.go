package availability

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aiassure/aiassure"
)

// CheckName is the Check of every availability Result.
const CheckName = "availability"

// Result IDs.
const (
	LatencyID   = "availability/latency"
	SpongeID    = "availability/sponge"
	MalformedID = "availability/malformed"
)

var (
	dosThreats   = []aiassure.ThreatID{"denial-of-service"}
	testControls = []aiassure.ControlID{"c-availability-testing"}
)

// LatencyResult turns a latency profile into a Result. The criterion is
// that every request was answered: the profile declares no latency level,
// so the numbers are reported, not judged. Its Metrics are measurements
// and differ from run to run: keep this Result out of golden files.
func LatencyResult(l *Latency, target string, evidence []string) aiassure.Result {
	r := aiassure.Result{
		ID: LatencyID, Check: CheckName, Threats: slices.Clone(dosThreats),
		Controls:     slices.Clone(testControls),
		Requirements: []aiassure.RequirementID{"ai-act-art-15-4"},
		Evidence:     slices.Clone(evidence),
		Metrics: map[string]float64{
			"requests": float64(l.Requests), "failed": float64(l.Failed),
			"latency_p50_seconds": l.P50, "latency_p95_seconds": l.P95, "latency_p99_seconds": l.P99,
			"latency_max_seconds": l.Max, "throughput_per_second": l.Throughput,
		},
	}
	answered := l.Requests - l.Failed
	r.Summary = fmt.Sprintf("latency of %s over %d requests (one client, one row each): p50 %s, p95 %s, p99 %s, %.1f requests/s",
		target, l.Requests, secs(l.P50), secs(l.P95), secs(l.P99), l.Throughput)
	switch {
	case l.Requests == 0:
		r.Status, r.Summary = aiassure.Unknown, "latency of "+target+": no request finished"
		r.Reason = "the run was stopped before the first request was answered"
	case l.Failed > 0:
		r.Status = aiassure.Fail
		r.Reason = fmt.Sprintf("criterion: every request of normal inputs is answered; %d of %d failed (first: %s)", l.Failed, l.Requests, l.FirstError)
	default:
		r.Status = aiassure.Pass
		r.Reason = fmt.Sprintf("criterion: every request of normal inputs is answered; all %d were. No latency level is declared, so the quantiles are reported, not judged; they are this machine's and network's", answered)
	}
	if l.Interrupted {
		r.Reason += fmt.Sprintf("; stopped by the deadline after %d requests", l.Requests)
	}
	return r
}

// SpongeResult turns a sponge search into a Result: pass when the worst
// input found costs at most maxSlowdown times the median normal input.
func SpongeResult(s *Sponge, maxSlowdown float64, target string, evidence []string) aiassure.Result {
	if !(maxSlowdown > 1) {
		maxSlowdown = Options{}.withDefaults().MaxSlowdown
	}
	r := aiassure.Result{
		ID: SpongeID, Check: CheckName, Threats: []aiassure.ThreatID{"sponge-examples"},
		Controls:     []aiassure.ControlID{"c-availability-testing", "c-input-validation", "c-resource-limits"},
		Requirements: []aiassure.RequirementID{"ai-act-art-15-4", "ai-act-art-15-5"},
		Category:     aiassure.AdversarialExamples,
		Evidence:     slices.Clone(evidence),
		Metrics: map[string]float64{
			"sponge_slowdown": s.Slowdown, "sponge_slowdown_max": maxSlowdown,
			"sponge_normal": s.Normal, "sponge_normal_max": s.NormalMax, "sponge_worst": s.Worst,
			"evaluations": float64(s.Evaluations), "normal_rows": float64(s.NormalRows),
		},
	}
	unit := "work units (elements produced and tree nodes visited, counted exactly)"
	if s.Measure == MeasureSeconds {
		unit = "seconds (median of timed runs; noisy)"
		if s.Confirmed {
			unit = fmt.Sprintf("seconds (the worst input timed again against a normal one, medians of %d interleaved runs; still this machine's and network's)", confirmRuns)
		}
		r.Metrics["measure_seconds"] = 1
	} else {
		r.Metrics["measure_work"] = 1
		r.Metrics["distinct_work"] = float64(s.Distinct)
	}
	crit := fmt.Sprintf("criterion: the costliest valid input found in %d evaluations may cost at most %gx the median of %d normal inputs, measured in %s",
		s.Evaluations, maxSlowdown, s.NormalRows, unit)
	switch {
	case s.NormalRows == 0:
		r.Status, r.Summary, r.Reason = aiassure.Unknown, "sponge search on "+target+": not run", "no normal input was measured"
		return r
	case s.Measure == MeasureWork && !s.InputDependent():
		r.Status = aiassure.Pass
		r.Summary = fmt.Sprintf("sponge search on %s: no input-dependent work found: all %d inputs tried did the same work (%g units), slowdown 1.0x",
			target, s.Evaluations+s.NormalRows, s.Worst)
	case s.Slowdown <= maxSlowdown:
		r.Status = aiassure.Pass
		r.Summary = fmt.Sprintf("sponge search on %s: worst slowdown %.2fx against normal inputs (%s against %s; %s found it)",
			target, s.Slowdown, amount(s.Worst, s.Measure), amount(s.Normal, s.Measure), s.WorstFrom)
	default:
		r.Status = aiassure.Fail
		r.Summary = fmt.Sprintf("sponge search on %s: an input costs %.2fx the normal one (%s against %s; %s search): %s",
			target, s.Slowdown, amount(s.Worst, s.Measure), amount(s.Normal, s.Measure), s.WorstFrom, vector(s.WorstInput))
	}
	r.Reason = crit
	if s.Interrupted {
		r.Reason += "; stopped by the deadline before the budget was spent"
	}
	return r
}

// MalformedResult turns a malformed-input test into a Result: pass when no
// case crashed the endpoint, got a 5xx answer, timed out or was accepted,
// and the endpoint still answered the valid control afterwards.
func MalformedResult(m *Malformed, evidence []string) aiassure.Result {
	r := aiassure.Result{
		ID: MalformedID, Check: CheckName, Threats: []aiassure.ThreatID{"dos-malformed-input"},
		Controls:     []aiassure.ControlID{"c-availability-testing", "c-input-validation"},
		Requirements: []aiassure.RequirementID{"ai-act-art-15-4", "ai-act-art-15-5"},
		Category:     aiassure.ModelFlaws,
		Evidence:     slices.Clone(evidence),
		Metrics:      map[string]float64{"cases": float64(len(m.Cases))},
	}
	for k, v := range m.Counts {
		r.Metrics[strings.ReplaceAll(k, "-", "_")] = float64(v)
	}
	const crit = "criterion: no malformed request crashes the endpoint, gets a 5xx answer, times out or is accepted with 2xx, and the endpoint still answers a valid request afterwards"
	bad := m.Failures()
	var names []string
	for _, c := range bad {
		names = append(names, c.Name+" ("+c.Outcome+")")
	}
	var lenient []string
	for _, c := range m.Cases {
		if c.Outcome == OutcomeLenient {
			lenient = append(lenient, c.Name)
		}
	}
	malformed := 0
	for _, c := range m.Cases {
		if !c.wantAccept {
			malformed++
		}
	}
	r.Metrics["malformed"] = float64(malformed)
	switch {
	case !m.ControlOK:
		r.Status = aiassure.Unknown
		r.Summary = fmt.Sprintf("malformed inputs to %s: the valid control request was not answered with 2xx", m.URL)
		r.Reason = "without a working valid request the answers to malformed ones say nothing; check the URL and credentials"
		return r
	case len(bad) > 0 || !m.AliveAfter && !m.Interrupted:
		r.Status = aiassure.Fail
		r.Summary = fmt.Sprintf("malformed inputs to %s: %d of %d requests mishandled: %s", m.URL, len(bad), malformed, strings.Join(names, ", "))
		if !m.AliveAfter && !m.Interrupted {
			r.Summary += "; the endpoint no longer answered a valid request afterwards"
		}
	default:
		r.Status = aiassure.Pass
		r.Summary = fmt.Sprintf("malformed inputs to %s: all %d malformed requests were refused with 4xx", m.URL, malformed-len(lenient))
	}
	r.Reason = crit
	if len(lenient) > 0 {
		r.Reason += "; accepted, and reported without failing: a valid body under a wrong content type or an empty batch: " + strings.Join(lenient, ", ")
	}
	if m.Interrupted {
		r.Reason += "; stopped by the deadline before every case was sent"
	}
	return r
}

func amount(v float64, measure string) string {
	if measure == MeasureSeconds {
		return secs(v)
	}
	return fmt.Sprintf("%g units", v)
}

func secs(v float64) string {
	switch {
	case v < 1e-3:
		return fmt.Sprintf("%.0fµs", v*1e6)
	case v < 1:
		return fmt.Sprintf("%.1fms", v*1e3)
	}
	return fmt.Sprintf("%.2fs", v)
}

// vector prints at most 16 values of an input.
func vector(x []float32) string {
	var b strings.Builder
	b.WriteByte('[')
	for i, v := range x {
		if i == 16 {
			fmt.Fprintf(&b, " … %d more", len(x)-16)
			break
		}
		if i > 0 {
			b.WriteByte(' ')
		}
		fmt.Fprintf(&b, "%g", v)
	}
	b.WriteByte(']')
	return b.String()
}
