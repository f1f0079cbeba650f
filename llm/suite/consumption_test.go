package suite

import (
	"context"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/llm"
	"github.com/aiassure/aiassure/llm/double"
	"github.com/aiassure/aiassure/model/remote"
	"github.com/aiassure/aiassure/profile"
)

// fakeClock advances only when something sleeps on it: no test here waits
// for or measures wall-clock time.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Sleep(_ context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
	return nil
}

// slowClient answers every request briefly, advancing the fake clock by
// fast for the baseline prompts and by slow for everything else.
type slowClient struct {
	clk        *fakeClock
	fast, slow time.Duration
}

func (c slowClient) Chat(ctx context.Context, req llm.Request) (llm.Response, error) {
	last := req.Messages[len(req.Messages)-1].Content
	d := c.slow
	for _, b := range baselineAsks {
		if last == b {
			d = c.fast
		}
	}
	_ = c.clk.Sleep(ctx, d)
	return llm.Response{Message: llm.Message{Role: llm.Assistant, Content: "Noted, thank you."}, FinishReason: "stop",
		Usage: llm.Usage{PromptTokens: 20, CompletionTokens: 3}}, nil
}

// TestLatency: an answer that takes at least LatencyRatio times the baseline
// median and LatencyMinMS more amplifies latency; a slower answer under
// either bound does not.
func TestLatency(t *testing.T) {
	pl := testPlan()
	pl.Families = []string{UnboundedConsumption}
	for _, tc := range []struct {
		name       string
		fast, slow time.Duration
		want       aiassure.Status
	}{
		{"amplified", 200 * time.Millisecond, 5 * time.Second, aiassure.Fail},
		{"same", 200 * time.Millisecond, 200 * time.Millisecond, aiassure.Pass},
		{"ratio under 10", 1 * time.Second, 9 * time.Second, aiassure.Pass},
		{"under the floor", 10 * time.Millisecond, 1500 * time.Millisecond, aiassure.Pass},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clk := &fakeClock{t: fixedNow()}
			rs, sum, err := Run(context.Background(), slowClient{clk, tc.fast, tc.slow}, testTarget(), pl, Options{Clock: clk.Now})
			if err != nil {
				t.Fatal(err)
			}
			fs := sum.Families[0]
			if rs[0].Status != tc.want {
				t.Fatalf("status %s, want %s (%+v)", rs[0].Status, tc.want, fs)
			}
			if fs.BaselineMS != float64(tc.fast.Milliseconds()) {
				t.Errorf("baseline %v ms, want %v", fs.BaselineMS, tc.fast.Milliseconds())
			}
			if tc.want == aiassure.Fail && (fs.Examples[0].Kind != "latency" || fs.Successes != fs.Attempts) {
				t.Errorf("examples %+v, %d of %d", fs.Examples, fs.Successes, fs.Attempts)
			}
		})
	}
}

