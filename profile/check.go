package profile

import (
	"fmt"

	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/internal/yamlx"
)

// Check checks p against the catalogue c: every control the profile declares
// must be a catalogue control. Errors are a yamlx.Errors, with positions when
// p came from Load or Decode and a suggestion on a near miss.
func Check(p *Profile, c *catalog.Catalog) error {
	if p == nil || c == nil {
		return fmt.Errorf("check profile: nil profile or catalogue")
	}
	ids := make([]string, len(c.Controls))
	for i, ctl := range c.Controls {
		ids[i] = string(ctl.ID)
	}
	pos := positionsOf(p)
	var errs yamlx.Errors
	for i, ctl := range p.Controls {
		if ctl.ID == "" {
			continue
		}
		if _, ok := c.Control(ctl.ID); ok {
			continue
		}
		path := fmt.Sprintf("controls[%d].id", i)
		msg := fmt.Sprintf("unknown control %s: not in the catalogue", yamlx.Quote(string(ctl.ID)))
		if s := yamlx.Suggest(string(ctl.ID), ids); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		e := &yamlx.Error{File: p.Path, Path: path, Msg: msg}
		if pos != nil {
			at, _ := pos.Near(path)
			e.Line, e.Col = at.Line, at.Col
		}
		errs = append(errs, e)
	}
	return errs.Err()
}
