package catalog

import (
	"errors"
	"io/fs"
	"testing"
	"testing/fstest"
)

// FuzzLoadFS feeds one catalogue file (the first byte picks which) to
// LoadFS beside the real schemas and catalog.yaml. Nothing may panic, and a catalogue that
// loads must have passed validation; a failure is an error, never a
// half-built catalogue.
func FuzzLoadFS(f *testing.F) {
	data := Data()
	for i, fl := range files {
		b, err := fs.ReadFile(data, fl.name)
		if err != nil {
			f.Fatal(err)
		}
		if len(b) > 64<<10 { // keep the seeds, and so each run, small
			b = b[:64<<10]
		}
		f.Add(append([]byte{byte(i)}, b...))
	}
	f.Add([]byte("\x02threats: &a [*a]"))
	f.Add([]byte("\x01standards:\n  - {id: x, id: y}"))
	schemas := fstest.MapFS{}
	err := fs.WalkDir(data, "schema", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(data, p)
		schemas[p] = &fstest.MapFile{Data: b}
		return err
	})
	if err != nil {
		f.Fatal(err)
	}
	head, err := fs.ReadFile(data, "catalog.yaml") // the version, so that the fuzzed file is validated
	if err != nil {
		f.Fatal(err)
	}
	schemas["catalog.yaml"] = &fstest.MapFile{Data: head}
	f.Fuzz(func(t *testing.T, in []byte) {
		if len(in) == 0 {
			return
		}
		m := fstest.MapFS{}
		for k, v := range schemas {
			m[k] = v
		}
		m[files[int(in[0])%len(files)].name] = &fstest.MapFile{Data: in[1:]}
		c, err := LoadFS(m)
		if err != nil {
			if c != nil {
				t.Fatal("catalogue returned with an error")
			}
			var ps Problems
			if errors.As(err, &ps) && len(ps) == 0 {
				t.Fatal("empty Problems")
			}
			return
		}
		if c == nil {
			t.Fatal("nil catalogue without error")
		}
	})
}
