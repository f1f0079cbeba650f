package remote

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/remote/testserver"
)

// fastRetry keeps backoff waits short in tests.
var fastRetry = WithBackoff(time.Millisecond, 5*time.Millisecond)

func TestRetriesRecover(t *testing.T) {
	ctx := context.Background()
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 30)
	want, _ := ex.model.Predict(ctx, ex.x)
	for _, tc := range []struct {
		name string
		code int
	}{
		{"429", http.StatusTooManyRequests},
		{"500", http.StatusInternalServerError},
		{"502", http.StatusBadGateway},
		{"503", http.StatusServiceUnavailable},
		{"504", http.StatusGatewayTimeout},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := serve(t, ex, testserver.Config{})
			for _, proto := range []string{"oip", "json"} {
				tgt := newTarget(t, proto, s, ex, WithRetries(3), fastRetry, WithMaxBatch(10), WithConcurrency(1))
				before := s.Requests()
				s.FailNext(3, tc.code, "")
				got, err := tgt.Predict(ctx, ex.x)
				if err != nil {
					t.Fatalf("%s: %v", proto, err)
				}
				if !cmp.Equal(want, got) {
					t.Errorf("%s: outputs differ after retries", proto)
				}
				if n := s.Requests() - before; n != 6 {
					t.Errorf("%s: %d requests, want 3 failed + 3 chunks", proto, n)
				}
			}
		})
	}
}

// newTarget builds an OIP or JSON target for a test server.
func newTarget(t *testing.T, proto string, s *testserver.Server, ex example, opts ...Option) model.Target {
	t.Helper()
	opts = append([]Option{WithBearerToken(s.Token)}, opts...)
	var tgt model.Target
	var err error
	if proto == "oip" {
		tgt, err = NewOIP(context.Background(), s.URL, "model", opts...)
	} else {
		tgt, err = NewJSON(s.URL+"/predict", Mapping{OutputPath: "predictions[*].scores", InputShape: ex.model.Info().InputShape}, opts...)
	}
	if err != nil {
		t.Fatal(err)
	}
	return tgt
}

func TestRetriesExhausted(t *testing.T) {
	ctx := context.Background()
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 3)
	s := serve(t, ex, testserver.Config{})
	tgt := newTarget(t, "oip", s, ex, WithRetries(2), fastRetry)
	s.FailNext(100, http.StatusServiceUnavailable, "")
	_, err := tgt.Predict(ctx, ex.x)
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 503 || he.Attempts != 3 {
		t.Fatalf("err = %v, want HTTP 503 after 3 attempts", err)
	}
	if !strings.Contains(err.Error(), "injected failure") || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Errorf("message %q lacks the server's text or the attempt count", err)
	}
}

func TestClientErrorsNotRetried(t *testing.T) {
	ctx := context.Background()
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 3)
	s := serve(t, ex, testserver.Config{})
	tgt := newTarget(t, "json", s, ex, WithRetries(5), fastRetry)
	for _, code := range []int{400, 404, 413, 422, 501} {
		before := s.Requests()
		s.FailNext(1, code, "")
		_, err := tgt.Predict(ctx, ex.x)
		var he *HTTPError
		if !errors.As(err, &he) || he.Status != code {
			t.Errorf("%d: err = %v", code, err)
		}
		if n := s.Requests() - before; n != 1 {
			t.Errorf("%d: %d requests, want 1 (no retry)", code, n)
		}
	}
}

// TestRetryAfter checks with a fake clock that the wait honours Retry-After
// (seconds and HTTP date), and that an excessive one is refused.
func TestRetryAfter(t *testing.T) {
	ctx := context.Background()
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 2)
	s := serve(t, ex, testserver.Config{})
	clk := newFakeClock()
	tgt := newTarget(t, "oip", s, ex, WithRetries(3), fastRetry, withClock(clk), WithMaxRetryWait(time.Minute))
	s.FailNext(1, 429, "7")
	if _, err := tgt.Predict(ctx, ex.x); err != nil {
		t.Fatal(err)
	}
	date := clk.Now().Add(30 * time.Second).UTC().Format(http.TimeFormat)
	s.FailNext(1, 503, date)
	if _, err := tgt.Predict(ctx, ex.x); err != nil {
		t.Fatal(err)
	}
	sl := clk.Sleeps()
	if len(sl) != 2 || sl[0] != 7*time.Second || sl[1] < 29*time.Second || sl[1] > 31*time.Second {
		t.Errorf("sleeps %v, want [7s ~30s]", sl)
	}
	s.FailNext(1, 429, "3600")
	_, err := tgt.Predict(ctx, ex.x)
	if err == nil || !strings.Contains(err.Error(), "retry after 1h0m0s") {
		t.Errorf("err = %v, want a refusal of the 1h wait", err)
	}
}

