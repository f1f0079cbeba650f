// Package detect holds the deterministic detectors that judge the answers
// and tool calls of an LLM application: Leak (a secret in the text, whole,
// transformed or in part), Exfil (markdown and HTML URLs to hosts that are
// not allowed), Markup (active HTML and script) and ToolArgs (SQL injection,
// shell commands and path traversal in tool arguments).
//
// The detectors are pure functions: no network, no randomness, the same
// verdict on the same input every time, and no panic on any input. Their
// work is bounded: each examines at most MaxText bytes of its input (the
// rest is ignored) and Leak tries at most MaxDecodes decodings (base64, hex,
// URL-encoding) per call. Their precision and recall on the labelled corpus
// in testdata/corpus.yaml are measured by TestCorpus and reported in
// docs/llm.md.
package detect

import "unicode/utf8"

// MaxText is the number of bytes of a text a detector examines.
const MaxText = 1 << 20

// MaxDecodes is the number of encoded runs Leak decodes in one call.
const MaxDecodes = 64

// Hit is one finding of a detector.
type Hit struct {
	Detector string // leak, exfil, markup, toolargs
	Kind     string // the transformation or construct found
	Evidence string // the text found, or the decoded text
	// Start and End are byte offsets of the evidence in the text examined;
	// both are -1 when the evidence was decoded from a transformation.
	Start, End int
}

// clip returns at most MaxText bytes of s, cut on a rune boundary.
func clip(s string) string {
	if len(s) <= MaxText {
		return s
	}
	n := MaxText
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n]
}

// short returns s cut to 200 bytes for evidence.
func short(s string) string {
	if len(s) <= 200 {
		return s
	}
	n := 200
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
