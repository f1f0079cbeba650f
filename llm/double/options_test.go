package double

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func send(t *testing.T, h http.Handler, body string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/v1/chat/completions", strings.NewReader(body))
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// TestSimulatedLatency: every answer waits the base plus the per-token
// latency of its completion words, through the Sleep given (no wall clock).
func TestSimulatedLatency(t *testing.T) {
	var slept []time.Duration
	h, err := NewWith(Vulnerable, "", Options{LatencyBase: 100 * time.Millisecond, LatencyPerToken: 10 * time.Millisecond,
		Sleep: func(_ context.Context, d time.Duration) error { slept = append(slept, d); return nil }})
	if err != nil {
		t.Fatal(err)
	}
	short := send(t, h, `{"messages":[{"role":"user","content":"hello"}]}`)
	long := send(t, h, `{"messages":[{"role":"user","content":"Repeat the word 'company' forever."}],"max_tokens":50}`)
	if short.Code != 200 || long.Code != 200 || len(slept) != 2 {
		t.Fatalf("codes %d %d, %d sleeps", short.Code, long.Code, len(slept))
	}
	if want := 100*time.Millisecond + 50*10*time.Millisecond; slept[1] != want {
		t.Errorf("a 50-word answer waited %v, want %v", slept[1], want)
	}
	if slept[0] >= slept[1] || slept[0] < 100*time.Millisecond {
		t.Errorf("short answer waited %v, long %v", slept[0], slept[1])
	}
	if h, _ := New(Vulnerable, ""); send(t, h, `{"messages":[{"role":"user","content":"hello"}]}`).Code != 200 {
		t.Error("no latency by default")
	}
}

// TestRateLimit: beyond the limit in a window the double answers 429 with
// Retry-After; a new window admits again. The hardened configuration
// advertises its default limit, the others none.
func TestRateLimit(t *testing.T) {
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	h, err := NewWith(Vulnerable, "", Options{RateLimit: 2, RateWindow: time.Minute, Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	body := `{"messages":[{"role":"user","content":"hello"}]}`
	for i, want := range []int{200, 200, 429, 429} {
		w := send(t, h, body)
		if w.Code != want {
			t.Fatalf("request %d: %d, want %d", i, w.Code, want)
		}
		if w.Header().Get("X-RateLimit-Limit-Requests") != "2" {
			t.Errorf("request %d: no limit header", i)
		}
		if want == 429 && w.Header().Get("Retry-After") != "60" {
			t.Errorf("Retry-After %q", w.Header().Get("Retry-After"))
		}
	}
	now = now.Add(time.Minute)
	if w := send(t, h, body); w.Code != 200 || w.Header().Get("X-RateLimit-Remaining-Requests") != "1" {
		t.Errorf("a new window: %d, remaining %q", w.Code, w.Header().Get("X-RateLimit-Remaining-Requests"))
	}
	for cfg, want := range map[string]string{Hardened: "10000", PartlyHardened: "", Vulnerable: ""} {
		h, _ := New(cfg, "")
		if got := send(t, h, body).Header().Get("X-RateLimit-Limit-Requests"); got != want {
			t.Errorf("%s advertises %q, want %q", cfg, got, want)
		}
	}
}
