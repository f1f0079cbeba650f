package ledger

import (
	"bytes"
	"embed"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// Event types: one JSON Schema each under schemas/.
const (
	TypeInference   = "inference_decision"
	TypeOverride    = "human_override"
	TypeIncident    = "incident"
	TypeModelUpdate = "model_update"
	TypeDataUpdate  = "data_update"
	TypeConfig      = "config_change"
)

// MaxEventSize bounds one event's JSON. Tessera's entry bundles hold
// entries of at most 64 KiB; an event's stored form (with commitments in
// place of personal fields) must fit.
const MaxEventSize = 48 << 10

// ErrInvalid marks an event (or a proof file) that is not valid: the
// caller's input is wrong.
var ErrInvalid = errors.New("invalid")

//go:embed schemas/*.json
var schemaFS embed.FS

// EventType is one event type: its schema and its personal fields.
type EventType struct {
	Name     string
	Title    string
	Schema   []byte   // the JSON Schema document
	Personal []string // top-level properties marked "x-personal": true
	Required []string
	schema   *jsonschema.Schema
	props    map[string]bool
}

var (
	typesOnce sync.Once
	types     map[string]*EventType
	typesErr  error
)

// Types returns the event types, sorted by name.
func Types() ([]*EventType, error) {
	m, err := loadTypes()
	if err != nil {
		return nil, err
	}
	var out []*EventType
	for _, t := range m {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// Type returns the event type named name.
func Type(name string) (*EventType, error) {
	m, err := loadTypes()
	if err != nil {
		return nil, err
	}
	t, ok := m[name]
	if !ok {
		names := make([]string, 0, len(m))
		for n := range m {
			names = append(names, n)
		}
		sort.Strings(names)
		return nil, fmt.Errorf("%w event: unknown type %q (have %s)", ErrInvalid, name, strings.Join(names, ", "))
	}
	return t, nil
}

func loadTypes() (map[string]*EventType, error) {
	typesOnce.Do(func() {
		types, typesErr = compileTypes()
	})
	return types, typesErr
}

func compileTypes() (map[string]*EventType, error) {
	files, err := fs.Glob(schemaFS, "schemas/*.json")
	if err != nil {
		return nil, fmt.Errorf("event schemas: %w", err)
	}
	out := map[string]*EventType{}
	for _, f := range files {
		b, err := schemaFS.ReadFile(f)
		if err != nil {
			return nil, fmt.Errorf("event schema %s: %w", f, err)
		}
		name := strings.TrimSuffix(path.Base(f), ".json")
		var doc struct {
			Title      string                     `json:"title"`
			Required   []string                   `json:"required"`
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			return nil, fmt.Errorf("event schema %s: %w", f, err)
		}
		t := &EventType{Name: name, Title: doc.Title, Schema: b, Required: doc.Required, props: map[string]bool{}}
		for p, raw := range doc.Properties {
			t.props[p] = true
			var prop struct {
				Personal bool `json:"x-personal"`
			}
			if err := json.Unmarshal(raw, &prop); err != nil {
				return nil, fmt.Errorf("event schema %s: property %s: %w", f, p, err)
			}
			if prop.Personal {
				t.Personal = append(t.Personal, p)
			}
		}
		sort.Strings(t.Personal)
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			return nil, fmt.Errorf("event schema %s: %w", f, err)
		}
		c := jsonschema.NewCompiler()
		c.AssertFormat()
		id := "mem:///" + name + ".json"
		if err := c.AddResource(id, inst); err != nil {
			return nil, fmt.Errorf("event schema %s: %w", f, err)
		}
		if t.schema, err = c.Compile(id); err != nil {
			return nil, fmt.Errorf("event schema %s: %w", f, err)
		}
		out[name] = t
	}
	if len(out) == 0 {
		return nil, errors.New("event schemas: none embedded")
	}
	return out, nil
}

// IsPersonal reports whether the property p of this type is personal.
func (t *EventType) IsPersonal(p string) bool { return slices.Contains(t.Personal, p) }

var printer = message.NewPrinter(language.English)

// Event is one parsed, validated event as a client sent it: its type, its
// time and its fields (the JSON object, personal fields in plaintext).
type Event struct {
	Type   string
	Time   time.Time
	Fields map[string]any
}

// ParseEvent decodes and validates one event: a JSON object with a "type"
// that names an event type, valid against that type's schema. Errors wrap
// ErrInvalid and name the offending field.
func ParseEvent(data []byte) (*Event, error) {
	if len(data) > MaxEventSize {
		return nil, fmt.Errorf("%w event: %d bytes, more than the limit of %d", ErrInvalid, len(data), MaxEventSize)
	}
	v, err := decodeJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%w event: %w", ErrInvalid, err)
	}
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%w event: want a JSON object", ErrInvalid)
	}
	name, _ := obj["type"].(string)
	if name == "" {
		return nil, fmt.Errorf("%w event: no \"type\" (one of %s)", ErrInvalid, strings.Join(typeNames(), ", "))
	}
	t, err := Type(name)
	if err != nil {
		return nil, err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w event: %w", ErrInvalid, err)
	}
	if err := t.schema.Validate(inst); err != nil {
		return nil, fmt.Errorf("%w %s event: %s", ErrInvalid, name, schemaProblem(err))
	}
	ts, err := time.Parse(time.RFC3339Nano, obj["time"].(string))
	if err != nil {
		return nil, fmt.Errorf("%w %s event: /time: %w", ErrInvalid, name, err)
	}
	return &Event{Type: name, Time: ts.UTC(), Fields: obj}, nil
}

func typeNames() []string {
	ts, err := Types()
	if err != nil {
		return nil
	}
	var n []string
	for _, t := range ts {
		n = append(n, t.Name)
	}
	return n
}

// schemaProblem writes a validation error as "/field: what is wrong",
// the leaves joined by "; ".
func schemaProblem(err error) string {
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		return err.Error()
	}
	var msgs []string
	var walk func(*jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			msgs = append(msgs, "/"+strings.Join(e.InstanceLocation, "/")+": "+e.ErrorKind.LocalizedString(printer))
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.Strings(msgs)
	return strings.Join(msgs, "; ")
}

// String returns the event's field, or "".
func (e *Event) String(field string) string {
	s, _ := e.Fields[field].(string)
	return s
}
