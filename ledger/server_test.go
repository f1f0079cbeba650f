package ledger

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestServer(t *testing.T) { forDrivers(t, testServer) }

func testServer(t *testing.T, driver string) {
	l, key := testLedger(t, Config{Driver: driver})
	const token = "0123456789abcdef0123"
	srv := httptest.NewServer(Handler(l, ServerOptions{Token: token, MaxBody: 4096}))
	defer srv.Close()
	do := func(method, path, auth, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
		if auth != "" {
			req.Header.Set("Authorization", "Bearer "+auth)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for _, tc := range []struct {
		name, method, path, auth, body string
		want                           int
	}{
		{"no token", "POST", "/v1/events", "", event(0), 401},
		{"wrong token", "POST", "/v1/events", "x" + token, event(0), 401},
		{"health needs none", "GET", "/healthz", "", "", 200},
		{"invalid event", "POST", "/v1/events", token, `{"type":"incident"}`, 400},
		{"too large", "POST", "/v1/events", token, `{"type":"` + strings.Repeat("x", 5000) + `"}`, 413},
		{"append", "POST", "/v1/events", token, event(0), 200},
		{"append personal", "POST", "/v1/events", token, event(1), 200},
		{"checkpoint", "GET", "/v1/checkpoint", token, "", 200},
		{"proof", "GET", "/v1/proof/1", token, "", 200},
		{"proof beyond", "GET", "/v1/proof/7", token, "", 404},
		{"proof bad index", "GET", "/v1/proof/x", token, "", 400},
		{"tile read API", "GET", "/log/tile/entries/000.p/2", token, "", 200},
		{"hash tile", "GET", "/log/tile/0/000.p/2", token, "", 200},
		{"no such tile", "GET", "/log/tile/0/001", token, "", 404},
		{"bad tile path", "GET", "/log/tile/0/x", token, "", 404},
		{"log checkpoint", "GET", "/log/checkpoint", token, "", 200},
		{"no state files", "GET", "/log/.state/treeState", token, "", 404},
		{"no escape", "GET", "/log/tile/../../ledger.json", token, "", 404},
		{"forget", "POST", "/v1/forget", token, `{"subject":"officer-1"}`, 200},
		{"forget bad", "POST", "/v1/forget", token, `{}`, 400},
		{"wrong method", "GET", "/v1/events", token, "", 405},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, body := do(tc.method, tc.path, tc.auth, tc.body)
			if code != tc.want {
				t.Fatalf("HTTP %d, want %d: %s", code, tc.want, body)
			}
			switch tc.name {
			case "append":
				var rc Receipt
				if err := json.Unmarshal([]byte(body), &rc); err != nil || rc.Checkpoint == "" {
					t.Fatalf("receipt %q: %v", body, err)
				}
			case "proof":
				p, err := ParseProof([]byte(body))
				if err != nil {
					t.Fatal(err)
				}
				if _, _, err := VerifyProof(p, key, ""); err != nil {
					t.Fatal(err)
				}
			case "forget":
				if !strings.Contains(body, `"keys_deleted":1`) {
					t.Fatalf("forget: %s", body)
				}
			}
		})
	}
}
