package cli

import (
	"encoding/csv"
	"encoding/json"
	"strings"
	"testing"

	"github.com/aiassure/aiassure/catalog"
)

// TestCatalogStale: the three formats list the same checks, oldest first,
// and each names its row, field, date, stage and source.
func TestCatalogStale(t *testing.T) {
	const before = "2099-01-01"
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	want, err := c.Stale(before)
	if err != nil {
		t.Fatal(err)
	}
	if len(want) == 0 {
		t.Fatal("no dated checks in the catalogue")
	}

	code, out, errs := run(t, "catalog", "stale", "-before", before, "-format", "json")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var got []catalog.StaleRow
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("json: %d rows, want %d", len(got), len(want))
	}
	for i := 1; i < len(got); i++ {
		if got[i].AsOf < got[i-1].AsOf {
			t.Fatalf("json row %d (%s) older than row %d (%s)", i, got[i].AsOf, i-1, got[i-1].AsOf)
		}
	}

	code, out, errs = run(t, "catalog", "stale", "-before", before, "-format", "csv")
	if code != ExitOK {
		t.Fatalf("exit %d: %s", code, errs)
	}
	recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(recs[0], ",") != "kind,id,field,as_of,stage,source" || len(recs) != len(want)+1 {
		t.Fatalf("csv: head %v, %d records, want %d", recs[0], len(recs)-1, len(want))
	}
	if r, w := recs[1], want[0]; r[0] != w.Kind || r[1] != w.ID || r[3] != w.AsOf || r[5] != w.Source {
		t.Errorf("csv first record %v, want %+v", r, w)
	}

	code, out, _ = run(t, "catalog", "stale", "-before", before)
	if code != ExitOK {
		t.Fatalf("text: exit %d", code)
	}
	text := oneLine(out)
	if !strings.Contains(text, "AS OF KIND ID STAGE") || !strings.Contains(text, "source: ") {
		t.Errorf("text has no heading or sources:\n%.1500s", out)
	}
	if !strings.HasSuffix(strings.TrimSpace(out), ", catalogue "+c.Version+")") || !strings.Contains(text, "checks before "+before) {
		t.Errorf("text has no count line:\n%s", out[max(0, len(out)-300):])
	}
}
