package cli

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aiassure/aiassure/ledger"
	"github.com/aiassure/aiassure/lineage"
)

var ledgerSubs = []subcommand{
	{"init", "-dir DIR -origin NAME [-retention DURATION] [-storage posix|mysql [-dsn-env VAR]]", "create a ledger directory (its log in DIR/log, or in a MySQL database)"},
	{"serve", "-dir DIR [-key FILE] [-addr HOST:PORT] [-token-file FILE] [-max-body BYTES]", "serve the authenticated HTTP append API and the tlog-tiles read API"},
	{"append", "-dir DIR [-key FILE] [FILE|-]", "append events (one JSON object, or JSON lines) and print their receipts once durable"},
	{"verify", "(-dir DIR [-checkpoint FILE...] | -proof FILE) -pub FILE [-witness-key FILE... [-min-witnesses N]] [-format text|json] [-o FILE]", "verify the ledger offline (every entry, every checkpoint, witness cosignatures), or a proof file"},
	{"cosign", "-dir DIR -witness URL... -witness-key FILE... [-token-file FILE] [-format text|json]", "have witnesses cosign the latest checkpoint (C2SP tlog-witness) and keep it in DIR/cosigned"},
	{"witness", "serve -key FILE -state DIR -log-key FILE... [-origin ORIGIN] [-name NAME] [-listen HOST:PORT] [-token-file FILE | -no-auth]", "run a witness: cosign checkpoints of known logs that are consistent with the last it cosigned"},
	{"prove", "-dir DIR -index N [-o FILE]", "write the inclusion proof of an entry (C2SP tlog-proof)"},
	{"export", "-dir DIR [-since TIME] [-until TIME] [-type T...] [-model V] [-decision D] [-proofs] [-o FILE]", "export entries (JSON lines) with personal data revealed or erased, and proofs"},
	{"snapshot", "-dir DIR -o OUT", "copy the log as of its latest checkpoint into OUT as tlog-tiles files, for offline verification"},
	{"forget", "-dir DIR -subject S", "delete a subject's keys: their personal data becomes unreadable, every proof stays valid"},
	{"prune", "-dir DIR", "apply the retention setting: delete the keys of months past it"},
	{"types", "[-type T]", "list the event types and their personal fields, or print one type's JSON Schema"},
}

var ledgerCmd = &command{
	name: "ledger", subs: ledgerSubs,
	summary: "tamper-evident event ledger for AI Act Art. 12 record-keeping (Tessera, C2SP proofs)",
	run: func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 || isHelpFlag(args[0]) {
			return helpError{name: "ledger"}
		}
		run := map[string]func(context.Context, *env, []string) error{
			"init": ledgerInit, "serve": ledgerServe, "append": ledgerAppend, "verify": ledgerVerify,
			"prove": ledgerProve, "export": ledgerExport, "snapshot": ledgerSnapshot, "cosign": ledgerCosign, "witness": ledgerWitness, "forget": ledgerForget, "prune": ledgerPrune, "types": ledgerTypes,
		}[args[0]]
		if run == nil {
			return usagef("unknown sub-command %q (have %s)%s", args[0], strings.Join(subNames(ledgerSubs), ", "), suggest(args[0], subNames(ledgerSubs)))
		}
		err := run(ctx, e, args[1:])
		if errors.Is(err, ledger.ErrInvalid) {
			var u usageError
			if !errors.As(err, &u) {
				err = usageError{err}
			}
		}
		return err
	},
}

func dirFlag(fs *flag.FlagSet) *string {
	return fs.String("dir", "", "the ledger `DIR`ectory")
}

func needDir(dir string) error {
	if dir == "" {
		return usagef("give -dir DIR")
	}
	return nil
}

