package formats

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"

	"github.com/aiassure/aiassure/report/json"
	"github.com/google/go-cmp/cmp"
)

var update = flag.Bool("update", false, "rewrite the golden files")

// TestGolden writes the fixture report, read back from its saved JSON as
// the convert mode does, in every format and compares with the golden
// files in report/testdata.
func TestGolden(t *testing.T) {
	f, err := os.Open("../testdata/report.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := json.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, format := range All() {
		t.Run(format.Name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := format.Write(&buf, r); err != nil {
				t.Fatal(err)
			}
			var again bytes.Buffer
			if err := format.Write(&again, r); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(buf.Bytes(), again.Bytes()) {
				t.Error("output differs between two writes of the same report")
			}
			path := filepath.Join("..", "testdata", format.Name+".golden")
			if *update {
				if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test -update)", err)
			}
			if diff := cmp.Diff(string(want), buf.String()); diff != "" {
				t.Errorf("%s mismatch (-want +got):\n%s", path, diff)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	seen := map[string]bool{}
	for _, name := range Names() {
		if seen[name] {
			t.Errorf("format %q listed twice", name)
		}
		seen[name] = true
		f, ok := Lookup(name)
		if !ok || f.Name != name || f.Write == nil || f.Ext == "" || f.MediaType == "" {
			t.Errorf("Lookup(%q) = %+v, %v", name, f, ok)
		}
	}
	if f, ok := Lookup("md"); !ok || f.Name != "markdown" {
		t.Errorf("Lookup(md) = %+v, %v", f, ok)
	}
	if _, ok := Lookup("pdf"); ok {
		t.Error("Lookup(pdf) succeeded")
	}
	if All()[0].Name != "json" {
		t.Error("json is not first")
	}
}

func TestNilReport(t *testing.T) {
	for _, f := range All() {
		if err := f.Write(&bytes.Buffer{}, nil); err == nil {
			t.Errorf("%s: Write(nil) succeeded", f.Name)
		}
	}
}
