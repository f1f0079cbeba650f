package scan

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/aiassure/aiassure"
)

// A chat template is a Jinja2 program that the runtime renders for every
// conversation (llama.cpp's minja, Hugging Face's jinja2 sandbox). The
// scanner does not render it: it splits it into literal text and tags and
// looks for what escapes a sandbox (attribute and callable access) and
// for text the template adds to every conversation, hidden or visible.

type templatePart struct {
	code bool   // inside {{ }} or {% %}
	text string // the part's text
}

func splitTemplate(s string) []templatePart {
	var parts []templatePart
	for len(s) > 0 {
		i := strings.Index(s, "{")
		for i >= 0 && i+1 < len(s) && !strings.ContainsRune("{%#", rune(s[i+1])) {
			j := strings.Index(s[i+1:], "{")
			if j < 0 {
				i = -1
				break
			}
			i += 1 + j
		}
		if i < 0 || i+1 >= len(s) {
			parts = append(parts, templatePart{false, s})
			break
		}
		if i > 0 {
			parts = append(parts, templatePart{false, s[:i]})
		}
		closer := map[byte]string{'{': "}}", '%': "%}", '#': "#}"}[s[i+1]]
		j := strings.Index(s[i+2:], closer)
		if j < 0 {
			parts = append(parts, templatePart{s[i+1] != '#', s[i+2:]})
			break
		}
		if s[i+1] != '#' {
			parts = append(parts, templatePart{true, s[i+2 : i+2+j]})
		}
		s = s[i+2+j+2:]
	}
	return parts
}

var (
	jinjaString  = regexp.MustCompile(`'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"`)
	jinjaDunder  = regexp.MustCompile(`__[A-Za-z0-9_]+__`)
	jinjaConcat  = regexp.MustCompile(`\[[^\]]*(?:'[^']*'|"[^"]*")\s*[~+]`)
	specialToken = regexp.MustCompile(`<\|[^|>]*\|>|</?s>|\[/?INST\]|<<\/?SYS>>|<[a-z_]+>|</[a-z_]+>|\[/?[A-Z_]+\]`)
	wordRe       = regexp.MustCompile(`[A-Za-z]{2,}`)
)

// jinjaReach are names that reach objects, callables or globals a
// sandbox should not give: Jinja's own globals (cycler, joiner, lipsum,
// namespace's class), the template's self, the attr filter, Flask's.
var jinjaReach = []struct {
	re   *regexp.Regexp
	sev  Severity
	what string
}{
	{regexp.MustCompile(`\|\s*attr\b|\battr\s*\(`), aiassure.Critical, "the attr filter reads any attribute by a computed name"},
	{regexp.MustCompile(`\bself\s*[._\[]`), aiassure.Critical, "self reaches the template object and its context"},
	{regexp.MustCompile(`\b(cycler|joiner|lipsum)\b`), aiassure.High, "a Jinja global whose attributes lead to Python's globals"},
	{regexp.MustCompile(`\b(config|request|url_for|get_flashed_messages|g)\s*[.\[]`), aiassure.High, "a Flask global"},
	{regexp.MustCompile(`\b(popen|os\s*\.\s*system|subprocess|eval|exec|import_module|__import__|getattr|globals)\b`), aiassure.Critical, "a name of Python code execution"},
	{regexp.MustCompile(`\.\s*(mro|func_globals|gi_frame|f_globals|f_back|tb_frame)\b`), aiassure.Critical, "a Python internals attribute"},
	{regexp.MustCompile(`\{%-?\s*(import|include|extends|from)\b|^\s*-?\s*(import|include|extends|from)\b`), aiassure.Medium, "the template loads other templates"},
	{regexp.MustCompile(`\brange\s*\(\s*\d{6,}`), aiassure.Medium, "a loop of a million or more iterations (denial of service)"},
}

