package ledger

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/formats/log"
	"golang.org/x/mod/sumdb/note"

	"github.com/aiassure/aiassure/lineage"
)

const testOrigin = "test.example/ledger"

func newSigner(t testing.TB) *lineage.Signer {
	t.Helper()
	s, err := lineage.GenerateKey(lineage.KeyEd25519)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// testWitness is a witness served over loopback HTTP.
type testWitness struct {
	w     *Witness
	srv   *httptest.Server
	key   *WitnessKey // from its vkey
	pub   ed25519.PublicKey
	priv  ed25519.PrivateKey
	state string
	token string
}

const witnessToken = "witness-token-0123456789"

func startWitness(t testing.TB, state string, s *lineage.Signer, logKey *PublicKey) *testWitness {
	t.Helper()
	w, err := OpenWitness(WitnessOptions{Name: "witness.test/w1", Signer: s, State: state, Logs: []*LogKey{{Origin: testOrigin, Verifier: mustVerifier(t, logKey)}}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(WitnessHandler(w, ServerOptions{Token: witnessToken, MaxBody: 16 << 10}))
	t.Cleanup(func() { srv.Close(); w.Close() })
	k, err := ParseWitnessKey([]byte(w.VerifierKey()))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := ed25519Key(s, "test", "test")
	if err != nil {
		t.Fatal(err)
	}
	return &testWitness{w: w, srv: srv, key: k, pub: priv.Public().(ed25519.PublicKey), priv: priv, state: state, token: witnessToken}
}

func mustVerifier(t testing.TB, k *PublicKey) note.Verifier {
	t.Helper()
	lk, err := ParseLogKey(publicPEM(t, k), testOrigin)
	if err != nil {
		t.Fatal(err)
	}
	return lk.Verifier
}

func (tw *testWitness) cosign(t testing.TB, dir string) *CosignResult {
	t.Helper()
	res, err := Cosign(context.Background(), dir, CosignOptions{Witnesses: []WitnessEndpoint{{URL: tw.srv.URL, Token: tw.token}}, Keys: []*WitnessKey{tw.key}})
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func (tw *testWitness) post(t testing.TB, token string, body []byte) (int, string, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", tw.srv.URL+"/add-checkpoint", bytes.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func verifyWitnessed(t testing.TB, dir string, key *PublicKey, keys []*WitnessKey, min int) *Report {
	t.Helper()
	r, err := Verify(context.Background(), dir, key, VerifyOptions{Witnesses: keys, MinWitnesses: min})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// specCosignature checks a cosignature line as C2SP tlog-cosignature
// words it, with crypto/ed25519 alone: key ID SHA-256(name || "\n" ||
// 0x04 || key)[:4], then a big-endian u64 timestamp and an Ed25519
// signature over "cosignature/v1\ntime T\n" || body.
func specCosignature(t *testing.T, line, name string, pub ed25519.PublicKey, body []byte) {
	t.Helper()
	rest, ok := strings.CutPrefix(strings.TrimSuffix(line, "\n"), "— "+name+" ")
	if !ok {
		t.Fatalf("cosignature line %q is not by %s", line, name)
	}
	sig, err := base64.StdEncoding.DecodeString(rest)
	if err != nil || len(sig) != 4+8+64 {
		t.Fatalf("cosignature %q: %d bytes, %v", rest, len(sig), err)
	}
	id := sha256.Sum256(append(append([]byte(name+"\n"), 0x04), pub...))
	if !bytes.Equal(sig[:4], id[:4]) {
		t.Fatalf("key ID %x, want %x", sig[:4], id[:4])
	}
	ts := binary.BigEndian.Uint64(sig[4:12])
	if d := time.Since(time.Unix(int64(ts), 0)); d < -time.Minute || d > time.Minute {
		t.Fatalf("timestamp %d is not now", ts)
	}
	msg := "cosignature/v1\ntime " + strconv.FormatUint(ts, 10) + "\n" + string(body)
	if !ed25519.Verify(pub, []byte(msg), sig[12:]) {
		t.Fatal("the cosignature does not verify as the spec defines it")
	}
}

func TestWitnessCosign(t *testing.T) {
	l, key := testLedger(t, Config{Driver: DriverPOSIX})
	tw := startWitness(t, t.TempDir(), newSigner(t), key)
	keys := []*WitnessKey{tw.key}
	fill(t, l, 5)
	res := tw.cosign(t, l.Dir())
	if res.Size != 5 || res.Cosigned != 1 || res.Witnesses[0].Error != "" || res.Witnesses[0].OldSize != 0 {
		t.Fatalf("first cosign: %+v", res)
	}
	if r := verifyWitnessed(t, l.Dir(), key, keys, 1); !r.OK() || r.Witnessed.Size != 5 || len(r.Witnessed.Cosignatures) != 1 {
		t.Fatalf("verify: %+v %v", r.Witnessed, r.Problems)
	}
	// across an entry bundle: the witness checks a real consistency proof
	fill(t, l, 300)
	res = tw.cosign(t, l.Dir())
	if res.Size != 305 || res.Witnesses[0].OldSize != 5 || res.Cosigned != 1 {
		t.Fatalf("second cosign: %+v", res)
	}
	if got := tw.w.Latest(testOrigin); got != 305 {
		t.Fatalf("the witness holds size %d", got)
	}
	// the same checkpoint again: old size = size, same root
	if res = tw.cosign(t, l.Dir()); res.Witnesses[0].Error != "" || res.Witnesses[0].OldSize != 305 {
		t.Fatalf("cosign again: %+v", res)
	}
	raw, err := os.ReadFile(filepath.Join(l.Dir(), "cosigned", fmt.Sprintf("%020d", 305)))
	if err != nil {
		t.Fatal(err)
	}
	text, sigs, err := splitNote(raw)
	if err != nil || len(sigs) != 2 {
		t.Fatalf("cosigned checkpoint: %d signatures, %v:\n%s", len(sigs), err, raw)
	}
	specCosignature(t, sigs[1].line, "witness.test/w1", tw.pub, text)
	// the cosigned checkpoint goes into proofs and snapshots
	p, err := NewProver(context.Background(), l.Dir())
	if err != nil {
		t.Fatal(err)
	}
	pr, err := p.Prove(context.Background(), 300)
	p.Close()
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := VerifyProof(pr, key, ""); err != nil {
		t.Fatal(err)
	}
	if v, bad, err := CheckCosignatures(pr.Checkpoint, keys, time.Now()); err != nil || len(v) != 1 || len(bad) != 0 {
		t.Fatalf("proof's cosignatures: %v %v %v", v, bad, err)
	}
	snap := filepath.Join(t.TempDir(), "snap")
	if _, err := Snapshot(context.Background(), l.Dir(), snap); err != nil {
		t.Fatal(err)
	}
	if r := verifyWitnessed(t, snap, key, keys, 1); !r.OK() {
		t.Fatalf("snapshot: %v", r.Problems)
	}
	// a PEM witness key finds its cosignature by the key ID under the line's name
	pemKey, err := ParseWitnessKey(publicPEM(t, &PublicKey{Key: tw.pub}))
	if err != nil {
		t.Fatal(err)
	}
	if r := verifyWitnessed(t, l.Dir(), key, []*WitnessKey{pemKey}, 1); !r.OK() {
		t.Fatalf("PEM witness key: %v", r.Problems)
	}
	// two witnesses required, one given; then entries after the cosigned checkpoint
	other := &WitnessKey{Name: "other.test/w2", Key: ed25519.PublicKey(bytes.Repeat([]byte{7}, 32))}
	r := verifyWitnessed(t, l.Dir(), key, []*WitnessKey{tw.key, other}, 2)
	if r.OK() || !strings.Contains(r.Problems[0].Msg, "carries 1 valid cosignature(s) of trusted witnesses, 2 required") {
		t.Fatalf("two required: %v", r.Problems)
	}
	fill(t, l, 2)
	r = verifyWitnessed(t, l.Dir(), key, keys, 1)
	if len(r.Problems) != 1 || r.Problems[0].Index != 305 || !strings.Contains(r.Problems[0].Msg, "entries 305 to 306 are not witnessed") {
		t.Fatalf("unwitnessed entries: %v", r.Problems)
	}
}

func TestWitnessFork(t *testing.T) {
	s := newSigner(t)
	a, key := testLedgerSigned(t, Config{}, s)
	b, _ := testLedgerSigned(t, Config{}, s) // another history under the same origin and key
	tw := startWitness(t, t.TempDir(), newSigner(t), key)
	keys := []*WitnessKey{tw.key}
	fill(t, a, 4)
	if res := tw.cosign(t, a.Dir()); res.Cosigned != 1 {
		t.Fatalf("cosign A: %+v", res)
	}
	for i := range 4 { // B: the same sizes, other entries
		if _, err := b.AppendJSON(context.Background(), []byte(event(i+100))); err != nil {
			t.Fatal(err)
		}
	}
	res := tw.cosign(t, b.Dir())
	if w := res.Witnesses[0]; !w.Refused || !strings.Contains(w.Error, "another tree of 4 entries") || res.File != "" {
		t.Fatalf("fork at the same size: %+v", res)
	}
	fill(t, b, 6)
	res = tw.cosign(t, b.Dir())
	if w := res.Witnesses[0]; !w.Refused || w.OldSize != 4 || !strings.Contains(w.Error, "refused the consistency proof from size 4 to 10") {
		t.Fatalf("fork: %+v", res)
	}
	if got := tw.w.Latest(testOrigin); got != 4 {
		t.Fatalf("the witness moved to size %d", got)
	}
	ev, _ := os.ReadDir(filepath.Join(tw.state, "evidence"))
	if len(ev) != 2 {
		t.Fatalf("evidence kept: %d files", len(ev))
	}
	// verify: B has no cosigned checkpoint
	r := verifyWitnessed(t, b.Dir(), key, keys, 1)
	if r.OK() || !strings.Contains(r.Problems[0].Msg, "no checkpoint carries enough") {
		t.Fatalf("verify B: %v", r.Problems)
	}
	// A's cosigned checkpoint put into B: its root is not B's
	if err := os.MkdirAll(filepath.Join(b.Dir(), "cosigned"), 0o755); err != nil {
		t.Fatal(err)
	}
	name := fmt.Sprintf("%020d", 4)
	cp, _ := os.ReadFile(filepath.Join(a.Dir(), "cosigned", name))
	os.WriteFile(filepath.Join(b.Dir(), "cosigned", name), cp, 0o644)
	r = verifyWitnessed(t, b.Dir(), key, keys, 1)
	found := false
	for _, p := range r.Problems {
		found = found || (p.Path == "cosigned/"+name && strings.Contains(p.Msg, "does not match this signed checkpoint"))
	}
	if !found {
		t.Fatalf("A's cosigned checkpoint in B: %v", r.Problems)
	}
	// A goes on and is cosigned
	fill(t, a, 3)
	if res := tw.cosign(t, a.Dir()); res.Cosigned != 1 || res.Witnesses[0].OldSize != 4 {
		t.Fatalf("A after the fork: %+v", res)
	}
}

// logCheckpoint returns the ledger's latest signed checkpoint and its size.
func logCheckpoint(t testing.TB, dir string) ([]byte, uint64) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(dir, "log", "checkpoint"))
	if err != nil {
		t.Fatal(err)
	}
	var c log.Checkpoint
	if _, err := c.Unmarshal(raw); err != nil {
		t.Fatal(err)
	}
	return raw, c.Size
}

func TestWitnessRequests(t *testing.T) {
	l, key := testLedger(t, Config{Driver: DriverPOSIX})
	state := t.TempDir()
	tw := startWitness(t, state, newSigner(t), key)
	fill(t, l, 3)
	cp3, _ := logCheckpoint(t, l.Dir())
	tw.cosign(t, l.Dir())
	fill(t, l, 5)
	cp8, n := logCheckpoint(t, l.Dir())
	if n != 8 {
		t.Fatalf("size %d", n)
	}
	p, err := NewProver(context.Background(), l.Dir())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	good, err := p.pb.ConsistencyProof(context.Background(), 3, 8)
	if err != nil || len(good) == 0 {
		t.Fatal(err)
	}
	b64 := func(h []byte) string { return base64.StdEncoding.EncodeToString(h) + "\n" }
	proofLines := ""
	for _, h := range good {
		proofLines += b64(h)
	}
	flipped := append([]byte(nil), good[0]...)
	flipped[0] ^= 1
	otherL, _ := testLedger(t, Config{Driver: DriverPOSIX}) // signed by another key
	fill(t, otherL, 8)
	cpOther, _ := logCheckpoint(t, otherL.Dir())
	forged := bytes.Replace(cp8, []byte("\n8\n"), []byte("\n9\n"), 1)
	unknown := bytes.Replace(cp8, []byte(testOrigin), []byte("unknown.example/log"), 1)
	for _, tc := range []struct {
		name, token, body string
		want              int
		wantBody          string
	}{
		{"no token", "", "old 3\n" + proofLines + "\n" + string(cp8), 401, ""},
		{"no old line", witnessToken, "\n" + string(cp8), 400, ""},
		{"leading zero", witnessToken, "old 03\n" + proofLines + "\n" + string(cp8), 400, ""},
		{"not a hash", witnessToken, "old 3\nAAAA\n\n" + string(cp8), 400, ""},
		{"64 proof lines", witnessToken, "old 3\n" + strings.Repeat(b64(good[0]), 64) + "\n" + string(cp8), 400, ""},
		{"proof from 0", witnessToken, "old 0\n" + b64(good[0]) + "\n" + string(cp8), 400, ""},
		{"no checkpoint", witnessToken, "old 3\n" + proofLines + "\n", 400, ""},
		{"unknown origin", witnessToken, "old 0\n\n" + string(unknown), 404, ""},
		{"other key", witnessToken, "old 0\n\n" + string(cpOther), 403, ""},
		{"forged size", witnessToken, "old 3\n" + proofLines + "\n" + string(forged), 403, ""},
		{"old above size", witnessToken, "old 9\n\n" + string(cp8), 400, ""},
		{"wrong old", witnessToken, "old 0\n\n" + string(cp8), 409, "3\n"},
		{"rollback", witnessToken, "old 0\n\n" + string(cp3), 409, "3\n"},
		{"bad proof", witnessToken, "old 3\n" + b64(flipped) + proofLines[len(b64(flipped)):] + "\n" + string(cp8), 422, ""},
		{"short proof", witnessToken, "old 3\n" + b64(good[0]) + "\n" + string(cp8), 422, ""},
		{"too large", witnessToken, "old 3\n" + strings.Repeat("x", 20<<10), 413, ""},
		{"good", witnessToken, "old 3\n" + proofLines + "\n" + string(cp8), 200, ""},
		{"replay older", witnessToken, "old 3\n\n" + string(cp3), 409, "8\n"},
		{"same again", witnessToken, "old 8\n\n" + string(cp8), 200, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, ctype, body := tw.post(t, tc.token, []byte(tc.body))
			if code != tc.want {
				t.Fatalf("HTTP %d, want %d: %s", code, tc.want, body)
			}
			switch {
			case code == 409:
				if ctype != ContentTypeSize || body != tc.wantBody {
					t.Fatalf("409: %s %q, want %s %q", ctype, body, ContentTypeSize, tc.wantBody)
				}
			case code == 200:
				text, _, _ := splitNote(cp8)
				specCosignature(t, body, "witness.test/w1", tw.pub, text)
			}
		})
	}
	code, _, _ := tw.post(t, witnessToken, nil)
	if code != 400 {
		t.Fatalf("empty body: %d", code)
	}
	resp, err := http.Get(tw.srv.URL + "/add-checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 401 && resp.StatusCode != 405 {
		t.Fatalf("GET: %d", resp.StatusCode)
	}
}

func TestWitnessRestart(t *testing.T) {
	l, key := testLedger(t, Config{Driver: DriverPOSIX})
	state := t.TempDir()
	ws := newSigner(t)
	tw := startWitness(t, state, ws, key)
	fill(t, l, 7)
	tw.cosign(t, l.Dir())
	// a second process on the same state is refused
	if _, err := OpenWitness(WitnessOptions{Name: "witness.test/w1", Signer: ws, State: state, Logs: []*LogKey{{Origin: testOrigin, Verifier: mustVerifier(t, key)}}}); err == nil || !strings.Contains(err.Error(), "another witness process") {
		t.Fatalf("second open: %v", err)
	}
	tw.srv.Close()
	tw.w.Close()
	for _, tc := range []struct {
		name   string
		wname  string
		signer *lineage.Signer
		want   string
	}{
		{"other key", "witness.test/w1", newSigner(t), "belongs to the key"},
		{"other name", "witness.test/w2", ws, "belongs to witness"},
	} {
		if _, err := OpenWitness(WitnessOptions{Name: tc.wname, Signer: tc.signer, State: state, Logs: []*LogKey{{Origin: testOrigin, Verifier: mustVerifier(t, key)}}}); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: %v", tc.name, err)
		}
	}
	tw2 := startWitness(t, state, ws, key)
	if got := tw2.w.Latest(testOrigin); got != 7 {
		t.Fatalf("after restart the witness holds size %d", got)
	}
	cp, _ := logCheckpoint(t, l.Dir())
	if code, _, body := tw2.post(t, witnessToken, append([]byte("old 0\n\n"), cp...)); code != 409 || body != "7\n" {
		t.Fatalf("after restart: %d %q", code, body)
	}
	fill(t, l, 2)
	if res := tw2.cosign(t, l.Dir()); res.Cosigned != 1 || res.Witnesses[0].OldSize != 7 {
		t.Fatalf("after restart: %+v", res)
	}
}

func TestCosignatureTampered(t *testing.T) {
	l, key := testLedger(t, Config{Driver: DriverPOSIX})
	tw := startWitness(t, t.TempDir(), newSigner(t), key)
	fill(t, l, 3)
	res := tw.cosign(t, l.Dir())
	p := filepath.Join(l.Dir(), res.File)
	orig, _ := os.ReadFile(p)
	text, sigs, _ := splitNote(orig)
	line := sigs[1].line
	sig, _ := base64.StdEncoding.DecodeString(strings.Fields(line)[2])
	for _, tc := range []struct {
		name string
		edit func(sig []byte)
	}{
		{"signature bit", func(s []byte) { s[40] ^= 1 }},
		{"timestamp", func(s []byte) { s[11]++ }},
		{"future", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := append([]byte(nil), sig...)
			if tc.edit != nil {
				tc.edit(s)
			} else {
				// a valid cosignature, dated a day ahead
				ts := uint64(time.Now().Add(24 * time.Hour).Unix())
				binary.BigEndian.PutUint64(s[4:], ts)
				copy(s[12:], ed25519.Sign(tw.priv, []byte(fmt.Sprintf("cosignature/v1\ntime %d\n%s", ts, text))))
			}
			bad := string(text) + "\n" + sigs[0].line + "— witness.test/w1 " + base64.StdEncoding.EncodeToString(s) + "\n"
			os.WriteFile(p, []byte(bad), 0o644)
			r := verifyWitnessed(t, l.Dir(), key, []*WitnessKey{tw.key}, 1)
			want := "does not verify"
			if tc.edit == nil {
				want = "in the future"
			}
			if r.OK() || !strings.Contains(r.Problems[0].Msg, want) || r.Problems[0].Path != res.File {
				t.Fatalf("%v", r.Problems)
			}
		})
	}
	os.WriteFile(p, orig, 0o644)
	if r := verifyWitnessed(t, l.Dir(), key, []*WitnessKey{tw.key}, 1); !r.OK() {
		t.Fatal(r.Problems)
	}
}

