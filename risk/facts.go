package risk

import (
	"fmt"
	"path"
	"slices"
	"strings"

	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/profile"
)

// A fact is decided from the profile, for the asset under analysis. A fact
// about a kind of asset (kind != "") is decided for that asset when it is of
// that kind, and for any asset of that kind otherwise: "a data set holds
// personal data" is about the data set analysed, and about the model trained
// on the system's data sets.
type fact struct {
	kind string                                                // asset kind the fact is about, or "" for the system
	of   func(p *profile.Profile, i int, a profile.Asset) bool // for an asset of kind
	sys  func(p *profile.Profile) (bool, string, string)       // for a system-level fact: holds, text, field
	yes  string                                                // text when it holds, with %s for the asset
	no   string                                                // text when it does not
	// where is the profile field that would declare a system-level fact
	// that does not hold.
	where string
}

var facts = map[string]fact{
	"queryable": {kind: "inference-interface", of: func(_ *profile.Profile, _ int, a profile.Asset) bool {
		return a.Exposure == nil || a.Exposure.Outputs != "none"
	}, yes: "inference interface %s answers queries", no: "no inference interface that answers queries is declared"},
	"scores-returned": {kind: "inference-interface", of: func(_ *profile.Profile, _ int, a profile.Asset) bool {
		return a.Exposure != nil && (a.Exposure.Outputs == "score" || a.Exposure.Outputs == "logits")
	}, yes: "inference interface %s returns scores", no: "no inference interface is declared to return scores or logits (exposure.outputs)"},
	"labels-only": {kind: "inference-interface", of: func(_ *profile.Profile, _ int, a profile.Asset) bool {
		return a.Exposure != nil && a.Exposure.Outputs == "label"
	}, yes: "inference interface %s returns labels only", no: "no inference interface is declared to return labels only (exposure.outputs: label)"},
	"exposed-to-third-parties": {kind: "inference-interface", of: func(_ *profile.Profile, _ int, a profile.Asset) bool {
		return a.Exposure != nil && a.Exposure.Public
	}, yes: "inference interface %s is reachable from the internet", no: "no inference interface is declared public (exposure.public)"},
	"network-interface": {kind: "inference-interface", of: func(*profile.Profile, int, profile.Asset) bool { return true },
		yes: "inference interface %s is reachable over a network", no: "no inference interface is declared"},
	"sensor-input": {kind: "input", of: func(_ *profile.Profile, _ int, a profile.Asset) bool {
		return a.Capture == "sensor"
	}, yes: "input %s is captured from the physical world by a sensor", no: "no input is declared as captured by a sensor (assets[].capture: sensor)"},
	"personal-training-data": {kind: "dataset", of: func(_ *profile.Profile, _ int, a profile.Asset) bool {
		return a.Sensitivity == "personal" || a.Sensitivity == "special-category"
	}, yes: "data set %s holds personal data", no: "no data set is declared to hold personal data (assets[].sensitivity)"},
	"external-training-data": {kind: "dataset", of: func(_ *profile.Profile, _ int, a profile.Asset) bool {
		return external(a.Origin)
	}, yes: "data set %s comes from outside the provider", no: "no data set is declared to come from outside (assets[].origin)"},
	"model-published": {kind: "model", of: func(_ *profile.Profile, _ int, a profile.Asset) bool {
		return a.Origin == "open-source" || a.Origin == "public"
	}, yes: "model %s is published", no: "no model is declared published (assets[].origin: open-source or public)"},
	"unsafe-model-format": {kind: "model", of: func(_ *profile.Profile, _ int, a profile.Asset) bool {
		return slices.Contains(profile.UnsafeModelFormats, ModelFormat(a))
	}, yes: "model %s is stored in a format that can run code when loaded", no: "no model is stored in a format that runs code when loaded (assets[].format, or the path's extension)"},
	"third-party-model": {kind: "model", of: func(_ *profile.Profile, _ int, a profile.Asset) bool {
		return external(a.Origin)
	}, sys: func(p *profile.Profile) (bool, string, string) {
		for i, c := range p.Components {
			if c.Kind == "model" {
				return true, fmt.Sprintf("component %s is a third-party model", c.Name), fmt.Sprintf("components[%d]", i)
			}
		}
		if p.LLM != nil && external(p.LLM.Origin) {
			return true, "the language model comes from outside (" + p.LLM.Origin + ")", "llm.origin"
		}
		return false, "", ""
	}, yes: "model %s comes from outside the provider", no: "no model is declared to come from outside (assets[].origin, components of kind model)"},
	"attacker-controlled-input": {kind: "input", of: func(_ *profile.Profile, _ int, a profile.Asset) bool {
		return external(a.Origin) || a.Capture == "sensor"
	}, sys: func(p *profile.Profile) (bool, string, string) {
		for i, a := range p.Assets {
			if a.Kind == "inference-interface" && (a.Exposure == nil || a.Exposure.Outputs != "none") {
				return true, fmt.Sprintf("callers of inference interface %s choose its inputs", a.ID), fmt.Sprintf("assets[%d]", i)
			}
		}
		return false, "", ""
	}, yes: "input %s comes from outside the provider", no: "no input comes from outside the provider: no input of external origin or from a sensor, no inference interface"},
	"edge-deployment": {sys: func(p *profile.Profile) (bool, string, string) {
		return p.Deployment.Edge, "the model runs on devices that users or third parties hold", "deployment.edge"
	}, no: "no deployment on devices held by others is declared (deployment.edge)"},
	"continuous-learning": {sys: func(p *profile.Profile) (bool, string, string) {
		return p.Lifecycle.ContinuousLearning, "operational data is trained on (continuous learning)", "lifecycle.continuous_learning"
	}, no: "no continuous learning is declared (lifecycle.continuous_learning)"},
	"federated-learning": {sys: func(p *profile.Profile) (bool, string, string) {
		return p.Lifecycle.FederatedLearning, "the model is trained by federated learning", "lifecycle.federated_learning"
	}, no: "no federated training is declared (lifecycle.federated_learning)"},
	"trains-model": {sys: func(p *profile.Profile) (bool, string, string) {
		switch {
		case slices.Contains(p.Lifecycle.Phases, "training"):
			return true, "the provider trains the model (training phase)", "lifecycle.phases"
		case p.Lifecycle.ContinuousLearning:
			return true, "the model keeps being trained (continuous learning)", "lifecycle.continuous_learning"
		case p.Lifecycle.FederatedLearning:
			return true, "the model is trained by federated learning", "lifecycle.federated_learning"
		}
		for i, a := range p.Assets {
			if a.Kind == "pipeline" {
				return true, fmt.Sprintf("pipeline %s trains the model", a.ID), fmt.Sprintf("assets[%d]", i)
			}
		}
		return false, "", ""
	}, no: "the provider is not declared to train the model (no training phase, pipeline, continuous or federated learning)", where: "lifecycle.phases"},
	"third-party-software": {sys: func(p *profile.Profile) (bool, string, string) {
		for i, c := range p.Components {
			if (c.Kind == "library" || c.Kind == "service") && (c.OpenSource || c.Supplier != "") {
				return true, fmt.Sprintf("component %s is third-party or open-source software", c.Name), fmt.Sprintf("components[%d]", i)
			}
		}
		return false, "", ""
	}, no: "no third-party or open-source library or service is declared (components)", where: "components"},
	"third-party-service": {sys: func(p *profile.Profile) (bool, string, string) {
		for i, c := range p.Components {
			if c.Kind == "service" {
				return true, fmt.Sprintf("component %s is a third-party service", c.Name), fmt.Sprintf("components[%d]", i)
			}
		}
		return false, "", ""
	}, no: "no third-party service is declared (components of kind service)", where: "components"},
	"deep-learning": {sys: func(p *profile.Profile) (bool, string, string) {
		if slices.Contains(p.Techniques, "deep-learning") {
			return true, "the model is a neural network (techniques: deep-learning)", "techniques"
		}
		if p.LLM != nil {
			return true, "the system uses a large language model", "llm"
		}
		return false, "", ""
	}, no: "no neural network is declared (techniques: deep-learning, llm)", where: "techniques"},
	"llm-component": {sys: func(p *profile.Profile) (bool, string, string) {
		return p.LLM != nil, "the system has a large language model component", "llm"
	}, no: "no large language model component is declared (llm)", where: "llm"},
	"untrusted-content": {sys: func(p *profile.Profile) (bool, string, string) {
		if p.LLM == nil || len(p.LLM.UntrustedContent) == 0 {
			return false, "", ""
		}
		return true, "untrusted content enters the prompt: " + strings.Join(p.LLM.UntrustedContent, ", "), "llm.untrusted_content"
	}, no: "no untrusted content is declared to enter an LLM prompt (llm.untrusted_content)", where: "llm"},
	"third-party-content": {sys: func(p *profile.Profile) (bool, string, string) {
		if p.LLM != nil {
			if c := thirdPartyContent(p.LLM); len(c) > 0 {
				return true, "content others wrote enters the prompt: " + strings.Join(c, ", "), "llm.untrusted_content"
			}
		}
		return false, "", ""
	}, no: "no content other than the user's own messages is declared to enter an LLM prompt (llm.untrusted_content: document, web-page, email, tool-result, retrieved-data)", where: "llm"},
	"tool-side-effects": {sys: func(p *profile.Profile) (bool, string, string) {
		if p.LLM != nil {
			for i, t := range p.LLM.Tools {
				if t.SideEffects {
					return true, fmt.Sprintf("the language model may call tool %s, which has side effects", t.Name), fmt.Sprintf("llm.tools[%d]", i)
				}
			}
		}
		return false, "", ""
	}, no: "no LLM tool with side effects is declared (llm.tools[].side_effects)", where: "llm"},
	"acts-without-approval": {sys: func(p *profile.Profile) (bool, string, string) {
		if p.LLM != nil {
			for i, t := range p.LLM.Tools {
				if t.SideEffects && t.Approval != "human" {
					return true, fmt.Sprintf("the language model may call tool %s, which has side effects, without a person approving the call", t.Name), fmt.Sprintf("llm.tools[%d]", i)
				}
			}
		}
		return false, "", ""
	}, no: "every LLM tool with side effects waits for a person's approval, or none is declared (llm.tools[].approval)", where: "llm"},
	"persistent-memory": {sys: func(p *profile.Profile) (bool, string, string) {
		if p.LLM == nil || p.LLM.Memory != "persistent" {
			return false, "", ""
		}
		return true, "the LLM application keeps memory across sessions", "llm.memory"
	}, no: "no memory kept across sessions is declared (llm.memory: persistent)", where: "llm"},
	"retrieval-store": {sys: func(p *profile.Profile) (bool, string, string) {
		if p.LLM == nil || len(p.LLM.Retrieval) == 0 {
			return false, "", ""
		}
		s := p.LLM.Retrieval[0]
		text := "the LLM application retrieves prompt content from " + s.Name
		if s.Kind != "" {
			text += " (" + s.Kind + ")"
		}
		return true, text, "llm.retrieval[0]"
	}, no: "no retrieval store (vector database, search index) is declared (llm.retrieval)", where: "llm"},
	"output-to-interpreter": {sys: func(p *profile.Profile) (bool, string, string) {
		if p.LLM != nil {
			for _, s := range p.LLM.OutputSinks {
				if slices.Contains(profile.InterpreterSinks, s) {
					return true, "the language model's answer is passed to an interpreter (" + s + ")", "llm.output_sinks"
				}
			}
		}
		return false, "", ""
	}, no: "the language model's answer is not declared to reach a browser, shell, SQL engine or code runner (llm.output_sinks)", where: "llm"},
	"third-party-tool": {sys: func(p *profile.Profile) (bool, string, string) {
		if p.LLM != nil {
			for i, t := range p.LLM.Tools {
				if external(t.Origin) {
					return true, fmt.Sprintf("tool %s comes from outside (%s)", t.Name, t.Origin), fmt.Sprintf("llm.tools[%d]", i)
				}
			}
		}
		return false, "", ""
	}, no: "no LLM tool or MCP server from outside is declared (llm.tools[].origin)", where: "llm"},
}

