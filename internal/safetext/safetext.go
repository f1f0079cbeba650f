// Package safetext makes untrusted text safe to show on a terminal or in a
// document, the way less and git do: every character that could act rather
// than be read is replaced by a visible escape.
//
// A profile, a data set, an endpoint's answer or a file name can hold bytes
// that a terminal obeys: ESC starts a control sequence (CSI clears the
// screen or moves the cursor, OSC 8 plants a hyperlink whose target is not
// the text shown), BEL rings, backspace and carriage return overwrite what
// was printed. Bidirectional overrides and isolates (U+202A to U+202E, U+2066
// to U+2069) reorder what follows them, so that a reviewer reads something
// else than the bytes say; other invisible format characters hide text. None
// of these reach aiassure's text, Markdown, HTML or SARIF output raw:
//
//   - C0 controls and DEL become caret notation: ESC is ^[, BEL ^G,
//     backspace ^H, carriage return ^M, DEL ^?. Line feed and tab are kept
//     by Escape (a text may have several lines) and escaped by Line.
//   - C1 controls (U+0080 to U+009F, among them the one-character CSI
//     U+009B), bidirectional controls, zero-width and other invisible format
//     characters, line and paragraph separators and the tag characters
//     (U+E0000 to U+E007F) become <U+XXXX>.
//   - A byte that is not part of valid UTF-8 becomes <0xNN>.
//
// Zero-width joiner and non-joiner (U+200C, U+200D) are kept: scripts and
// emoji need them and they reorder nothing.
//
// JSON output is not escaped: it carries the exact strings, and showing
// them safely is the consumer's concern.
package safetext

import (
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Escape returns s with every control, bidirectional and invisible format
// character, and every invalid UTF-8 byte, replaced by a visible escape.
// Line feeds and tabs are kept.
func Escape(s string) string { return escape(s, false) }

// Line is Escape for text that must stay on one line (a table cell, a
// name): line feeds and tabs are escaped too, as ^J and ^I.
func Line(s string) string { return escape(s, true) }

// Needs reports whether Escape changes s.
func Needs(s string) bool { return needs(s, false) }

func needs(s string, line bool) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if unsafeASCII(c, line) {
				return true
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 || unsafeRune(r) {
			return true
		}
		i += n
	}
	return false
}

func escape(s string, line bool) string {
	if !needs(s, line) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if unsafeASCII(c, line) {
				b.WriteByte('^')
				b.WriteByte(c ^ 0x40) // ESC 0x1b -> '[', DEL 0x7f -> '?'
			} else {
				b.WriteByte(c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, "<0x%02X>", c)
		case unsafeRune(r):
			fmt.Fprintf(&b, "<U+%04X>", r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	return b.String()
}

// unsafeASCII reports whether an ASCII byte must be escaped.
func unsafeASCII(c byte, line bool) bool {
	switch {
	case c == '\n' || c == '\t':
		return line
	case c < 0x20 || c == 0x7f:
		return true
	}
	return false
}

// unsafeRune reports whether a non-ASCII rune must be escaped.
func unsafeRune(r rune) bool {
	switch {
	case r >= 0x80 && r <= 0x9f: // C1 controls
		return true
	case r == 0x200c || r == 0x200d: // ZWNJ, ZWJ: needed by scripts and emoji
		return false
	case r == 0x2028 || r == 0x2029: // line and paragraph separators
		return true
	case r >= 0xe0000 && r <= 0xe007f: // tags: invisible, used to smuggle text
		return true
	case r == 0xfffe || r == 0xffff:
		return true
	}
	// Cf: bidirectional controls, zero-width space, word joiner, invisible
	// operators, BOM, soft hyphen, interlinear annotation, ...
	return unicode.Is(unicode.Cf, r) || unicode.Is(unicode.Bidi_Control, r)
}

// Writer escapes what is written through it, as Escape does, and passes it
// on. A UTF-8 sequence split between two writes is held until it is whole;
// Flush writes out (escaped) what is held at the end.
type Writer struct {
	w    io.Writer
	held []byte
	buf  []byte
}

// NewWriter returns a Writer that writes to w.
func NewWriter(w io.Writer) *Writer { return &Writer{w: w} }

// Write escapes p and writes it. It returns len(p) when the underlying
// writer took everything.
func (w *Writer) Write(p []byte) (int, error) {
	data := p
	if len(w.held) > 0 {
		data = append(w.held, p...)
		w.held = nil
	}
	// Hold an incomplete UTF-8 sequence at the end.
	cut := len(data)
	for k := 1; k <= utf8.UTFMax-1 && k <= len(data); k++ {
		c := data[len(data)-k]
		if c < utf8.RuneSelf {
			break
		}
		if utf8.RuneStart(c) {
			if !utf8.FullRune(data[len(data)-k:]) {
				cut = len(data) - k
			}
			break
		}
	}
	w.held = append(w.held[:0], data[cut:]...)
	if err := w.emit(data[:cut]); err != nil {
		return 0, err
	}
	return len(p), nil
}

// Flush writes out a trailing incomplete UTF-8 sequence, escaped.
func (w *Writer) Flush() error {
	if len(w.held) == 0 {
		return nil
	}
	h := w.held
	w.held = nil
	return w.emit(h)
}

func (w *Writer) emit(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	s := string(b)
	if !needs(s, false) {
		_, err := w.w.Write(b)
		return err
	}
	w.buf = append(w.buf[:0], escape(s, false)...)
	_, err := w.w.Write(w.buf)
	return err
}

// Raw describes the first character of s that Escape would have replaced
// (a line feed and a tab are fine), or returns "" when there is none. Tests
// of renderers use it to check that nothing hostile came through.
func Raw(s string) string {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if unsafeASCII(c, false) {
				name := fmt.Sprintf("^%c", c^0x40)
				if c == 0x1b {
					name = "ESC"
				}
				return fmt.Sprintf("%s (0x%02x) at byte %d", name, c, i)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && n == 1 {
			return fmt.Sprintf("invalid UTF-8 (0x%02x) at byte %d", c, i)
		}
		if unsafeRune(r) {
			return fmt.Sprintf("U+%04X at byte %d", r, i)
		}
		i += n
	}
	return ""
}
