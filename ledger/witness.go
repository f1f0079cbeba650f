package ledger

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/transparency-dev/formats/log"
	fnote "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"

	"github.com/aiassure/aiassure/lineage"
)

// A witness (C2SP tlog-witness, https://c2sp.org/tlog-witness) keeps, for
// every log it is configured for, the latest checkpoint it cosigned, and
// cosigns a new checkpoint only when the log signed it and it is
// consistent with that one. A log that shows two histories to two parties
// cannot get both cosigned by the same witness: what parties that require
// cosignatures accept is one history.

// MaxProofLines is the most consistency proof lines an add-checkpoint
// request may carry (tlog-witness, "add-checkpoint": the client MUST NOT
// send more than 63).
const MaxProofLines = 63

// AddCheckpoint is the body of a tlog-witness add-checkpoint request
// ("add-checkpoint"): an old size line, the consistency proof lines, an
// empty line and the checkpoint (a signed note).
//
//	old 20852014
//	PlRNCrwHpqhGrupue0L7gxbjbMiKA9temvuZZDDpkaw=
//	...
//	(empty line)
//	example.com/behind-the-sofa
//	...
type AddCheckpoint struct {
	OldSize    uint64
	Proof      [][]byte // RFC 6962 consistency proof from OldSize
	Checkpoint []byte
}

// Marshal writes the request body.
func (r *AddCheckpoint) Marshal() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", r.OldSize)
	for _, h := range r.Proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
	}
	b.WriteString("\n")
	b.Write(r.Checkpoint)
	return b.Bytes()
}

// ParseAddCheckpoint reads an add-checkpoint request body exactly as
// tlog-witness defines it: "old N" (ASCII decimal, no leading zeroes),
// at most 63 lines of one base64 SHA-256 hash each (none when N is 0),
// every line ending in U+000A, an empty line, and a non-empty checkpoint.
// It does not check the checkpoint. Errors wrap ErrInvalid.
func ParseAddCheckpoint(body []byte) (*AddCheckpoint, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w add-checkpoint request: %s", ErrInvalid, fmt.Sprintf(format, args...))
	}
	line := func() (string, bool) {
		i := bytes.IndexByte(body, '\n')
		if i < 0 {
			return "", false
		}
		l := string(body[:i])
		body = body[i+1:]
		return l, true
	}
	first, ok := line()
	if !ok {
		return nil, bad("no old size line")
	}
	s, ok := strings.CutPrefix(first, "old ")
	n, err := strconv.ParseUint(s, 10, 64)
	if !ok || err != nil || (len(s) > 1 && s[0] == '0') {
		return nil, bad("first line %q: want \"old N\" with N an ASCII decimal without leading zeroes", trunc(first))
	}
	r := &AddCheckpoint{OldSize: n}
	for {
		l, ok := line()
		if !ok {
			return nil, bad("no empty line before the checkpoint")
		}
		if l == "" {
			break
		}
		h, err := base64.StdEncoding.Strict().DecodeString(l)
		if err != nil || len(h) != sha256.Size {
			return nil, bad("proof line %d: not a base64 SHA-256 hash", len(r.Proof)+1)
		}
		if len(r.Proof) == MaxProofLines {
			return nil, bad("more than %d consistency proof lines", MaxProofLines)
		}
		r.Proof = append(r.Proof, h)
	}
	if n == 0 && len(r.Proof) > 0 {
		return nil, bad("a consistency proof from size 0 must be empty")
	}
	if len(body) == 0 {
		return nil, bad("no checkpoint after the empty line")
	}
	r.Checkpoint = body
	return r, nil
}

// LogKey is a log a witness cosigns for: its origin and a verifier of its
// checkpoint signatures.
type LogKey struct {
	Origin   string
	Verifier note.Verifier
}