// thirdPartyContent lists the entry points of untrusted content into the
// prompt other than the user's own message: what someone other than the
// user can write (indirect prompt injection).
func thirdPartyContent(l *profile.LLM) []string {
	var out []string
	for _, c := range l.UntrustedContent {
		if c != "user-message" {
			out = append(out, c)
		}
	}
	return out
}

func external(origin string) bool {
	return origin == "third-party" || origin == "open-source" || origin == "public"
}

// ModelFormat is the file format of a model asset: its declared format, or
// the one its path's extension implies, or "" when neither says.
func ModelFormat(a profile.Asset) string {
	if a.Format != "" {
		return a.Format
	}
	switch strings.ToLower(path.Ext(a.Path)) {
	case ".onnx":
		return "onnx"
	case ".safetensors":
		return "safetensors"
	case ".gguf":
		return "gguf"
	case ".pkl", ".pickle":
		return "pickle"
	case ".pt", ".pth", ".bin", ".ckpt":
		return "pytorch"
	case ".joblib":
		return "joblib"
	case ".h5", ".keras":
		return "keras"
	case ".pb":
		return "tensorflow"
	}
	return ""
}

// decide decides one fact for asset ai of p (ai < 0: for the system as a
// whole) and says why, with the profile field and line.
func decide(p *profile.Profile, name string, ai int) Reason {
	f, ok := facts[name]
	if !ok {
		return Reason{Fact: name, Text: "unknown fact " + name}
	}
	r := Reason{Fact: name}
	at := func(field string) {
		r.Field = field
		if line, present := p.Line(field); present {
			r.Line = line // a field that is absent has no line of its own
		}
	}
	if f.of != nil {
		try := func(i int) bool {
			a := p.Assets[i]
			if a.Kind != f.kind || !f.of(p, i, a) {
				return false
			}
			r.Holds, r.Text = true, fmt.Sprintf(f.yes, a.ID)
			at(fmt.Sprintf("assets[%d]", i))
			return true
		}
		if ai >= 0 && p.Assets[ai].Kind == f.kind {
			if try(ai) {
				return r
			}
			// The asset analysed is of the fact's kind and the fact does
			// not hold for it: it does not hold, whatever other assets of
			// the kind say, unless the system says so otherwise (a
			// third-party base model among the components).
			if f.sys != nil {
				if holds, text, field := f.sys(p); holds {
					r.Holds, r.Text = true, text
					at(field)
					return r
				}
			}
			r.Text = fmt.Sprintf("not for %s: %s", p.Assets[ai].ID, f.no)
			at(fmt.Sprintf("assets[%d]", ai))
			return r
		}
		for i := range p.Assets {
			if try(i) {
				return r
			}
		}
	}
	if f.sys != nil {
		holds, text, field := f.sys(p)
		if holds {
			r.Holds, r.Text = true, text
			at(field)
			return r
		}
		if field != "" {
			at(field)
		}
	}
	r.Text = f.no
	if r.Field == "" {
		// Point at the field that would have to say it.
		switch {
		case f.where != "":
			at(f.where)
		case f.kind != "":
			at("assets")
		}
	}
	return r
}

// applies decides whether threat t's preconditions hold for asset ai and
// returns the facts that make it apply, or the first one that fails.
func applies(p *profile.Profile, t catalog.Threat, ai int) (ok bool, why []Reason, fail Reason) {
	for _, name := range t.Preconditions.All {
		r := decide(p, name, ai)
		if !r.Holds {
			return false, nil, r
		}
		why = append(why, r)
	}
	if len(t.Preconditions.Any) > 0 {
		var first Reason
		var nos []string
		held := 0
		for k, name := range t.Preconditions.Any {
			r := decide(p, name, ai)
			if k == 0 {
				first = r
			}
			if r.Holds {
				why = append(why, r)
				held++
			} else {
				nos = append(nos, r.Text)
			}
		}
		if held == 0 {
			first.Fact = strings.Join(t.Preconditions.Any, " | ")
			first.Text = strings.Join(nos, "; and ")
			return false, nil, first
		}
	}
	return true, why, Reason{}
}