// suspicious words in text a template adds to every conversation.
var injectionWords = regexp.MustCompile(`(?i)\b(ignore (all|any|previous|prior|the above)|disregard|do not (tell|reveal|mention|disclose)|don't (tell|reveal|mention)|never (tell|reveal|mention|disclose)|secret|password|api[ _-]?key|credential|exfiltrat\w*|from now on|instead of|always (recommend|include|add|say|respond|answer|reply|mention)|curl |wget |base64)\b|https?://|<script|javascript:`)

func (c *ctxScan) chatTemplate(p, key, tpl string) {
	ev := func(s ...string) []string { return append([]string{key}, s...) }
	// hidden characters anywhere
	var hidden []string
	for i, r := range tpl {
		if r == utf8.RuneError {
			continue
		}
		if unicode.Is(unicode.Cf, r) || (r >= 0xE0000 && r <= 0xE007F) {
			hidden = append(hidden, fmt.Sprintf("U+%04X at byte %d", r, i))
			if len(hidden) == 8 {
				hidden = append(hidden, "…")
				break
			}
		}
	}
	if len(hidden) > 0 {
		c.add(Finding{Rule: "gguf/template-hidden-text", Severity: aiassure.High, Path: p,
			Message:  "the chat template holds invisible characters (zero-width, bidirectional or tag characters): text a reviewer does not see reaches the model",
			Evidence: ev(hidden...)})
	}
	var literal []string
	for _, part := range splitTemplate(tpl) {
		if !part.code {
			literal = append(literal, part.text)
			continue
		}
		code := part.text
		strs := jinjaString.FindAllString(code, -1)
		bare := jinjaString.ReplaceAllString(code, "''")
		for _, s := range strs {
			inner := s[1 : len(s)-1]
			if strings.Contains(inner, "__") {
				c.add(Finding{Rule: "gguf/template-code", Severity: aiassure.Critical, Path: p,
					Message:  "a string with a dunder name in the chat template: with a subscript it reaches Python internals",
					Evidence: ev(clip(s, 120))})
			}
			literal = append(literal, inner)
		}
		if m := jinjaDunder.FindString(bare); m != "" {
			c.add(Finding{Rule: "gguf/template-code", Severity: aiassure.Critical, Path: p,
				Message:  "the chat template reaches " + m + ": the path out of Jinja's sandbox to Python's classes and globals",
				Evidence: ev(clip(strings.TrimSpace(code), 200))})
		}
		if jinjaConcat.MatchString(code) {
			c.add(Finding{Rule: "gguf/template-code", Severity: aiassure.High, Path: p,
				Message:  "a subscript with a concatenated string: an attribute name computed to avoid a literal check",
				Evidence: ev(clip(strings.TrimSpace(code), 200))})
		}
		for _, r := range jinjaReach {
			if r.re.MatchString(bare) {
				c.add(Finding{Rule: "gguf/template-code", Severity: r.sev, Path: p,
					Message: "the chat template uses " + r.re.FindString(bare) + ": " + r.what, Evidence: ev(clip(strings.TrimSpace(code), 200))})
			}
		}
	}
	// visible text added to every conversation
	var added []string
	for _, l := range literal {
		l = strings.ReplaceAll(strings.ReplaceAll(l, `\n`, " "), "\n", " ")
		t := strings.TrimSpace(specialToken.ReplaceAllString(l, " "))
		if len(wordRe.FindAllString(t, -1)) >= 4 {
			added = append(added, clip(t, 200))
		}
	}
	if len(added) == 0 {
		return
	}
	joined := strings.Join(added, " | ")
	if m := injectionWords.FindString(joined); m != "" {
		c.add(Finding{Rule: "gguf/template-instructions", Severity: aiassure.High, Path: p,
			Message:  fmt.Sprintf("the chat template adds instructions to every conversation, including %q: a hidden system prompt", m),
			Evidence: ev(added...)})
		return
	}
	c.add(Finding{Rule: "gguf/template-instructions", Severity: aiassure.Info, Path: p,
		Message: "the chat template adds fixed text to every conversation (a default system prompt): check it is the publisher's", Evidence: ev(added...)})
}
