package cli

import (
	"context"
	"sort"
	"strings"

	"github.com/aiassure/aiassure/catalog"
	"github.com/aiassure/aiassure/profile"
	reportjson "github.com/aiassure/aiassure/report/json"
)

// schemaCmd prints the JSON Schemas aiassure's inputs and outputs follow:
// the system profile, the canonical JSON report and each catalogue file.
var schemaCmd = &command{
	name: "schema", usage: "profile | report | catalog FILE",
	summary: "print the JSON Schema of the profile, of the JSON report or of a catalogue file",
	run: func(ctx context.Context, e *env, args []string) error {
		switch {
		case len(args) == 1 && args[0] == "profile":
			_, err := e.stdout.Write(profile.Schema())
			return err
		case len(args) == 1 && args[0] == "report":
			_, err := e.stdout.Write(reportjson.Schema())
			return err
		case len(args) >= 1 && args[0] == "catalog":
			s, err := catalog.Schemas()
			if err != nil {
				return err
			}
			var names []string
			for n := range s {
				names = append(names, strings.TrimSuffix(n, ".json"))
			}
			sort.Strings(names)
			if len(args) != 2 {
				return usagef("name a catalogue file: %s", strings.Join(names, ", "))
			}
			b, ok := s[strings.TrimSuffix(args[1], ".json")+".json"]
			if !ok {
				return usagef("no catalogue file %q (have %s)", args[1], strings.Join(names, ", "))
			}
			_, err = e.stdout.Write(b)
			return err
		}
		return usagef("want profile, report or catalog FILE")
	},
}
