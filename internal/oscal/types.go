// Package oscal holds hand-written Go types for the parts of the OSCAL 1.2
// JSON models that aiassure writes (catalog, mapping-collection and
// assessment-results), deterministic UUIDs, and the export of the catalogue
// as an OSCAL catalog and mapping-collection.
//
// Field names follow the OSCAL 1.2 JSON schemas. Optional fields are
// omitted when empty, because OSCAL arrays have minItems 1 and strings must
// not be blank.
package oscal

// Version is the OSCAL version the documents conform to: the release whose
// JSON schema the tests validate them against (testdata/nist).
const Version = "1.2.2"

// NS is the namespace of aiassure's own property names, facet systems and
// identifier systems. It is a URN, so it needs no resolvable host.
const NS = "urn:aiassure:oscal"

// Metadata is an OSCAL document's metadata.
type Metadata struct {
	Title        string  `json:"title"`
	LastModified string  `json:"last-modified"`
	Version      string  `json:"version"`
	OSCALVersion string  `json:"oscal-version"`
	Props        []Prop  `json:"props,omitempty"`
	Links        []Link  `json:"links,omitempty"`
	Parties      []Party `json:"parties,omitempty"`
	Remarks      string  `json:"remarks,omitempty"`
}

// Party is an organisation or person.
type Party struct {
	UUID string `json:"uuid"`
	Type string `json:"type"` // person, organization
	Name string `json:"name,omitempty"`
}

// Prop is an OSCAL property: a name/value pair, in NS unless Ns says.
type Prop struct {
	Name    string `json:"name"`
	Ns      string `json:"ns,omitempty"`
	Value   string `json:"value"`
	Class   string `json:"class,omitempty"`
	Remarks string `json:"remarks,omitempty"`
}

// Link points from one object to another, in this document or elsewhere.
type Link struct {
	Href      string `json:"href"`
	Rel       string `json:"rel,omitempty"`
	MediaType string `json:"media-type,omitempty"`
	Text      string `json:"text,omitempty"`
}

// BackMatter holds resources that the document refers to.
type BackMatter struct {
	Resources []Resource `json:"resources,omitempty"`
}

// Resource is a back-matter resource.
type Resource struct {
	UUID        string     `json:"uuid"`
	Title       string     `json:"title,omitempty"`
	Description string     `json:"description,omitempty"`
	Props       []Prop     `json:"props,omitempty"`
	Citation    *Citation  `json:"citation,omitempty"`
	Rlinks      []Rlink    `json:"rlinks,omitempty"`
	Remarks     string     `json:"remarks,omitempty"`
	DocumentIDs []Document `json:"document-ids,omitempty"`
}

// Document is a document identifier qualified by a scheme.
type Document struct {
	Scheme     string `json:"scheme,omitempty"`
	Identifier string `json:"identifier"`
}

// Citation is a bibliographic citation.
type Citation struct {
	Text  string `json:"text"`
	Props []Prop `json:"props,omitempty"`
}

// Rlink is a resource's link to its content, with optional digests.
type Rlink struct {
	Href      string `json:"href"`
	MediaType string `json:"media-type,omitempty"`
	Hashes    []Hash `json:"hashes,omitempty"`
}

// Hash is a digest of a resource.
type Hash struct {
	Algorithm string `json:"algorithm"` // e.g. SHA-256
	Value     string `json:"value"`
}

// --- catalog ---------------------------------------------------------------

// CatalogDocument is the root of an OSCAL catalog JSON file.
type CatalogDocument struct {
	Catalog CatalogModel `json:"catalog"`
}

// CatalogModel is an OSCAL catalog.
type CatalogModel struct {
	UUID       string      `json:"uuid"`
	Metadata   Metadata    `json:"metadata"`
	Controls   []Control   `json:"controls,omitempty"`
	Groups     []Group     `json:"groups,omitempty"`
	BackMatter *BackMatter `json:"back-matter,omitempty"`
}

// Group is a group of controls.
type Group struct {
	ID       string    `json:"id,omitempty"`
	Class    string    `json:"class,omitempty"`
	Title    string    `json:"title"`
	Props    []Prop    `json:"props,omitempty"`
	Links    []Link    `json:"links,omitempty"`
	Parts    []Part    `json:"parts,omitempty"`
	Groups   []Group   `json:"groups,omitempty"`
	Controls []Control `json:"controls,omitempty"`
}

// Control is an OSCAL control.
type Control struct {
	ID       string    `json:"id"`
	Class    string    `json:"class,omitempty"`
	Title    string    `json:"title"`
	Props    []Prop    `json:"props,omitempty"`
	Links    []Link    `json:"links,omitempty"`
	Parts    []Part    `json:"parts,omitempty"`
	Controls []Control `json:"controls,omitempty"`
}

// Part is a part of a control (statement, guidance, ...).
type Part struct {
	ID    string `json:"id,omitempty"`
	Name  string `json:"name"`
	Ns    string `json:"ns,omitempty"`
	Class string `json:"class,omitempty"`
	Title string `json:"title,omitempty"`
	Props []Prop `json:"props,omitempty"`
	Prose string `json:"prose,omitempty"`
	Parts []Part `json:"parts,omitempty"`
	Links []Link `json:"links,omitempty"`
}

