package suite

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/profile"
)

// TestCheck runs the assessment check on the example twice: the Results,
// their run-log digest included, are the same, so reports are stable.
func TestCheck(t *testing.T) {
	p, err := profile.Load("../../examples/support-assistant/profile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	a, err := Check(context.Background(), p, fixedNow(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	b, err := Check(context.Background(), p, fixedNow(), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != len(Families)+1 { // and the rate-limit probe
		t.Fatalf("%d results", len(a))
	}
	for i := range a {
		if a[i].Status == aiassure.Unknown {
			t.Errorf("%s: unknown: %s", a[i].ID, a[i].Reason)
		}
		if a[i].Evidence[1] != b[i].Evidence[1] || !strings.HasPrefix(a[i].Evidence[1], "sha256:") {
			t.Errorf("%s: digests %v and %v", a[i].ID, a[i].Evidence, b[i].Evidence)
		}
		a[i].Evidence, b[i].Evidence = nil, nil
	}
	if !reflect.DeepEqual(a, b) {
		t.Error("two runs of the check differ")
	}
	none, _ := Check(context.Background(), &profile.Profile{}, fixedNow(), "")
	if len(none) != 0 {
		t.Errorf("a profile without llm block gave %v", none)
	}
	q := *p
	q.LLM = &profile.LLM{Model: "m", Canary: "CANARY-AAAA-BBBB", SystemPrompt: "system-prompt.txt"}
	rs, _ := Check(context.Background(), &q, fixedNow(), "")
	if len(rs) != 1 || rs[0].Status != aiassure.Unknown || !strings.Contains(rs[0].Reason, "canary") {
		t.Errorf("a system prompt without the canary: %v", rs)
	}
}
