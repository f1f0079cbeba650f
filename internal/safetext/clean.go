package safetext

import "reflect"

// maxDepth bounds the recursion of Clean; values nested deeper (or cyclic)
// are left as they are.
const maxDepth = 100

// Clean returns a deep copy of v in which every string reachable through
// exported fields, slices, arrays, maps (keys too), pointers and interfaces
// has gone through Escape, for a renderer that prints all of them. When no
// string needs escaping, v itself is returned and nothing is copied.
// Unexported fields and []byte are copied as they are. The renderer should
// compute any digest of the original before it cleans.
func Clean[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	if !dirty(rv, 0) {
		return v
	}
	out := reflect.New(rv.Type()).Elem()
	clean(out, rv, 0)
	return out.Interface().(T)
}

// dirty reports whether a string under v needs escaping.
func dirty(v reflect.Value, depth int) bool {
	if depth > maxDepth {
		return false
	}
	switch v.Kind() {
	case reflect.String:
		return Needs(v.String())
	case reflect.Pointer, reflect.Interface:
		return !v.IsNil() && dirty(v.Elem(), depth+1)
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			if t.Field(i).IsExported() && dirty(v.Field(i), depth+1) {
				return true
			}
		}
	case reflect.Slice, reflect.Array:
		if v.Type().Elem().Kind() == reflect.Uint8 {
			return false
		}
		for i := range v.Len() {
			if dirty(v.Index(i), depth+1) {
				return true
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if dirty(it.Key(), depth+1) || dirty(it.Value(), depth+1) {
				return true
			}
		}
	}
	return false
}

// clean sets dst, a settable value of src's type, to a cleaned copy of src.
func clean(dst, src reflect.Value, depth int) {
	if depth > maxDepth {
		dst.Set(src)
		return
	}
	switch src.Kind() {
	case reflect.String:
		dst.SetString(Escape(src.String()))
	case reflect.Pointer:
		if src.IsNil() {
			return
		}
		p := reflect.New(src.Type().Elem())
		clean(p.Elem(), src.Elem(), depth+1)
		dst.Set(p)
	case reflect.Interface:
		if src.IsNil() {
			return
		}
		e := reflect.New(src.Elem().Type()).Elem()
		clean(e, src.Elem(), depth+1)
		dst.Set(e)
	case reflect.Struct:
		dst.Set(src) // unexported fields as they are
		t := src.Type()
		for i := range src.NumField() {
			if t.Field(i).IsExported() {
				clean(dst.Field(i), src.Field(i), depth+1)
			}
		}
	case reflect.Slice:
		if src.IsNil() || src.Type().Elem().Kind() == reflect.Uint8 {
			dst.Set(src)
			return
		}
		s := reflect.MakeSlice(src.Type(), src.Len(), src.Len())
		for i := range src.Len() {
			clean(s.Index(i), src.Index(i), depth+1)
		}
		dst.Set(s)
	case reflect.Array:
		for i := range src.Len() {
			clean(dst.Index(i), src.Index(i), depth+1)
		}
	case reflect.Map:
		if src.IsNil() {
			return
		}
		m := reflect.MakeMapWithSize(src.Type(), src.Len())
		it := src.MapRange()
		for it.Next() {
			k := reflect.New(src.Type().Key()).Elem()
			clean(k, it.Key(), depth+1)
			val := reflect.New(src.Type().Elem()).Elem()
			clean(val, it.Value(), depth+1)
			m.SetMapIndex(k, val)
		}
		dst.Set(m)
	default:
		dst.Set(src)
	}
}
