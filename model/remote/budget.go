package remote

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"time"
)

// Budget is a hard limit on the number of samples sent to endpoints. A
// Predict call pays for its whole batch before sending anything (and is
// refused whole, with ErrBudgetExhausted, when the budget cannot pay); each
// retry pays again for the samples it resends, and a retry the budget cannot
// pay for is not sent. Chunks never sent (after another chunk failed) are
// refunded. A Budget is safe for concurrent use and
// may be shared by several targets; it never lets more than Limit samples
// through.
type Budget struct {
	limit int64
	used  atomic.Int64
}

// NewBudget returns a budget of n samples (n >= 0).
func NewBudget(n int64) *Budget {
	return &Budget{limit: max(n, 0)}
}

// Limit returns the budget's size.
func (b *Budget) Limit() int64 { return b.limit }

// Used returns the number of samples spent so far.
func (b *Budget) Used() int64 { return b.used.Load() }

// Remaining returns the number of samples left.
func (b *Budget) Remaining() int64 { return b.limit - b.used.Load() }

// take spends n samples or, when fewer are left, spends nothing and returns
// an error matching ErrBudgetExhausted. A nil budget is unlimited.
func (b *Budget) take(n int) error {
	if b == nil {
		return nil
	}
	for {
		u := b.used.Load()
		if int64(n) > b.limit-u {
			return fmt.Errorf("%w: %d samples requested, %d of %d left", ErrBudgetExhausted, n, b.limit-u, b.limit)
		}
		if b.used.CompareAndSwap(u, u+int64(n)) {
			return nil
		}
	}
}

// refund returns n samples that were paid for but never sent.
func (b *Budget) refund(n int64) {
	if b != nil && n > 0 {
		b.used.Add(-n)
	}
}

// clock abstracts time for the rate limiter and the backoff (tests inject a
// fake one).
type clock interface {
	Now() time.Time
	// Sleep waits for d or until ctx is done, returning ctx.Err() then.
	Sleep(ctx context.Context, d time.Duration) error
}

type realClock struct{}

func (realClock) Now() time.Time { return time.Now() }

func (realClock) Sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// bucket is a token-bucket rate limiter: rate tokens per second, at most
// burst stored. Each Wait takes one token at once (the balance may go
// negative) and sleeps until the balance it left behind is paid back, so that
// waiters are served in arrival order and spaced 1/rate apart.
type bucket struct {
	clk    clock
	rate   float64
	burst  float64
	mu     sync.Mutex
	tokens float64
	last   time.Time
}

func newBucket(clk clock, rate float64, burst int) *bucket {
	if rate <= 0 || math.IsInf(rate, 1) {
		return nil
	}
	return &bucket{clk: clk, rate: rate, burst: float64(max(burst, 1)), tokens: float64(max(burst, 1)), last: clk.Now()}
}

// Wait blocks until a request may be sent. A nil bucket never blocks.
func (b *bucket) Wait(ctx context.Context) error {
	if b == nil {
		return ctx.Err()
	}
	b.mu.Lock()
	now := b.clk.Now()
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(b.burst, b.tokens+el*b.rate)
		b.last = now
	}
	b.tokens--
	var wait time.Duration
	if b.tokens < 0 {
		wait = time.Duration(-b.tokens / b.rate * float64(time.Second))
	}
	b.mu.Unlock()
	if err := b.clk.Sleep(ctx, wait); err != nil {
		b.mu.Lock()
		b.tokens++ // give the unused token back
		b.mu.Unlock()
		return err
	}
	return nil
}