func ledgerInit(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("ledger init", flag.ContinueOnError)
	dir := dirFlag(fs)
	origin := fs.String("origin", "", "the log's `NAME` (first line of each checkpoint), e.g. example.com/credit-scoring/ledger")
	retention := fs.String("retention", "", "keep personal data for this `DURATION` (e.g. 4380h); default: until forgotten")
	storage := fs.String("storage", ledger.DriverPOSIX, "the log's Tessera storage `DRIVER`: posix (files in DIR/log) or mysql (a MySQL or MariaDB database)")
	dsnEnv := fs.String("dsn-env", "", "with -storage mysql: the environment `VAR`iable holding the database's DSN (default "+ledger.DefaultDSNEnv+"); the DSN is never written or printed")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || needDir(*dir) != nil || *origin == "" {
		return usagef("give -dir DIR and -origin NAME, and no arguments")
	}
	if *storage != ledger.DriverPOSIX && *storage != ledger.DriverMySQL {
		return usagef("-storage %q: have posix, mysql", *storage)
	}
	if *dsnEnv != "" && *storage != ledger.DriverMySQL {
		return usagef("-dsn-env is for -storage mysql")
	}
	c := ledger.Config{Origin: *origin, Driver: *storage, DSNEnv: *dsnEnv, Retention: *retention}
	if err := ledger.Init(ctx, *dir, c); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "ledger %s created (origin %s, driver %s)\n", *dir, *origin, *storage)
	return nil
}

func ledgerSnapshot(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("ledger snapshot", flag.ContinueOnError)
	dir := dirFlag(fs)
	out := fs.String("o", "", "the new `DIR`ectory to write the copy to")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if needDir(*dir) != nil || len(pos) != 0 || *out == "" {
		return usagef("give -dir DIR and -o OUT")
	}
	n, err := ledger.Snapshot(ctx, *dir, *out)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "snapshot %s: %d entries (verify it with aiassure ledger verify -dir %s -pub KEY)\n", *out, n, *out)
	return nil
}

// openLedger opens the ledger for appending with the checkpoint key.
func openLedger(ctx context.Context, e *env, dir, key string) (*ledger.Ledger, error) {
	s, err := lineage.LoadSigner(key)
	if err != nil {
		return nil, usageError{err}
	}
	return ledger.Open(ctx, dir, ledger.Options{Signer: s, Logger: e.log})
}

func keyFlag(fs *flag.FlagSet) *string {
	return fs.String("key", "", "checkpoint signing key `FILE` (Ed25519, PKCS#8 PEM, from aiassure keys generate); default: the PEM in $"+lineage.EnvSigningKey)
}

func ledgerAppend(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("ledger append", flag.ContinueOnError)
	dir := dirFlag(fs)
	key := keyFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if needDir(*dir) != nil || len(pos) > 1 {
		return usagef("give -dir DIR and at most one FILE (default: standard input)")
	}
	in := e.stdin
	if len(pos) == 1 && pos[0] != "-" {
		f, err := os.Open(pos[0])
		if err != nil {
			return usageError{err}
		}
		defer f.Close()
		in = f
	}
	data, err := io.ReadAll(io.LimitReader(in, 256<<20))
	if err != nil {
		return err
	}
	events, err := splitEvents(data)
	if err != nil {
		return err
	}
	// validate everything before appending anything
	parsed := make([]*ledger.Event, len(events))
	for i, b := range events {
		if parsed[i], err = ledger.ParseEvent(b); err != nil {
			return usageError{fmt.Errorf("event %d: %w", i+1, err)}
		}
	}
	l, err := openLedger(ctx, e, *dir, *key)
	if err != nil {
		return err
	}
	defer l.Close(context.WithoutCancel(ctx))
	enc := json.NewEncoder(e.stdout)
	for i, ev := range parsed {
		rc, err := l.Append(ctx, ev, time.Time{})
		if err != nil {
			return fmt.Errorf("event %d: %w (events before it were appended)", i+1, err)
		}
		if err := enc.Encode(struct {
			Index    uint64 `json:"index"`
			LeafHash string `json:"leaf_hash"`
			Type     string `json:"type"`
		}{rc.Index, rc.LeafHash, ev.Type}); err != nil {
			return err
		}
	}
	return nil
}