// ParseLogKey reads a log's public key: a PKIX PEM Ed25519 key with the
// log's origin given, or a vkey line ORIGIN+KEYID+BASE64 (any key type
// github.com/transparency-dev/formats/note knows), whose name is the
// origin (origin, when given, must equal it). Errors wrap ErrInvalid.
func ParseLogKey(data []byte, origin string) (*LogKey, error) {
	if bytes.Contains(data, []byte("-----BEGIN")) {
		if origin == "" {
			return nil, fmt.Errorf("%w log key: a PEM key needs the log's origin", ErrInvalid)
		}
		k, err := ParsePublicKey(data)
		if err != nil {
			return nil, fmt.Errorf("log key: %w", err)
		}
		v, err := k.Verifier(origin)
		if err != nil {
			return nil, err
		}
		return &LogKey{Origin: origin, Verifier: v}, nil
	}
	v, err := fnote.NewVerifier(strings.TrimSpace(string(data)))
	if err != nil {
		return nil, fmt.Errorf("%w log key: neither a PEM public key nor a vkey ORIGIN+KEYID+BASE64: %w", ErrInvalid, err)
	}
	if origin != "" && v.Name() != origin {
		return nil, fmt.Errorf("%w log key: the vkey is for origin %q, not %q", ErrInvalid, v.Name(), origin)
	}
	return &LogKey{Origin: v.Name(), Verifier: v}, nil
}

// WitnessOptions configure OpenWitness.
type WitnessOptions struct {
	// Name is the witness's key name, a schema-less URL that identifies
	// it (tlog-cosignature, "Format"), e.g. "witness.example.com/w1". It is
	// kept in the state directory the first time; "" takes it from there.
	Name   string
	Signer *lineage.Signer // the witness's Ed25519 key
	Logs   []*LogKey
	// State is the directory that holds the witness's state: its identity,
	// the latest cosigned checkpoint of each log, and refused requests of
	// validly signed checkpoints (evidence of a log's misbehaviour).
	State  string
	Logger *slog.Logger
}

// Witness is an open witness. It is safe for concurrent use; one process
// at a time may use a state directory.
type Witness struct {
	name   string
	signer note.Signer
	vkey   string
	logs   map[string][]note.Verifier
	state  string
	lock   *os.File
	log    *slog.Logger
	mu     sync.Mutex // held from the check of the old size to the write of the new state
	latest map[string]*witnessedCP
	nEvid  int
}

type witnessedCP struct {
	size uint64
	hash []byte
}

// maxEvidence bounds the refused requests a witness keeps.
const maxEvidence = 1000

type witnessIdentity struct {
	Name string `json:"name"`
	VKey string `json:"vkey"`
}

// OpenWitness opens (or creates) a witness's state directory, locks it,
// and loads the latest cosigned checkpoint of each log.
func OpenWitness(o WitnessOptions) (*Witness, error) {
	if o.State == "" {
		return nil, fmt.Errorf("%w witness: no state directory", ErrInvalid)
	}
	priv, err := ed25519Key(o.Signer, "witness key", "cosignatures (C2SP tlog-cosignature)")
	if err != nil {
		return nil, err
	}
	if len(o.Logs) == 0 {
		return nil, fmt.Errorf("%w witness: no log keys", ErrInvalid)
	}
	for _, d := range []string{o.State, filepath.Join(o.State, "logs"), filepath.Join(o.State, "evidence")} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			return nil, fmt.Errorf("witness state: %w", diskError(err))
		}
	}
	lf, err := os.OpenFile(filepath.Join(o.State, "lock"), os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("witness state: %w", diskError(err))
	}
	if err := lockFile(lf); err != nil {
		lf.Close()
		return nil, fmt.Errorf("%w witness state %s: another witness process uses it (%v)", ErrInvalid, o.State, err)
	}
	w := &Witness{state: o.State, lock: lf, log: o.Logger, logs: map[string][]note.Verifier{}, latest: map[string]*witnessedCP{}}
	if w.log == nil {
		w.log = slog.New(slog.DiscardHandler)
	}
	if err := w.identity(o.Name, priv); err != nil {
		w.Close()
		return nil, err
	}
	for _, k := range o.Logs {
		w.logs[k.Origin] = append(w.logs[k.Origin], k.Verifier)
	}
	if err := w.load(); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// identity checks the witness's name and key against those kept in the
