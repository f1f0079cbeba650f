package dataset

import (
	"bytes"
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"
)

// A 20 MiB CSV line is refused before the CSV parser splits it into fields
// (issue 14: a line of "1," cost 830 MB before it was refused). The bytes
// allocated while refusing it stay within a few times the line limit.
func TestCSVLongLineBoundedMemory(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"data line of fields", "a,b,label\n" + strings.Repeat("1,", 10<<20) + "\n"},
		{"header of fields", strings.Repeat("a,", 10<<20) + "label\n1,2\n"},
		{"one long field", "a,label\n" + strings.Repeat("1", 20<<20) + ",0\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := []byte(tc.in)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			r, err := NewCSV(bytes.NewReader(in), "long.csv", Options{})
			if err == nil {
				_, err = ReadAll(context.Background(), r)
			}
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrLimit) {
				t.Fatalf("err = %v, want a limit error", err)
			}
			if got := after.TotalAlloc - before.TotalAlloc; got > 100<<20 {
				t.Errorf("refusing the line allocated %d MiB", got>>20)
			}
		})
	}
}

// A line with more fields than MaxCols is refused before it is parsed.
func TestCSVTooManyFieldsInLine(t *testing.T) {
	in := "a,b,label\n1,2,0\n" + strings.Repeat("1,", 100) + "0\n"
	r, err := NewCSV(strings.NewReader(in), "wide.csv", Options{Limits: Limits{MaxCols: 10}})
	if err != nil {
		t.Fatal(err)
	}
	_, err = ReadAll(context.Background(), r)
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "line 3") {
		t.Fatalf("err = %v, want a limit error on line 3", err)
	}
}

// Quoted commas do not count as fields, and a quoted field may span lines.
func TestCSVLineGateQuotes(t *testing.T) {
	in := "\"a,x,y,z\",b,label\n1,2,0\n"
	r, err := NewCSV(strings.NewReader(in), "q.csv", Options{Limits: Limits{MaxCols: 2}})
	if err != nil {
		t.Fatal(err)
	}
	d, err := ReadAll(context.Background(), r)
	if err != nil {
		t.Fatal(err)
	}
	if d.Info.Features[0] != "a,x,y,z" {
		t.Fatalf("features %q", d.Info.Features)
	}
}
