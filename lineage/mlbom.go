package lineage

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/aiassure/aiassure/profile"
)

// BOMInput is what an ML-BOM is made from.
type BOMInput struct {
	Profile   *profile.Profile     // optional: system, model card, sensitivity of data sets
	Models    []ResourceDescriptor // the released model files
	Materials []ResourceDescriptor // data sets, code, base models
	Time      time.Time
}

// BuildBOM returns a CycloneDX 1.6 JSON ML-BOM: one machine-learning-model
// component per model file with its SHA-256 and a model card (approach,
// task, data sets, declared performance, users, use cases, groups at risk),
// one data component per data set with its digest, classification and
// sensitive-data flags, one file component per other material, and the
// dependencies of the models on them.
func BuildBOM(in BOMInput) ([]byte, error) {
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	bom.SerialNumber = serialFor(in)
	bom.Version = 1
	ts := in.Time
	if ts.IsZero() {
		ts = time.Now().UTC()
	}
	bom.Metadata = &cdx.Metadata{
		Timestamp: ts.UTC().Format(time.RFC3339),
		Tools:     &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "aiassure"}}},
	}
	p := in.Profile
	if p != nil {
		bom.Metadata.Component = &cdx.Component{Type: cdx.ComponentTypeApplication, BOMRef: "system",
			Name: p.System.Name, Version: p.System.Version, Description: p.System.Purpose}
		if p.System.Provider != "" {
			bom.Metadata.Component.Supplier = &cdx.OrganizationalEntity{Name: p.System.Provider}
		}
	}
	var comps []cdx.Component
	var dataRefs, otherRefs []string
	for _, m := range in.Materials {
		if m.IsDir() {
			continue
		}
		name := descName(m)
		h := hashesOf(m.Digest)
		if m.Role() == RoleDataset {
			ref := "data:" + name
			d := cdx.ComponentData{Type: cdx.ComponentDataTypeDataset, Name: name}
			if a := assetFor(p, m.Name); a != nil {
				d.Description = a.Name
				d.Classification = a.Sensitivity
				if s := sensitiveData(a.Sensitivity); s != nil {
					d.SensitiveData = &s
				}
			}
			comps = append(comps, cdx.Component{Type: cdx.ComponentTypeData, BOMRef: ref, Name: name, Hashes: h, Data: &[]cdx.ComponentData{d}})
			dataRefs = append(dataRefs, ref)
			continue
		}
		ref := "file:" + name
		typ := cdx.ComponentTypeFile
		if m.Role() == RoleBaseModel {
			typ = cdx.ComponentTypeMachineLearningModel
		}
		comps = append(comps, cdx.Component{Type: typ, BOMRef: ref, Name: name, Hashes: h,
			Properties: &[]cdx.Property{{Name: "aiassure:role", Value: orDefault(m.Role(), RoleInput)}}})
		otherRefs = append(otherRefs, ref)
	}
	var deps []cdx.Dependency
	for _, m := range in.Models {
		if m.IsDir() {
			continue
		}
		name := descName(m)
		ref := "model:" + name
		comps = append(comps, cdx.Component{Type: cdx.ComponentTypeMachineLearningModel, BOMRef: ref, Name: name,
			Hashes: hashesOf(m.Digest), ModelCard: modelCard(p, dataRefs)})
		on := append(append([]string(nil), dataRefs...), otherRefs...)
		if len(on) > 0 {
			deps = append(deps, cdx.Dependency{Ref: ref, Dependencies: &on})
		}
	}
	if len(comps) == 0 {
		return nil, fmt.Errorf("ML-BOM: no model or data component")
	}
	bom.Components = &comps
	if len(deps) > 0 {
		bom.Dependencies = &deps
	}
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(false)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return nil, fmt.Errorf("ML-BOM: %w", err)
	}
	return bytes.TrimSpace(buf.Bytes()), nil
}

