package remote

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aiassure/aiassure/model/remote/testserver"
)

// TestCredentialsNeverLogged runs successes, retries, an authentication
// failure and a server that echoes the request's headers in its error, with
// the token taken from the environment and a debug-level logger, and checks
// that the token appears in no log line and no error text.
func TestCredentialsNeverLogged(t *testing.T) {
	ctx := context.Background()
	ex := loadExample(t, "minimal-risk", "mlp.onnx", 5)
	const token = "s3cr3t-T0KEN-do-not-leak"
	s := serve(t, ex, testserver.Config{Token: token})
	t.Setenv(TokenEnv, token)
	var logs bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var errs []error
	check := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	// Success and retries, with the token from the environment.
	tgt, err := NewOIP(ctx, s.URL, "model", WithLogger(logger), fastRetry)
	check(err)
	if err != nil {
		t.Fatal(err)
	}
	s.FailNext(2, 503, "")
	_, err = tgt.Predict(ctx, ex.x)
	check(err)
	if err != nil {
		t.Fatalf("with the token from %s: %v", TokenEnv, err)
	}
	if !strings.Contains(logs.String(), "retrying") {
		t.Errorf("retries were not logged:\n%s", logs.String())
	}
	logger.Info("config", "cfg", tgt.c.cfg, "cred", tgt.c.cfg.cred, "value", tgt.c.cfg.cred.value)
	check(fmt.Errorf("%v %+v %#v", tgt.c.cfg.cred, *tgt.c.cfg.cred, tgt.c.cfg.cred.value))

	// An echoing server puts the Authorization header in its error body
	// and in a Retry-After-less 500 the client logs while retrying.
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(500)
		fmt.Fprintf(w, `{"error": "bad header %s"}`, r.Header.Get("Authorization"))
	}))
	defer echo.Close()
	jt, err := NewJSON(echo.URL, Mapping{OutputPath: "p", InputShape: []int{4}}, WithLogger(logger), WithRetries(1), fastRetry)
	check(err)
	_, err = jt.Predict(ctx, ex.x)
	if err == nil || !strings.Contains(err.Error(), "[REDACTED]") {
		t.Errorf("echoed token not redacted: %v", err)
	}
	check(err)

	// A wrong token: a clear authentication error.
	t.Setenv(TokenEnv, "wrong-"+token)
	_, err = NewOIP(ctx, s.URL, "model", WithLogger(logger))
	if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "401") {
		t.Errorf("err = %v, want ErrUnauthorized with HTTP 401", err)
	}
	check(err)
	// No token at all.
	_, err = NewOIP(ctx, s.URL, "model", WithoutCredentials(), WithLogger(logger))
	if !errors.Is(err, ErrUnauthorized) {
		t.Errorf("err = %v, want ErrUnauthorized", err)
	}
	check(err)

	for _, e := range errs {
		if strings.Contains(e.Error(), token) {
			t.Errorf("error leaks the token: %v", e)
		}
	}
	if strings.Contains(logs.String(), token) {
		t.Errorf("log leaks the token:\n%s", logs.String())
	}
	if s.AuthFailures() != 2 {
		t.Errorf("server refused %d requests, want 2", s.AuthFailures())
	}
}

func TestCredentialOptions(t *testing.T) {
	t.Setenv("MY_KEY", "k-123")
	t.Setenv(TokenEnv, "")
	for _, tc := range []struct {
		name string
		url  string
		opts []Option
		want string // error text; "" for success
	}{
		{"cleartext to a remote host", "http://example.com/x", []Option{WithBearerToken("t")}, "refusing to send credentials over cleartext http"},
		{"cleartext allowed", "http://example.com/x", []Option{WithBearerToken("t"), WithInsecureHTTP()}, ""},
		{"cleartext to loopback", "http://127.0.0.1:9/x", []Option{WithBearerToken("t")}, ""},
		{"cleartext to localhost", "http://localhost:9/x", []Option{WithBearerToken("t")}, ""},
		{"https", "https://example.com/x", []Option{WithBearerToken("t")}, ""},
		{"no credential over http", "http://example.com/x", nil, ""},
		{"userinfo in URL", "https://u:p@example.com/x", nil, "carries credentials"},
		{"unset env", "https://example.com/x", []Option{WithBearerTokenEnv("NOPE_UNSET")}, "NOPE_UNSET is unset"},
		{"header from env", "https://example.com/x", []Option{WithHeaderEnv("X-Api-Key", "MY_KEY")}, ""},
		{"bad header name", "https://example.com/x", []Option{WithHeaderEnv("X Api", "MY_KEY")}, "invalid header name"},
		{"empty token", "https://example.com/x", []Option{WithBearerToken("")}, "empty bearer token"},
		{"newline in token", "https://example.com/x", []Option{WithBearerToken("a\nb")}, "not allowed in a header"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewJSON(tc.url, Mapping{OutputPath: "a", InputShape: []int{1}}, tc.opts...)
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("err = %v, want %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "k-123") {
				t.Errorf("error leaks the key: %v", err)
			}
		})
	}
}

// TestHeaderCredentialSent checks that a header credential reaches the server
// and static mapping headers are sent.
func TestHeaderCredentialSent(t *testing.T) {
	t.Setenv("MY_KEY", "k-456")
	var got atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got.Store(r.Header.Get("X-Api-Key") + "|" + r.Header.Get("X-Tenant") + "|" + r.Header.Get("Authorization"))
		io.WriteString(w, `{"p": [[1, 2]]}`)
	}))
	defer srv.Close()
	tgt, err := NewJSON(srv.URL, Mapping{OutputPath: "p", InputShape: []int{1}, Headers: map[string]string{"X-Tenant": "t1"}},
		WithHeaderEnv("X-Api-Key", "MY_KEY"))
	if err != nil {
		t.Fatal(err)
	}
	x := mustTensor(t, []int{1, 1}, 0.5)
	if _, err := tgt.Predict(context.Background(), x); err != nil {
		t.Fatal(err)
	}
	if g := got.Load(); g != "k-456|t1|" {
		t.Errorf("server saw %q", g)
	}
}

// TestRedirectNotFollowed: a redirect could carry credentials to another
// host, so it is an error.
func TestRedirectNotFollowed(t *testing.T) {
	var hits atomic.Int64
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer other.Close()
	srv := httptest.NewServer(http.RedirectHandler(other.URL, http.StatusTemporaryRedirect))
	defer srv.Close()
	tgt, err := NewJSON(srv.URL, Mapping{OutputPath: "p", InputShape: []int{1}}, WithBearerToken("tok"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = tgt.Predict(context.Background(), mustTensor(t, []int{1, 1}, 1))
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != http.StatusTemporaryRedirect {
		t.Errorf("err = %v, want HTTP 307", err)
	}
	if hits.Load() != 0 {
		t.Error("redirect was followed")
	}
}

func TestSanitize(t *testing.T) {
	for in, want := range map[string]string{
		"plain":                  "plain",
		"a\nb\tc\x1b[31m":        "a b c [31m",
		"bidi\u202etxt":          "bidi txt",
		"bad\xffutf8":            "bad?utf8",
		strings.Repeat("x", 400): strings.Repeat("x", 300) + "...",
	} {
		if got := sanitize(in); got != want {
			t.Errorf("sanitize(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDefaultTimeoutIsSet(t *testing.T) {
	c, err := newConfig(nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.timeout != 30*time.Second || c.maxResponse != 32<<20 || c.retries != 4 {
		t.Errorf("defaults %v %v %v", c.timeout, c.maxResponse, c.retries)
	}
}
