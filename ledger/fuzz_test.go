package ledger

import (
	"bytes"
	"testing"
)

func FuzzParseEvent(f *testing.F) {
	for i := range 6 {
		f.Add([]byte(event(i)))
	}
	f.Add([]byte(`{"type":"incident","time":"2026-11-01T00:00:00Z","incident_id":"i","severity":"low","description":"\u0000"}`))
	f.Add([]byte(`[1,2,{"a":[[[[]]]]}]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		ev, err := ParseEvent(data)
		if err != nil {
			return
		}
		if _, err := Type(ev.Type); err != nil {
			t.Fatalf("accepted an event of unknown type %q", ev.Type)
		}
		if _, err := canonical(ev.Fields); err != nil {
			t.Fatalf("accepted event has no canonical form: %v", err)
		}
	})
}

func FuzzParseEntry(f *testing.F) {
	f.Add([]byte(`{"event":{"description":"x","incident_id":"i1","severity":"high","time":"2026-12-01T10:00:00Z","type":"incident"},"recorded":"2026-12-03T17:41:00.94211134Z","v":1}`))
	f.Add([]byte(`{"event":{"decision":"deny","input":{"commitment":"hmac-sha256:d820014900f18d763646a6ee384081977a39ac8f84e26495dcfe4527c7d9a47a","key":"82d89f2e67886dda822ba474f923cd9e"},"model_version":"v1","time":"2026-12-01T10:00:00Z","type":"inference_decision"},"recorded":"2026-12-03T17:41:01.136518484Z","v":1}`))
	f.Add([]byte(`{"v":1.0e0}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseEntry(data)
		if err != nil {
			return
		}
		v, err := decodeJSON(data)
		if err != nil {
			t.Fatal(err)
		}
		c, err := canonical(v)
		if err != nil || !bytes.Equal(c, data) {
			t.Fatalf("accepted a non-canonical entry %q", data)
		}
		for f, val := range e.Event {
			if _, ok := asCommitment(val); !ok {
				if ty, _ := Type(e.Type); ty.IsPersonal(f) {
					t.Fatalf("personal field %s in plaintext", f)
				}
			}
		}
	})
}

func FuzzParseProof(f *testing.F) {
	f.Add([]byte("c2sp.org/tlog-proof@v1\nextra eyJ2IjoxfQ==\nindex 1\n9j4Cye8gtKdCa7sROHz+UaJcN34e9802iYe60N5/Rmg=\n\nexample.com/test\n2\ns8n3Pi89dWNDlDAj9ExSWrQQXIR9gMGslHWBjq8fcAM=\n\n— example.com/test X3c6ptM8VEF0FEoU6jGyNWg6WILmhfNigC2+6v0qmaeEQLb+aPexwqIDdyMbEGf2feG9awI+ZQIg5sQFIPmiVju+IwI=\n"))
	f.Add([]byte("c2sp.org/tlog-proof@v1\nindex 0\n\ncheckpoint\n"))
	f.Add([]byte("c2sp.org/tlog-proof@v1\nindex 01\n\nx"))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := ParseProof(data)
		if err != nil {
			return
		}
		if got := p.Marshal(); !bytes.Equal(got, data) {
			t.Fatalf("round trip:\n%q\n%q", data, got)
		}
	})
}
