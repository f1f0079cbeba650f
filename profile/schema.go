package profile

import _ "embed"

//go:embed schema.json
var schema []byte

// Schema returns the profile's JSON Schema (draft 2020-12). It is generated
// from the Go types and the vocabularies of vocab.go (go test ./profile
// -run TestSchemaGenerated -update) and tested against both.
func Schema() []byte {
	out := make([]byte, len(schema))
	copy(out, schema)
	return out
}