func TestWitnessKeyParse(t *testing.T) {
	// the example cosignature of C2SP tlog-cosignature: key ID 0x8d66cf3f
	// and the timestamp of its signed message, "time 1679315147"
	sigs, err := parseSigLines([]byte("— witness.example.com/w1 jWbPPwAAAABkGFDLEZMHwSRaJNiIDoe9DYn/zXcrtPHeolMI5OWXEhZCB9dlrDJsX3b2oyin1nPZqhf5nNo0xUe+mbIUBkBIfZ+qnA==\n"))
	if err != nil || len(sigs) != 1 || sigs[0].hash != 0x8d66cf3f || binary.BigEndian.Uint64(sigs[0].sig) != 1679315147 || len(sigs[0].sig) != 72 {
		t.Fatalf("%+v %v", sigs, err)
	}
	pub := ed25519.PublicKey(bytes.Repeat([]byte{1}, 32))
	k1 := cosignVKey("w.example/1", pub)
	for _, tc := range []struct {
		in, err string
	}{
		{k1, ""},
		{"w.example/1+00000000+" + strings.SplitN(k1, "+", 3)[2], "key ID"},
		{"w.example/1+" + fmt.Sprintf("%08x", keyHash("w.example/1", pub)) + "+" + base64.StdEncoding.EncodeToString(append([]byte{1}, pub...)), ""},
		{"w.example/1+" + fmt.Sprintf("%08x", keyHash("w.example/1", pub)) + "+" + base64.StdEncoding.EncodeToString(append([]byte{2}, pub...)), "signature type"},
		{"no key", "neither"},
	} {
		k, err := ParseWitnessKey([]byte(tc.in))
		switch {
		case tc.err == "" && (err != nil || k.VerifierKey() != k1):
			t.Errorf("%q: %v", tc.in, err)
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)):
			t.Errorf("%q: %v, want %q", tc.in, err, tc.err)
		}
	}
}

