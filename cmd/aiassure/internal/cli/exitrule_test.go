package cli

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const (
	irisModel    = "../../../../examples/minimal-risk/model/mlp.onnx"
	irisData     = "../../../../examples/minimal-risk/data/test.csv"
	irisFeatures = "../../../../examples/minimal-risk/data/features.json"
)

// jsonEndpoint serves a generic JSON endpoint that answers every sample
// with body, and writes the mapping predict and probe read.
func jsonEndpoint(t *testing.T, h http.HandlerFunc) (url, mapping string) {
	t.Helper()
	srv := httptest.NewServer(h)
	t.Cleanup(func() { srv.CloseClientConnections(); srv.Close() })
	mapping = filepath.Join(t.TempDir(), "mapping.json")
	m := `{"single": true, "input_path": "x", "output_path": "p", "input_shape": [4]}`
	if err := os.WriteFile(mapping, []byte(m), 0o644); err != nil {
		t.Fatal(err)
	}
	return srv.URL, mapping
}

// TestNonFiniteAnswerIsAnError: an endpoint answering a score too large
// for float32 (it would be +Inf) is a failure of the target under predict
// and probe alike: exit 1, the same message, no +Inf printed.
func TestNonFiniteAnswerIsAnError(t *testing.T) {
	url, mapping := jsonEndpoint(t, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"p": [1e39, 0.25, 0.5]}`))
	})
	t.Setenv("AIASSURE_ENDPOINT_TOKEN", "test-token") // loopback: allowed over http
	for _, verb := range []string{"predict", "probe"} {
		code, stdout, stderr := run(t, verb, "-endpoint", url, "-protocol", "json", "-mapping", mapping, "-data", irisData)
		if code != ExitError {
			t.Errorf("%s: exit %d, want %d\n%s", verb, code, ExitError, stderr)
		}
		if !strings.Contains(stderr, "1e39 is beyond the range of float32") {
			t.Errorf("%s: stderr %q does not name the number", verb, stderr)
		}
		if strings.Contains(stdout, "Inf") {
			t.Errorf("%s printed an infinity:\n%s", verb, stdout)
		}
	}
}

// TestDataErrorsExit2: a bad row in the middle of a data file is an input
// error (exit 2) under predict and probe, with or without a features file.
func TestDataErrorsExit2(t *testing.T) {
	b, err := os.ReadFile(irisData)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.SplitAfter(string(b), "\n")
	bad := filepath.Join(t.TempDir(), "bad.csv")
	content := strings.Join(lines[:6], "") + "6.1,abc,4.7,1.2,1\n" + strings.Join(lines[6:], "")
	if err := os.WriteFile(bad, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"predict", "-model", irisModel, "-data", bad},
		{"predict", "-model", irisModel, "-data", bad, "-batch", "2"},
		{"probe", "-model", irisModel, "-data", bad},
		{"probe", "-model", irisModel, "-data", bad, "-features", irisFeatures},
	} {
		code, _, stderr := run(t, args...)
		if code != ExitUsage || !strings.Contains(stderr, `"abc" is not a number`) {
			t.Errorf("%v: exit %d, want %d; stderr %q", args, code, ExitUsage, stderr)
		}
	}
}

// hang reads the request and never answers. (The server notices that the
// client went away only once the body has been read.)
func hang(w http.ResponseWriter, r *http.Request) {
	io.Copy(io.Discard, r.Body)
	<-r.Context().Done()
}

// TestDeadEndpoint: an endpoint that takes the request and never answers
// costs no more than -timeout, or two -request-timeouts (a timed-out
// request is retried once), and exits 1 saying which deadline passed.
func TestDeadEndpoint(t *testing.T) {
	url, mapping := jsonEndpoint(t, hang)
	t.Setenv("AIASSURE_ENDPOINT_TOKEN", "")
	for _, tc := range []struct {
		name  string
		args  []string
		want  string
		limit time.Duration
	}{
		{"predict -timeout", []string{"predict", "-timeout", "1s", "-request-timeout", "30s"}, "the -timeout of 1s passed", 5 * time.Second},
		{"predict -request-timeout", []string{"predict", "-request-timeout", "200ms"}, "no answer within 200ms (2 attempts timed out)", 5 * time.Second},
		{"probe -timeout", []string{"probe", "-timeout", "1s"}, "the -timeout of 1s passed", 5 * time.Second},
	} {
		start := time.Now()
		args := append(tc.args, "-endpoint", url, "-protocol", "json", "-mapping", mapping, "-data", irisData)
		code, _, stderr := run(t, args...)
		el := time.Since(start)
		if code != ExitError || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want exit %d and %q", tc.name, code, stderr, ExitError, tc.want)
		}
		if el > tc.limit {
			t.Errorf("%s: took %v, more than %v", tc.name, el, tc.limit)
		}
	}
	// The OIP health check of a dead endpoint is a failure of the target
	// (exit 1), not a usage error.
	start := time.Now()
	code, _, stderr := run(t, "probe", "-endpoint", url+"/v2/models/iris", "-request-timeout", "200ms", "-data", irisData)
	if code != ExitError || time.Since(start) > 5*time.Second {
		t.Errorf("probe of a dead OIP endpoint: exit %d after %v: %s", code, time.Since(start), stderr)
	}
	if code, _, _ := run(t, "predict", "-timeout", "-1s", "-endpoint", url, "-protocol", "json", "-mapping", mapping, "-data", irisData); code != ExitUsage {
		t.Errorf("-timeout -1s: exit %d, want %d", code, ExitUsage)
	}
}

// TestDeadLLMEndpoint: probe -suite llm against an endpoint that never
// answers stops at -timeout, keeps what it has and exits 1.
func TestDeadLLMEndpoint(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(hang))
	defer func() { srv.CloseClientConnections(); srv.Close() }()
	t.Setenv("AIASSURE_ENDPOINT_TOKEN", "")
	start := time.Now()
	code, stdout, stderr := run(t, "probe", "-suite", "llm", "-endpoint", srv.URL+"/v1/chat/completions", "-timeout", "1s", "-format", "json")
	if el := time.Since(start); el > 6*time.Second {
		t.Errorf("took %v", el)
	}
	if code != ExitError || !strings.Contains(stderr, "the -timeout of 1s passed") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	var doc map[string]any
	if err := json.Unmarshal([]byte(stdout), &doc); err != nil {
		t.Errorf("no JSON results kept: %v\n%s", err, stdout)
	}
}
