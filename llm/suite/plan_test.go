package suite

import (
	"slices"
	"testing"

	"github.com/aiassure/aiassure/catalog"
)

// TestFamiliesInCatalogue: every family names threats of the catalogue,
// and its Art. 15(5) category is the first its first threat gives.
func TestFamiliesInCatalogue(t *testing.T) {
	c, err := catalog.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Families {
		fam := families[f]
		for i, id := range append(slices.Clone(fam.threats), "llm-unapproved-actions") {
			th, ok := c.Threat(id)
			if !ok {
				t.Fatalf("%s: threat %s is not in the catalogue", f, id)
			}
			if i == 0 {
				var want string
				if len(th.Art15) > 0 {
					want = string(th.Art15[0])
				}
				if string(fam.category) != want {
					t.Errorf("%s: category %q, the catalogue's %s gives %q", f, fam.category, id, want)
				}
			}
		}
	}
}

func TestPlanFor(t *testing.T) {
	for _, lv := range Levels {
		pl, err := PlanFor(lv)
		if err != nil || pl.validate() != nil || len(pl.Families) != len(Families) {
			t.Errorf("%s: %+v %v", lv, pl, err)
		}
	}
	if _, err := PlanFor("extreme"); err == nil {
		t.Error("an unknown level was accepted")
	}
	pl, _ := PlanFor("basic")
	pl.Families = []string{"jailbreak"}
	if pl.validate() == nil {
		t.Error("an unknown family was accepted")
	}
}
