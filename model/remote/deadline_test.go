package remote

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure/model/remote/testserver"
)

// TestDeadEndpointCostsTwoTimeouts: an endpoint that accepts the
// connection and never answers costs two per-request timeouts (one retry
// of a timeout), not 1+retries of them; the error matches ErrEndpoint.
func TestDeadEndpointCostsTwoTimeouts(t *testing.T) {
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 2)
	s := serve(t, ex, testserver.Config{})
	tgt := newTarget(t, "oip", s, ex, WithRetries(4), fastRetry, WithTimeout(100*time.Millisecond))
	s.SetDelay(time.Hour)
	before := s.Requests()
	start := time.Now()
	_, err := tgt.Predict(context.Background(), ex.x)
	el := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "no answer within 100ms (2 attempts timed out)") {
		t.Errorf("err = %v, want two timeouts", err)
	}
	if !errors.Is(err, ErrEndpoint) || !IsTargetFailure(err) {
		t.Errorf("err = %v does not match ErrEndpoint", err)
	}
	if n := s.Requests() - before; n != 2 {
		t.Errorf("%d requests, want 2", n)
	}
	if el > 2*time.Second {
		t.Errorf("dead endpoint took %v", el)
	}
}

// TestBlackHole: a listener that never accepts (nothing reads the
// backlog) behaves as a dead host; two timeouts end it.
func TestBlackHole(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	tgt, err := NewJSON("http://"+ln.Addr().String()+"/predict", Mapping{OutputPath: "p", InputShape: []int{4}},
		WithRetries(4), fastRetry, WithTimeout(100*time.Millisecond), WithoutCredentials())
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = tgt.Predict(context.Background(), mustTensor(t, []int{1, 4}, 1))
	if err == nil || !errors.Is(err, ErrEndpoint) || time.Since(start) > 2*time.Second {
		t.Errorf("err = %v after %v, want an endpoint failure within 2s", err, time.Since(start))
	}
}

// TestRetriesRespectDeadline: with a deadline, a Retry-After that reaches
// past it and a backoff longer than what is left end the request at once
// with the server's error, instead of sleeping into the deadline.
func TestRetriesRespectDeadline(t *testing.T) {
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 2)
	s := serve(t, ex, testserver.Config{})

	tgt := newTarget(t, "oip", s, ex, WithRetries(4), fastRetry, WithMaxRetryWait(time.Hour))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	s.FailNext(1, 503, "30")
	start := time.Now()
	_, err := tgt.Predict(ctx, ex.x)
	if err == nil || !strings.Contains(err.Error(), "retry after 30s, past the deadline") || !strings.Contains(err.Error(), "HTTP 503") {
		t.Errorf("err = %v, want a refusal of a Retry-After past the deadline", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %v", el)
	}

	tgt = newTarget(t, "oip", s, ex, WithRetries(4), WithBackoff(time.Hour, time.Hour))
	s.FailNext(1, 503, "")
	start = time.Now()
	_, err = tgt.Predict(ctx, ex.x)
	if err == nil || !strings.Contains(err.Error(), "no time left for a retry before the deadline") || !errors.Is(err, ErrEndpoint) {
		t.Errorf("err = %v, want no retry past the deadline", err)
	}
	if el := time.Since(start); el > time.Second {
		t.Errorf("took %v", el)
	}

	// Without a deadline the same failure is retried and succeeds.
	tgt = newTarget(t, "oip", s, ex, WithRetries(4), fastRetry)
	s.FailNext(1, 503, "")
	if _, err := tgt.Predict(context.Background(), ex.x); err != nil {
		t.Errorf("retry without a deadline: %v", err)
	}
}

// TestDeadlineEndsAttempt: an overall deadline shorter than the
// per-request timeout ends the attempt with the context's error, which is
// not an endpoint failure but the caller's deadline.
func TestDeadlineEndsAttempt(t *testing.T) {
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 2)
	s := serve(t, ex, testserver.Config{})
	tgt := newTarget(t, "oip", s, ex, WithTimeout(time.Minute))
	s.SetDelay(time.Hour)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := tgt.Predict(ctx, ex.x)
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 2*time.Second {
		t.Errorf("err = %v after %v, want the deadline within 2s", err, time.Since(start))
	}
}