// state, or keeps them there the first time.
func (w *Witness) identity(name string, priv ed25519.PrivateKey) error {
	p := filepath.Join(w.state, "witness.json")
	pub := priv.Public().(ed25519.PublicKey)
	var id witnessIdentity
	b, err := os.ReadFile(p)
	switch {
	case err == nil:
		if err := json.Unmarshal(b, &id); err != nil {
			return fmt.Errorf("%w witness state %s: %w", ErrInvalid, p, err)
		}
		if name != "" && name != id.Name {
			return fmt.Errorf("%w witness: the state %s belongs to witness %q, not %q", ErrInvalid, w.state, id.Name, name)
		}
		if cosignVKey(id.Name, pub) != id.VKey {
			return fmt.Errorf("%w witness: the state %s belongs to the key %s, not this one: a witness keeps its key, or starts with a new state and a new name", ErrInvalid, w.state, id.VKey)
		}
	case errors.Is(err, os.ErrNotExist):
		if !validKeyName(name) {
			return fmt.Errorf("%w witness: a new witness needs a name (a schema-less URL, no spaces or '+'), got %q", ErrInvalid, name)
		}
		id = witnessIdentity{Name: name, VKey: cosignVKey(name, pub)}
		b, _ := json.MarshalIndent(id, "", "  ")
		if err := writeFileSync(p, append(b, '\n'), true); err != nil {
			return fmt.Errorf("witness state: %w", diskError(err))
		}
	default:
		return fmt.Errorf("witness state: %w", err)
	}
	sg, err := fnote.NewSignerForCosignatureV1(signerKey(id.Name, priv))
	if err != nil {
		return fmt.Errorf("witness signer: %w", err)
	}
	w.name, w.signer, w.vkey = id.Name, sg, id.VKey
	return nil
}

func originFile(origin string) string {
	h := sha256.Sum256([]byte(origin))
	return hex.EncodeToString(h[:]) + ".checkpoint"
}

// load reads the latest cosigned checkpoint of each log from the state.
func (w *Witness) load() error {
	des, err := os.ReadDir(filepath.Join(w.state, "logs"))
	if err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	for _, de := range des {
		if strings.HasPrefix(de.Name(), ".") {
			continue // a temporary file a crash left behind
		}
		p := filepath.Join(w.state, "logs", de.Name())
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("witness state: %w", err)
		}
		var c log.Checkpoint
		if _, err := c.Unmarshal(b); err != nil || originFile(c.Origin) != de.Name() {
			return fmt.Errorf("%w witness state %s: not the checkpoint of the origin the file is named after", ErrInvalid, p)
		}
		w.latest[c.Origin] = &witnessedCP{size: c.Size, hash: c.Hash}
	}
	evid, err := os.ReadDir(filepath.Join(w.state, "evidence"))
	if err != nil {
		return fmt.Errorf("witness state: %w", err)
	}
	w.nEvid = len(evid)
	return nil
}

// Close releases the state directory.
func (w *Witness) Close() error { return w.lock.Close() }

// Name is the witness's key name.
func (w *Witness) Name() string { return w.name }

// VerifierKey is the witness's vkey (signature type 0x04), what clients
// verify its cosignatures with.
func (w *Witness) VerifierKey() string { return w.vkey }

// Latest returns the size of the latest checkpoint cosigned for origin.
func (w *Witness) Latest(origin string) uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	if c := w.latest[origin]; c != nil {
		return c.size
	}
	return 0
}

// WitnessReply is the witness's answer to an add-checkpoint request: the
// HTTP status, content type and body tlog-witness prescribes.
type WitnessReply struct {
	Status      int
	ContentType string
	Body        []byte
}

func textReply(status int, format string, args ...any) *WitnessReply {
	return &WitnessReply{Status: status, ContentType: "text/plain; charset=utf-8", Body: []byte(fmt.Sprintf(format, args...) + "\n")}
}

// ContentTypeSize is the content type of a 409 answer holding the size of
// the latest cosigned checkpoint (tlog-witness, "add-checkpoint").
const ContentTypeSize = "text/x.tlog.size"

func conflict(size uint64) *WitnessReply {
	return &WitnessReply{Status: 409, ContentType: ContentTypeSize, Body: []byte(strconv.FormatUint(size, 10) + "\n")}
}

