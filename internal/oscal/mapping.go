package oscal

import (
	"fmt"
	"slices"
	"strings"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/catalog"
)

// MappingCollection returns the catalogue's mappings as an OSCAL 1.2
// mapping-collection JSON document:
//
//   - one mapping per pair of regulations in the requirement crosswalk
//     (recommendation 8), each map carrying the crosswalk's relationship,
//     with gap summaries listing the requirements of either regulation that
//     no map of that pair covers;
//   - one mapping from the security controls to the requirements they serve,
//     each pair related by intersects-with (a control serves part of a
//     requirement and may do more), with gap summaries listing controls that
//     serve no requirement and requirements that no control serves.
//
// Each side of a mapping is a back-matter resource that names the catalogue
// version and the regulation or kind of row, so the document has no external
// references. The output is deterministic.
func MappingCollection(c *catalog.Catalog) ([]byte, error) {
	doc, err := MappingCollectionModelOf(c)
	if err != nil {
		return nil, err
	}
	return Marshal(MappingDocument{MappingCollection: doc})
}

// MappingCollectionModelOf builds the model that MappingCollection encodes.
func MappingCollectionModelOf(c *catalog.Catalog) (MappingCollectionModel, error) {
	if c == nil {
		return MappingCollectionModel{}, fmt.Errorf("oscal mapping: nil catalogue")
	}
	md, err := catalogMetadata(c, "aiassure catalogue: requirement crosswalk and control-to-requirement mappings")
	if err != nil {
		return MappingCollectionModel{}, fmt.Errorf("oscal mapping: %w", err)
	}
	reg := map[aiassure.RequirementID]aiassure.StandardID{}
	var regs []aiassure.StandardID
	for _, r := range c.Requirements {
		reg[r.ID] = r.Regulation
		if !slices.Contains(regs, r.Regulation) {
			regs = append(regs, r.Regulation)
		}
	}
	res := map[string]Resource{}
	resource := func(key, title, desc string) string {
		u := UUID("mapping-resource", c.Version, key)
		res[u] = Resource{UUID: u, Title: title, Description: desc, Props: P("catalog-version", c.Version)}
		return "#" + u
	}

	out := MappingCollectionModel{
		UUID:     UUID("mapping-collection", c.Version),
		Metadata: md,
		Provenance: Provenance{
			Method: "human", MatchingRationale: "semantic", Status: "complete",
			MappingDescription: "Requirement crosswalk between EU regulations (ENISA recommendation 8) and the " +
				"aiassure security controls mapped to the requirements they serve, as curated in the aiassure catalogue " + c.Version + ".",
		},
	}

	// Crosswalk, one mapping per ordered pair of regulations.
	type pair struct{ from, to aiassure.StandardID }
	var pairs []pair
	byPair := map[pair][]catalog.Mapping{}
	for i, m := range c.Crosswalk {
		if !slices.Contains(Relationships, m.Relationship) {
			return MappingCollectionModel{}, fmt.Errorf("oscal mapping: crosswalk row %d (%s -> %s): relationship %q is not one of %s",
				i+1, m.From, m.To, m.Relationship, strings.Join(Relationships, ", "))
		}
		fr, ok1 := reg[m.From]
		tr, ok2 := reg[m.To]
		if !ok1 || !ok2 {
			return MappingCollectionModel{}, fmt.Errorf("oscal mapping: crosswalk row %d (%s -> %s): unknown requirement", i+1, m.From, m.To)
		}
		p := pair{fr, tr}
		if _, ok := byPair[p]; !ok {
			pairs = append(pairs, p)
		}
		byPair[p] = append(byPair[p], m)
	}
	for _, p := range pairs {
		rows := byPair[p]
		mp := Mapping{
			UUID: UUID("mapping", c.Version, "crosswalk", string(p.from), string(p.to)),
			SourceResource: ResourceReference{Type: "catalog", Href: resource("requirements/"+string(p.from),
				"Requirements of "+string(p.from), "The "+string(p.from)+" requirements of the aiassure catalogue "+c.Version+".")},
			TargetResource: ResourceReference{Type: "catalog", Href: resource("requirements/"+string(p.to),
				"Requirements of "+string(p.to), "The "+string(p.to)+" requirements of the aiassure catalogue "+c.Version+".")},
			MappingDescription: "Crosswalk from " + string(p.from) + " to " + string(p.to) + " requirements.",
		}
		mappedFrom, mappedTo := map[aiassure.RequirementID]bool{}, map[aiassure.RequirementID]bool{}
		for _, m := range rows {
			mappedFrom[m.From], mappedTo[m.To] = true, true
			mp.Maps = append(mp.Maps, Map{
				UUID:         UUID("map", c.Version, string(m.From), string(m.To), m.Relationship),
				Relationship: m.Relationship,
				Sources:      []MappingItem{{Type: "control", IDRef: Token(string(m.From))}},
				Targets:      []MappingItem{{Type: "control", IDRef: Token(string(m.To))}},
				Props:        sourceProps(c, m.Sources),
				Remarks:      Clean(m.Note),
			})
		}
		mp.SourceGapSummary = gapSummary(UUID("gap", c.Version, "crosswalk", string(p.from), string(p.to), "source"),
			unmapped(c.Requirements, p.from, mappedFrom))
		mp.TargetGapSummary = gapSummary(UUID("gap", c.Version, "crosswalk", string(p.from), string(p.to), "target"),
			unmapped(c.Requirements, p.to, mappedTo))
		out.Mappings = append(out.Mappings, mp)
	}

	// Controls to requirements.
	known := map[aiassure.RequirementID]bool{}
	for _, r := range c.Requirements {
		known[r.ID] = true
	}
	cm := Mapping{
		UUID: UUID("mapping", c.Version, "controls-requirements"),
		SourceResource: ResourceReference{Type: "catalog", Href: resource("controls", "aiassure security controls",
			"The security controls of the aiassure catalogue "+c.Version+".")},
		TargetResource: ResourceReference{Type: "catalog", Href: resource("requirements", "Regulatory requirements",
			"All regulatory requirements of the aiassure catalogue "+c.Version+".")},
		MappingDescription: "Security controls mapped to the regulatory requirements they help to meet.",
	}
	var idle []string
	served := map[aiassure.RequirementID]bool{}
	for _, ctl := range c.Controls {
		n := 0
		for _, r := range ctl.Requirements {
			if !known[r] {
				return MappingCollectionModel{}, fmt.Errorf("oscal mapping: control %s: unknown requirement %s", ctl.ID, r)
			}
			served[r] = true
			n++
			cm.Maps = append(cm.Maps, Map{
				UUID:         UUID("map", c.Version, "control", string(ctl.ID), string(r)),
				Relationship: "intersects-with",
				Sources:      []MappingItem{{Type: "control", IDRef: Token(string(ctl.ID))}},
				Targets:      []MappingItem{{Type: "control", IDRef: Token(string(r))}},
			})
		}
		if n == 0 {
			idle = append(idle, Token(string(ctl.ID)))
		}
	}
	if len(cm.Maps) > 0 {
		cm.SourceGapSummary = gapSummary(UUID("gap", c.Version, "controls-requirements", "source"), idle)
		var unserved []string
		for _, r := range c.Requirements {
			if !served[r.ID] {
				unserved = append(unserved, Token(string(r.ID)))
			}
		}
		cm.TargetGapSummary = gapSummary(UUID("gap", c.Version, "controls-requirements", "target"), unserved)
		out.Mappings = append(out.Mappings, cm)
	}
	if len(out.Mappings) == 0 {
		return MappingCollectionModel{}, fmt.Errorf("oscal mapping: catalogue has no crosswalk rows and no control-to-requirement links")
	}

	keys := make([]string, 0, len(res))
	for k := range res {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out.BackMatter = &BackMatter{}
	for _, k := range keys {
		out.BackMatter.Resources = append(out.BackMatter.Resources, res[k])
	}
	return out, nil
}

// unmapped lists, as tokens, the requirements of regulation that are not in
// mapped.
func unmapped(reqs []catalog.Requirement, regulation aiassure.StandardID, mapped map[aiassure.RequirementID]bool) []string {
	var out []string
	for _, r := range reqs {
		if r.Regulation == regulation && !mapped[r.ID] {
			out = append(out, Token(string(r.ID)))
		}
	}
	return out
}

func gapSummary(uuid string, ids []string) *GapSummary {
	if len(ids) == 0 {
		return nil
	}
	return &GapSummary{UUID: uuid, UnmappedControls: []SelectControlByID{{WithIDs: ids}}}
}

// sourceProps are the "source" properties of cite (a map has no links).
func sourceProps(c *catalog.Catalog, sources []string) []Prop {
	props, _ := cite(c, sources)
	return props
}