// --- mapping-collection ----------------------------------------------------

// MappingDocument is the root of an OSCAL mapping-collection JSON file.
type MappingDocument struct {
	MappingCollection MappingCollectionModel `json:"mapping-collection"`
}

// MappingCollectionModel is an OSCAL mapping-collection.
type MappingCollectionModel struct {
	UUID       string      `json:"uuid"`
	Metadata   Metadata    `json:"metadata"`
	Provenance Provenance  `json:"provenance"`
	Mappings   []Mapping   `json:"mappings"`
	BackMatter *BackMatter `json:"back-matter,omitempty"`
}

// Provenance says how a mapping collection was made.
type Provenance struct {
	Method             string `json:"method"`             // human, automation, hybrid
	MatchingRationale  string `json:"matching-rationale"` // syntactic, semantic, functional
	Status             string `json:"status"`             // complete, not-complete, draft, deprecated, superseded
	MappingDescription string `json:"mapping-description"`
	Props              []Prop `json:"props,omitempty"`
	Remarks            string `json:"remarks,omitempty"`
}

// Mapping maps the members of one resource to those of another.
type Mapping struct {
	UUID               string            `json:"uuid"`
	SourceResource     ResourceReference `json:"source-resource"`
	TargetResource     ResourceReference `json:"target-resource"`
	Maps               []Map             `json:"maps"`
	Props              []Prop            `json:"props,omitempty"`
	Remarks            string            `json:"remarks,omitempty"`
	MappingDescription string            `json:"mapping-description,omitempty"`
	SourceGapSummary   *GapSummary       `json:"source-gap-summary,omitempty"`
	TargetGapSummary   *GapSummary       `json:"target-gap-summary,omitempty"`
}

// ResourceReference names the source or target of a mapping.
type ResourceReference struct {
	Type    string `json:"type"` // catalog, profile
	Href    string `json:"href"`
	Remarks string `json:"remarks,omitempty"`
}

// Map is one relationship between source and target members.
type Map struct {
	UUID         string        `json:"uuid"`
	Relationship string        `json:"relationship"`
	Sources      []MappingItem `json:"sources"`
	Targets      []MappingItem `json:"targets"`
	Props        []Prop        `json:"props,omitempty"`
	Remarks      string        `json:"remarks,omitempty"`
}

// MappingItem names one member of a mapped resource.
type MappingItem struct {
	Type  string `json:"type"` // control, statement
	IDRef string `json:"id-ref"`
}

// GapSummary lists the members of one side that no map covers.
type GapSummary struct {
	UUID             string              `json:"uuid"`
	UnmappedControls []SelectControlByID `json:"unmapped-controls"`
}

// SelectControlByID selects controls by ID.
type SelectControlByID struct {
	WithIDs []string `json:"with-ids"`
}

// Relationships are the relationship tokens of the OSCAL mapping model that
// the catalogue's crosswalk may use.
var Relationships = []string{"equivalent-to", "equal-to", "subset-of", "superset-of", "intersects-with"}

// --- assessment-results ----------------------------------------------------

// AssessmentResultsDocument is the root of an OSCAL assessment-results file.
type AssessmentResultsDocument struct {
	AssessmentResults AssessmentResults `json:"assessment-results"`
}

// AssessmentResults is an OSCAL assessment-results model.
type AssessmentResults struct {
	UUID       string      `json:"uuid"`
	Metadata   Metadata    `json:"metadata"`
	ImportAP   ImportAP    `json:"import-ap"`
	Results    []Result    `json:"results"`
	BackMatter *BackMatter `json:"back-matter,omitempty"`
}

// ImportAP points to the assessment plan.
type ImportAP struct {
	Href    string `json:"href"`
	Remarks string `json:"remarks,omitempty"`
}

// Result is one set of assessment results.
type Result struct {
	UUID             string            `json:"uuid"`
	Title            string            `json:"title"`
	Description      string            `json:"description"`
	Start            string            `json:"start"`
	End              string            `json:"end,omitempty"`
	Props            []Prop            `json:"props,omitempty"`
	LocalDefinitions *LocalDefinitions `json:"local-definitions,omitempty"`
	ReviewedControls ReviewedControls  `json:"reviewed-controls"`
	Observations     []Observation     `json:"observations,omitempty"`
	Risks            []Risk            `json:"risks,omitempty"`
	Findings         []Finding         `json:"findings,omitempty"`
	Remarks          string            `json:"remarks,omitempty"`
}

// LocalDefinitions defines objects the results refer to.
type LocalDefinitions struct {
	Components []Component `json:"components,omitempty"`
}

