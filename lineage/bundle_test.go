package lineage

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// bundleChain rewrites every attestation of the chain as a Sigstore bundle.
func bundleChain(t *testing.T, c *chain) {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(c.atts, "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("glob: %v, %d files", err, len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		e, err := ParseEnvelope(data)
		if err != nil {
			t.Fatal(err)
		}
		b, err := MarshalBundle(e)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(f, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBundleRoundTrip(t *testing.T) {
	c := newChain(t)
	bare := c.verify(t, true)
	if len(bare.Problems) != 0 {
		t.Fatalf("bare chain: %v", bare.Err())
	}
	data, err := os.ReadFile(filepath.Join(c.atts, "2-training.json"))
	if err != nil {
		t.Fatal(err)
	}
	env, err := ParseEnvelope(data)
	if err != nil {
		t.Fatal(err)
	}
	bundleChain(t, c)
	bdata, err := os.ReadFile(filepath.Join(c.atts, "2-training.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The shape of a v0.3 key-based bundle.
	var shape struct {
		MediaType            string `json:"mediaType"`
		VerificationMaterial struct {
			PublicKey struct {
				Hint string `json:"hint"`
			} `json:"publicKey"`
			TlogEntries []any `json:"tlogEntries"`
		} `json:"verificationMaterial"`
		DSSEEnvelope struct {
			PayloadType string `json:"payloadType"`
			Signatures  []struct {
				KeyID string `json:"keyid"`
			} `json:"signatures"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(bdata, &shape); err != nil {
		t.Fatal(err)
	}
	if shape.MediaType != "application/vnd.dev.sigstore.bundle.v0.3+json" || shape.VerificationMaterial.PublicKey.Hint != c.ml.KeyID() ||
		shape.VerificationMaterial.TlogEntries == nil || len(shape.VerificationMaterial.TlogEntries) != 0 ||
		shape.DSSEEnvelope.PayloadType != PayloadTypeInToto || len(shape.DSSEEnvelope.Signatures) != 1 || shape.DSSEEnvelope.Signatures[0].KeyID != c.ml.KeyID() {
		t.Errorf("bundle shape: %+v", shape)
	}
	got, b, err := ParseBundle(bdata)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(env, got); diff != "" {
		t.Errorf("envelope changed in the bundle (-bare +bundle):\n%s", diff)
	}
	if b.Hint != c.ml.KeyID() || b.MediaType != MediaTypeBundle || b.TlogItems != 0 {
		t.Errorf("bundle: %+v", b)
	}
	// The whole chain verifies as bundles, with the same attestations.
	r := c.verify(t, true)
	if len(r.Problems) != 0 {
		t.Fatalf("bundled chain: %v", r.Err())
	}
	steps := func(r *Report) []Step {
		var s []Step
		for _, a := range r.Attestations {
			s = append(s, a.Step)
		}
		return s
	}
	if diff := cmp.Diff(steps(bare), steps(r)); diff != "" {
		t.Errorf("attestations (-bare +bundle):\n%s", diff)
	}
}

// TestBundleTamperedLikeBare alters the envelope in several ways and checks
// that the bundle holding it fails with the same kind and message as the
// bare envelope.
func TestBundleTamperedLikeBare(t *testing.T) {
	c := newChain(t)
	data, err := os.ReadFile(filepath.Join(c.atts, "2-training.json"))
	if err != nil {
		t.Fatal(err)
	}
	keys := []*Verifier{c.data.Verifier(), c.ml.Verifier()}
	other := mustKey(t, KeyEd25519)
	tests := []struct {
		name   string
		tamper func(e *Envelope)
		want   error
	}{
		{"payload changed", func(e *Envelope) {
			e.Payload = bytes.Replace(e.Payload, []byte("model/model.onnx"), []byte("model/evil.onnx"), 1)
		}, ErrBadSignature},
		{"signature changed", func(e *Envelope) { e.Signatures[0].Sig[3] ^= 1 }, ErrBadSignature},
		{"payload type changed", func(e *Envelope) { e.PayloadType = "application/json" }, ErrBadSignature},
		{"re-signed by an untrusted key", func(e *Envelope) {
			sig, err := other.Sign(PAE(e.PayloadType, e.Payload))
			if err != nil {
				t.Fatal(err)
			}
			e.Signatures[0] = Signature{KeyID: other.KeyID(), Sig: sig}
		}, ErrWrongKey},
		{"untrusted signature naming the trusted key", func(e *Envelope) {
			sig, err := other.Sign(PAE(e.PayloadType, e.Payload))
			if err != nil {
				t.Fatal(err)
			}
			e.Signatures[0].Sig = sig
		}, ErrBadSignature},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, err := ParseEnvelope(data)
			if err != nil {
				t.Fatal(err)
			}
			tt.tamper(e)
			bare, err := e.Marshal()
			if err != nil {
				t.Fatal(err)
			}
			bundle, err := MarshalBundle(e)
			if err != nil {
				t.Fatal(err)
			}
			_, errBare := VerifyEnvelope(Input{Name: "att.json", Data: bare}, keys)
			_, errBundle := VerifyEnvelope(Input{Name: "att.json", Data: bundle}, keys)
			if !errors.Is(errBare, tt.want) {
				t.Fatalf("bare: %v, want %v", errBare, tt.want)
			}
			if !errors.Is(errBundle, tt.want) || errBundle.Error() != errBare.Error() {
				t.Errorf("bundle: %v\nbare:   %v", errBundle, errBare)
			}
		})
	}
	// The hint is not signed and plays no part in trust: a changed hint
	// still verifies with the trusted key; an honest envelope re-signed
	// with an untrusted key stays untrusted whatever the hint says.
	e, _ := ParseEnvelope(data)
	b, _ := MarshalBundle(e)
	b = bytes.Replace(b, []byte(`"hint": "`+c.ml.KeyID()), []byte(`"hint": "`+other.KeyID()), 1)
	if _, err := VerifyEnvelope(Input{Name: "att.json", Data: b}, keys); err != nil {
		t.Errorf("changed hint: %v", err)
	}
}

func TestBundleMalformed(t *testing.T) {
	key := mustKey(t, KeyEd25519)
	e, err := SignEnvelope(PayloadTypeInToto, []byte(`{}`), key)
	if err != nil {
		t.Fatal(err)
	}
	env, _ := json.Marshal(e)
	two, _ := SignEnvelope(PayloadTypeInToto, []byte(`{}`), key, mustKey(t, KeyECDSAP256))
	envTwo, _ := json.Marshal(two)
	vm := `{"publicKey":{"hint":"x"},"tlogEntries":[]}`
	tests := []struct{ name, doc, want string }{
		{"wrong media type", `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.4+json","verificationMaterial":` + vm + `,"dsseEnvelope":` + string(env) + `}`, "mediaType"},
		{"no verification material", `{"mediaType":"` + MediaTypeBundle + `","dsseEnvelope":` + string(env) + `}`, "no verificationMaterial"},
		{"certificate", `{"mediaType":"` + MediaTypeBundle + `","verificationMaterial":{"certificate":{"rawBytes":"AA=="}},"dsseEnvelope":` + string(env) + `}`, "keyless"},
		{"no public key", `{"mediaType":"` + MediaTypeBundle + `","verificationMaterial":{"tlogEntries":[]},"dsseEnvelope":` + string(env) + `}`, "no publicKey"},
		{"message signature", `{"mediaType":"` + MediaTypeBundle + `","verificationMaterial":` + vm + `,"messageSignature":{"signature":"AA=="}}`, "messageSignature"},
		{"no envelope", `{"mediaType":"` + MediaTypeBundle + `","verificationMaterial":` + vm + `}`, "no dsseEnvelope"},
		{"two signatures", `{"mediaType":"` + MediaTypeBundle + `","verificationMaterial":` + vm + `,"dsseEnvelope":` + string(envTwo) + `}`, "exactly one"},
		{"unknown field", `{"mediaType":"` + MediaTypeBundle + `","verificationMaterial":` + vm + `,"dsseEnvelope":` + string(env) + `,"extra":1}`, "unknown field"},
		{"bad envelope", `{"mediaType":"` + MediaTypeBundle + `","verificationMaterial":` + vm + `,"dsseEnvelope":{"payloadType":"x","payload":"","signatures":[]}}`, "no signatures"},
		{"trailing data", `{"mediaType":"` + MediaTypeBundle + `","verificationMaterial":` + vm + `,"dsseEnvelope":` + string(env) + `}{}`, "trailing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseSigned([]byte(tt.doc))
			if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("got %v, want malformed with %q", err, tt.want)
			}
		})
	}
	if _, err := MarshalBundle(two); err == nil {
		t.Error("bundle of a two-signature envelope")
	}
	// A v0.2 bundle with the same content is read.
	old := `{"mediaType":"application/vnd.dev.sigstore.bundle+json;version=0.2","verificationMaterial":` + vm + `,"dsseEnvelope":` + string(env) + `}`
	if got, err := ParseSigned([]byte(old)); err != nil || !bytes.Equal(got.Payload, []byte(`{}`)) {
		t.Errorf("v0.2: %v", err)
	}
}

func FuzzParseSigned(f *testing.F) {
	key, err := GenerateKey(KeyEd25519)
	if err != nil {
		f.Fatal(err)
	}
	e, err := SignEnvelope(PayloadTypeInToto, []byte(`{"_type":"https://in-toto.io/Statement/v1"}`), key)
	if err != nil {
		f.Fatal(err)
	}
	b, err := MarshalBundle(e)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
	bare, _ := e.Marshal()
	f.Add(bare)
	f.Add([]byte(`{"mediaType":"","verificationMaterial":null,"dsseEnvelope":null}`))
	other, err := GenerateKey(KeyEd25519)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := ParseSigned(data)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error without the malformed kind: %v", err)
			}
			return
		}
		if _, err := e.Verify([]*Verifier{other.Verifier()}); err == nil {
			t.Fatal("a fuzzed envelope verified with a key that signed nothing")
		}
		if len(e.Signatures) == 1 && e.Signatures[0].KeyID != "" {
			b, err := MarshalBundle(e)
			if err != nil {
				t.Fatal(err)
			}
			e2, _, err := ParseBundle(b)
			if err != nil {
				t.Fatalf("re-parse: %v", err)
			}
			if !bytes.Equal(e2.Payload, e.Payload) || e2.PayloadType != e.PayloadType {
				t.Fatal("round trip changed the envelope")
			}
		}
	})
}
