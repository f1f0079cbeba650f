package report

import "io"

// Format is one output format of the report: a name to select it by, the
// file extension and media type of what it writes, and the writer itself.
// Writers are pure: they read the report and write bytes, nothing else.
//
// The list of formats lives in package report/formats, which imports each
// format's package; it cannot live here because those packages import this
// one.
type Format struct {
	Name      string // selector, e.g. "json", "sarif"
	Ext       string // file extension with the dot, e.g. ".sarif"
	MediaType string // e.g. "application/sarif+json"
	Write     func(w io.Writer, r *Report) error
}
