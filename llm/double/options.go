package double

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Options tune the double beyond its configuration: simulated latency and
// a rate limit. The zero value simulates neither; the hardened
// configuration still advertises its default rate limit (see RateLimit).
type Options struct {
	// LatencyBase and LatencyPerToken simulate processing time: every
	// answer waits LatencyBase plus LatencyPerToken for each completion
	// token (word) before it is sent. Zero: no wait.
	LatencyBase, LatencyPerToken time.Duration
	// Sleep waits for the simulated latency (default: a timer, ended by the
	// request's context). Tests pass a fake clock's, so that no test waits
	// or measures wall-clock time.
	Sleep func(ctx context.Context, d time.Duration) error
	// RateLimit, when positive, admits at most RateLimit chat requests per
	// RateWindow (default one minute), counted in fixed windows; beyond it
	// the double answers 429 with Retry-After. Every answer then carries
	// X-RateLimit-Limit-Requests and X-RateLimit-Remaining-Requests. Zero
	// means the configuration's default: hardened 10,000 a minute, the others
	// none; a negative value means none.
	RateLimit  int
	RateWindow time.Duration
	// Now is the clock of the rate limit's windows (default time.Now).
	Now func() time.Time
}

// DefaultRateLimit is the hardened configuration's rate limit a minute.
const DefaultRateLimit = 10000

func (o Options) withDefaults(cfg string) Options {
	if o.RateLimit == 0 && cfg == Hardened {
		o.RateLimit = DefaultRateLimit
	}
	if o.RateWindow <= 0 {
		o.RateWindow = time.Minute
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Sleep == nil {
		o.Sleep = func(ctx context.Context, d time.Duration) error {
			t := time.NewTimer(d)
			defer t.Stop()
			select {
			case <-t.C:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}
	}
	return o
}

// limiter counts requests in fixed windows.
type limiter struct {
	mu    sync.Mutex
	start time.Time
	n     int
}

// admit counts one request at now and returns whether it is within limit,
// the requests left in the window and the time until the window ends.
func (l *limiter) admit(now time.Time, limit int, window time.Duration) (bool, int, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.start.IsZero() || now.Sub(l.start) >= window || now.Before(l.start) {
		l.start, l.n = now, 0
	}
	left := l.start.Add(window).Sub(now)
	if l.n >= limit {
		return false, 0, left
	}
	l.n++
	return true, limit - l.n, left
}

// rateCheck applies the rate limit; it reports whether the request may go on.
func (h *handler) rateCheck(w http.ResponseWriter) bool {
	if h.opts.RateLimit <= 0 {
		return true
	}
	ok, remaining, left := h.lim.admit(h.opts.Now(), h.opts.RateLimit, h.opts.RateWindow)
	w.Header().Set("X-RateLimit-Limit-Requests", strconv.Itoa(h.opts.RateLimit))
	w.Header().Set("X-RateLimit-Remaining-Requests", strconv.Itoa(remaining))
	if !ok {
		secs := int(left.Seconds() + 0.999)
		w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
		writeError(w, http.StatusTooManyRequests, "rate_limit_error", fmt.Sprintf("more than %d requests in %v", h.opts.RateLimit, h.opts.RateWindow))
		return false
	}
	return true
}

// latency is the simulated processing time of an answer of completion
// tokens.
func (h *handler) latency(completion int) time.Duration {
	return h.opts.LatencyBase + time.Duration(completion)*h.opts.LatencyPerToken
}

// NewWith is New with options.
func NewWith(cfg, token string, o Options) (http.Handler, error) {
	h, err := New(cfg, token)
	if err != nil {
		return nil, err
	}
	hh := h.(*handler)
	hh.opts = o.withDefaults(cfg)
	return hh, nil
}

// StartWith is Start with options.
func StartWith(ctx context.Context, cfg, token string, o Options) (url string, stop func() error, err error) {
	h, err := NewWith(cfg, token, o)
	if err != nil {
		return "", nil, err
	}
	return serve(ctx, h)
}

func serve(ctx context.Context, h http.Handler) (string, func() error, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, fmt.Errorf("llm double: %w", err)
	}
	srv := Server(h)
	go func() { _ = srv.Serve(ln) }()
	done := make(chan struct{})
	go func() {
		select {
		case <-ctx.Done():
			_ = srv.Close()
		case <-done:
		}
	}()
	stop := func() error {
		select {
		case <-done:
			return nil
		default:
			close(done)
		}
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && err != http.ErrServerClosed {
			return fmt.Errorf("llm double: %w", err)
		}
		return nil
	}
	return "http://" + ln.Addr().String() + "/v1", stop, nil
}
