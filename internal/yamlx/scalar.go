package yamlx

import (
	"math"
	"reflect"

	"gopkg.in/yaml.v3"
)

// decodeScalar decodes a scalar node into a string, bool, integer or float.
func (d *decoder) decodeScalar(n *yaml.Node, v reflect.Value, path string) {
	want := map[reflect.Kind]string{reflect.String: "a string", reflect.Bool: "a boolean (true or false)"}[v.Kind()]
	switch {
	case v.CanInt() || v.CanUint():
		want = "an integer"
	case v.CanFloat():
		want = "a number"
	}
	if n.Kind != yaml.ScalarNode {
		d.fail(n, path, "expected %s, got %s", want, describe(n))
		return
	}
	tag := n.ShortTag()
	switch v.Kind() {
	case reflect.String:
		switch tag {
		case "!!str", "!!int", "!!float", "!!timestamp":
			// Numbers and dates keep the text as written: version: 1.10 is "1.10".
			v.SetString(n.Value)
		case "!!bool":
			d.fail(n, path, "expected a string, got %s; quote it if you mean the text", describe(n))
		default:
			d.fail(n, path, "expected a string, got %s", describe(n))
		}
	case reflect.Bool:
		var b bool
		if tag != "!!bool" || n.Decode(&b) != nil {
			d.fail(n, path, "expected %s, got %s", want, describe(n))
			return
		}
		v.SetBool(b)
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		var i int64
		if tag != "!!int" {
			d.fail(n, path, "expected %s, got %s", want, describe(n))
			return
		}
		if n.Decode(&i) != nil || v.OverflowInt(i) {
			d.fail(n, path, "integer %s is out of range", n.Value)
			return
		}
		v.SetInt(i)
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		var u uint64
		if tag != "!!int" {
			d.fail(n, path, "expected %s, got %s", want, describe(n))
			return
		}
		if n.Decode(&u) != nil || v.OverflowUint(u) {
			d.fail(n, path, "integer %s is out of range (must be 0 or more)", n.Value)
			return
		}
		v.SetUint(u)
	case reflect.Float32, reflect.Float64:
		var f float64
		if tag != "!!int" && tag != "!!float" {
			d.fail(n, path, "expected %s, got %s", want, describe(n))
			return
		}
		if n.Decode(&f) != nil {
			d.fail(n, path, "expected %s, got %s", want, describe(n))
			return
		}
		if math.IsNaN(f) || math.IsInf(f, 0) || v.OverflowFloat(f) {
			d.fail(n, path, "number %s is not a finite value", n.Value)
			return
		}
		v.SetFloat(f)
	}
}
