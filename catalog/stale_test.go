package catalog

import (
	"strings"
	"testing"
)

func TestStale(t *testing.T) {
	c := &Catalog{
		Standards: []Standard{
			{ID: "s-new", Status: Status{Stage: "published", AsOf: "2026-12-03", Source: "checked"}},
			{ID: "s-old", Status: Status{Stage: "under-development", AsOf: "2023-03-01", Source: "enisa:3.1.2"}},
			{ID: "s-mid", Status: Status{Stage: "published", AsOf: "2026-09-24", Source: "status check"}},
			{ID: "s-none", Status: Status{Stage: "published", Source: "no date"}},
		},
		Requirements: []Requirement{
			{ID: "r-1", Applies: []Applicability{
				{Date: "2026-08-02", AsOf: "2026-11-26", Source: "Art. 113"},
				{Date: "2027-12-02", AsOf: "2026-12-03", Source: "omnibus"},
			}},
		},
		Gaps: []Gap{
			{ID: "g-1", State: Status{Stage: "open", AsOf: "2026-09-24", Source: "judgement"}},
		},
	}
	ids := func(rows []StaleRow) string {
		var s []string
		for _, r := range rows {
			s = append(s, r.Kind+"/"+r.ID+"/"+r.Field)
		}
		return strings.Join(s, " ")
	}
	tests := []struct {
		name, before, want string
	}{
		{"nothing older than the oldest", "2023-03-01", "standards/s-none/status"},
		{"oldest first, then catalogue order", "2026-12-01",
			"standards/s-none/status standards/s-old/status standards/s-mid/status gaps/g-1/state requirements/r-1/applies[0]"},
		{"the day itself is not stale", "2026-09-24", "standards/s-none/status standards/s-old/status"},
		{"everything", "2027-01-01",
			"standards/s-none/status standards/s-old/status standards/s-mid/status gaps/g-1/state requirements/r-1/applies[0] standards/s-new/status requirements/r-1/applies[1]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := c.Stale(tt.before)
			if err != nil {
				t.Fatal(err)
			}
			if got := ids(rows); got != tt.want {
				t.Errorf("Stale(%s)\n got %s\nwant %s", tt.before, got, tt.want)
			}
		})
	}

	rows, _ := c.Stale("2026-12-01")
	if r := rows[len(rows)-1]; r.Stage != "applies from 2026-08-02" || r.AsOf != "2026-11-26" || r.Source != "Art. 113" {
		t.Errorf("applies row %+v", r)
	}
	if r := rows[1]; r.Stage != "under-development" || r.Source != "enisa:3.1.2" {
		t.Errorf("standard row %+v", r)
	}

	for _, bad := range []string{"", "2026-13-01", "03/12/2026", "2026-12-3", "yesterday"} {
		if _, err := c.Stale(bad); err == nil {
			t.Errorf("Stale(%q): no error", bad)
		}
	}
}

// TestStaleShipped: the shipped catalogue has no check dated in the
// future and none without a date.
func TestStaleShipped(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	all, err := c.Stale("9999-12-31")
	if err != nil {
		t.Fatal(err)
	}
	if len(all) < len(c.Standards)+len(c.Gaps) {
		t.Errorf("%d dated checks, want at least one per standard and gap (%d)", len(all), len(c.Standards)+len(c.Gaps))
	}
	for _, r := range all {
		if dateKey(r.AsOf) == "" {
			t.Errorf("%s %s %s: as_of %q is not a date", r.Kind, r.ID, r.Field, r.AsOf)
		}
	}
	none, _ := c.Stale("2000-01-01")
	if len(none) != 0 {
		t.Errorf("%d checks before 2000", len(none))
	}
}