func TestBackoffGrowsWithJitter(t *testing.T) {
	c := &client{cfg: &config{backoffBase: 100 * time.Millisecond, backoffMax: time.Second}}
	for k := range 8 {
		cap := min(100*time.Millisecond<<k, time.Second)
		var sum time.Duration
		for range 200 {
			d := c.backoff(k)
			if d < 0 || d > cap {
				t.Fatalf("backoff(%d) = %v outside [0, %v]", k, d, cap)
			}
			sum += d
		}
		// The mean of a uniform on [0, cap] is cap/2; 200 draws land well
		// within [cap/4, 3cap/4].
		if mean := sum / 200; mean < cap/4 || mean > 3*cap/4 {
			t.Errorf("backoff(%d) mean %v, cap %v", k, mean, cap)
		}
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for in, want := range map[string]time.Duration{
		"":                              0,
		"5":                             5 * time.Second,
		" 12 ":                          12 * time.Second,
		"-3":                            0,
		"abc":                           0,
		"Thu, 02 Jan 2025 03:04:15 GMT": 10 * time.Second,
		"Thu, 02 Jan 2025 03:00:00 GMT": 0,
		"99999999999999999999":          0,
	} {
		if got := parseRetryAfter(in, now); got != want {
			t.Errorf("parseRetryAfter(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestNetworkErrorsRetried(t *testing.T) {
	ctx := context.Background()
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 2)
	s := serve(t, ex, testserver.Config{})
	tgt := newTarget(t, "json", s, ex, WithRetries(2), fastRetry, WithLogger(discard()))
	s.Close()
	_, err := tgt.Predict(ctx, ex.x)
	if err == nil || !strings.Contains(err.Error(), "after 3 attempts") {
		t.Fatalf("err = %v, want a network error after 3 attempts", err)
	}
	if st := tgt.(*JSON).Stats(); st.Requests != 3 || st.Samples != 0 {
		t.Errorf("stats %+v, want 3 requests and 0 samples", st)
	}
}

func TestTimeoutAndCancel(t *testing.T) {
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 2)
	s := serve(t, ex, testserver.Config{})
	tgt := newTarget(t, "oip", s, ex, WithRetries(1), fastRetry, WithTimeout(50*time.Millisecond))
	s.SetDelay(2 * time.Second)
	start := time.Now()
	_, err := tgt.Predict(context.Background(), ex.x)
	if err == nil || !strings.Contains(err.Error(), "no answer within 50ms") {
		t.Errorf("err = %v, want a per-request timeout", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("timed-out Predict took %v", el)
	}
	// Cancelling the context stops a Predict promptly with ctx's error.
	tgt = newTarget(t, "oip", s, ex, WithRetries(3), fastRetry)
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	start = time.Now()
	_, err = tgt.Predict(ctx, ex.x)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err = %v, want context.Canceled", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("cancelled Predict took %v", el)
	}
	if _, err := tgt.Predict(ctx, ex.x); !errors.Is(err, context.Canceled) {
		t.Errorf("Predict with a done context: %v", err)
	}
}

// TestBudgetExactUnderConcurrency runs many concurrent Predict calls against
// a budget and checks that the server never sees more samples than the budget
// and that the budget's count equals the server's.
func TestBudgetExactUnderConcurrency(t *testing.T) {
	ctx := context.Background()
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 7)
	for _, proto := range []string{"oip", "json"} {
		t.Run(proto, func(t *testing.T) {
			s := serve(t, ex, testserver.Config{})
			b := NewBudget(100)
			tgt := newTarget(t, proto, s, ex, WithBudget(b), WithMaxBatch(3), WithConcurrency(8))
			var ok, refused atomic.Int64
			var wg sync.WaitGroup
			for range 16 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for {
						_, err := tgt.Predict(ctx, ex.x)
						if errors.Is(err, ErrBudgetExhausted) {
							refused.Add(1)
							return
						}
						if err != nil {
							t.Error(err)
							return
						}
						ok.Add(1)
					}
				}()
			}
			wg.Wait()
			if n := s.Samples(); n > 100 || n != b.Used() {
				t.Errorf("server saw %d samples, budget used %d of 100", n, b.Used())
			}
			if ok.Load()*7 > b.Used() || b.Used() < 100-6 {
				t.Errorf("%d calls answered, %d samples used", ok.Load(), b.Used())
			}
			if refused.Load() != 16 {
				t.Errorf("%d goroutines saw ErrBudgetExhausted, want 16", refused.Load())
			}
		})
	}
}

// TestBudgetCountsRetries: every attempt is paid for, so retries spend the
// budget, and a retry the budget cannot pay for is not sent.
func TestBudgetCountsRetries(t *testing.T) {
	ctx := context.Background()
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 4)
	s := serve(t, ex, testserver.Config{})
	b := NewBudget(10)
	tgt := newTarget(t, "oip", s, ex, WithBudget(b), WithRetries(5), fastRetry)
	s.FailNext(1, 503, "")
	if _, err := tgt.Predict(ctx, ex.x); err != nil {
		t.Fatal(err)
	}
	if b.Used() != 8 || b.Remaining() != 2 {
		t.Fatalf("used %d remaining %d, want 8 and 2", b.Used(), b.Remaining())
	}
	x2, _ := ex.x.Slice(0, 2)
	s.FailNext(1, 503, "")
	before := s.Requests()
	_, err := tgt.Predict(ctx, x2)
	if !errors.Is(err, ErrBudgetExhausted) {
		t.Fatalf("err = %v, want ErrBudgetExhausted", err)
	}
	if n := s.Requests() - before; n != 1 || b.Used() != 10 {
		t.Errorf("%d requests, %d used; want 1 and 10", n, b.Used())
	}
}

func TestBudgetTake(t *testing.T) {
	b := NewBudget(500)
	var got atomic.Int64
	var wg sync.WaitGroup
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 30 {
				if b.take(1) == nil {
					got.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	if got.Load() != 500 || b.Used() != 500 || b.Remaining() != 0 {
		t.Errorf("took %d, used %d, remaining %d; want 500, 500, 0", got.Load(), b.Used(), b.Remaining())
	}
	if err := b.take(1); !errors.Is(err, ErrBudgetExhausted) {
		t.Errorf("take on a spent budget: %v", err)
	}
	var nilBudget *Budget
	if err := nilBudget.take(1 << 30); err != nil {
		t.Errorf("nil budget: %v", err)
	}
}
