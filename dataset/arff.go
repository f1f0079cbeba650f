package dataset

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/aiassure/aiassure/model"
)

// Encoding selects how nominal ARFF attributes become numbers.
type Encoding int

const (
	// OneHot gives each value of a nominal attribute its own 0/1 feature,
	// named "attribute=value".
	OneHot Encoding = iota
	// Ordinal gives a nominal attribute one feature holding the index of its
	// value in the declaration.
	Ordinal
)

// NominalEncoding records how one nominal attribute was encoded.
type NominalEncoding struct {
	Attribute string   `json:"attribute"`
	Values    []string `json:"values"`  // in declaration order
	OneHot    bool     `json:"one_hot"` // false: ordinal
	// Columns are the feature indices: one per value (one-hot), in the
	// order of Values, or a single column holding the value's index.
	Columns []int `json:"columns"`
}

type arffAttr struct {
	name    string
	nominal []string // nil for numeric
}

// OpenARFF parses an ARFF file in full (ARFF does not stream) and returns a
// Reader over its rows. Numeric attributes become one feature each; nominal
// ones are encoded as Options.Nominal says. The label is the attribute
// Options.Label, else "class", else the last attribute. Missing values ("?"),
// string, date and relational attributes and sparse rows are refused.
func OpenARFF(path string, opt Options) (Reader, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("open arff: %w", err)
	}
	defer f.Close()
	lim := opt.Limits.withDefaults()
	if err := checkSize(f, lim); err != nil {
		return nil, fmt.Errorf("open arff: %w", err)
	}
	d, err := ParseARFF(context.Background(), f, path, opt)
	if err != nil {
		return nil, err
	}
	return d.Reader(), nil
}

// ParseARFF parses ARFF from r into memory; name is used in error messages.
func ParseARFF(ctx context.Context, r io.Reader, name string, opt Options) (*Dataset, error) {
	lim := opt.Limits.withDefaults()
	sc := bufio.NewScanner(io.LimitReader(r, lim.MaxBytes+1))
	sc.Buffer(make([]byte, 0, 64<<10), lim.MaxLineBytes)
	var (
		attrs  []arffAttr
		inData bool
		line   int
		rows   int
		data   []float32
		y      []int
		label  = -1
		width  int
		offs   []int // first feature column of each attribute (-1: label)
		info   = Info{Path: name, Format: "arff"}
		vals   []string
	)
	errf := func(format string, a ...any) error {
		return fmt.Errorf("%s:%d: %s", name, line, fmt.Sprintf(format, a...))
	}
	for sc.Scan() {
		line++
		s := strings.TrimSpace(sc.Text())
		if s == "" || s[0] == '%' {
			continue
		}
		if !inData {
			kw, rest := splitKeyword(s)
			switch strings.ToLower(kw) {
			case "@relation":
			case "@attribute":
				a, err := parseAttribute(rest)
				if err != nil {
					return nil, errf("%v", err)
				}
				for _, b := range attrs {
					if b.name == a.name {
						return nil, errf("attribute %q declared twice", trunc(a.name, 64))
					}
				}
				if len(attrs) >= lim.MaxCols {
					return nil, errf("more than %d attributes: %v", lim.MaxCols, ErrLimit)
				}
				attrs = append(attrs, a)
			case "@data":
				if len(attrs) < 2 {
					return nil, errf("@data needs at least two attributes (features and a label)")
				}
				label = labelIndex(attrs, opt.Label)
				if label < 0 {
					return nil, errf("no label attribute %q", trunc(opt.Label, 64))
				}
				offs = make([]int, len(attrs))
				for i, a := range attrs {
					if i == label {
						offs[i] = -1
						info.Label = a.name
						info.Classes = slices.Clone(a.nominal)
						continue
					}
					offs[i] = width
					if a.nominal == nil {
						info.Features = append(info.Features, a.name)
						width++
						continue
					}
					enc := NominalEncoding{Attribute: a.name, Values: slices.Clone(a.nominal), OneHot: opt.Nominal == OneHot}
					if opt.Nominal == OneHot {
						for _, v := range a.nominal {
							enc.Columns = append(enc.Columns, width)
							info.Features = append(info.Features, a.name+"="+v)
							width++
						}
					} else {
						enc.Columns = []int{width}
						info.Features = append(info.Features, a.name)
						width++
					}
					info.Nominal = append(info.Nominal, enc)
				}
				if width > lim.MaxCols {
					return nil, errf("%d features, more than the limit of %d: %v", width, lim.MaxCols, ErrLimit)
				}
				inData = true
			default:
				return nil, errf("unexpected %q in the header", trunc(s, 40))
			}
			continue
		}
		if line%4096 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		if s[0] == '{' {
			return nil, errf("sparse ARFF rows are not supported")
		}
		var err error
		vals, err = splitValues(s, vals[:0])
		if err != nil {
			return nil, errf("%v", err)
		}
		if len(vals) != len(attrs) {
			return nil, errf("%d values, want %d", len(vals), len(attrs))
		}
		if rows >= lim.MaxRows {
			return nil, errf("more than %d rows: %v", lim.MaxRows, ErrLimit)
		}
		row := len(data)
		data = append(data, make([]float32, width)...)
		for i, v := range vals {
			a := attrs[i]
			if v == "?" {
				return nil, errf("attribute %q: missing value ('?') is not supported", trunc(a.name, 64))
			}
			if i == label {
				k, err := nominalOrIndex(a, v)
				if err != nil {
					return nil, errf("label %q: %v", a.name, err)
				}
				y = append(y, k)
				continue
			}
			if a.nominal == nil {
				f, err := parseFeature(v)
				if err != nil {
					return nil, errf("attribute %q: %v", trunc(a.name, 64), err)
				}
				data[row+offs[i]] = f
				continue
			}
			k := slices.Index(a.nominal, v)
			if k < 0 {
				return nil, errf("attribute %q: %q is not one of its values", trunc(a.name, 64), trunc(v, 40))
			}
			if opt.Nominal == OneHot {
				data[row+offs[i]+k] = 1
			} else {
				data[row+offs[i]] = float32(k)
			}
		}
		rows++
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, fmt.Errorf("%s:%d: a line is longer than %d bytes: %w", name, line+1, lim.MaxLineBytes, ErrLimit)
		}
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if !inData {
		return nil, fmt.Errorf("%s: no @data section", name)
	}
	if data == nil {
		data = []float32{}
	}
	info.Shape = []int{width}
	info.Rows = rows
	return &Dataset{Info: info, X: &model.Tensor{Shape: []int{rows, width}, Data: data}, Y: y}, nil
}

