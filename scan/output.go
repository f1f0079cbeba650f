package scan

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/aiassure/aiassure"
	"github.com/aiassure/aiassure/report/sarif"
)

// SchemaVersion of the JSON report.
const SchemaVersion = "1.0.0"

// WriteJSON writes the report as JSON.
func WriteJSON(w io.Writer, r *Report) error {
	doc := struct {
		SchemaVersion string `json:"schemaVersion"`
		*Report
		Worst Severity `json:"worst,omitempty"`
	}{SchemaVersion, r, r.Worst()}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return fmt.Errorf("scan json: %w", err)
	}
	return nil
}

// WriteText writes the findings, then one line per file.
func WriteText(w io.Writer, r *Report) error {
	var b bytes.Buffer
	for _, f := range r.Findings {
		loc := f.Path
		if f.Offset > 0 {
			loc += "@" + strconv.FormatInt(f.Offset, 10)
		}
		fmt.Fprintf(&b, "%-8s %s  %s\n         %s\n", strings.ToUpper(string(f.Severity)), f.Rule, loc, f.Message)
		if len(f.Evidence) > 0 {
			fmt.Fprintf(&b, "         evidence: %s\n", clip(strings.Join(f.Evidence, "; "), 400))
		}
	}
	if len(r.Findings) > 0 {
		b.WriteString("\n")
	}
	for _, a := range r.Artifacts {
		fmt.Fprintf(&b, "%-13s %10d  %s", a.Format, a.Size, a.Path)
		if len(a.Notes) > 0 {
			fmt.Fprintf(&b, "  (%s)", strings.Join(a.Notes, "; "))
		}
		b.WriteString("\n")
	}
	counts := map[Severity]int{}
	for _, f := range r.Findings {
		counts[f.Severity]++
	}
	fmt.Fprintf(&b, "\n%d files, %d findings (critical %d, high %d, medium %d, low %d, info %d)\n", len(r.Artifacts), len(r.Findings),
		counts[aiassure.Critical], counts[aiassure.High], counts[aiassure.Medium], counts[aiassure.Low], counts[aiassure.Info])
	_, err := w.Write(b.Bytes())
	return err
}

// outer is the file on disk a path names (before the first "!" or "#").
func outer(p string) string {
	if i := strings.IndexAny(p, "!#"); i >= 0 {
		return p[:i]
	}
	return p
}

// BuildSARIF converts the report into a SARIF 2.1.0 log, with one rule per
// rule ID that has results and one result per finding, located at the file
// on disk (an archive member's path is in the message and properties).
func BuildSARIF(r *Report, version string) *sarif.Log {
	run := sarif.Run{Tool: sarif.Tool{Driver: sarif.Driver{Name: "aiassure-scan", Version: version, InformationURI: sarif.InformationURI, Rules: []sarif.Rule{}}},
		Results: []sarif.Result{}}
	if v := strings.TrimPrefix(version, "v"); strings.Count(v, ".") == 2 && !strings.ContainsAny(v, " /") {
		run.Tool.Driver.SemanticVersion = v
	}
	worst := map[string]Severity{}
	for _, f := range r.Findings {
		if f.Severity.Rank() > worst[f.Rule].Rank() {
			worst[f.Rule] = f.Severity
		}
	}
	ids := make([]string, 0, len(worst))
	for id := range worst {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	index := map[string]int{}
	for i, id := range ids {
		index[id] = i
		info, ok := Rules[id]
		if !ok {
			info = RuleInfo{Short: id, Help: "See docs/scan.md.", Threat: threatSupplyChain}
		}
		full := info.Short + ". Threat: " + info.Threat + " of the aiassure catalogue (see aiassure catalog show threats " + info.Threat + ")."
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarif.Rule{
			ID: id, Name: ruleName(id), ShortDescription: sarif.Message{Text: info.Short}, FullDescription: sarif.Message{Text: full},
			Help: sarif.MultiformatMessage{Text: info.Help + " See docs/scan.md of aiassure.",
				Markdown: "**" + info.Short + "**\n\n" + full + "\n\n**How to fix.** " + info.Help + "\n\nSee [docs/scan.md](" + sarif.InformationURI + "/blob/main/docs/scan.md)."},
			HelpURI:              sarif.InformationURI + "/blob/main/docs/scan.md",
			DefaultConfiguration: sarif.Configuration{Level: sarif.Level(worst[id])},
			Properties: sarif.RuleProperties{Tags: []string{"security", "model-scan", "threat/" + info.Threat},
				SecuritySeverity: sarif.SecuritySeverity(worst[id]), Precision: "high", Kind: "model-scan", Threat: info.Threat},
		})
	}
	arts := map[string]int{}
	digest := map[string]string{}
	for _, a := range r.Artifacts {
		digest[a.Path] = a.SHA256
	}
	for _, f := range r.Findings {
		file := outer(f.Path)
		uri, base := sarif.URI(file)
		i, ok := arts[file]
		if !ok {
			i = len(run.Artifacts)
			arts[file] = i
			a := sarif.Artifact{Location: sarif.ArtifactLocation{URI: uri, URIBaseID: base}, Roles: []string{"analysisTarget"}}
			if d := digest[file]; d != "" {
				a.Hashes = map[string]string{"sha-256": d}
			}
			run.Artifacts = append(run.Artifacts, a)
		}
		idx := i
		msg := f.Message
		if f.Path != file {
			msg = f.Path + ": " + msg
		}
		if f.Offset > 0 {
			msg += fmt.Sprintf(" (at byte %d)", f.Offset)
		}
		if !strings.HasSuffix(msg, ".") {
			msg += "."
		}
		fp := sha256.Sum256([]byte(f.Rule + "\x00" + f.Path + "\x00" + strings.Join(f.Evidence, "\x00") + "\x00" + f.Message))
		fps := hex.EncodeToString(fp[:16])
		run.Results = append(run.Results, sarif.Result{
			RuleID: f.Rule, RuleIndex: index[f.Rule], Level: sarif.Level(f.Severity), Message: sarif.Message{Text: msg},
			Locations: []sarif.Location{{PhysicalLocation: sarif.PhysicalLocation{
				ArtifactLocation: sarif.ArtifactLocation{URI: uri, URIBaseID: base, Index: &idx},
				Region:           &sarif.Region{StartLine: 1, EndLine: 1}}}},
			PartialFingerprints: map[string]string{"aiassureScan/v1": fps},
			Properties: sarif.ResultProperties{FindingID: f.Rule + ":" + f.Path, Fingerprint: fps, Kind: "model-scan",
				Severity: string(f.Severity), Threats: []string{Rules[f.Rule].Threat}, Sources: f.Evidence, LineUnknown: true},
		})
	}
	return &sarif.Log{Schema: sarif.Schema, Version: "2.1.0", Runs: []sarif.Run{run}}
}

