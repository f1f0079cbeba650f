package risk

import (
	_ "embed"
	"fmt"
	"slices"
	"sync"

	"gopkg.in/yaml.v3"

	"github.com/aiassure/aiassure/catalog"
)

//go:embed scoring.yaml
var scoringYAML []byte

// Scoring holds the tables of the method, as data (risk/scoring.yaml).
type Scoring struct {
	Version string `yaml:"version"`
	Method  string `yaml:"method"`
	Factors []struct {
		Name     string `yaml:"name"`
		Source   string `yaml:"source"`
		Verified bool   `yaml:"verified"`
		Levels   []struct {
			Level  string `yaml:"level"`
			Points int    `yaml:"points"`
		} `yaml:"levels"`
	} `yaml:"factors"`
	Resistance struct {
		Source   string `yaml:"source"`
		Verified bool   `yaml:"verified"`
		Bands    []struct {
			Min        int    `yaml:"min"`
			Max        int    `yaml:"max"`
			Band       string `yaml:"band"`
			Likelihood string `yaml:"likelihood"`
		} `yaml:"bands"`
	} `yaml:"resistance"`
	Likelihood scale `yaml:"likelihood"`
	Impact     scale `yaml:"impact"`
	Risk       struct {
		Source   string `yaml:"source"`
		Verified bool   `yaml:"verified"`
		Levels   []struct {
			Min     int    `yaml:"min"`
			Max     int    `yaml:"max"`
			Level   string `yaml:"level"`
			Meaning string `yaml:"meaning"`
		} `yaml:"levels"`
	} `yaml:"risk"`
}

type scale struct {
	Source   string `yaml:"source"`
	Verified bool   `yaml:"verified"`
	Levels   []struct {
		Level   string `yaml:"level"`
		Value   int    `yaml:"value"`
		Meaning string `yaml:"meaning"`
	} `yaml:"levels"`
}

// LoadScoring returns the embedded scoring tables, checked against the
// catalogue's factor vocabularies. They are parsed once; callers must not
// modify the result.
var LoadScoring = sync.OnceValues(loadScoring)

func loadScoring() (*Scoring, error) {
	var s Scoring
	if err := yaml.Unmarshal(scoringYAML, &s); err != nil {
		return nil, fmt.Errorf("risk/scoring.yaml: %w", err)
	}
	want := map[string][]string{
		"elapsed_time": catalog.ElapsedTime, "expertise": catalog.Expertise,
		"knowledge": catalog.KnowledgeOfTarget, "window": catalog.Window, "equipment": catalog.Equipment,
	}
	for _, f := range s.Factors {
		levels, ok := want[f.Name]
		if !ok {
			return nil, fmt.Errorf("risk/scoring.yaml: unknown factor %q", f.Name)
		}
		var got []string
		for _, l := range f.Levels {
			got = append(got, l.Level)
		}
		if !slices.Equal(got, levels) {
			return nil, fmt.Errorf("risk/scoring.yaml: factor %s levels %v, want %v", f.Name, got, levels)
		}
		delete(want, f.Name)
	}
	if len(want) > 0 {
		return nil, fmt.Errorf("risk/scoring.yaml: factors missing: %v", want)
	}
	if len(s.Likelihood.Levels) != 3 || len(s.Impact.Levels) != 3 {
		return nil, fmt.Errorf("risk/scoring.yaml: likelihood and impact need three levels each")
	}
	return &s, nil
}

func (s *Scoring) points(factor, level string) int {
	for _, f := range s.Factors {
		if f.Name == factor {
			for _, l := range f.Levels {
				if l.Level == level {
					return l.Points
				}
			}
		}
	}
	return 0
}

// band returns the resistance band and likelihood level for a potential.
func (s *Scoring) band(potential int) (band, likelihood string) {
	for _, b := range s.Resistance.Bands {
		if potential >= b.Min && potential <= b.Max {
			return b.Band, b.Likelihood
		}
	}
	last := s.Resistance.Bands[len(s.Resistance.Bands)-1]
	return last.Band, last.Likelihood
}

func (sc scale) score(level string) Score {
	for _, l := range sc.Levels {
		if l.Level == level {
			return Score{Level: l.Level, Value: l.Value}
		}
	}
	return Score{}
}

func (sc scale) byValue(v int) Score {
	v = max(1, min(v, len(sc.Levels)))
	for _, l := range sc.Levels {
		if l.Value == v {
			return Score{Level: l.Level, Value: l.Value}
		}
	}
	return Score{}
}

func (s *Scoring) risk(likelihood, impact Score) Score {
	v := likelihood.Value * impact.Value
	for _, l := range s.Risk.Levels {
		if v >= l.Min && v <= l.Max {
			return Score{Level: l.Level, Value: v}
		}
	}
	return Score{Level: "unknown", Value: v}
}

// Levels returns the risk level names, least first.
func (s *Scoring) Levels() []string {
	var out []string
	for _, l := range s.Risk.Levels {
		out = append(out, l.Level)
	}
	return out
}
