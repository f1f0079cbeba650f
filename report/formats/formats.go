// Package formats lists every output format of the report, in one explicit
// list: no format registers itself. The CLI and the server select a format
// by name with Lookup and convert saved JSON reports with json.Read and a
// Format's Write.
package formats

import (
	"github.com/aiassure/aiassure/report"
	"github.com/aiassure/aiassure/report/html"
	"github.com/aiassure/aiassure/report/json"
	"github.com/aiassure/aiassure/report/markdown"
	"github.com/aiassure/aiassure/report/oscal"
	"github.com/aiassure/aiassure/report/sarif"
	"github.com/aiassure/aiassure/report/text"
)

// All returns the formats, the canonical JSON first. The slice is new on
// every call, so callers may change it.
func All() []report.Format {
	return []report.Format{
		{Name: "json", Ext: ".json", MediaType: json.MediaType, Write: json.Write},
		{Name: "text", Ext: ".txt", MediaType: text.MediaType, Write: text.Write},
		{Name: "markdown", Ext: ".md", MediaType: markdown.MediaType, Write: markdown.Write},
		{Name: "html", Ext: ".html", MediaType: html.MediaType, Write: html.Write},
		{Name: "sarif", Ext: ".sarif", MediaType: sarif.MediaType, Write: sarif.Write},
		{Name: "oscal", Ext: ".oscal.json", MediaType: oscal.MediaType, Write: oscal.Write},
	}
}

// Names returns the format names in the order of All.
func Names() []string {
	var out []string
	for _, f := range All() {
		out = append(out, f.Name)
	}
	return out
}

// Lookup returns the format with the given name. "md" is accepted for
// markdown.
func Lookup(name string) (report.Format, bool) {
	if name == "md" {
		name = "markdown"
	}
	for _, f := range All() {
		if f.Name == name {
			return f, true
		}
	}
	return report.Format{}, false
}
