package yamlx

import (
	"reflect"
	"slices"
	"strings"
	"sync"
)

// field is one decodable struct field.
type field struct {
	name  string
	index []int
}

// fields is what a struct type decodes from.
type fields struct {
	byName map[string]field
	names  []string // in declaration order
}

func (fs *fields) list() string {
	if len(fs.names) == 0 {
		return "(none)"
	}
	if len(fs.names) > 12 {
		return strings.Join(fs.names[:12], ", ") + ", ..."
	}
	return strings.Join(fs.names, ", ")
}

var fieldCache sync.Map // reflect.Type -> *fields

// fieldsOf returns the YAML fields of struct type t.
func fieldsOf(t reflect.Type) *fields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(*fields)
	}
	fs := &fields{byName: map[string]field{}}
	collect(t, nil, fs, 0)
	f, _ := fieldCache.LoadOrStore(t, fs)
	return f.(*fields)
}

// TagName returns the YAML key of a struct field and whether it is decoded at
// all, and whether it is inlined, following yaml.v3's rules: the tag's name,
// or the lower-cased Go name; "-" skips it.
func TagName(sf reflect.StructField) (name string, inline, ok bool) {
	if !sf.IsExported() && !sf.Anonymous {
		return "", false, false
	}
	tag := sf.Tag.Get("yaml")
	if tag == "-" {
		return "", false, false
	}
	parts := strings.Split(tag, ",")
	name = parts[0]
	inline = slices.Contains(parts[1:], "inline")
	if name == "" {
		name = strings.ToLower(sf.Name)
	}
	if !sf.IsExported() && !inline {
		return "", false, false
	}
	return name, inline, true
}

func collect(t reflect.Type, prefix []int, fs *fields, depth int) {
	if depth > 8 {
		return
	}
	for i := range t.NumField() {
		sf := t.Field(i)
		name, inline, ok := TagName(sf)
		if !ok {
			continue
		}
		index := append(slices.Clone(prefix), i)
		if inline {
			ft := sf.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				collect(ft, index, fs, depth+1)
				continue
			}
		}
		if _, dup := fs.byName[name]; dup {
			continue
		}
		fs.byName[name] = field{name: name, index: index}
		fs.names = append(fs.names, name)
	}
}
