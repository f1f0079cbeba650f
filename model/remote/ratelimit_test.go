package remote

import (
	"context"
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/aiassure/aiassure/model/remote/testserver"
)

// TestBucketFakeClock checks the token bucket's spacing exactly with a clock
// that advances by each sleep.
func TestBucketFakeClock(t *testing.T) {
	for _, tc := range []struct {
		rate  float64
		burst int
		n     int
		want  time.Duration // total time to let n requests through
	}{
		{10, 1, 21, 2 * time.Second},
		{10, 5, 25, 2 * time.Second},
		{2, 1, 3, time.Second},
		{100, 100, 100, 0},
	} {
		clk := newFakeClock()
		b := newBucket(clk, tc.rate, tc.burst)
		start := clk.Now()
		for range tc.n {
			if err := b.Wait(context.Background()); err != nil {
				t.Fatal(err)
			}
		}
		if got := clk.Now().Sub(start); absDur(got-tc.want) > time.Millisecond {
			t.Errorf("rate %v burst %d: %d requests took %v, want %v", tc.rate, tc.burst, tc.n, got, tc.want)
		}
	}
	if newBucket(newFakeClock(), 0, 1) != nil {
		t.Error("rate 0 should disable the limit")
	}
	var nilBucket *bucket
	if err := nilBucket.Wait(context.Background()); err != nil {
		t.Error(err)
	}
}

// TestBucketConcurrentReservations checks that concurrent waiters reserve
// distinct slots: with a fake clock that does not advance, n waiters at rate r
// and burst 1 are asked to sleep 0, 1/r, 2/r, ... (in some order).
func TestBucketConcurrentReservations(t *testing.T) {
	clk := &frozenClock{t: time.Unix(0, 0)}
	b := newBucket(clk, 10, 1)
	var wg sync.WaitGroup
	for range 20 {
		wg.Add(1)
		go func() { defer wg.Done(); b.Wait(context.Background()) }()
	}
	wg.Wait()
	seen := map[time.Duration]bool{}
	for _, d := range clk.sleeps {
		seen[d.Round(time.Millisecond)] = true
	}
	for k := range 20 {
		if d := time.Duration(k) * 100 * time.Millisecond; !seen[d] {
			t.Errorf("no waiter was given the %v slot (sleeps %v)", d, clk.sleeps)
		}
	}
}

type frozenClock struct {
	mu     sync.Mutex
	t      time.Time
	sleeps []time.Duration
}

func (c *frozenClock) Now() time.Time { return c.t }
func (c *frozenClock) Sleep(ctx context.Context, d time.Duration) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.sleeps = append(c.sleeps, d)
	return ctx.Err()
}

func TestBucketCancel(t *testing.T) {
	b := newBucket(realClock{}, 0.001, 1) // one token, then a 1000 s wait
	if err := b.Wait(context.Background()); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if err := b.Wait(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("err = %v, want the context's", err)
	}
}

// TestRateLimitAgainstServer counts the requests a live server receives: at
// 40 requests/s with a burst of 2, 12 requests cannot arrive in less than
// (12-2)/40 = 250 ms. Only this lower bound is asserted (an upper bound would
// depend on machine load).
func TestRateLimitAgainstServer(t *testing.T) {
	ctx := context.Background()
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 12)
	s := serve(t, ex, testserver.Config{})
	tgt := newTarget(t, "json", s, ex, WithRateLimit(40, 2), WithMaxBatch(1), WithConcurrency(4))
	start := time.Now()
	if _, err := tgt.Predict(ctx, ex.x); err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el < 240*time.Millisecond {
		t.Errorf("12 requests at 40/s burst 2 took %v, want >= 250ms", el)
	}
	times := s.Times()
	if len(times) != 12 {
		t.Fatalf("server saw %d requests", len(times))
	}
	slices.SortFunc(times, time.Time.Compare)
	// In any window of 100 ms at most 2 + 4 = 6 requests can arrive (burst
	// plus the rate), with a generous tolerance of 2 for scheduling noise.
	for i := range times {
		n := 0
		for _, u := range times[i:] {
			if u.Sub(times[i]) < 100*time.Millisecond {
				n++
			}
		}
		if n > 8 {
			t.Errorf("%d requests within 100ms of request %d", n, i)
		}
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}