func modelCard(p *profile.Profile, dataRefs []string) *cdx.MLModelCard {
	mc := &cdx.MLModelCard{}
	params := &cdx.MLModelParameters{}
	if len(dataRefs) > 0 {
		var ds []cdx.MLDatasetChoice
		for _, r := range dataRefs {
			ds = append(ds, cdx.MLDatasetChoice{Ref: r})
		}
		params.Datasets = &ds
	}
	if p == nil {
		mc.ModelParameters = params
		return mc
	}
	for _, t := range p.Techniques {
		switch t {
		case "supervised-learning":
			params.Approach = &cdx.MLModelParametersApproach{Type: cdx.MLModelParametersApproachTypeSupervised}
		case "unsupervised-learning":
			params.Approach = &cdx.MLModelParametersApproach{Type: cdx.MLModelParametersApproachTypeUnsupervised}
		case "reinforcement-learning":
			params.Approach = &cdx.MLModelParametersApproach{Type: cdx.MLModelParametersApproachTypeReinforcementLearning}
		}
	}
	params.Task = p.System.Sector
	mc.ModelParameters = params
	var metrics []cdx.MLPerformanceMetric
	for _, d := range p.Performance {
		m := cdx.MLPerformanceMetric{Type: d.Metric, Value: strconv.FormatFloat(d.Value, 'g', -1, 64), Slice: d.Class}
		if d.Metric == "robust_accuracy" {
			m.Slice = strings.TrimSpace(fmt.Sprintf("%s eps=%g %s", d.Class, d.Epsilon, d.Norm))
		}
		metrics = append(metrics, m)
	}
	if len(metrics) > 0 {
		mc.QuantitativeAnalysis = &cdx.MLQuantitativeAnalysis{PerformanceMetrics: &metrics}
	}
	cons := &cdx.MLModelCardConsiderations{}
	if len(p.Users) > 0 {
		u := append([]string(nil), p.Users...)
		cons.Users = &u
	}
	if p.System.Purpose != "" {
		cons.UseCases = &[]string{p.System.Purpose}
	}
	var fair []cdx.MLModelCardFairnessAssessment
	for _, a := range p.Affected {
		if a.Vulnerable {
			fair = append(fair, cdx.MLModelCardFairnessAssessment{GroupAtRisk: a.Group})
		}
	}
	if len(fair) > 0 {
		cons.FairnessAssessments = &fair
	}
	if cons.Users != nil || cons.UseCases != nil || cons.FairnessAssessments != nil {
		mc.Considerations = cons
	}
	return mc
}

func assetFor(p *profile.Profile, name string) *profile.Asset {
	if p == nil {
		return nil
	}
	for i, a := range p.Assets {
		if a.Path != "" && strings.TrimSuffix(a.Path, "/") == strings.TrimSuffix(name, "/") {
			return &p.Assets[i]
		}
	}
	return nil
}

// sensitiveData maps a profile sensitivity to CycloneDX sensitiveData entries.
func sensitiveData(s string) []string {
	switch s {
	case "personal":
		return []string{"personal data (GDPR Art. 4(1))"}
	case "special-category":
		return []string{"personal data (GDPR Art. 4(1))", "special categories of personal data (GDPR Art. 9(1))"}
	}
	return nil
}

func hashesOf(d DigestSet) *[]cdx.Hash {
	var hs []cdx.Hash
	if v, ok := d["sha256"]; ok {
		hs = append(hs, cdx.Hash{Algorithm: cdx.HashAlgoSHA256, Value: v})
	}
	if len(hs) == 0 {
		return nil
	}
	return &hs
}

func descName(r ResourceDescriptor) string {
	if r.Name != "" {
		return r.Name
	}
	return r.URI
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// serialFor derives a stable urn:uuid (version 8, from SHA-256) from the
// BOM's subjects, so that the same release gives the same serial number.
func serialFor(in BOMInput) string {
	h := sha256.New()
	var names []string
	for _, l := range [][]ResourceDescriptor{in.Models, in.Materials} {
		for _, r := range l {
			names = append(names, descName(r)+"@"+r.Digest["sha256"])
		}
	}
	sort.Strings(names)
	for _, n := range names {
		h.Write([]byte(n))
		h.Write([]byte{0})
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x80
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// checkBOM checks that data is a CycloneDX JSON BOM.
func checkBOM(data []byte) error {
	var b cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&b); err != nil {
		return fmt.Errorf("ML-BOM: %w", err)
	}
	if b.BOMFormat != cdx.BOMFormat {
		return fmt.Errorf("ML-BOM: bomFormat %q (want CycloneDX)", b.BOMFormat)
	}
	return nil
}

// bomMaterials returns the data, file and base-model components of a BOM
// that carry a SHA-256, as material descriptors of the release.
func bomMaterials(data []byte) ([]ResourceDescriptor, error) {
	var b cdx.BOM
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, err
	}
	var out []ResourceDescriptor
	if b.Components == nil {
		return nil, nil
	}
	for _, c := range *b.Components {
		if c.BOMRef != "" && strings.HasPrefix(c.BOMRef, "model:") {
			continue
		}
		var d string
		if c.Hashes != nil {
			for _, h := range *c.Hashes {
				if h.Algorithm == cdx.HashAlgoSHA256 {
					d = strings.ToLower(h.Value)
				}
			}
		}
		if d == "" || c.Name == "" {
			continue
		}
		role := RoleInput
		switch {
		case c.Type == cdx.ComponentTypeData:
			role = RoleDataset
		case c.Type == cdx.ComponentTypeMachineLearningModel:
			role = RoleBaseModel
		}
		rd := ResourceDescriptor{Digest: DigestSet{"sha256": d}, Annotations: map[string]any{AnnotationRole: role}}
		if cleanRelative(c.Name) {
			rd.Name = c.Name
		} else {
			rd.URI = c.Name
		}
		out = append(out, rd)
	}
	return out, nil
}
