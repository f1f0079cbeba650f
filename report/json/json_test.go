package json

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func fixture(t testing.TB) []byte {
	t.Helper()
	b, err := os.ReadFile("../testdata/report.json")
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	r, err := Read(bytes.NewReader(fixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := Write(&out, r); err != nil {
		t.Fatal(err)
	}
	r2, err := Read(&out)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r, r2); diff != "" {
		t.Errorf("round trip changed the report (-first +second):\n%s", diff)
	}
	// Deterministic: writing twice gives the same bytes.
	var a, b bytes.Buffer
	_ = Write(&a, r)
	_ = Write(&b, r2)
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two writes of the same report differ")
	}
	if strings.Contains(a.String(), `\u003c`) {
		t.Error("HTML characters are escaped")
	}
}

func TestRead(t *testing.T) {
	good := string(fixture(t))
	for _, tc := range []struct {
		name, in, want string // want "" means it reads
	}{
		{"fixture", good, ""},
		{"later minor", strings.Replace(good, `"schema_version": "3.0.0"`, `"schema_version": "3.7.2", "new_field": {"x": 1}`, 1), ""},
		{"other major", strings.Replace(good, `"schema_version": "3.0.0"`, `"schema_version": "4.0.0"`, 1), "major version 3"},
		{"no version", `{"tool": {"name": "aiassure"}}`, "no schema_version"},
		{"bad version", `{"schema_version": "1.0"}`, "MAJOR.REVISION.ADDITION"},
		{"bad version digits", `{"schema_version": "1.x.0"}`, "MAJOR.REVISION.ADDITION"},
		{"version wrong type", `{"schema_version": 1}`, "cannot unmarshal"},
		{"not json", `schema_version: 1.0.0`, "invalid character"},
		{"trailing", `{"schema_version": "3.0.0"} {}`, "trailing data"},
		{"bad severity", strings.Replace(good, `"severity": "info"`, `"severity": "urgent"`, 1), `unknown severity "urgent"`},
		{"bad status", strings.Replace(good, `"status": "pass"`, `"status": "ok"`, 1), `unknown status "ok"`},
		{"field type", `{"schema_version": "3.0.0", "findings": {}}`, "cannot unmarshal"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r, err := Read(strings.NewReader(tc.in))
			if tc.want == "" {
				if err != nil || r == nil {
					t.Fatalf("Read: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Read error = %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestReadTooLarge(t *testing.T) {
	big := `{"schema_version": "3.0.0", "x": "` + strings.Repeat("a", MaxSize) + `"}`
	if _, err := Read(strings.NewReader(big)); err == nil || !strings.Contains(err.Error(), "larger than") {
		t.Errorf("Read of an oversized report: %v", err)
	}
}

func TestWriteNil(t *testing.T) {
	if err := Write(&bytes.Buffer{}, nil); err == nil {
		t.Error("Write(nil) succeeded")
	}
}

// FuzzRead checks that Read never panics and that whatever it accepts
// writes and reads back to the same report.
func FuzzRead(f *testing.F) {
	f.Add(fixture(f))
	f.Add([]byte(`{"schema_version": "3.0.0"}`))
	f.Add([]byte(`{"schema_version": "3.0.0", "findings": [{"severity": "high"}], "summary": {"findings": {"high": 1}}}`))
	f.Add([]byte(`{"schema_version": "4.0.0"}`))
	f.Add([]byte(`{"schema_version": null}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := Write(&buf, r); err != nil {
			t.Fatalf("Write after Read: %v", err)
		}
		first := bytes.Clone(buf.Bytes())
		r2, err := Read(&buf)
		if err != nil {
			t.Fatalf("Read of written report: %v", err)
		}
		var buf2 bytes.Buffer
		_ = Write(&buf2, r2)
		if !bytes.Equal(first, buf2.Bytes()) {
			t.Fatalf("not stable:\n%s\n---\n%s", first, buf2.Bytes())
		}
	})
}

func TestDigest(t *testing.T) {
	r, err := Read(bytes.NewReader(fixture(t)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, r); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	d, err := Digest(r)
	if err != nil || d != "sha256:"+hex.EncodeToString(sum[:]) {
		t.Errorf("Digest = %q, %v; want the SHA-256 of Write's bytes", d, err)
	}
	r.System.Name += "x"
	if d2, _ := Digest(r); d2 == d {
		t.Error("the digest does not change with the report")
	}
	if _, err := Digest(nil); err == nil {
		t.Error("Digest(nil) succeeded")
	}
}