// AddCheckpoint handles an add-checkpoint request body as tlog-witness
// says ("add-checkpoint"): 400 for a malformed request or an old size
// above the checkpoint's; 404 for an unknown origin; 403 when no
// signature verifies against a key of the log; 409, with the size of the
// latest cosigned checkpoint (text/x.tlog.size), when the old size is not
// that size, or when it is and the checkpoint has that size but another
// root hash; 422 when the consistency proof does not verify; 200 with the
// witness's cosignature line once the checkpoint is its latest for the
// log, written and synced to disk. The check of the old size and the
// update are atomic. Requests with a valid log signature that are refused
// with 409 or 422 are kept under STATE/evidence.
func (w *Witness) AddCheckpoint(body []byte) *WitnessReply {
	req, err := ParseAddCheckpoint(body)
	if err != nil {
		return textReply(400, "%v", err)
	}
	origin, _, _ := bytes.Cut(req.Checkpoint, []byte("\n"))
	vs := w.logs[string(origin)]
	if len(vs) == 0 {
		return textReply(404, "unknown log origin %q", trunc(string(origin)))
	}
	n, err := note.Open(req.Checkpoint, note.VerifierList(vs...))
	if err != nil {
		return textReply(403, "the checkpoint carries no valid signature by a key of log %q", origin)
	}
	var c log.Checkpoint
	if _, err := c.Unmarshal([]byte(n.Text)); err != nil {
		return textReply(400, "the checkpoint: %v", err)
	}
	if req.OldSize > c.Size {
		return textReply(400, "old size %d is larger than the checkpoint's %d", req.OldSize, c.Size)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	cur := w.latest[c.Origin]
	if cur == nil {
		cur = &witnessedCP{size: 0, hash: rfc6962.DefaultHasher.EmptyRoot()}
	}
	if req.OldSize != cur.size {
		return conflict(cur.size)
	}
	if req.OldSize == c.Size {
		if !bytes.Equal(cur.hash, c.Hash) {
			w.evidence(c.Origin, "same-size-other-root", body)
			w.log.Warn("witness: a checkpoint of the cosigned size with another root hash: the log forked", "origin", c.Origin, "size", c.Size)
			return conflict(cur.size)
		}
	} else if err := proof.VerifyConsistency(rfc6962.DefaultHasher, req.OldSize, c.Size, req.Proof, cur.hash, c.Hash); err != nil {
		w.evidence(c.Origin, "inconsistent", body)
		w.log.Warn("witness: the consistency proof does not verify", "origin", c.Origin, "old", req.OldSize, "size", c.Size, "err", err)
		return textReply(422, "the consistency proof from size %d to %d does not verify: %v", req.OldSize, c.Size, err)
	}
	if c.Size != cur.size || w.latest[c.Origin] == nil {
		if err := writeFileSync(filepath.Join(w.state, "logs", originFile(c.Origin)), req.Checkpoint, false); err != nil {
			w.log.Error("witness: cannot persist the state", "err", err)
			return textReply(503, "the witness cannot store its state: %v", diskError(err))
		}
		w.latest[c.Origin] = &witnessedCP{size: c.Size, hash: c.Hash}
	}
	signed, err := note.Sign(&note.Note{Text: n.Text}, w.signer)
	if err != nil {
		return textReply(500, "cosign: %v", err)
	}
	return &WitnessReply{Status: 200, ContentType: "text/plain; charset=utf-8", Body: signed[len(n.Text)+1:]}
}

// evidence keeps a refused request whose checkpoint the log signed: it
// may prove the log's misbehaviour (tlog-witness: the witness MAY log
// it). Called with w.mu held.
func (w *Witness) evidence(origin, why string, body []byte) {
	if w.nEvid >= maxEvidence {
		return
	}
	name := fmt.Sprintf("%s-%d-%s", strings.TrimSuffix(originFile(origin), ".checkpoint")[:16], time.Now().UnixNano(), why)
	if err := writeFileSync(filepath.Join(w.state, "evidence", name), body, true); err != nil {
		w.log.Error("witness: cannot keep evidence", "err", err)
		return
	}
	w.nEvid++
}

// WitnessHandler serves the witness's HTTP API:
//
//	POST /add-checkpoint   tlog-witness add-checkpoint (its submission prefix is the root)
//	GET  /healthz          no authentication
//
// Every other request needs the bearer token unless o.Token is "".
// tlog-witness itself authenticates a request by the log's signature on
// the checkpoint only; a witness for any tlog-witness client is served
// with o.Token "".
func WitnessHandler(w *Witness, o ServerOptions) http.Handler {
	if o.MaxBody <= 0 {
		o.MaxBody = DefaultMaxBody
	}
	h := &handler{o: o}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add-checkpoint", func(rw http.ResponseWriter, r *http.Request) {
		b, ok := h.body(rw, r)
		if !ok {
			return
		}
		rep := w.AddCheckpoint(b)
		rw.Header().Set("Content-Type", rep.ContentType)
		rw.Header().Set("X-Content-Type-Options", "nosniff")
		rw.WriteHeader(rep.Status)
		rw.Write(rep.Body)
	})
	mux.HandleFunc("GET /healthz", func(rw http.ResponseWriter, _ *http.Request) { io.WriteString(rw, "ok\n") })
	return bearerAuth(o.Token, "aiassure-witness", mux)
}
