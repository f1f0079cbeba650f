package profile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"

	"github.com/aiassure/aiassure/internal/yamlx"
)

// descriptions documents every field of the profile, by normalised path. The
// schema generator requires an entry for each field, so a new field cannot
// ship undocumented.
var descriptions = map[string]string{
	"":                                   "An aiassure system profile: one AI system, its use, assets, exposure, controls and claims.",
	"api_version":                        "Profile format version; must be " + APIVersion + ".",
	"system":                             "The AI system and its intended purpose.",
	"system.name":                        "Name of the AI system.",
	"system.version":                     "Version of the system assessed.",
	"system.provider":                    "Who places the system on the market or puts it into service.",
	"system.intended_purpose":            "The intended purpose (AI Act Art. 3(12)): what the system is for, for whom, in what setting.",
	"system.sector":                      "Sector of use, e.g. finance, health, transport.",
	"system.description":                 "Free-text description of how the system works.",
	"use":                                "The legal conclusions the provider claims for the AI Act classification (Annex III points, Art. 5 practices, derogations, exclusions).",
	"facts":                              "Answers to the classification questionnaire (aiassure classify -questions): question ID to yes, no, unknown or one of the question's choices. The tier is computed from these facts.",
	"facts{}":                            "One answer: yes, no, unknown, or a choice the question offers.",
	"use.annex_iii":                      "AI Act Annex III areas and points the use falls under.",
	"use.annex_iii[]":                    "One Annex III reference.",
	"use.annex_iii[].area":               "Annex III area, 1 to 8.",
	"use.annex_iii[].point":              "Point letter within the area (area 2 has none: leave it out or write a).",
	"use.annex_i":                        "Set when the system is, or is a safety component of, a product under Annex I legislation.",
	"use.annex_i.legislation":            "The Annex I legislation (Section A or B).",
	"use.annex_i.safety_component":       "The AI system is a safety component of the product.",
	"use.annex_i.third_party_assessment": "The product needs a third-party conformity assessment under that legislation.",
	"use.practices":                      "Features of the use that AI Act Art. 5 may prohibit.",
	"use.practices[]":                    "One Art. 5 practice.",
	"use.profiling":                      "The system profiles natural persons (Art. 6(3), last subparagraph).",
	"use.derogation":                     "Art. 6(3) conditions the provider claims.",
	"use.derogation[]":                   "One Art. 6(3) condition.",
	"use.transparency":                   "Art. 50 situations that apply.",
	"use.transparency[]":                 "One Art. 50 situation.",
	"use.general_purpose":                "Set for a general-purpose AI model or a system built on one.",
	"use.general_purpose.model":          "The provider places a general-purpose AI model on the market (Art. 53).",
	"use.general_purpose.systemic_risk":  "The model has systemic risk (Art. 51, 55).",
	"use.general_purpose.built_on_third_party": "The system is built on a third party's general-purpose model.",
	"use.exclusions":                   "Art. 2 scope exclusions claimed.",
	"use.exclusions[]":                 "One Art. 2 exclusion.",
	"role":                             "The operator role (AI Act Art. 3(3)-(8), 25(3)); give role or roles, not both.",
	"roles":                            "The operator roles, when the operator holds several (a bank that builds and uses its model is provider and deployer); give role or roles, not both.",
	"roles[]":                          "One operator role.",
	"users":                            "Who uses the system.",
	"users[]":                          "One group of users.",
	"affected_persons":                 "Groups of persons the system's outputs affect.",
	"affected_persons[]":               "One affected group.",
	"affected_persons[].group":         "The group.",
	"affected_persons[].vulnerable":    "The group is vulnerable (children, persons with disabilities, persons in financial difficulty, ...).",
	"techniques":                       "AI techniques used, e.g. supervised-learning, deep-learning, gradient-boosting.",
	"techniques[]":                     "One technique.",
	"lifecycle":                        "How the system is built and kept up.",
	"lifecycle.phases":                 "Life-cycle phases the provider carries out.",
	"lifecycle.phases[]":               "One life-cycle phase.",
	"lifecycle.continuous_learning":    "The system keeps learning after it is put into service.",
	"lifecycle.federated_learning":     "The model is trained by federated learning: clients or sites train locally and send updates back.",
	"lifecycle.retraining":             "How often the model is retrained, e.g. quarterly, never.",
	"assets":                           "Things of value the threats attack: data sets, models, interfaces, logs.",
	"assets[]":                         "One asset.",
	"assets[].id":                      "Identifier of the asset, unique in the profile.",
	"assets[].kind":                    "Kind of asset.",
	"assets[].name":                    "Human-readable name.",
	"assets[].sensitivity":             "Sensitivity of the data the asset holds.",
	"assets[].origin":                  "Where the asset comes from.",
	"assets[].exposure":                "How the asset can be reached (for inference interfaces).",
	"assets[].exposure.public":         "Reachable from the internet.",
	"assets[].exposure.authentication": "Callers must authenticate.",
	"assets[].exposure.outputs":        "What the interface returns.",
	"assets[].exposure.rate_limit":     "Queries per minute per caller; 0 means none.",
	"assets[].exposure.query_budget":   "Queries per caller per day; 0 means none.",
	"assets[].path":                    "File or directory holding the asset, relative to the profile.",
	"assets[].capture":                 "For an input: digital (typed, uploaded, sent by another system; the default) or sensor (captured from the physical world).",
	"assets[].format":                  "For a model: its file format; taken from the path's extension when absent.",
	"assets[].digest":                  "Content digest of the asset: sha256:<64 hex> or sha512:<128 hex>.",
	"components":                       "Third-party and open-source parts of the system.",
	"components[]":                     "One component.",
	"components[].name":                "Component name.",
	"components[].version":             "Component version.",
	"components[].kind":                "Kind of component.",
	"components[].supplier":            "Who supplies it.",
	"components[].open_source":         "The component is open source.",
	"components[].licence":             "Licence, as an SPDX identifier where there is one.",
	"controls":                         "Security controls the system implements, with their evidence.",
	"controls[]":                       "One control.",
	"controls[].id":                    "Catalogue control ID (c-...).",
	"controls[].status":                "How far the control is in place.",
	"controls[].note":                  "Free-text note.",
	"controls[].evidence":              "What shows the control works.",
	"controls[].evidence[]":            "One piece of evidence.",
	"controls[].evidence[].kind":       "Kind of evidence.",
	"controls[].evidence[].ref":        "A path (relative to the profile), URL or document reference.",
	"performance":                      "Performance levels the provider declares (Art. 13(3)(b)(ii), Art. 15(3)).",
	"performance[]":                    "One declared level.",
	"performance[].metric":             "The metric.",
	"performance[].class":              "The class the metric is for, when per class.",
	"performance[].value":              "The declared value, 0 to 1.",
	"performance[].epsilon":            "For robust_accuracy: the perturbation size.",
	"performance[].norm":               "For robust_accuracy: the perturbation norm.",
	"artefacts":                        "What the model tests run on.",
	"artefacts.model":                  "ONNX model file, relative to the profile.",
	"artefacts.data":                   "Labelled test set (CSV, NPY, ARFF), relative to the profile.",
	"artefacts.label":                  "The label column of the test set.",
	"artefacts.endpoint":               "HTTP(S) endpoint of the deployed model, for black-box tests.",
	"artefacts.train_data":             "Labelled records of the training split (a sample of it), relative to the profile: the members of the privacy tests (docs/privacy.md).",
	"artefacts.heldout_data":           "Labelled records held out from training, same distribution and features, relative to the profile: the non-members of the privacy tests.",
	"artefacts.reference_data":         "Optional further labelled records from the same distribution, not trained on: more data for the privacy tests' reference models and extraction queries.",
	"artefacts.sensitive_features":     "Attributes the privacy tests' attribute inference tries to recover: a feature name, or the stem of a one-hot group (name=value).",
	"artefacts.sensitive_features[]":   "One sensitive attribute.",
	"artefacts.llm_endpoint":           "The chat endpoint of the LLM application, for the LLM tests (docs/llm.md).",
	"artefacts.llm_endpoint.url":       "The endpoint's URL, or double:vulnerable, double:partly-hardened or double:hardened for aiassure's test double on loopback (examples and CI only).",
	"artefacts.llm_endpoint.protocol":  "The endpoint's protocol: openai (OpenAI-compatible chat completions, the default) or mapped (another JSON chat API, described by a mapping file).",
	"artefacts.llm_endpoint.mapping":   "The chat mapping file of the mapped protocol, relative to the profile: request template and response paths (docs/llm.md).",
	"artefacts.llm_endpoint.model":     "The model name sent in each request.",
	"artefacts.ledger":                 "Directory of the system's tamper-evident event ledger (aiassure ledger, docs/ledger.md), relative to the profile: verified for AI Act Art. 12 record-keeping.",
	"artefacts.ledger_public_key":      "The trusted public key (PKIX PEM, Ed25519) the ledger's checkpoints are signed with, relative to the profile.",
	"test_plan":                        "Adjusts the model tests of the assurance level's plan, to reproduce a published configuration (docs/probe.md).",
	"test_plan.suites":                 "Test suites to run besides the level's: availability, which no level runs because its latency measurements differ from run to run.",
	"test_plan.suites[]":               "One test suite.",
	"test_plan.attacks":                "Evasion attacks with their settings: one the level's plan runs keeps the plan's settings not given here; another is added.",
	"test_plan.attacks[]":              "One attack; a setting it does not take is an error, a zero or absent one keeps the plan's or the attack's default.",
	"test_plan.attacks[].name":         "The attack (docs/evasion.md).",
	"test_plan.attacks[].steps":        "PGD: steps per run (default 40).",
	"test_plan.attacks[].restarts":     "PGD: runs, each after the first from a new random start (default 1).",
	"test_plan.attacks[].step":         "PGD: step size as a multiple of epsilon (default 2.5/steps).",
	"test_plan.attacks[].random_start": "PGD: the first run starts at a random point of the epsilon ball (default true).",
	"test_plan.attacks[].iterations":   "Square and HopSkipJump: iterations (defaults 1000, 50); DeepFool: most iterations (default 50).",
	"test_plan.attacks[].p_init":       "Square: initial share of the input one square window covers, in (0, 1] (default 0.1).",
	"test_plan.attacks[].init_evals":   "HopSkipJump: random points of the first gradient estimate (default 100).",
	"test_plan.attacks[].max_evals":    "HopSkipJump: most random points of one gradient estimate (default 10000).",
	"test_plan.attacks[].overshoot":    "DeepFool: the final perturbation is scaled by 1+overshoot (default 0.02).",
	"test_plan.attacks[].budget":       "Queries per sample of this attack (default: the plan's budget for black-box attacks, none for white-box ones).",
	"assurance":                        "Cybersecurity Act assurance level sought (Art. 52).",
	"lineage":                          "Signed attestations of the life cycle and how to verify them.",
	"lineage.attestations":             "DSSE envelope files or directories, relative to the profile.",
	"lineage.attestations[]":           "One file or directory.",
	"lineage.keys":                     "Public key files (PEM) trusted to sign the attestations.",
	"lineage.keys[]":                   "One key file.",
	"lineage.policy":                   "A verification policy file.",
	"deployment":                       "Where the model runs.",
	"deployment.edge":                  "The model runs on devices that users or third parties hold (phones, cameras, vehicles, kiosks).",
	"deployment.environment":           "cloud, on-premises, edge or hybrid (descriptive).",
	"llm":                              "A large language model component and the application around it.",
	"llm.model":                        "The language model used.",
	"llm.origin":                       "Where the language model comes from.",
	"llm.untrusted_content":            "Where untrusted text enters the model's prompt.",
	"llm.untrusted_content[]":          "One entry point of untrusted content.",
	"llm.tools":                        "Tools (functions) the model may call.",
	"llm.tools[]":                      "One tool.",
	"llm.tools[].name":                 "The tool's name.",
	"llm.tools[].side_effects":         "The tool changes something outside the conversation (sends, writes, pays, deletes).",
	"llm.output_sinks":                 "Where the model's answer is used.",
	"llm.output_sinks[]":               "One output sink.",
	"llm.memory":                       "What the application remembers: none, session (the conversation only) or persistent (across sessions).",
	"llm.retrieval":                    "Stores the application retrieves prompt content from (retrieval-augmented generation).",
	"llm.retrieval[]":                  "One store.",
	"llm.retrieval[].name":             "The store's name.",
	"llm.retrieval[].kind":             "The kind of store: vector (an embedding database), search, database or graph.",
	"llm.tools[].approval":             "Whether a person approves each call before it runs: human or none (the default).",
	"llm.system_prompt":                "The file of the application's system prompt, relative to the profile; the LLM tests send it as the system message.",
	"llm.canary":                       "A secret string planted in the system prompt; an answer that shows it leaks the prompt.",
	"llm.planted_secrets":              "Secret strings planted in the data the application retrieves; an answer that shows one discloses it.",
	"llm.planted_secrets[]":            "One planted secret.",
	"llm.allowed_hosts":                "Hosts the output may link to or load images from.",
	"llm.allowed_hosts[]":              "One host.",
	"llm.tools[].origin":               "Who supplies the tool or MCP server: internal, third-party, open-source or public.",
	"risk_acceptance":                  "File of accepted risks, relative to the profile (docs/risk-acceptance.md).",
}