// splitEvents reads one JSON object, or JSON lines (blank lines skipped).
func splitEvents(data []byte) ([][]byte, error) {
	t := bytes.TrimSpace(data)
	if len(t) == 0 {
		return nil, usagef("no event given")
	}
	if json.Valid(t) {
		return [][]byte{t}, nil
	}
	var out [][]byte
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 0, 64<<10), ledger.MaxEventSize+1)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 {
			continue
		}
		out = append(out, append([]byte(nil), line...))
	}
	if err := sc.Err(); err != nil {
		return nil, usagef("reading events: %v (one event is at most %d bytes)", err, ledger.MaxEventSize)
	}
	return out, nil
}

func ledgerServe(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("ledger serve", flag.ContinueOnError)
	dir := dirFlag(fs)
	key := keyFlag(fs)
	addr := fs.String("addr", "127.0.0.1:8473", "listen on `HOST:PORT`; a non-loopback address must be asked for")
	tokenFile := fs.String("token-file", "", "read the bearer token from `FILE`, or write a new one there (mode 0600) if it does not exist; default: $AIASSURE_LEDGER_TOKEN, else a new token printed once on stderr")
	noAuth := fs.Bool("insecure-no-auth", false, "serve without authentication (loopback only; for tests)")
	maxBody := fs.Int64("max-body", ledger.DefaultMaxBody, "largest request body in `BYTES`")
	ready := fs.String("ready-file", "", "write the address listened on to `FILE` once serving (for scripts)")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if needDir(*dir) != nil || len(pos) != 0 {
		return usagef("give -dir DIR and no arguments")
	}
	host, _, err := net.SplitHostPort(*addr)
	if err != nil {
		return usagef("-addr %q: %v", *addr, err)
	}
	loopback := host == "localhost"
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		loopback = true
	}
	if *noAuth && !loopback {
		return usagef("-insecure-no-auth is allowed on a loopback address only, not %s", *addr)
	}
	token := ""
	if !*noAuth {
		if token, err = serverToken(e, *tokenFile, "AIASSURE_LEDGER_TOKEN"); err != nil {
			return err
		}
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	l, err := openLedger(ctx, e, *dir, *key)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		l.Close(context.WithoutCancel(ctx))
		return fmt.Errorf("listen: %w", err)
	}
	fmt.Fprintf(e.stderr, "ledger %s: serving on http://%s (POST /v1/events)\n", *dir, ln.Addr())
	err = serveUntilDone(ctx, ln, ledger.Handler(l, ledger.ServerOptions{Token: token, MaxBody: *maxBody, Logger: e.log}), *ready)
	return errors.Join(err, l.Close(context.WithoutCancel(ctx)))
}