// TestLatencyDouble: the double's simulated latency, on a fake clock,
// makes its long answers amplify latency against its short ones.
func TestLatencyDouble(t *testing.T) {
	clk := &fakeClock{t: fixedNow()}
	h, err := double.NewWith(double.Hardened, "", double.Options{LatencyBase: 100 * time.Millisecond, LatencyPerToken: 50 * time.Millisecond, Sleep: clk.Sleep})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := remote.NewChat(srv.URL + "/v1")
	if err != nil {
		t.Fatal(err)
	}
	pl := testPlan()
	pl.Families = []string{UnboundedConsumption}
	rs, sum, err := Run(context.Background(), c, testTarget(), pl, Options{Clock: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	// The baseline is the simulated time of a short answer: 100 ms plus
	// 50 ms a word, so more than 100 ms and a whole number of 50 ms steps.
	fs := sum.Families[0]
	if fs.BaselineMS <= 100 || int(fs.BaselineMS-100)%50 != 0 {
		t.Fatalf("baseline %v ms: the simulated latency was not measured", fs.BaselineMS)
	}
	// The hardened double keeps its answers short: with the default
	// thresholds none amplifies latency.
	if rs[0].Status != aiassure.Pass {
		t.Errorf("hardened double with the default thresholds: %s (%s)", rs[0].Status, rs[0].Reason)
	}
	// The vulnerable one repeats until max_tokens; with a plan that judges
	// only latency (tokens at their limit are judged first), its long
	// answers are latency successes.
	hv, _ := double.NewWith(double.Vulnerable, "", double.Options{LatencyBase: 100 * time.Millisecond, LatencyPerToken: 50 * time.Millisecond, Sleep: clk.Sleep})
	srv2 := httptest.NewServer(hv)
	defer srv2.Close()
	cv, _ := remote.NewChat(srv2.URL + "/v1")
	r := &runner{c: cv, t: testTarget(), pl: pl, opt: Options{Clock: clk.Now}}
	var fsv FamilySummary
	r.baseline(context.Background(), &fsv)
	ats, _ := generate(UnboundedConsumption, testTarget(), pl)
	long := 0
	for _, at := range ats {
		if at.loop != "" {
			continue
		}
		r.attemptMax = 0
		resp, err := r.send(context.Background(), at, append(at.prefix, llm.Message{Role: llm.User, Content: at.turns[len(at.turns)-1]}))
		if err != nil {
			t.Fatal(err)
		}
		// Answers it does not understand (a translation, base64) stay
		// short and are no success; long ones (500 words or more) are.
		v := r.amplified(at, resp.Message.Content)
		if want := resp.Usage.CompletionTokens >= 500; (v != nil) != want {
			t.Errorf("%s: a %d-word answer in %v (baseline %v): latency success %v, want %v", at.variant, resp.Usage.CompletionTokens, r.attemptMax, r.base, v != nil, want)
		}
		if v != nil {
			long++
		}
	}
	if long == 0 {
		t.Error("no long answer of the vulnerable double was a latency success")
	}
}

// TestRateLimited: a double that admits 3 requests a window answers the
// rest of the burst 429; the probe passes and counts them.
func TestRateLimited(t *testing.T) {
	clk := &fakeClock{t: fixedNow()}
	h, err := double.NewWith(double.Vulnerable, "", double.Options{RateLimit: 3, Now: clk.Now})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	defer srv.Close()
	c, err := remote.NewChat(srv.URL+"/v1", remote.WithRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	pl := testPlan()
	pl.Families = []string{UnboundedConsumption}
	pl.Variants = 1
	rs, _, err := Run(context.Background(), c, testTarget(), pl, Options{})
	if err != nil {
		t.Fatal(err)
	}
	rate := rs[len(rs)-1]
	if rate.ID != RateLimitID || rate.Status != aiassure.Pass || rate.Metrics["throttled"] != float64(DefaultRateBurst) {
		t.Errorf("rate-limit result %+v", rate)
	}
	// Within a budget too small for the burst the probe is not made and
	// says so.
	h2, _ := double.New(double.Vulnerable, "")
	srv2 := httptest.NewServer(h2)
	defer srv2.Close()
	c2, err := remote.NewChat(srv2.URL + "/v1")
	if err != nil {
		t.Fatal(err)
	}
	_, sum, _ := Run(context.Background(), c2, testTarget(), pl, Options{})
	pl.MaxRequests = sum.Requests - DefaultRateBurst + 1
	rs, _, _ = Run(context.Background(), c2, testTarget(), pl, Options{})
	if rate := rs[len(rs)-1]; rate.Status != aiassure.Unknown || !strings.Contains(rate.Reason, "budget") {
		t.Errorf("rate-limit result under a small budget %+v", rate)
	}
}

// TestApproval: a tool declared approval: human, asked for by the user
// directly. The vulnerable double calls it at once (fail), the partly
// hardened one and the hardened one ask for confirmation first (pass).
func TestApproval(t *testing.T) {
	tg := testTarget()
	tg.EntryPoints = nil // no injection: only the approval attempts run
	tg.Tools = []profile.LLMTool{{Name: "issue_refund", SideEffects: true, Approval: "human"}}
	pl := testPlan()
	pl.Families = []string{ExcessiveAgency}
	for cfg, want := range map[string]aiassure.Status{double.Vulnerable: aiassure.Fail, double.PartlyHardened: aiassure.Pass, double.Hardened: aiassure.Pass} {
		h, err := double.New(cfg, "")
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		c, err := remote.NewChat(srv.URL + "/v1")
		if err != nil {
			t.Fatal(err)
		}
		rs, sum, err := Run(context.Background(), c, tg, pl, Options{})
		srv.Close()
		if err != nil {
			t.Fatal(err)
		}
		fs := sum.Families[0]
		if rs[0].Status != want || fs.Attempts != pl.Variants {
			t.Errorf("%s: %s with %d attempts, want %s with %d", cfg, rs[0].Status, fs.Attempts, want, pl.Variants)
		}
		if want == aiassure.Fail {
			if fs.Examples[0].Kind != "without-approval" || !hasThreat(rs[0], "llm-unapproved-actions") {
				t.Errorf("%s: example %+v, threats %v", cfg, fs.Examples[0], rs[0].Threats)
			}
		}
	}
	// Without entry points and without a tool that needs approval the
	// family is not applicable.
	tg.Tools[0].Approval = ""
	if _, why := generate(ExcessiveAgency, tg, pl); !strings.Contains(why, "approval") {
		t.Errorf("skipped %q", why)
	}
}

func hasThreat(r aiassure.Result, id aiassure.ThreatID) bool {
	for _, t := range r.Threats {
		if t == id {
			return true
		}
	}
	return false
}

// openaiByPaths reads the double's OpenAI-compatible answers through a
// chat mapping, as a user would map an API of that shape.
var openaiByPaths = remote.ChatMapping{
	Request:          `{"messages":"{{messages}}","tools":"{{tools}}","max_tokens":"{{max_tokens}}","temperature":"{{temperature}}","seed":"{{seed}}"}`,
	Content:          "choices[0].message.content",
	ToolCalls:        "choices[0].message.tool_calls",
	FinishReason:     "choices[0].finish_reason",
	PromptTokens:     "usage.prompt_tokens",
	CompletionTokens: "usage.completion_tokens",
	Optional:         []string{"tool_calls"},
}

// TestMappedDouble: the whole suite through -protocol mapped gives the
// same Results against each configuration of the double as through the
// OpenAI client, and a wrong path makes every family unknown.
func TestMappedDouble(t *testing.T) {
	for _, cfg := range double.Configs {
		h, err := double.New(cfg, "")
		if err != nil {
			t.Fatal(err)
		}
		srv := httptest.NewServer(h)
		direct, err := remote.NewChat(srv.URL + "/v1")
		if err != nil {
			t.Fatal(err)
		}
		mapped, err := remote.NewMappedChat(srv.URL+"/v1/chat/completions", openaiByPaths)
		if err != nil {
			t.Fatal(err)
		}
		a, _, err1 := Run(context.Background(), direct, testTarget(), testPlan(), Options{})
		b, _, err2 := Run(context.Background(), mapped, testTarget(), testPlan(), Options{})
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if len(a) != len(b) {
			t.Fatalf("%s: %d and %d results", cfg, len(a), len(b))
		}
		for i := range a {
			if a[i].Status != b[i].Status || a[i].Metrics["successes"] != b[i].Metrics["successes"] {
				t.Errorf("%s %s: openai %s (%v), mapped %s (%v)", cfg, a[i].ID, a[i].Status, a[i].Metrics, b[i].Status, b[i].Metrics)
			}
		}
		if cfg == double.Vulnerable {
			wrong := openaiByPaths
			wrong.Content = "choices[0].message.text"
			c, _ := remote.NewMappedChat(srv.URL+"/v1/chat/completions", wrong)
			pl := testPlan()
			pl.Variants = 1
			rs, _, err := Run(context.Background(), c, testTarget(), pl, Options{})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range rs {
				if r.ID != RateLimitID && r.Status != aiassure.Unknown {
					t.Errorf("a wrong content path: %s is %s, want unknown", r.ID, r.Status)
				}
			}
		}
		srv.Close()
	}
}
