package cli

import (
	"context"
	"io"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// syncBuffer is a writer safe for the server goroutine and the test.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestLLMDoubleUsage(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"llm-double", "-h"}, ExitOK, "-allow-remote"},
		{[]string{"llm-double", "-addr", "0.0.0.0:8089"}, ExitUsage, "not a loopback address"},
		{[]string{"llm-double", "-addr", ":8089"}, ExitUsage, "not a loopback address"},
		{[]string{"llm-double", "-config", "nope", "-no-auth"}, ExitUsage, "unknown configuration"},
		{[]string{"llm-double", "extra"}, ExitUsage, "takes no arguments"},
	} {
		code, out, errs := run(t, tc.args...)
		if code != tc.code || !strings.Contains(out+errs, tc.want) {
			t.Errorf("%v: code %d, out %q, err %q", tc.args, code, out, errs)
		}
	}
}

func TestLLMDoubleServes(t *testing.T) {
	t.Setenv(envDoubleToken, "")
	ctx, cancel := context.WithCancel(context.Background())
	var errb syncBuffer
	done := make(chan int)
	go func() {
		done <- Main(ctx, []string{"llm-double", "-config", "hardened", "-addr", "127.0.0.1:0"}, strings.NewReader(""), io.Discard, &errb)
	}()
	re := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+/v1) \(bearer token ([0-9a-f]+)\)`)
	var m []string
	for i := 0; i < 200 && m == nil; i++ {
		time.Sleep(10 * time.Millisecond)
		m = re.FindStringSubmatch(errb.String())
	}
	if m == nil {
		cancel()
		t.Fatalf("no URL and token printed: %q", errb.String())
	}
	for _, tok := range []string{"", m[2]} {
		req, _ := http.NewRequest(http.MethodGet, m[1]+"/models", nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if want := map[bool]int{true: 401, false: 200}[tok == ""]; resp.StatusCode != want {
			t.Errorf("token %q: status %d, want %d", tok, resp.StatusCode, want)
		}
	}
	cancel()
	if code := <-done; code != ExitOK {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
}
