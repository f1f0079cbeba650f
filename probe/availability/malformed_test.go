package availability

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/aiassure/aiassure/model"
	"github.com/aiassure/aiassure/model/remote"
	"github.com/aiassure/aiassure/model/remote/testserver"
)

func bearer(tok string) http.Header {
	return http.Header{"Authorization": []string{"Bearer " + tok}}
}

// The project's OIP test server validates what it decodes: the malformed
// requests are refused with 4xx, and it keeps answering. It does not check
// the content type, which the test reports without failing it. One real
// finding: it decodes the data with encoding/json into []float32, which
// reads null as 0, so a null in place of a number is answered with a
// prediction; the test requires that this is found.
func TestMalformedOIPTestServer(t *testing.T) {
	ex := loadExample(t, "credit-scoring", "mlp.onnx", 1)
	srv, err := testserver.New(ex.model, testserver.Config{Name: "credit"})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	info := ex.model.Info()
	ep := Endpoint{URL: srv.URL + "/v2/models/credit/infer", Protocol: "oip", Encode: OIPEncoder(info.Input, info.InputShape),
		Header: bearer(srv.Token), RequestTimeout: 5 * time.Second}
	m, err := TestMalformed(context.Background(), ep, ex.x.Row(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range m.Cases {
		t.Logf("%-20s %3d %-12s %s", c.Name, c.Status, c.Outcome, c.What)
	}
	var failed []string
	for _, c := range m.Failures() {
		failed = append(failed, c.Name+" "+c.Outcome)
	}
	if !m.ControlOK || !m.AliveAfter || strings.Join(failed, ",") != "null-value accepted" {
		t.Fatalf("control %v, alive after %v, failures %v: want only null-value accepted", m.ControlOK, m.AliveAfter, failed)
	}
	if m.Counts[OutcomeLenient] != 3 || m.Counts[OutcomeRejected] < 20 {
		t.Errorf("counts %v: want the two content-type cases lenient and at least 20 rejected", m.Counts)
	}
	r := MalformedResult(m, nil)
	if r.Status != "fail" || !strings.Contains(r.Summary, "null-value (accepted)") || !strings.Contains(r.Reason, "criterion") || !strings.Contains(r.Reason, "text-plain") {
		t.Errorf("result %+v", r)
	}
}

// A mapped JSON endpoint (the test server's /predict) through
// remote.JSON's encoder: the cases that rewrite a value of the request.
func TestMalformedJSONTestServer(t *testing.T) {
	ex := loadExample(t, "credit-scoring", "mlp.onnx", 1)
	srv, err := testserver.New(ex.model, testserver.Config{})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	js, err := remote.NewJSON(srv.URL+"/predict", remote.Mapping{OutputPath: "predictions[*].scores", InputShape: ex.model.Info().InputShape},
		remote.WithBearerToken(srv.Token))
	if err != nil {
		t.Fatal(err)
	}
	enc := func(s []float32) ([]byte, error) {
		return js.EncodeRequest(&model.Tensor{Shape: append([]int{1}, ex.model.Info().InputShape...), Data: s})
	}
	m, err := TestMalformed(context.Background(), Endpoint{URL: srv.URL + "/predict", Protocol: "json", Encode: enc, Header: bearer(srv.Token)}, ex.x.Row(0))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range m.Cases {
		t.Logf("%-20s %3d %-12s %s", c.Name, c.Status, c.Outcome, c.What)
	}
	if !m.ControlOK || !m.AliveAfter || len(m.Failures()) != 0 {
		t.Fatalf("control %v, alive after %v, failures %+v", m.ControlOK, m.AliveAfter, m.Failures())
	}
	if !hasCase(m, "nan-string") || !hasCase(m, "extra-value") {
		t.Error("the value cases are missing: the sentinel was not found in the encoded request")
	}
	if r := MalformedResult(m, nil); r.Status != "pass" || !strings.Contains(r.Summary, "refused with 4xx") {
		t.Errorf("result %+v", r)
	}
}

// A server that misbehaves: 5xx on NaN, accepts wrong shapes and empty
// bodies, drops the connection on deep nesting and hangs on big bodies.
func TestMalformedMisbehavingServer(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 16<<20))
		switch {
		case bytes.Contains(body, []byte("NaN")):
			http.Error(w, "internal error", http.StatusInternalServerError)
		case bytes.HasPrefix(body, []byte("[[[[")):
			hj, _ := w.(http.Hijacker)
			conn, _, _ := hj.Hijack()
			conn.Close()
		case len(body) > 1<<20:
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		case bytes.Contains(body, []byte(`"name":"no-such-input"`)):
			http.Error(w, "unknown input", http.StatusBadRequest)
		default:
			w.Header().Set("Content-Type", "application/json")
			io.WriteString(w, `{"outputs":[{"name":"y","shape":[1,2],"datatype":"FP32","data":[0.5,0.5]}]}`)
		}
	}))
	defer hs.Close()
	ep := Endpoint{URL: hs.URL + "/v2/models/m/infer", Protocol: "oip", Encode: OIPEncoder("x", []int{3}), RequestTimeout: 300 * time.Millisecond}
	m, err := TestMalformed(context.Background(), ep, []float32{1, 2, 3})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, c := range m.Cases {
		out[c.Name] = c.Outcome
	}
	for name, want := range map[string]string{
		"valid": OutcomeOK, "nan-string": OutcomeServer, "nan-literal": OutcomeServer,
		"oip-wrong-shape": OutcomeAccepted, "empty": OutcomeAccepted, "oip-empty-data": OutcomeLenient, "nested": OutcomeCrash,
		"oversized": OutcomeTimeout, "oip-input-name": OutcomeRejected, "valid-after": OutcomeOK,
	} {
		if out[name] != want {
			t.Errorf("%s: outcome %q, want %q", name, out[name], want)
		}
	}
	r := MalformedResult(m, nil)
	if r.Status != "fail" || !strings.Contains(r.Summary, "nested (crash)") || r.Metrics["server_error"] < 1 {
		t.Errorf("result %+v", r)
	}
}

func TestMalformedBadInput(t *testing.T) {
	if _, err := TestMalformed(context.Background(), Endpoint{URL: "ftp://x", Encode: OIPEncoder("x", nil)}, []float32{1}); err == nil {
		t.Error("a non-HTTP URL must be refused")
	}
	if _, err := Cases(Endpoint{}, []float32{1}); err == nil {
		t.Error("no encoder must be refused")
	}
	// A control that fails makes the result unknown, not a pass.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusUnauthorized) }))
	defer hs.Close()
	m, err := TestMalformed(context.Background(), Endpoint{URL: hs.URL, Encode: OIPEncoder("x", nil)}, []float32{1})
	if err != nil {
		t.Fatal(err)
	}
	if r := MalformedResult(m, nil); r.Status != "unknown" {
		t.Errorf("result %+v, want unknown", r)
	}
}

func hasCase(m *Malformed, name string) bool {
	for _, c := range m.Cases {
		if c.Name == name {
			return true
		}
	}
	return false
}
