package assess_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/assess"
	"github.com/aiassure/aiassure/profile"
	"github.com/aiassure/aiassure/report"
	reportjson "github.com/aiassure/aiassure/report/json"
)

// savedReport runs the minimal-risk example and returns its JSON report.
func savedReport(t *testing.T) (*report.Report, []byte) {
	t.Helper()
	p, err := profile.Load("../examples/minimal-risk/profile.yaml")
	if err != nil {
		t.Fatal(err)
	}
	r, err := assess.Run(context.Background(), p, config(t))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := reportjson.Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	return r, buf.Bytes()
}

func TestLoadResults(t *testing.T) {
	r, rep := savedReport(t)
	if len(r.Results) == 0 {
		t.Fatal("the example report has no results")
	}
	var doc bytes.Buffer
	if err := assess.WriteResults(&doc, r.Results, nil); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	for name, b := range map[string][]byte{"report.json": rep, "results.json": doc.Bytes()} {
		t.Run(name, func(t *testing.T) {
			got, err := assess.LoadResults(write(name, b))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(r.Results, got); diff != "" {
				t.Errorf("results differ (-want +got):\n%s", diff)
			}
		})
	}

	// edit changes one field of the results document.
	edit := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(doc.Bytes(), &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	editReport := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(rep, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, _ := json.Marshal(m)
		return b
	}
	major := strings.SplitN(report.SchemaVersion, ".", 2)[0]
	bad := []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "empty file"},
		{"junk", []byte("junk"), "not JSON"},
		{"syntax error with place", []byte("{\n  \"type\": \"aiassure.results\",\n  \"schema_version\" \"1.0.0\"\n}"), "line 3, column 20"},
		{"number", []byte("42"), "not a JSON object"},
		{"bare list", []byte(`[{"id":"x","check":"c","status":"pass","summary":"s"}]`), "bare JSON list"},
		{"other JSON", []byte(`{"name":"x"}`), "no schema_version"},
		{"no type, not a report", []byte(`{"schema_version":"3.0.0","results":[]}`), `no tool.name "aiassure"`},
		{"wrong type", edit(func(m map[string]any) { m["type"] = "sarif" }), `type "sarif"`},
		{"bad version", edit(func(m map[string]any) { m["schema_version"] = "1.0" }), "not MAJOR.REVISION.ADDITION"},
		{"leading zero version", edit(func(m map[string]any) { m["schema_version"] = "01.0.0" }), "not MAJOR.REVISION.ADDITION"},
		{"other major", edit(func(m map[string]any) { m["schema_version"] = "99.0.0" }), "reads major version " + major},
		{"unknown field", edit(func(m map[string]any) { m["extra"] = 1 }), `unknown field "extra"`},
		{"unknown result field", edit(func(m map[string]any) {
			m["results"].([]any)[0].(map[string]any)["verdict"] = "ok"
		}), `unknown field "verdict"`},
		{"wrong type of field", edit(func(m map[string]any) { m["results"] = "all passed" }), "cannot unmarshal string"},
		{"no results", edit(func(m map[string]any) { m["results"] = []any{} }), "no results"},
		{"null results", edit(func(m map[string]any) { m["results"] = nil }), "no results"},
		{"bad status", edit(func(m map[string]any) {
			m["results"].([]any)[0].(map[string]any)["status"] = "passed"
		}), `unknown status "passed"`},
		{"no id", edit(func(m map[string]any) { delete(m["results"].([]any)[0].(map[string]any), "id") }), "no id"},
		{"bad category", edit(func(m map[string]any) {
			m["results"].([]any)[0].(map[string]any)["art15_category"] = "ddos"
		}), `unknown art15_category "ddos"`},
		{"trailing data", append(append([]byte{}, doc.Bytes()...), []byte("{}")...), "trailing data"},
		{"report with unknown field", editReport(func(m map[string]any) { m["verdict"] = "fine" }), `unknown field "verdict"`},
		{"report of other major", editReport(func(m map[string]any) { m["schema_version"] = "4.0.0" }), "major version"},
		{"report of another tool", editReport(func(m map[string]any) { m["tool"] = map[string]any{"name": "other"} }), `no tool.name "aiassure"`},
		{"report with bad status", editReport(func(m map[string]any) {
			m["results"].([]any)[0].(map[string]any)["status"] = "ok"
		}), `unknown status "ok"`},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			path := write("bad.json", tt.data)
			_, err := assess.LoadResults(path)
			if err == nil {
				t.Fatal("accepted")
			}
			if !errors.Is(err, assess.ErrResults) {
				t.Errorf("error does not wrap ErrResults: %v", err)
			}
			if !strings.HasPrefix(err.Error(), path+": ") || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %q: want %s: ...%s", err, path, tt.want)
			}
		})
	}

	t.Run("later minor version may add fields", func(t *testing.T) {
		later := edit(func(m map[string]any) { m["schema_version"] = major + ".999.0"; m["extra"] = 1 })
		got, err := assess.LoadResults(write("later.json", later))
		if err != nil || len(got) != len(r.Results) {
			t.Fatalf("got %d results, %v", len(got), err)
		}
	})
	t.Run("missing file", func(t *testing.T) {
		_, err := assess.LoadResults(filepath.Join(dir, "none.json"))
		if !errors.Is(err, os.ErrNotExist) || errors.Is(err, assess.ErrResults) || !strings.Contains(err.Error(), "none.json") {
			t.Errorf("got %v", err)
		}
	})
}

func TestWriteResultsEmpty(t *testing.T) {
	var buf bytes.Buffer
	if err := assess.WriteResults(&buf, nil, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), `"results": []`) || !strings.Contains(buf.String(), `"type": "aiassure.results"`) {
		t.Errorf("got %s", buf.String())
	}
}

// FuzzReadResults: ReadResults never panics, and what it accepts it gives
// back unchanged when written again as a results document.
func FuzzReadResults(f *testing.F) {
	f.Add([]byte(`{"type":"aiassure.results","schema_version":"3.0.0","tool":{"name":"aiassure","version":"x"},"results":[{"id":"a","check":"c","status":"pass","summary":"s"}]}`))
	f.Add([]byte(`{"schema_version":"3.0.0","tool":{"name":"aiassure"},"results":[{"id":"a","check":"c","status":"fail","summary":"s"}]}`))
	f.Add([]byte(`[{"id":"a","check":"c","status":"pass"}]`))
	f.Add([]byte(`{"type":"aiassure.results","schema_version":"1.9.0","results":[{"id":"a","check":"c","status":"unknown","x":1}]}`))
	f.Add([]byte("junk"))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, err := assess.ReadResults("fuzz.json", data)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "fuzz.json: ") {
				t.Fatalf("error does not name the file: %v", err)
			}
			return
		}
		if len(rs) == 0 {
			t.Fatal("accepted a file with no results")
		}
		var buf bytes.Buffer
		if err := assess.WriteResults(&buf, rs, nil); err != nil {
			t.Fatal(err)
		}
		again, err := assess.ReadResults("again.json", buf.Bytes())
		if err != nil {
			t.Fatalf("written results do not read back: %v\n%s", err, buf.Bytes())
		}
		if diff := cmp.Diff(rs, again); diff != "" {
			t.Fatalf("round trip changed the results:\n%s", diff)
		}
		for _, r := range rs {
			if r.Status != aiassure.Pass && r.Status != aiassure.Fail && r.Status != aiassure.Unknown && r.Status != aiassure.NotApplicable {
				t.Fatalf("accepted status %q", r.Status)
			}
		}
	})
}
