package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
)

// cosignedDir keeps the ledger's checkpoints with the witnesses'
// cosignatures, one file per tree size, and what the ledger knows of each
// witness (witnesses.json).
func cosignedDir(dir string) string { return filepath.Join(dir, "cosigned") }

const witnessesFile = "witnesses.json"

// WitnessEndpoint is a witness the ledger asks for cosignatures.
type WitnessEndpoint struct {
	// URL is the witness's submission prefix: the request goes to
	// URL + "/add-checkpoint" (tlog-witness, "HTTP Interface").
	URL   string
	Token string // bearer token; "" sends none
}

// CosignOptions configure Cosign.
type CosignOptions struct {
	Witnesses []WitnessEndpoint
	// Keys are the trusted witness keys: a cosignature by another key is
	// ignored.
	Keys   []*WitnessKey
	Client *http.Client // default: 30 s timeout
}

// WitnessOutcome is what one witness answered.
type WitnessOutcome struct {
	URL          string        `json:"url"`
	OldSize      uint64        `json:"old_size"` // the size the witness had cosigned before
	Cosignatures []Cosignature `json:"cosignatures,omitempty"`
	Error        string        `json:"error,omitempty"`
	// Refused is set when the witness refused the checkpoint because it
	// is not an append-only extension of the one it cosigned: the log was
	// forked or rolled back.
	Refused bool `json:"refused,omitempty"`
}

// CosignResult is the outcome of Cosign.
type CosignResult struct {
	Origin    string           `json:"origin"`
	Size      uint64           `json:"size"`
	File      string           `json:"file,omitempty"` // the cosigned checkpoint, relative to the ledger
	Witnesses []WitnessOutcome `json:"witnesses"`
	// Cosigned counts the distinct trusted witnesses whose valid
	// cosignatures the stored checkpoint carries.
	Cosigned int `json:"cosigned"`
}

// Cosign sends the ledger's latest checkpoint to each witness
// (tlog-witness add-checkpoint) with a consistency proof, built from the
// tiles, from the size the witness cosigned last, and stores the
// checkpoint with every valid cosignature by a trusted key in
// DIR/cosigned/SIZE, merged with those collected before. A witness that
// answers 409 with another size is asked again from that size. It returns
// an error only when it cannot run; what each witness answered is in the
// result.
func Cosign(ctx context.Context, dir string, o CosignOptions) (*CosignResult, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	if cfg.Snapshot != "" {
		return nil, fmt.Errorf("%w cosign: %s is a snapshot; cosign the ledger it was made from", ErrInvalid, dir)
	}
	if len(o.Witnesses) == 0 || len(o.Keys) == 0 {
		return nil, fmt.Errorf("%w cosign: give at least one witness and one trusted witness key", ErrInvalid)
	}
	if o.Client == nil {
		o.Client = &http.Client{Timeout: 30 * time.Second}
	}
	s, err := openStore(ctx, dir)
	if err != nil {
		return nil, fmt.Errorf("cosign: %w", err)
	}
	defer s.close()
	raw, err := s.readCheckpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("cosign: %s: %w", s.src.name(layout.CheckpointPath), err)
	}
	var c log.Checkpoint
	if _, err := c.Unmarshal(raw); err != nil {
		return nil, fmt.Errorf("%w cosign: %s: %w", ErrInvalid, s.src.name(layout.CheckpointPath), err)
	}
	if err := os.MkdirAll(cosignedDir(dir), 0o755); err != nil {
		return nil, fmt.Errorf("cosign: %w", diskError(err))
	}
	known := map[string]uint64{}
	if b, err := os.ReadFile(filepath.Join(cosignedDir(dir), witnessesFile)); err == nil {
		if err := json.Unmarshal(b, &known); err != nil {
			return nil, fmt.Errorf("%w cosign: %s: %w", ErrInvalid, witnessesFile, err)
		}
	}
	cs := &cosigner{ctx: ctx, s: s, raw: raw, cp: &c, o: o}
	res := &CosignResult{Origin: c.Origin, Size: c.Size}
	var lines []noteSig
	for _, we := range o.Witnesses {
		out, got := cs.ask(we, known[we.URL])
		if out.Error == "" {
			known[we.URL] = c.Size
		} else if out.OldSize != known[we.URL] {
			known[we.URL] = out.OldSize
		}
		lines = append(lines, got...)
		res.Witnesses = append(res.Witnesses, out)
	}
	b, _ := json.MarshalIndent(known, "", "  ")
	if err := writeFileSync(filepath.Join(cosignedDir(dir), witnessesFile), append(b, '\n'), false); err != nil {
		return nil, fmt.Errorf("cosign: %w", diskError(err))
	}
	if len(lines) == 0 {
		return res, nil
	}
	name := fmt.Sprintf("%020d", c.Size)
	p := filepath.Join(cosignedDir(dir), name)
	base := raw
	if old, err := os.ReadFile(p); err == nil {
		t1, _, err1 := splitNote(old)
		t2, _, err2 := splitNote(raw)
		if err1 != nil || err2 != nil || !bytes.Equal(t1, t2) {
			return nil, fmt.Errorf("%w cosign: %s holds another checkpoint of size %d than log's (run aiassure ledger verify)", ErrInvalid, name, c.Size)
		}
		base = old
	}
	merged, err := addSignatures(base, lines)
	if err != nil {
		return nil, fmt.Errorf("cosign: %w", err)
	}
	if err := writeFileSync(p, merged, false); err != nil {
		return nil, fmt.Errorf("cosign: %w", diskError(err))
	}
	valid, _, err := CheckCosignatures(merged, o.Keys, time.Now())
	if err != nil {
		return nil, fmt.Errorf("cosign: %w", err)
	}
	res.File, res.Cosigned = "cosigned/"+name, len(valid)
	return res, nil
}