func labelIndex(attrs []arffAttr, want string) int {
	if want != "" {
		return slices.IndexFunc(attrs, func(a arffAttr) bool { return a.name == want })
	}
	if i := slices.IndexFunc(attrs, func(a arffAttr) bool { return strings.EqualFold(a.name, "class") }); i >= 0 {
		return i
	}
	return len(attrs) - 1
}

func nominalOrIndex(a arffAttr, v string) (int, error) {
	if a.nominal != nil {
		k := slices.Index(a.nominal, v)
		if k < 0 {
			return 0, fmt.Errorf("%q is not one of its values", trunc(v, 40))
		}
		return k, nil
	}
	return parseLabel(v, nil)
}

func splitKeyword(s string) (string, string) {
	i := strings.IndexAny(s, " \t")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i+1:])
}

// parseAttribute parses the part of an @attribute line after the keyword.
func parseAttribute(s string) (arffAttr, error) {
	name, rest, err := nextToken(s)
	if err != nil {
		return arffAttr{}, fmt.Errorf("attribute name: %w", err)
	}
	if name == "" {
		return arffAttr{}, errors.New("attribute without a name")
	}
	rest = strings.TrimSpace(rest)
	if strings.HasPrefix(rest, "{") {
		if !strings.HasSuffix(rest, "}") {
			return arffAttr{}, fmt.Errorf("attribute %q: unterminated value list", trunc(name, 64))
		}
		vals, err := splitValues(rest[1:len(rest)-1], nil)
		if err != nil {
			return arffAttr{}, fmt.Errorf("attribute %q: %w", trunc(name, 64), err)
		}
		if len(vals) == 0 {
			return arffAttr{}, fmt.Errorf("attribute %q: empty value list", trunc(name, 64))
		}
		for i, v := range vals {
			if slices.Contains(vals[:i], v) {
				return arffAttr{}, fmt.Errorf("attribute %q: value %q listed twice", trunc(name, 64), trunc(v, 40))
			}
		}
		return arffAttr{name: name, nominal: vals}, nil
	}
	typ, _ := splitKeyword(rest)
	switch strings.ToLower(typ) {
	case "numeric", "real", "integer":
		return arffAttr{name: name}, nil
	case "":
		return arffAttr{}, fmt.Errorf("attribute %q has no type", trunc(name, 64))
	}
	return arffAttr{}, fmt.Errorf("attribute %q: type %q is not supported (want numeric, real, integer or a nominal {...} list)", trunc(name, 64), trunc(typ, 20))
}

// nextToken reads one possibly quoted token from s and returns it and the
// rest of s.
func nextToken(s string) (string, string, error) {
	s = strings.TrimLeft(s, " \t")
	if s == "" {
		return "", "", nil
	}
	if q := s[0]; q == '\'' || q == '"' {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '\\' && i+1 < len(s):
				i++
				b.WriteByte(unescape(s[i]))
			case c == q:
				return b.String(), s[i+1:], nil
			default:
				b.WriteByte(c)
			}
		}
		return "", "", errors.New("unterminated quoted string")
	}
	i := strings.IndexAny(s, " \t{")
	if i < 0 {
		return s, "", nil
	}
	return s[:i], s[i:], nil
}

func unescape(c byte) byte {
	switch c {
	case 'n':
		return '\n'
	case 't':
		return '\t'
	case 'r':
		return '\r'
	}
	return c
}

// splitValues splits a comma-separated list of possibly quoted values.
func splitValues(s string, out []string) ([]string, error) {
	for {
		s = strings.TrimLeft(s, " \t")
		var v string
		if s != "" && (s[0] == '\'' || s[0] == '"') {
			tok, rest, err := nextToken(s)
			if err != nil {
				return nil, err
			}
			v = tok
			s = strings.TrimLeft(rest, " \t")
			if s != "" && s[0] != ',' {
				return nil, fmt.Errorf("unexpected %q after a quoted value", trunc(s, 20))
			}
		} else {
			i := strings.IndexByte(s, ',')
			if i < 0 {
				i = len(s)
			}
			v = strings.TrimSpace(s[:i])
			s = s[i:]
			if v == "" {
				return nil, errors.New("empty value")
			}
		}
		out = append(out, v)
		if s == "" {
			return out, nil
		}
		s = s[1:] // the comma
	}
}
