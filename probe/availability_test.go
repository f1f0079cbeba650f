package probe

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure/model/remote/testserver"
	"github.com/aiassure/aiassure/probe/availability"
)

// The availability suite through Run: on a local MLP the latency profile
// and the sponge search (constant work); on the same model behind the OIP
// test server, the malformed-input test too. Only structure and the
// deterministic results are asserted, never timings.
func TestRunAvailability(t *testing.T) {
	m, r, c := load(t, "credit-scoring", "mlp.onnx")
	pl, _ := PlanFor("basic")
	Quick(&pl)
	pl.Suites = []string{SuiteAvailability}
	rs, sum, err := Run(context.Background(), RunInput{Target: m, Data: r, Constraints: c, Plan: pl, Evidence: []string{"mlp.onnx"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2 || rs[0].ID != availability.LatencyID || rs[1].ID != availability.SpongeID {
		t.Fatalf("results %+v", rs)
	}
	if rs[0].Status != "pass" || rs[0].Metrics["requests"] != float64(pl.Requests) {
		t.Errorf("latency %+v", rs[0])
	}
	if rs[1].Status != "pass" || !strings.Contains(rs[1].Summary, "no input-dependent work found") || rs[1].Metrics["evaluations"] != float64(pl.SpongeBudget) {
		t.Errorf("sponge %+v", rs[1])
	}
	if sum.Availability == nil || sum.Availability.Latency == nil || sum.Availability.Sponge == nil || sum.Availability.Malformed != nil {
		t.Errorf("summary %+v", sum.Availability)
	}

	srv, err := testserver.New(m, testserver.Config{Name: "credit"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	_, r2, _ := load(t, "credit-scoring", "mlp.onnx")
	info := m.Info()
	ep := &availability.Endpoint{URL: srv.URL + "/v2/models/credit/infer", Protocol: "oip",
		Encode: availability.OIPEncoder(info.Input, info.InputShape), Header: map[string][]string{"Authorization": {"Bearer " + srv.Token}},
		RequestTimeout: 5 * time.Second}
	rs, sum, err = Run(context.Background(), RunInput{Target: m, Data: r2, Constraints: c, Plan: pl, Endpoint: ep})
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[2].ID != availability.MalformedID || sum.Availability.Malformed == nil || !sum.Availability.Malformed.ControlOK {
		t.Fatalf("results %+v", rs)
	}
}

func TestPlanAvailabilityNotDefault(t *testing.T) {
	for _, level := range Levels() {
		p, _ := PlanFor(level)
		if p.Has(SuiteAvailability) || p.Requests <= 0 || p.SpongeBudget <= 0 {
			t.Errorf("%s: the availability suite must be sized but not run by default: %+v", level, p)
		}
		p.Suites = []string{SuiteAvailability}
		if err := p.Validate(); err != nil {
			t.Errorf("%s: %v", level, err)
		}
	}
}