type cosigner struct {
	ctx context.Context
	s   *store
	raw []byte
	cp  *log.Checkpoint
	o   CosignOptions
	pb  *client.ProofBuilder
}

// ask runs the add-checkpoint exchange with one witness, from the size it
// is believed to hold.
func (cs *cosigner) ask(we WitnessEndpoint, old uint64) (WitnessOutcome, []noteSig) {
	out := WitnessOutcome{URL: we.URL}
	n := cs.cp.Size
	if old > n {
		old = 0 // the witness will say what it holds
	}
	fail := func(refused bool, format string, args ...any) (WitnessOutcome, []noteSig) {
		out.OldSize, out.Refused, out.Error = old, refused, fmt.Sprintf(format, args...)
		return out, nil
	}
	for try := 0; try < 3; try++ {
		req := &AddCheckpoint{OldSize: old, Checkpoint: cs.raw}
		if old > 0 && old < n {
			var err error
			if cs.pb == nil {
				if cs.pb, err = client.NewProofBuilder(cs.ctx, n, cs.s.ReadTile); err != nil {
					return fail(false, "consistency proof: %v", err)
				}
			}
			if req.Proof, err = cs.pb.ConsistencyProof(cs.ctx, old, n); err != nil {
				return fail(false, "consistency proof from size %d to %d: %v", old, n, err)
			}
		}
		status, ctype, body, err := cs.post(we, req.Marshal())
		if err != nil {
			return fail(false, "%v", err)
		}
		msg := strings.TrimSpace(string(body))
		switch status {
		case http.StatusOK:
			sigs, err := parseSigLines(body)
			if err != nil {
				return fail(false, "the answer is not signature lines: %v", err)
			}
			text, _, err := splitNote(cs.raw)
			if err != nil {
				return fail(false, "%v", err)
			}
			valid, lines, bad := checkCosigs(text, sigs, cs.o.Keys, time.Now())
			if len(valid) == 0 {
				return fail(false, "%s%s", "the answer holds no valid cosignature by a trusted witness key", strings.Join(append([]string{""}, bad...), "; "))
			}
			out.OldSize, out.Cosignatures = old, valid
			return out, lines
		case http.StatusConflict:
			mt, _, _ := mime.ParseMediaType(ctype)
			m, err := strconv.ParseUint(msg, 10, 64)
			if mt != ContentTypeSize || err != nil {
				return fail(false, "409 without the size of the witness's checkpoint (%s): %s", ctype, trunc(msg))
			}
			switch {
			case m > n:
				old = m
				return fail(true, "the witness cosigned a tree of %d entries for origin %s, more than this log's %d: the log was rolled back, or another log has this origin and key", m, cs.cp.Origin, n)
			case m == old:
				return fail(true, "the witness cosigned another tree of %d entries for origin %s: the log forked (two histories under one origin and key)", m, cs.cp.Origin)
			}
			old = m
		case http.StatusUnprocessableEntity:
			return fail(true, "the witness refused the consistency proof from size %d to %d: the first %d entries are not those it cosigned, the log forked", old, n, old)
		default:
			return fail(false, "HTTP %d: %s", status, trunc(msg))
		}
	}
	return fail(false, "the witness kept answering 409 with other sizes")
}

func (cs *cosigner) post(we WitnessEndpoint, body []byte) (int, string, []byte, error) {
	u := strings.TrimSuffix(we.URL, "/") + "/add-checkpoint"
	r, err := http.NewRequestWithContext(cs.ctx, http.MethodPost, u, bytes.NewReader(body))
	if err != nil {
		return 0, "", nil, fmt.Errorf("witness %s: %w", we.URL, err)
	}
	if we.Token != "" {
		r.Header.Set("Authorization", "Bearer "+we.Token)
	}
	resp, err := cs.o.Client.Do(r)
	if err != nil {
		return 0, "", nil, fmt.Errorf("witness %s: %w", we.URL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return 0, "", nil, fmt.Errorf("witness %s: %w", we.URL, err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b, nil
}

// readCosigned reads the cosigned checkpoints of a ledger, by size.
func readCosigned(dir string) (map[uint64][]byte, []uint64, error) {
	des, err := os.ReadDir(cosignedDir(dir))
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	out := map[uint64][]byte{}
	var sizes []uint64
	for _, de := range des {
		n, err := strconv.ParseUint(de.Name(), 10, 64)
		if err != nil || len(de.Name()) != 20 {
			continue // witnesses.json, temporary files
		}
		b, err := os.ReadFile(filepath.Join(cosignedDir(dir), de.Name()))
		if err != nil {
			return nil, nil, err
		}
		out[n] = b
		sizes = append(sizes, n)
	}
	sort.Slice(sizes, func(i, j int) bool { return sizes[i] < sizes[j] })
	return out, sizes, nil
}