// TestWitnessAtomic sends one request many times at once: the check of
// the old size and the update are atomic, so exactly one is cosigned and
// the others are told the new size.
func TestWitnessAtomic(t *testing.T) {
	l, key := testLedger(t, Config{Driver: DriverPOSIX})
	tw := startWitness(t, t.TempDir(), newSigner(t), key)
	fill(t, l, 3)
	tw.cosign(t, l.Dir())
	fill(t, l, 6)
	cp, n := logCheckpoint(t, l.Dir())
	p, err := NewProver(context.Background(), l.Dir())
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pr, err := p.pb.ConsistencyProof(context.Background(), 3, n)
	if err != nil {
		t.Fatal(err)
	}
	body := (&AddCheckpoint{OldSize: 3, Proof: pr, Checkpoint: cp}).Marshal()
	const k = 16
	codes := make(chan int, k)
	for range k {
		go func() { codes <- tw.w.AddCheckpoint(body).Status }()
	}
	count := map[int]int{}
	for range k {
		count[<-codes]++
	}
	if count[200] != 1 || count[409] != k-1 {
		t.Fatalf("statuses %v, want one 200 and %d 409", count, k-1)
	}
}

// BenchmarkCosign measures one cosign round trip over loopback HTTP after
// an append: the consistency proof from the tiles, the witness's checks
// and its synced state, and the cosigned checkpoint synced to disk.
func BenchmarkCosign(b *testing.B) {
	l, key := testLedger(b, Config{Driver: DriverPOSIX})
	tw := startWitness(b, b.TempDir(), newSigner(b), key)
	fill(b, l, 1000)
	tw.cosign(b, l.Dir())
	for b.Loop() {
		b.StopTimer()
		if _, err := l.AppendJSON(context.Background(), []byte(event(1))); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		if res := tw.cosign(b, l.Dir()); res.Cosigned != 1 {
			b.Fatalf("%+v", res)
		}
	}
}
