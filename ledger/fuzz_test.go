package ledger

import (
	"bytes"
	"testing"
	"time"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"

	"github.com/aiassure/aiassure/lineage"
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

// FuzzParseAddCheckpoint checks the tlog-witness request parser: what it
// accepts follows the wire format, so it marshals back to the same bytes.
func FuzzParseAddCheckpoint(f *testing.F) {
	f.Add([]byte("old 20852014\nPlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=\njrJZDmY8Y7SyJE0MWLpLozkIVMSMZcD5kvuKxPC3swk=\n\nexample.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n\n— example.com/behind-the-sofa Az3grlgtzPICa5OS8npVmf1Myq/5IZniMp+ZJurmRDeOoRDe4URYN7u5/Zhcyv2q1gGzGku9nTo+zyWE+xeMcTOAYQ8=\n"))
	f.Add([]byte("old 0\n\nx"))
	f.Add([]byte("old 01\n\nx"))
	f.Add([]byte("old 3\nAAAA\n\nx"))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := ParseAddCheckpoint(data)
		if err != nil {
			return
		}
		if len(r.Proof) > MaxProofLines || (r.OldSize == 0 && len(r.Proof) > 0) || len(r.Checkpoint) == 0 {
			t.Fatalf("accepted %+v", r)
		}
		if got := r.Marshal(); !bytes.Equal(got, data) {
			t.Fatalf("round trip:\n%q\n%q", data, got)
		}
	})
}

// FuzzWitnessAddCheckpoint sends arbitrary request bodies to a witness: it
// answers one of the statuses tlog-witness defines, cosigns only
// checkpoints the log signed, and never goes back to a smaller tree.
func FuzzWitnessAddCheckpoint(f *testing.F) {
	logSigner, err := lineage.GenerateKey(lineage.KeyEd25519)
	if err != nil {
		f.Fatal(err)
	}
	sg, pub, err := noteSigner(logSigner, testOrigin)
	if err != nil {
		f.Fatal(err)
	}
	lk, err := ParseLogKey([]byte((&PublicKey{Key: pub}).VerifierKey(testOrigin)), "")
	if err != nil {
		f.Fatal(err)
	}
	ws, err := lineage.GenerateKey(lineage.KeyEd25519)
	if err != nil {
		f.Fatal(err)
	}
	w, err := OpenWitness(WitnessOptions{Name: "witness.test/fuzz", Signer: ws, State: f.TempDir(), Logs: []*LogKey{lk}})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { w.Close() })
	wk, err := ParseWitnessKey([]byte(w.VerifierKey()))
	if err != nil {
		f.Fatal(err)
	}
	for _, size := range []uint64{0, 1, 7} {
		c := log.Checkpoint{Origin: testOrigin, Size: size, Hash: bytes.Repeat([]byte{byte(size)}, 32)}
		n, err := note.Sign(&note.Note{Text: string(c.Marshal())}, sg)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(append([]byte("old 0\n\n"), n...))
	}
	f.Add([]byte("old 0\n\nunknown.example\n1\nAAAA\n\n— x AAAA\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		before := w.Latest(testOrigin)
		rep := w.AddCheckpoint(data)
		switch rep.Status {
		case 400, 403, 404, 409, 422:
		case 200:
			req, err := ParseAddCheckpoint(data)
			if err != nil {
				t.Fatalf("cosigned an unparsable request: %v", err)
			}
			if _, err := note.Open(req.Checkpoint, note.VerifierList(lk.Verifier)); err != nil {
				t.Fatalf("cosigned a checkpoint the log did not sign: %v", err)
			}
			text, _, err := splitNote(req.Checkpoint)
			if err != nil {
				t.Fatal(err)
			}
			sigs, err := parseSigLines(rep.Body)
			if err != nil {
				t.Fatal(err)
			}
			if v, _, _ := checkCosigs(text, sigs, []*WitnessKey{wk}, time.Now()); len(v) != 1 {
				t.Fatalf("the answer %q is not a valid cosignature", rep.Body)
			}
		default:
			t.Fatalf("status %d: %s", rep.Status, rep.Body)
		}
		if after := w.Latest(testOrigin); after < before {
			t.Fatalf("went back from size %d to %d", before, after)
		}
	})
}
