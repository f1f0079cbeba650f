package oscal

import (
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Check validates an OSCAL JSON document (catalog, mapping-collection or
// assessment-results) against the structural rules of the OSCAL 1.2 JSON
// schemas for the objects aiassure writes: each object's required and
// allowed keys, non-empty arrays, non-blank strings, the UUID, token and
// date-time patterns, the closed vocabularies, unique UUIDs and IDs, and
// that every internal reference ("#uuid", observation-uuid, risk-uuid,
// actor-uuid, id-ref) resolves.
//
// It is not a full JSON Schema validation, but it checks, without the schema
// file, every rule of those schemas that aiassure's output touches, so that
// the command line can check what it writes. The tests validate the same
// documents against NIST's published schema (package oscaltest). All
// problems are returned, joined.
func Check(doc []byte) error {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return fmt.Errorf("oscal check: %w", err)
	}
	root, ok := v.(map[string]any)
	if !ok || len(root) != 1 {
		return errors.New("oscal check: root must be an object with exactly one model key")
	}
	k := &checker{uuids: map[string]string{}, ids: map[string]string{}}
	var model string
	for model = range root {
	}
	if _, known := objectRules[model]; !known || !slices.Contains([]string{"catalog", "mapping-collection", "assessment-results"}, model) {
		return fmt.Errorf("oscal check: unsupported model %q", model)
	}
	k.walk(model, "/"+model, root[model])
	k.resolve()
	return errors.Join(k.errs...)
}

type rule struct {
	required []string
	allowed  []string // in addition to required
}

// objectRules gives, by the key an object appears under, its required and
// other allowed keys (OSCAL 1.2). Keys that mean different objects in
// different places are told apart in context().
var objectRules = map[string]rule{
	"catalog":            {[]string{"uuid", "metadata"}, []string{"params", "controls", "groups", "back-matter"}},
	"mapping-collection": {[]string{"uuid", "metadata", "provenance", "mappings"}, []string{"back-matter"}},
	"assessment-results": {[]string{"uuid", "metadata", "import-ap", "results"}, []string{"local-definitions", "back-matter"}},
	"metadata": {[]string{"title", "last-modified", "version", "oscal-version"}, []string{"published", "revisions",
		"document-ids", "props", "links", "roles", "locations", "parties", "responsible-parties", "actions", "remarks"}},
	"parties":      {[]string{"uuid", "type"}, []string{"name", "short-name", "external-ids", "props", "links", "email-addresses", "telephone-numbers", "addresses", "location-uuids", "member-of-organizations", "remarks"}},
	"props":        {[]string{"name", "value"}, []string{"uuid", "ns", "class", "group", "remarks"}},
	"links":        {[]string{"href"}, []string{"rel", "media-type", "resource-fragment", "text"}},
	"back-matter":  {nil, []string{"resources"}},
	"resources":    {[]string{"uuid"}, []string{"title", "description", "props", "document-ids", "citation", "rlinks", "base64", "remarks"}},
	"document-ids": {[]string{"identifier"}, []string{"scheme"}},
	"citation":     {[]string{"text"}, []string{"props", "links"}},
	"rlinks":       {[]string{"href"}, []string{"media-type", "hashes"}},
	"hashes":       {[]string{"algorithm", "value"}, nil},
	// catalog
	"groups":   {[]string{"title"}, []string{"id", "class", "params", "props", "links", "parts", "groups", "controls"}},
	"controls": {[]string{"id", "title"}, []string{"class", "params", "props", "links", "parts", "controls"}},
	"parts":    {[]string{"name"}, []string{"id", "ns", "class", "title", "props", "prose", "parts", "links"}},
	// mapping
	"provenance": {[]string{"method", "matching-rationale", "status", "mapping-description"}, []string{"confidence-score", "coverage", "responsible-parties", "props", "links", "remarks"}},
	"mappings": {[]string{"uuid", "source-resource", "target-resource", "maps"}, []string{"method", "matching-rationale", "status",
		"props", "links", "remarks", "mapping-description", "source-gap-summary", "target-gap-summary", "confidence-score", "coverage"}},
	"source-resource":    {[]string{"type", "href"}, []string{"ns", "props", "links", "remarks"}},
	"maps":               {[]string{"uuid", "relationship", "sources", "targets"}, []string{"ns", "matching-rationale", "qualifiers", "confidence-score", "coverage", "props", "links", "remarks"}},
	"sources":            {[]string{"type", "id-ref"}, []string{"props", "links", "remarks"}},
	"source-gap-summary": {[]string{"uuid", "unmapped-controls"}, nil},
	"unmapped-controls":  {nil, []string{"with-child-controls", "with-ids", "matching"}},
	// assessment results
	"import-ap": {[]string{"href"}, []string{"remarks"}},
	"results": {[]string{"uuid", "title", "description", "start", "reviewed-controls"}, []string{"end", "props", "links",
		"local-definitions", "attestations", "assessment-log", "observations", "risks", "findings", "remarks"}},
	"local-definitions":  {nil, []string{"objectives-and-methods", "components", "inventory-items", "users", "assessment-assets", "tasks", "activities", "remarks"}},
	"components":         {[]string{"uuid", "type", "title", "description", "status"}, []string{"purpose", "props", "links", "responsible-roles", "protocols", "remarks"}},
	"state-status":       {[]string{"state"}, []string{"reason", "remarks"}},
	"reviewed-controls":  {[]string{"control-selections"}, []string{"description", "props", "links", "control-objective-selections", "remarks"}},
	"control-selections": {nil, []string{"description", "props", "links", "include-all", "include-controls", "exclude-controls", "remarks"}},
	"include-controls":   {[]string{"control-id"}, []string{"statement-ids"}},
	"include-all":        {nil, nil},
	"observations": {[]string{"uuid", "description", "methods", "collected"}, []string{"title", "props", "links", "types",
		"origins", "subjects", "relevant-evidence", "expires", "remarks"}},
	"origins":           {[]string{"actors"}, []string{"related-tasks"}},
	"actors":            {[]string{"type", "actor-uuid"}, []string{"role-id", "props", "links"}},
	"relevant-evidence": {[]string{"description"}, []string{"href", "props", "links", "remarks"}},
	"risks": {[]string{"uuid", "title", "description", "statement", "status"}, []string{"props", "links", "origins",
		"threat-ids", "characterizations", "mitigating-factors", "deadline", "remediations", "risk-log", "related-observations", "remarks"}},
	"threat-ids":           {[]string{"system", "id"}, []string{"href"}},
	"characterizations":    {[]string{"origin", "facets"}, []string{"props", "links"}},
	"origin":               {[]string{"actors"}, []string{"related-tasks"}},
	"facets":               {[]string{"name", "system", "value"}, []string{"props", "links", "remarks"}},
	"mitigating-factors":   {[]string{"uuid", "description"}, []string{"implementation-uuid", "props", "links", "subjects"}},
	"remediations":         {[]string{"uuid", "lifecycle", "title", "description"}, []string{"props", "links", "origins", "required-assets", "tasks", "remarks"}},
	"related-observations": {[]string{"observation-uuid"}, nil},
	"related-risks":        {[]string{"risk-uuid"}, nil},
	"findings": {[]string{"uuid", "title", "description", "target"}, []string{"props", "links", "origins",
		"implementation-statement-uuid", "related-observations", "related-risks", "remarks"}},
	"target": {[]string{"type", "target-id", "status"}, []string{"title", "description", "props", "links", "implementation-status", "remarks"}},
}

// enums are the closed vocabularies, by context and key.
var enums = map[string][]string{
	"parties.type":                  {"person", "organization"},
	"provenance.method":             {"human", "automation", "hybrid"},
	"provenance.matching-rationale": {"syntactic", "semantic", "functional"},
	"provenance.status":             {"complete", "not-complete", "draft", "deprecated", "superseded"},
	"source-resource.type":          {"catalog", "profile"},
	"sources.type":                  {"control", "statement"},
	"maps.relationship":             {"equivalent-to", "equal-to", "subset-of", "superset-of", "intersects-with", "no-relationship"},
	"observations.methods":          {"EXAMINE", "INTERVIEW", "TEST", "UNKNOWN"},
	"actors.type":                   {"tool", "assessment-platform", "party"},
	"risks.status":                  {"open", "investigating", "remediating", "deviation-requested", "deviation-approved", "closed"},
	"remediations.lifecycle":        {"recommendation", "planned", "completed"},
	"target.type":                   {"statement-id", "objective-id"},
	"target.status.state":           {"satisfied", "not-satisfied"},
	"components.status.state":       {"under-development", "operational", "disposition", "other"},
}

var (
	uuidRE     = regexp.MustCompile(`^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[45][0-9A-Fa-f]{3}-[89ABab][0-9A-Fa-f]{3}-[0-9A-Fa-f]{12}$`)
	tokenRE    = regexp.MustCompile(`^(\p{L}|_)(\p{L}|\p{N}|[.\-_])*$`)
	dateTimeRE = regexp.MustCompile(`^((19|2[0-9])[0-9]{2})-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])T(2[0-3]|[01][0-9]):[0-5][0-9]:[0-5][0-9](\.[0-9]*[1-9])?(Z|[+-][01][0-9]:[0-5][0-9])$`)
	uriRE      = regexp.MustCompile(`^[a-zA-Z][a-zA-Z0-9+\-.]+:.+$`)
)

// tokenKeys hold OSCAL tokens; uuidKeys UUIDs; timeKeys date-times.
var (
	tokenKeys = []string{"id", "control-id", "target-id", "id-ref", "with-ids", "role-id", "lifecycle"}
	uuidKeys  = []string{"uuid", "actor-uuid", "observation-uuid", "risk-uuid"}
	timeKeys  = []string{"last-modified", "published", "start", "end", "collected", "expires", "deadline"}
	uriKeys   = []string{"ns", "system", "scheme"}
	// trimmed holds keys of OSCAL's string type, which has no outer white space.
	trimmed = []string{"title", "name", "value", "version", "oscal-version", "type", "state", "text", "identifier", "algorithm"}
)

type checker struct {
	errs  []error
	uuids map[string]string // uuid -> path of its definition
	ids   map[string]string // control/group/part id -> path
	refs  []ref
}

type ref struct{ path, kind, to string }

func (k *checker) errf(path, format string, args ...any) {
	k.errs = append(k.errs, fmt.Errorf("%s: %s", path, fmt.Sprintf(format, args...)))
}

// context names the rule for an object found under key.
func context(key string) string {
	switch {
	case key == "status":
		return "state-status"
	case key == "target-resource":
		return "source-resource"
	case key == "targets":
		return "sources"
	case key == "target-gap-summary":
		return "source-gap-summary"
	}
	return key
}

func (k *checker) walk(ctx, path string, v any) {
	switch x := v.(type) {
	case map[string]any:
		r, ok := objectRules[ctx]
		if !ok {
			k.errf(path, "object under %q is not one aiassure writes", ctx)
			return
		}
		for _, req := range r.required {
			if _, ok := x[req]; !ok {
				k.errf(path, "missing required %q", req)
			}
		}
		keys := make([]string, 0, len(x))
		for key := range x {
			keys = append(keys, key)
		}
		sort.Strings(keys)
		for _, key := range keys {
			if !slices.Contains(r.required, key) && !slices.Contains(r.allowed, key) {
				k.errf(path, "key %q not allowed here", key)
				continue
			}
			k.value(ctx, key, path+"/"+key, x[key])
		}
	default:
		k.errf(path, "expected an object, got %T", v)
	}
}

func (k *checker) value(ctx, key, path string, v any) {
	switch x := v.(type) {
	case []any:
		if len(x) == 0 {
			k.errf(path, "empty array (OSCAL arrays have at least one item)")
		}
		for i, item := range x {
			p := fmt.Sprintf("%s/%d", path, i)
			if _, isObj := item.(map[string]any); isObj {
				k.object(ctx, key, p, item)
			} else {
				k.scalar(ctx, key, p, item)
			}
		}
	case map[string]any:
		k.object(ctx, key, path, x)
	default:
		k.scalar(ctx, key, path, v)
	}
}

func (k *checker) object(parentCtx, key, path string, v any) {
	c := context(key)
	if c == "state-status" {
		st, _ := v.(map[string]any)
		if vocab, ok := enums[parentCtx+".status.state"]; ok {
			if s, _ := st["state"].(string); !slices.Contains(vocab, s) {
				k.errf(path+"/state", "%q is not one of %v", s, vocab)
			}
		}
		if r, ok := st["reason"].(string); ok && parentCtx == "target" && !slices.Contains([]string{"pass", "fail", "other"}, r) {
			k.errf(path+"/reason", "%q is not one of pass, fail, other", r)
		}
	}
	if m, ok := v.(map[string]any); ok {
		if u, ok := m["uuid"].(string); ok {
			if prev, dup := k.uuids[u]; dup {
				k.errf(path, "uuid %s already used at %s", u, prev)
			}
			k.uuids[u] = path
		}
		if id, ok := m["id"].(string); ok && (c == "controls" || c == "groups" || c == "parts") {
			if prev, dup := k.ids[id]; dup {
				k.errf(path, "id %s already used at %s", id, prev)
			}
			k.ids[id] = path
		}
	}
	k.walk(c, path, v)
}

func (k *checker) scalar(ctx, key, path string, v any) {
	s, ok := v.(string)
	if !ok {
		if _, isBool := v.(bool); isBool || v == nil {
			k.errf(path, "expected a string, got %v", v)
		}
		return
	}
	if strings.TrimSpace(s) == "" {
		k.errf(path, "blank string")
		return
	}
	if slices.Contains(trimmed, key) && strings.TrimSpace(s) != s {
		k.errf(path, "string has leading or trailing white space")
	}
	if vocab, ok := enums[ctx+"."+key]; ok && !slices.Contains(vocab, s) {
		k.errf(path, "%q is not one of %v", s, vocab)
	}
	switch {
	case ctx == "threat-ids" && key == "id":
		// A threat ID is a URI, not a token (OSCAL URIDatatype).
		if !uriRE.MatchString(s) {
			k.errf(path, "%q is not an absolute URI", s)
		}
	case slices.Contains(uuidKeys, key):
		if !uuidRE.MatchString(s) {
			k.errf(path, "%q is not a version 4 or 5 UUID", s)
		}
		switch key {
		case "actor-uuid", "observation-uuid", "risk-uuid":
			k.refs = append(k.refs, ref{path, "uuid", s})
		}
	case slices.Contains(tokenKeys, key):
		if !tokenRE.MatchString(s) {
			k.errf(path, "%q is not an OSCAL token", s)
		}
		if key == "id-ref" {
			k.refs = append(k.refs, ref{path, "id", s})
		}
	case slices.Contains(timeKeys, key):
		if !dateTimeRE.MatchString(s) {
			k.errf(path, "%q is not a date-time with time zone", s)
		}
	case slices.Contains(uriKeys, key):
		if !uriRE.MatchString(s) {
			k.errf(path, "%q is not an absolute URI", s)
		}
	case key == "href":
		if strings.HasPrefix(s, "#") {
			k.refs = append(k.refs, ref{path, "fragment", s[1:]})
		}
	}
}

// resolve checks internal references once every definition is known.
func (k *checker) resolve() {
	for _, r := range k.refs {
		switch r.kind {
		case "uuid":
			if _, ok := k.uuids[r.to]; !ok {
				k.errf(r.path, "reference to undefined uuid %s", r.to)
			}
		case "fragment":
			_, u := k.uuids[r.to]
			_, i := k.ids[r.to]
			if !u && !i {
				k.errf(r.path, "link to undefined #%s", r.to)
			}
		}
		// id-refs point into the mapped catalogues, not into this document;
		// their syntax is checked above.
	}
}