// Component is a system component; aiassure defines itself as one, so that
// observations and risks can name it as their origin.
type Component struct {
	UUID        string          `json:"uuid"`
	Type        string          `json:"type"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
	Props       []Prop          `json:"props,omitempty"`
	Status      ComponentStatus `json:"status"`
}

// ComponentStatus is a component's operational state.
type ComponentStatus struct {
	State string `json:"state"` // operational, under-development, ...
}

// ReviewedControls says which controls the assessment looked at.
type ReviewedControls struct {
	Description       string             `json:"description,omitempty"`
	ControlSelections []ControlSelection `json:"control-selections"`
}

// ControlSelection selects controls; IncludeAll is an empty object when set.
type ControlSelection struct {
	Description     string          `json:"description,omitempty"`
	IncludeAll      *struct{}       `json:"include-all,omitempty"`
	IncludeControls []SelectControl `json:"include-controls,omitempty"`
}

// SelectControl names one control.
type SelectControl struct {
	ControlID string `json:"control-id"`
}

// Observation is one piece of evidence.
type Observation struct {
	UUID             string             `json:"uuid"`
	Title            string             `json:"title,omitempty"`
	Description      string             `json:"description"`
	Props            []Prop             `json:"props,omitempty"`
	Methods          []string           `json:"methods"` // EXAMINE, INTERVIEW, TEST, UNKNOWN
	Origins          []Origin           `json:"origins,omitempty"`
	RelevantEvidence []RelevantEvidence `json:"relevant-evidence,omitempty"`
	Collected        string             `json:"collected"`
	Remarks          string             `json:"remarks,omitempty"`
}

// Origin names who or what produced an item.
type Origin struct {
	Actors []Actor `json:"actors"`
}

// Actor is a tool, assessment platform or party.
type Actor struct {
	Type      string `json:"type"` // tool, assessment-platform, party
	ActorUUID string `json:"actor-uuid"`
}

// RelevantEvidence describes evidence an observation rests on.
type RelevantEvidence struct {
	Href        string `json:"href,omitempty"`
	Description string `json:"description"`
}

// Risk is an identified risk.
type Risk struct {
	UUID                string               `json:"uuid"`
	Title               string               `json:"title"`
	Description         string               `json:"description"`
	Statement           string               `json:"statement"`
	Props               []Prop               `json:"props,omitempty"`
	Status              string               `json:"status"` // open, investigating, remediating, deviation-requested, deviation-approved, closed
	Origins             []Origin             `json:"origins,omitempty"`
	ThreatIDs           []ThreatID           `json:"threat-ids,omitempty"`
	Characterizations   []Characterization   `json:"characterizations,omitempty"`
	MitigatingFactors   []MitigatingFactor   `json:"mitigating-factors,omitempty"`
	Remediations        []Response           `json:"remediations,omitempty"`
	RelatedObservations []RelatedObservation `json:"related-observations,omitempty"`
}

// ThreatID names a threat in an identification system.
type ThreatID struct {
	System string `json:"system"`
	ID     string `json:"id"`
}

// Characterization is a set of facets describing a risk, with its origin.
type Characterization struct {
	Props  []Prop  `json:"props,omitempty"`
	Origin Origin  `json:"origin"`
	Facets []Facet `json:"facets"`
}

// Facet is one named value of a characterization.
type Facet struct {
	Name    string `json:"name"`
	System  string `json:"system"`
	Value   string `json:"value"`
	Remarks string `json:"remarks,omitempty"`
}

// MitigatingFactor is something in place that lowers a risk.
type MitigatingFactor struct {
	UUID        string `json:"uuid"`
	Description string `json:"description"`
	Props       []Prop `json:"props,omitempty"`
}

// Response is a remediation: here, a recommended control.
type Response struct {
	UUID        string `json:"uuid"`
	Lifecycle   string `json:"lifecycle"` // recommendation, planned, completed
	Title       string `json:"title"`
	Description string `json:"description"`
	Props       []Prop `json:"props,omitempty"`
}

// RelatedObservation points to an observation by UUID.
type RelatedObservation struct {
	ObservationUUID string `json:"observation-uuid"`
}

// RelatedRisk points to a risk by UUID.
type RelatedRisk struct {
	RiskUUID string `json:"risk-uuid"`
}

// Finding is one assessment finding.
type Finding struct {
	UUID                string               `json:"uuid"`
	Title               string               `json:"title"`
	Description         string               `json:"description"`
	Props               []Prop               `json:"props,omitempty"`
	Origins             []Origin             `json:"origins,omitempty"`
	Target              FindingTarget        `json:"target"`
	RelatedObservations []RelatedObservation `json:"related-observations,omitempty"`
	RelatedRisks        []RelatedRisk        `json:"related-risks,omitempty"`
	Remarks             string               `json:"remarks,omitempty"`
}

// FindingTarget is the objective or statement a finding is about.
type FindingTarget struct {
	Type        string          `json:"type"` // statement-id, objective-id
	TargetID    string          `json:"target-id"`
	Title       string          `json:"title,omitempty"`
	Description string          `json:"description,omitempty"`
	Props       []Prop          `json:"props,omitempty"`
	Status      ObjectiveStatus `json:"status"`
}

// ObjectiveStatus says whether an objective is met.
type ObjectiveStatus struct {
	State  string `json:"state"` // satisfied, not-satisfied
	Reason string `json:"reason,omitempty"`
}