// ordered is a JSON object that keeps its keys in insertion order.
type ordered struct {
	keys []string
	vals map[string]any
}

func obj() *ordered { return &ordered{vals: map[string]any{}} }

func (o *ordered) set(k string, v any) *ordered {
	if _, ok := o.vals[k]; !ok {
		o.keys = append(o.keys, k)
	}
	o.vals[k] = v
	return o
}

func (o *ordered) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, k := range o.keys {
		if i > 0 {
			b.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		b.Write(kb)
		b.WriteByte(':')
		vb, err := json.Marshal(o.vals[k])
		if err != nil {
			return nil, err
		}
		b.Write(vb)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// generateSchema builds the profile's JSON Schema from the Go types and the
// vocabularies.
func generateSchema() ([]byte, error) {
	g := &gen{defs: obj(), enums: Enums(), ranges: Ranges(), patterns: Patterns(), required: map[string]bool{}}
	for _, r := range Required {
		g.required[r] = true
	}
	root := obj().
		set("$schema", "https://json-schema.org/draft/2020-12/schema").
		set("$id", "https://aiassure.dev/schema/profile/v1.json").
		set("title", "aiassure system profile ("+APIVersion+")")
	body, err := g.structSchema(reflect.TypeFor[Profile](), "")
	if err != nil {
		return nil, err
	}
	for _, k := range body.keys {
		root.set(k, body.vals[k])
	}
	// A profile gives its role in exactly one of role and roles.
	root.set("oneOf", []any{obj().set("required", []string{"role"}), obj().set("required", []string{"roles"})})
	root.set("$defs", g.defs)
	out, err := json.MarshalIndent(root, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(out, '\n'), nil
}

type gen struct {
	defs     *ordered
	enums    map[string][]string
	ranges   map[string]Range
	patterns map[string]string
	required map[string]bool
}

func (g *gen) describe(norm string) (string, error) {
	d, ok := descriptions[norm]
	if !ok {
		return "", fmt.Errorf("no description for %q: add one to descriptions", norm)
	}
	return d, nil
}

func (g *gen) structSchema(t reflect.Type, norm string) (*ordered, error) {
	d, err := g.describe(norm)
	if err != nil {
		return nil, err
	}
	props := obj()
	var req []string
	for i := range t.NumField() {
		name, _, ok := yamlx.TagName(t.Field(i))
		if !ok {
			continue
		}
		fn := name
		if norm != "" {
			fn = norm + "." + name
		}
		s, err := g.schemaFor(t.Field(i).Type, fn)
		if err != nil {
			return nil, err
		}
		props.set(name, s)
		if g.required[fn] {
			req = append(req, name)
		}
	}
	o := obj().set("description", d).set("type", "object").set("additionalProperties", false)
	if len(req) > 0 {
		o.set("required", req)
	}
	o.set("properties", props)
	switch t {
	case reflect.TypeFor[AnnexIIIRef]():
		o.set("allOf", annexIIIRules())
	case reflect.TypeFor[Declared]():
		o.set("allOf", robustRules())
	}
	return o, nil
}

func (g *gen) schemaFor(t reflect.Type, norm string) (any, error) {
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	d, err := g.describe(norm)
	if err != nil {
		return nil, err
	}
	switch t.Kind() {
	case reflect.Struct:
		s, err := g.structSchema(t, norm)
		if err != nil {
			return nil, err
		}
		if _, dup := g.defs.vals[t.Name()]; dup {
			return nil, fmt.Errorf("type %s used twice", t.Name())
		}
		g.defs.set(t.Name(), s)
		return obj().set("$ref", "#/$defs/"+t.Name()), nil
	case reflect.Slice:
		items, err := g.schemaFor(t.Elem(), norm+"[]")
		if err != nil {
			return nil, err
		}
		o := obj().set("description", d).set("type", "array")
		if g.required[norm] {
			o.set("minItems", 1)
		}
		if t.Elem().Kind() == reflect.String {
			o.set("uniqueItems", true)
		}
		return o.set("items", items), nil
	case reflect.String:
		o := obj().set("description", d).set("type", "string")
		if g.required[norm] || t.Kind() == reflect.String && norm[len(norm)-1] == ']' {
			o.set("minLength", 1)
		}
		if e, ok := g.enums[norm]; ok {
			if len(e) == 1 {
				o.set("const", e[0])
			} else {
				o.set("enum", e)
			}
		}
		if p, ok := g.patterns[norm]; ok {
			o.set("pattern", p)
		}
		return o, nil
	case reflect.Map:
		vals, err := g.schemaFor(t.Elem(), norm+"{}")
		if err != nil {
			return nil, err
		}
		o := obj().set("description", d).set("type", "object")
		if p, ok := g.patterns[norm+"{key}"]; ok {
			o.set("propertyNames", obj().set("pattern", p))
		}
		return o.set("additionalProperties", vals), nil
	case reflect.Bool:
		return obj().set("description", d).set("type", "boolean"), nil
	case reflect.Int, reflect.Int64, reflect.Float64:
		typ := "number"
		if t.Kind() != reflect.Float64 {
			typ = "integer"
		}
		o := obj().set("description", d).set("type", typ)
		if r, ok := g.ranges[norm]; ok {
			o.set("minimum", r.Min).set("maximum", r.Max)
		}
		return o, nil
	}
	return nil, fmt.Errorf("%s: unsupported Go type %s", norm, t)
}

// annexIIIRules ties each Annex III area to its points.
func annexIIIRules() []any {
	var rules []any
	for area := 1; area <= 8; area++ {
		points := AnnexIIIPoints(area)
		then := obj().set("properties", obj().set("point", obj().set("enum", points)))
		if area != 2 {
			then.set("required", []string{"point"})
		}
		rules = append(rules, obj().
			set("if", obj().set("properties", obj().set("area", obj().set("const", area))).set("required", []string{"area"})).
			set("then", then))
	}
	return rules
}

// robustRules: epsilon and norm are needed for robust_accuracy, and only there.
func robustRules() []any {
	isRobust := obj().set("properties", obj().set("metric", obj().set("const", "robust_accuracy"))).set("required", []string{"metric"})
	return []any{obj().
		set("if", isRobust).
		set("then", obj().set("required", []string{"epsilon", "norm"}).set("properties", obj().set("epsilon", obj().set("exclusiveMinimum", 0)))).
		set("else", obj().set("not", obj().set("anyOf", []any{
			obj().set("required", []string{"epsilon"}),
			obj().set("required", []string{"norm"}),
		})))}
}
