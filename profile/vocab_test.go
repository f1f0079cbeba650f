package profile_test

import (
	"testing"

	"github.com/aiassure/aiassure/classify"
	"github.com/aiassure/aiassure/profile"
	"github.com/google/go-cmp/cmp"
)

// TestClassifierVocabulary checks that the classifier accepts exactly the
// values validation accepts, so a valid profile never meets an unknown value
// in the rules and the schema never allows what the rules cannot read.
func TestClassifierVocabulary(t *testing.T) {
	tests := []struct {
		name          string
		prof, classif []string
	}{
		{"roles", profile.Roles, classify.Roles},
		{"practices", profile.Practices, classify.Practices},
		{"derogations", profile.Derogations, classify.Derogations},
		{"transparency", profile.TransparencySituations, classify.TransparencySituations},
		{"exclusions", profile.Exclusions, classify.Exclusions},
		{"annex I section A", profile.AnnexISectionA, classify.AnnexISectionA},
		{"annex I section B", profile.AnnexISectionB, classify.AnnexISectionB},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.prof, tt.classif); diff != "" {
			t.Errorf("%s differ (-profile +classify):\n%s", tt.name, diff)
		}
	}
	var cl []profile.AnnexIIIPoint
	for _, p := range classify.AnnexIII {
		cl = append(cl, profile.AnnexIIIPoint{Area: p.Area, Point: p.Point, Name: p.Name})
	}
	if diff := cmp.Diff(profile.AnnexIII, cl); diff != "" {
		t.Errorf("Annex III points differ (-profile +classify):\n%s", diff)
	}
}
