package catalog

import (
	"fmt"
	"reflect"

	"github.com/aiassure/aiassure/internal/schemagen"
)

// enums ties each closed vocabulary to the fields that use it.
var enums = schemagen.Enums{
	"Standard.kind":                StandardKinds,
	"Coverage.goal":                Goals,
	"Coverage.level":               CoverageLevels,
	"Threat.goals":                 Goals,
	"Threat.phases":                Phases,
	"Threat.assets":                AssetKinds,
	"Threat.knowledge":             Knowledge,
	"Threat.access":                AccessPaths,
	"Threat.art15":                 Art15,
	"Threat.nist":                  NISTClasses,
	"Threat.owasp_llm":             OWASPLLM,
	"Threat.owasp_agentic":         OWASPAgentic,
	"Threat.owasp_aitg":            OWASPAITG,
	"AttackPotential.elapsed_time": ElapsedTime,
	"AttackPotential.expertise":    Expertise,
	"AttackPotential.knowledge":    KnowledgeOfTarget,
	"AttackPotential.window":       Window,
	"AttackPotential.equipment":    Equipment,
	"Mapping.relationship":         Relationships,
	"Control.phases":               Phases,
	"Control.evidence":             EvidenceKinds,
	"Control.effect":               Effects,
	"Gap.context":                  GapContexts,
	"Recommendation.audience":      Audiences,
	"Characteristic.framework":     {"hleg", "iso-iec-22989"},
}

// Schemas returns the JSON Schema of each catalogue file, by file name
// (e.g. "standards.json"). They are generated from the Go types; the copies
// in data/schema are checked against them by a test.
func Schemas() (map[string][]byte, error) {
	out := map[string][]byte{}
	gen := func(name string, top map[string]any, required ...string) error {
		b, err := schemagen.Generate("https://aiassure.dev/schema/catalog/"+name, "aiassure catalogue: "+name, top, required, enums)
		if err != nil {
			return fmt.Errorf("schema %s: %w", name, err)
		}
		out[name] = b
		return nil
	}
	if err := gen("catalog.json", map[string]any{"version": "", "changelog": []Change{}}, "version", "changelog"); err != nil {
		return nil, err
	}
	for _, f := range files[1:] {
		var c Catalog
		rows := f.rows(&c)
		if err := gen(f.key+".json", map[string]any{f.key: reflect.ValueOf(rows).Elem().Interface()}, f.key); err != nil {
			return nil, err
		}
	}
	return out, nil
}
