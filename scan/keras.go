package scan

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/aiassure/aiassure"
)

// kerasConfigFile analyses a JSON file: a Keras model config (config.json
// of a .keras archive, or a model JSON), or a tokenizer config whose
// chat_template is a Jinja program.
func (c *ctxScan) kerasConfigFile(p string, r io.ReaderAt, size int64) []string {
	if size > c.lim.HeaderBytes {
		c.addf("limits/json-size", aiassure.Medium, p, 0, "a %d-byte JSON config, over the limit of %d: not analysed", size, c.lim.HeaderBytes)
		return nil
	}
	data, err := readAll(r, 0, size)
	if err != nil {
		c.addf("file/read", aiassure.Medium, p, 0, "reading: %v", err)
		return nil
	}
	var doc any
	if err := json.Unmarshal(data, &doc); err != nil {
		c.addf("keras/config", aiassure.Low, p, 0, "the JSON config does not parse: %v", err)
		return nil
	}
	if m, ok := doc.(map[string]any); ok {
		switch t := m["chat_template"].(type) {
		case string:
			c.chatTemplate(p, "chat_template", t)
			return []string{"tokenizer config with a chat template"}
		case []any:
			for _, e := range t {
				if em, ok := e.(map[string]any); ok {
					if s, ok := em["template"].(string); ok {
						c.chatTemplate(p, fmt.Sprintf("chat_template[%v]", em["name"]), s)
					}
				}
			}
			return []string{fmt.Sprintf("tokenizer config with %d chat templates", len(t))}
		}
	}
	n := c.kerasConfig(p, doc, 0)
	return []string{fmt.Sprintf("Keras config: %d layers and objects", n)}
}

// kerasIOFunctions are TensorFlow functions a TFOpLambda layer may name
// that read or write files or run Python.
var kerasIOFunctions = []string{"io.read_file", "io.write_file", "io.gfile", "py_function", "numpy_function", "compat.v1.py_func",
	"io.matching_files", "summary.", "debugging.experimental", "print"}

// kerasConfig walks a config and reports Lambda layers (marshalled Python
// bytecode), objects whose module or registered name is outside Keras
// (custom code the loader must import), and TF-op layers that do I/O. It
// returns the number of objects seen.
func (c *ctxScan) kerasConfig(p string, v any, depth int) int {
	if depth > 200 {
		c.addf("limits/json-nesting", aiassure.Medium, p, 0, "the config nests more than 200 deep: not analysed further")
		return 0
	}
	n := 0
	switch t := v.(type) {
	case []any:
		for _, e := range t {
			n += c.kerasConfig(p, e, depth+1)
		}
	case map[string]any:
		cls, _ := t["class_name"].(string)
		if cls != "" {
			n++
		}
		name := ""
		if cfg, ok := t["config"].(map[string]any); ok {
			name, _ = cfg["name"].(string)
		}
		label := strings.TrimSpace(cls + " " + name)
		mod, _ := t["module"].(string)
		reg, _ := t["registered_name"].(string)
		switch {
		case cls == "Lambda" || cls == "__lambda__" || t["function_type"] == "lambda":
			c.add(Finding{Rule: "keras/lambda", Severity: aiassure.Critical, Path: p,
				Message:  "a Lambda layer: its function is serialised Python bytecode that runs when the model is loaded (Keras 3 refuses it in safe mode, Keras 2 does not)",
				Evidence: []string{label}})
		case cls == "TFOpLambda":
			fn, _ := nested(t, "config", "function").(string)
			for _, io := range kerasIOFunctions {
				if strings.Contains(fn, io) {
					c.add(Finding{Rule: "keras/tf-op", Severity: aiassure.High, Path: p,
						Message: "a TF-op layer calling " + fn + ": it reads or writes files or runs Python", Evidence: []string{label}})
					break
				}
			}
		}
		if mod != "" && !strings.HasPrefix(mod, "keras") && !strings.HasPrefix(mod, "tf_keras") && mod != "builtins" {
			c.add(Finding{Rule: "keras/custom-object", Severity: aiassure.High, Path: p,
				Message:  fmt.Sprintf("%s comes from module %q: the loader imports that code (a custom object)", label, mod),
				Evidence: []string{mod, reg}})
		} else if reg != "" && strings.Contains(reg, ">") && !strings.HasPrefix(reg, "keras") {
			c.add(Finding{Rule: "keras/custom-object", Severity: aiassure.High, Path: p,
				Message: fmt.Sprintf("%s is registered as %q: a custom object whose code the loader must have", label, reg), Evidence: []string{reg}})
		}
		for _, e := range t {
			n += c.kerasConfig(p, e, depth+1)
		}
	}
	return n
}

func nested(m map[string]any, keys ...string) any {
	var v any = m
	for _, k := range keys {
		mm, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = mm[k]
	}
	return v
}

// hdf5 does not parse HDF5's object tree. Keras stores its model config as
// a JSON string attribute (model_config) of the root group; the scanner
// finds JSON objects that begin with {"class_name" in the file's bytes and
// decodes each that is a complete object. A config split across heap
// blocks or compressed is not seen: the file is then reported as not
// analysed.
func (c *ctxScan) hdf5(p string, r io.ReaderAt, size int64) []string {
	n := min(size, c.lim.HeaderBytes)
	data, err := readAll(r, 0, n)
	if err != nil {
		c.addf("file/read", aiassure.Medium, p, 0, "reading: %v", err)
		return nil
	}
	found := 0
	for _, pat := range [][]byte{[]byte(`{"class_name"`), []byte(`{"module"`)} {
		for at := 0; ; {
			i := bytes.Index(data[at:], pat)
			if i < 0 {
				break
			}
			at += i
			dec := json.NewDecoder(bytes.NewReader(data[at:]))
			var doc map[string]any
			if err := dec.Decode(&doc); err == nil {
				found++
				c.kerasConfig(p, doc, 0)
				at += int(dec.InputOffset())
				continue
			}
			at += len(pat)
		}
		if found > 0 {
			break
		}
	}
	if found == 0 {
		msg := "an HDF5 file without a Keras model config found in its bytes: weights only, or a config this scanner cannot read"
		if n < size {
			msg += fmt.Sprintf(" (only the first %d bytes were searched)", n)
		}
		c.addf("keras/not-analysed", aiassure.Info, p, 0, "%s", msg)
		return []string{"HDF5, no model config found"}
	}
	return []string{fmt.Sprintf("HDF5 with %d Keras model configs", found)}
}