// serveUntilDone serves h on ln, with the time and size limits every
// listener of aiassure has, until ctx ends (then it shuts down gracefully,
// within 10 seconds) or the server fails. With ready set it first writes
// the address listened on to that file, for scripts.
func serveUntilDone(ctx context.Context, ln net.Listener, h http.Handler, ready string) error {
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second,
		IdleTimeout: 120 * time.Second, MaxHeaderBytes: 16 << 10,
	}
	if ready != "" {
		if err := os.WriteFile(ready, []byte(ln.Addr().String()+"\n"), 0o644); err != nil {
			ln.Close()
			return err
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var err error
	select {
	case err = <-errc:
	case <-ctx.Done():
		sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
		err = srv.Shutdown(sctx)
		cancel()
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// serverToken returns the bearer token: from the token file, or the
// environment variable envVar, or a new one (written to the token file, or
// printed once).
func serverToken(e *env, file, envVar string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err == nil {
			t := strings.TrimSpace(string(b))
			if len(t) < 16 {
				return "", usagef("-token-file %s: the token is shorter than 16 characters", file)
			}
			return t, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return "", usageError{err}
		}
	} else if t := os.Getenv(envVar); t != "" {
		if len(t) < 16 {
			return "", usagef("$%s is shorter than 16 characters", envVar)
		}
		return t, nil
	}
	b := make([]byte, 24)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	t := hex.EncodeToString(b)
	if file != "" {
		f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
		if err != nil {
			return "", usageError{err}
		}
		if _, err := f.WriteString(t + "\n"); err != nil {
			f.Close()
			return "", err
		}
		if err := f.Close(); err != nil {
			return "", err
		}
		fmt.Fprintf(e.stderr, "bearer token written to %s (mode 0600)\n", file)
		return t, nil
	}
	fmt.Fprintf(e.stderr, "bearer token (shown once; set %s or use -token-file to keep one): %s\n", envVar, t)
	return t, nil
}

func ledgerVerify(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("ledger verify", flag.ContinueOnError)
	dir := dirFlag(fs)
	pub := fs.String("pub", "", "the trusted public key `FILE` (PKIX PEM, Ed25519)")
	proofFile := fs.String("proof", "", "verify this proof `FILE` (C2SP tlog-proof) instead of a ledger directory")
	origin := fs.String("origin", "", "the log origin the checkpoints must carry (default: the ledger's)")
	var cps stringList
	fs.Var(&cps, "checkpoint", "a checkpoint `FILE` kept by another party, that the ledger must still contain (repeatable)")
	var wkeys stringList
	fs.Var(&wkeys, "witness-key", "a trusted witness public key `FILE` (vkey NAME+KEYID+BASE64, or PKIX PEM): the checkpoint must carry its cosignature (repeatable)")
	minW := fs.Int("min-witnesses", 0, "require valid cosignatures by `N` distinct trusted witnesses (default 1 with -witness-key)")
	o := addOutput(fs, textJSON, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *pub == "" || (*dir == "") == (*proofFile == "") {
		return usagef("give -pub FILE and one of -dir DIR or -proof FILE")
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	key, err := ledger.LoadPublicKey(*pub)
	if err != nil {
		return usageError{err}
	}
	if *minW < 0 || (*minW > 0 && len(wkeys) == 0) || *minW > len(wkeys) {
		return usagef("-min-witnesses %d: give at least as many -witness-key FILEs", *minW)
	}
	witnesses, err := witnessKeys(wkeys)
	if err != nil {
		return err
	}
	if *proofFile != "" {
		return verifyProofFile(e, o, format, *proofFile, key, *origin, witnesses, *minW)
	}
	vo := ledger.VerifyOptions{Origin: *origin, Witnesses: witnesses, MinWitnesses: *minW}
	for _, c := range cps {
		b, err := os.ReadFile(c)
		if err != nil {
			return usageError{err}
		}
		vo.Trusted = append(vo.Trusted, ledger.TrustedCheckpoint{Name: c, Raw: b})
	}
	rep, err := ledger.Verify(ctx, *dir, key, vo)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if format == "json" {
		if err := writeJSON(&buf, rep); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(&buf, "ledger %s (origin %s)\n", *dir, rep.Origin)
		fmt.Fprintf(&buf, "  entries:      %d, tree root %s\n", rep.Size, rep.Root)
		fmt.Fprintf(&buf, "  checkpoints:  %d signed checkpoint(s) matched against the recomputed tree (%d kept by other parties)\n", rep.Checkpoints, rep.Trusted)
		fmt.Fprintf(&buf, "  events:       %s\n", countList(rep.Types))
		fmt.Fprintf(&buf, "  incidents:    %d (%d serious), human overrides: %d, personal fields (commitments): %d\n", rep.Incidents, rep.Serious, rep.Overrides, rep.Personal)
		if w := rep.Witnessed; w != nil {
			fmt.Fprintf(&buf, "  witnesses:    %d of %d required cosignature(s) on the latest checkpoint%s; cosigned up to size %d\n", len(w.Cosignatures), w.Required, cosignerList(w.Cosignatures), w.Size)
		}
		for _, p := range rep.Problems {
			fmt.Fprintf(&buf, "FAIL %s\n", p)
		}
		if rep.Omitted > 0 {
			fmt.Fprintf(&buf, "FAIL ... and %d more problem(s)\n", rep.Omitted)
		}
		if rep.OK() {
			buf.WriteString("ok: every entry and every checkpoint verifies\n")
		}
	}
	n := len(rep.Problems) + rep.Omitted
	if err := o.write(e, format, buf.Bytes(), fmt.Sprintf("%d problem(s)", n)); err != nil {
		return err
	}
	if n > 0 {
		return findingsError{n: n, level: "failure (ledger verification)"}
	}
	return nil
}

func countList(m map[string]int) string {
	ts, _ := ledger.Types()
	var parts []string
	for _, t := range ts {
		if m[t.Name] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", m[t.Name], t.Name))
		}
	}
	if len(parts) == 0 {
		return "none"
	}
	return strings.Join(parts, ", ")
}

// cosignerList names the witnesses of cosignatures, for text output.
func cosignerList(cs []ledger.Cosignature) string {
	if len(cs) == 0 {
		return ""
	}
	var parts []string
	for _, c := range cs {
		parts = append(parts, c.Witness+" at "+c.Time.Format(time.RFC3339))
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

func verifyProofFile(e *env, o *outputFlags, format, file string, key *ledger.PublicKey, origin string, witnesses []*ledger.WitnessKey, minW int) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return usageError{err}
	}
	p, err := ledger.ParseProof(b)
	if err != nil {
		return usageError{fmt.Errorf("%s: %w", file, err)}
	}
	ent, cp, err := ledger.VerifyProof(p, key, origin)
	var cosigs []ledger.Cosignature
	if err == nil && len(witnesses) > 0 {
		cosigs, err = proofCosignatures(p, witnesses, max(minW, 1))
	}
	var buf bytes.Buffer
	if format == "json" {
		out := map[string]any{"ok": err == nil, "index": p.Index}
		if cp != nil {
			out["origin"], out["tree_size"] = cp.Origin, cp.Size
		}
		if err != nil {
			out["problem"] = err.Error()
		} else {
			out["entry"] = ent
		}
		if len(witnesses) > 0 {
			out["cosignatures"] = cosigs
		}
		if werr := writeJSON(&buf, out); werr != nil {
			return werr
		}
	} else if err == nil {
		fmt.Fprintf(&buf, "ok: entry %d (%s, recorded %s) is in the tree of %d entries signed by %s\n", p.Index, ent.Type, ent.Recorded.Format(time.RFC3339), cp.Size, cp.Origin)
		if len(witnesses) > 0 {
			fmt.Fprintf(&buf, "ok: the checkpoint carries %d valid witness cosignature(s)%s\n", len(cosigs), cosignerList(cosigs))
		}
	} else {
		fmt.Fprintf(&buf, "FAIL %s: %v\n", file, err)
	}
	if werr := o.write(e, format, buf.Bytes(), ""); werr != nil {
		return werr
	}
	if err != nil {
		return findingsError{n: 1, level: "failure (proof verification)"}
	}
	return nil
}

// proofCosignatures checks that a proof's checkpoint carries at least min
// valid cosignatures of the trusted witnesses.
func proofCosignatures(p *ledger.Proof, witnesses []*ledger.WitnessKey, min int) ([]ledger.Cosignature, error) {
	valid, bad, err := ledger.CheckCosignatures(p.Checkpoint, witnesses, time.Now())
	if err != nil {
		return nil, err
	}
	if len(bad) > 0 {
		return valid, fmt.Errorf("%s", strings.Join(bad, "; "))
	}
	if len(valid) < min {
		return valid, fmt.Errorf("the checkpoint carries %d valid cosignature(s) of trusted witnesses, %d required", len(valid), min)
	}
	return valid, nil
}

func ledgerProve(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("ledger prove", flag.ContinueOnError)
	dir := dirFlag(fs)
	index := fs.Int64("index", -1, "the entry's `N`")
	out := fs.String("o", "", "write the proof to `FILE` (conventionally .tlog-proof) instead of standard output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if needDir(*dir) != nil || len(pos) != 0 || *index < 0 {
		return usagef("give -dir DIR and -index N")
	}
	p, err := ledger.NewProver(ctx, *dir)
	if err != nil {
		return err
	}
	defer p.Close()
	if uint64(*index) >= p.Size() {
		return usagef("-index %d: the latest checkpoint covers %d entries", *index, p.Size())
	}
	pr, err := p.Prove(ctx, uint64(*index))
	if err != nil {
		return err
	}
	return writeOut(e, *out, "tlog-proof", pr.Marshal())
}

func ledgerExport(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("ledger export", flag.ContinueOnError)
	dir := dirFlag(fs)
	since := fs.String("since", "", "events at or after `TIME` (RFC 3339, or a date YYYY-MM-DD)")
	until := fs.String("until", "", "events before `TIME`")
	var types stringList
	fs.Var(&types, "type", "an event `TYPE` (repeatable)")
	model := fs.String("model", "", "events of this model `VERSION`")
	decision := fs.String("decision", "", "decisions (inference or override) equal to `D`")
	proofs := fs.Bool("proofs", false, "attach each entry's inclusion proof (C2SP tlog-proof)")
	out := fs.String("o", "", "write to `FILE` instead of standard output")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if needDir(*dir) != nil || len(pos) != 0 {
		return usagef("give -dir DIR and no arguments")
	}
	q := ledger.Query{Types: types, ModelVersion: *model, Decision: *decision, Proofs: *proofs}
	for _, t := range types {
		if _, err := ledger.Type(t); err != nil {
			return usageError{fmt.Errorf("-type: %w", err)}
		}
	}
	if q.Since, err = parseTime("-since", *since); err != nil {
		return err
	}
	if q.Until, err = parseTime("-until", *until); err != nil {
		return err
	}
	w, done, err := output(e, *out)
	if err != nil {
		return err
	}
	bw := bufio.NewWriter(w)
	enc := json.NewEncoder(bw)
	n := 0
	err = ledger.Export(ctx, *dir, q, func(x *ledger.Exported) error { n++; return enc.Encode(x) })
	if ferr := bw.Flush(); err == nil {
		err = ferr
	}
	if cerr := done(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if *out != "" && *out != "-" {
		wroteLine(e, *out, "json lines", fmt.Sprintf("%d entries", n))
	}
	return nil
}

func parseTime(flagName, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t, nil
		}
	}
	return time.Time{}, usagef("%s %q: want RFC 3339 (2026-12-03T10:00:00Z) or a date (2026-12-03)", flagName, s)
}

func ledgerForget(_ context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("ledger forget", flag.ContinueOnError)
	dir := dirFlag(fs)
	subject := fs.String("subject", "", "the subject `ID` whose personal data to erase")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if needDir(*dir) != nil || len(pos) != 0 || *subject == "" {
		return usagef("give -dir DIR and -subject S")
	}
	n, err := ledger.Forget(*dir, *subject)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d key(s) of subject %q deleted: their personal fields now export as %q; the log and its proofs are unchanged\n", n, *subject, ledger.Erased)
	return nil
}

func ledgerPrune(_ context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("ledger prune", flag.ContinueOnError)
	dir := dirFlag(fs)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if needDir(*dir) != nil || len(pos) != 0 {
		return usagef("give -dir DIR and no arguments")
	}
	c, err := ledger.ReadConfig(*dir)
	if err != nil {
		return err
	}
	if c.Retention == "" {
		fmt.Fprintln(e.stdout, "the ledger has no retention setting: personal data is kept until forgotten")
		return nil
	}
	n, err := ledger.Prune(*dir, time.Now())
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "%d key(s) of months older than the retention of %s deleted\n", n, c.Retention)
	return nil
}

func ledgerTypes(_ context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("ledger types", flag.ContinueOnError)
	name := fs.String("type", "", "print this event `TYPE`'s JSON Schema")
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if len(pos) != 0 {
		return usagef("no arguments")
	}
	if *name != "" {
		t, err := ledger.Type(*name)
		if err != nil {
			return usageError{err}
		}
		_, err = e.stdout.Write(t.Schema)
		return err
	}
	ts, err := ledger.Types()
	if err != nil {
		return err
	}
	t := &table{}
	for _, ty := range ts {
		t.add(ty.Name, ty.Title, "personal: "+strings.Join(ty.Personal, ", "))
	}
	t.write(e.stdout, width(e.stdout))
	return nil
}
