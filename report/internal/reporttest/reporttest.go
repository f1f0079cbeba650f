// Package reporttest gives the format packages' tests the shared report
// fixture, report/testdata/report.json, which covers every section of a report.
package reporttest

import (
	"os"
	"testing"

	"github.com/aiassure/aiassure/report"
	reportjson "github.com/aiassure/aiassure/report/json"
)

// Fixture reads the shared fixture; call it from a package directly under
// report/ (the path is relative to the test's working directory).
func Fixture(t testing.TB) *report.Report {
	t.Helper()
	return Read(t, "../testdata/report.json")
}

// Read reads a saved JSON report, such as a golden report of assess.
func Read(t testing.TB, path string) *report.Report {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r, err := reportjson.Read(f)
	if err != nil {
		t.Fatal(err)
	}
	return r
}
