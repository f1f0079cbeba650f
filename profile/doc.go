// Package profile reads and checks the system profile: the YAML document
// that describes one AI system (its purpose, role, assets, exposure,
// controls, declared performance and artefacts) for the classifier, the risk
// analysis, the coverage and gap analysis and the model tests.
//
// Load and Decode decode a profile strictly (unknown fields, wrong types and
// duplicate keys are errors) and validate it against the closed
// vocabularies of vocab.go; every problem comes back at once as a
// yamlx.Errors value whose entries carry file, line, column and the dotted
// field path. Check then checks the profile against the catalogue. Schema
// returns the profile's JSON Schema, generated from the Go types and the same
// vocabularies.
package profile