// WriteSARIF writes the SARIF log.
func WriteSARIF(w io.Writer, r *Report, version string) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	if err := enc.Encode(BuildSARIF(r, version)); err != nil {
		return fmt.Errorf("scan sarif: %w", err)
	}
	return nil
}

// modelFormats are the formats that hold a model (a CycloneDX
// machine-learning-model component); the rest are files.
var modelFormats = map[Format]bool{FormatPickle: true, FormatPyTorchZip: true, FormatSafetensors: true, FormatONNX: true,
	FormatGGUF: true, FormatHDF5: true, FormatKeras: true, FormatSavedModel: true}

// BuildBOM returns a CycloneDX 1.6 JSON BOM of the scanned files: one
// component per file (machine-learning-model for model formats, file
// otherwise) with its SHA-256, its format and the scan's result as
// properties; archive members are nested components.
func BuildBOM(r *Report, version string, ts time.Time) ([]byte, error) {
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	if ts.IsZero() {
		ts = time.Now()
	}
	bom.Metadata = &cdx.Metadata{Timestamp: ts.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: "aiassure", Version: version}}}}
	per := map[string][]Finding{}
	for _, f := range r.Findings {
		k := f.Path
		if i := strings.Index(k, "#"); i >= 0 {
			k = k[:i]
		}
		per[k] = append(per[k], f)
	}
	h := sha256.New()
	comps := []cdx.Component{}
	byPath := map[string]*[]cdx.Component{}
	var roots []string
	made := map[string]cdx.Component{}
	for _, a := range r.Artifacts {
		h.Write([]byte(a.Path + "@" + a.SHA256 + "\x00"))
		typ := cdx.ComponentTypeFile
		if modelFormats[a.Format] {
			typ = cdx.ComponentTypeMachineLearningModel
		}
		c := cdx.Component{Type: typ, BOMRef: "scan:" + a.Path, Name: a.Path}
		if a.SHA256 != "" {
			c.Hashes = &[]cdx.Hash{{Algorithm: cdx.HashAlgoSHA256, Value: a.SHA256}}
		}
		worst := Severity("none")
		for _, f := range per[a.Path] {
			if f.Severity.Rank() > worst.Rank() {
				worst = f.Severity
			}
		}
		props := []cdx.Property{{Name: "aiassure:scan:format", Value: string(a.Format)}, {Name: "aiassure:scan:size", Value: strconv.FormatInt(a.Size, 10)},
			{Name: "aiassure:scan:findings", Value: strconv.Itoa(len(per[a.Path]))}, {Name: "aiassure:scan:worst", Value: string(worst)}}
		for _, g := range a.Globals {
			props = append(props, cdx.Property{Name: "aiassure:scan:pickle-global", Value: g})
		}
		c.Properties = &props
		made[a.Path] = c
		if i := strings.LastIndex(a.Path, "!"); i >= 0 {
			parent := a.Path[:i]
			if _, ok := made[parent]; ok {
				byPath[parent] = appendComp(byPath[parent], c)
				continue
			}
		}
		roots = append(roots, a.Path)
	}
	// assemble children bottom-up: members were recorded after parents
	var build func(p string) cdx.Component
	build = func(p string) cdx.Component {
		c := made[p]
		if kids := byPath[p]; kids != nil {
			var cs []cdx.Component
			for _, k := range *kids {
				cs = append(cs, build(k.Name))
			}
			c.Components = &cs
		}
		return c
	}
	for _, p := range roots {
		comps = append(comps, build(p))
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	bom.SerialNumber = fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
	bom.Version = 1
	bom.Components = &comps
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return nil, fmt.Errorf("scan cyclonedx: %w", err)
	}
	return buf.Bytes(), nil
}

func appendComp(l *[]cdx.Component, c cdx.Component) *[]cdx.Component {
	if l == nil {
		l = &[]cdx.Component{}
	}
	*l = append(*l, c)
	return l
}
