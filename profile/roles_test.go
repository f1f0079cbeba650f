package profile

import (
	"slices"
	"strings"
	"testing"
)

const rolesBase = `api_version: aiassure.dev/v1
system:
  name: Credit scorer
  intended_purpose: Score consumer credit applications.
  sector: finance
ROLE
assurance: substantial
assets:
  - id: model
    kind: model
`

// TestRoles: role or roles, one of them, each role once, from the vocabulary.
func TestRoles(t *testing.T) {
	tests := []struct {
		name, role string
		want       []string
		err        string
	}{
		{"one role", "role: provider", []string{"provider"}, ""},
		{"a list", "roles: [provider, deployer]", []string{"provider", "deployer"}, ""},
		{"a list of one", "roles: [gpai-provider]", []string{"gpai-provider"}, ""},
		{"new role", "role: authorised-representative", []string{"authorised-representative"}, ""},
		{"none", "", nil, "p.yaml:1:1: role: required field is missing (give role, or roles for several"},
		{"both", "role: provider\nroles: [deployer]", nil, "p.yaml:7:8: roles: give role (one role) or roles (a list), not both"},
		{"empty role", `role: ""`, nil, "p.yaml:6:7: role: must not be empty"},
		{"empty list", "roles: []", nil, "p.yaml:6:8: roles: at least one item is required"},
		{"duplicate", "roles: [deployer, deployer]", nil, `p.yaml:6:19: roles[1]: duplicate value "deployer"`},
		{"unknown", "roles: [provider, vendor]", nil, `p.yaml:6:19: roles[1]: invalid value "vendor"`},
		{"a list under role", "role: [provider, deployer]", nil, "for several roles, write roles: [provider, deployer]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Decode("p.yaml", []byte(strings.Replace(rolesBase, "ROLE", tt.role, 1)))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("error %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.RoleList(), tt.want) {
				t.Errorf("RoleList() = %v, want %v", p.RoleList(), tt.want)
			}
		})
	}
}
