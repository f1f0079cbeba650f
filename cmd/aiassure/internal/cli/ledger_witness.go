package cli

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/aiassure/aiassure/internal/limitio"
	"github.com/aiassure/aiassure/ledger"
	"github.com/aiassure/aiassure/lineage"
)

// Witness cosigning (C2SP tlog-witness, tlog-cosignature): the witness
// server, the ledger's cosign client, and the witness keys verify takes.

// ledgerWitness runs "ledger witness serve".
func ledgerWitness(ctx context.Context, e *env, args []string) error {
	rest := args
	switch {
	case len(rest) > 0 && rest[0] == "serve":
		rest = rest[1:]
	case len(rest) == 0 || !isHelpFlag(rest[0]):
		return usagef("the sub-command is serve (ledger witness serve -key FILE -state DIR -log-key FILE ...)")
	}
	fs := flag.NewFlagSet("ledger witness", flag.ContinueOnError)
	key := fs.String("key", "", "the witness's signing key `FILE` (Ed25519, PKCS#8 PEM, from aiassure keys generate); default: the PEM in $"+lineage.EnvSigningKey)
	state := fs.String("state", "", "the witness's state `DIR`ectory: its identity and the latest checkpoint it cosigned for each log")
	name := fs.String("name", "", "the witness's `NAME` in its cosignatures, a schema-less URL such as witness.example.com/w1 (needed the first time; kept in the state)")
	var logKeys stringList
	fs.Var(&logKeys, "log-key", "a log's public key `FILE`: PKIX PEM (with -origin) or a vkey ORIGIN+KEYID+BASE64 (repeatable)")
	origin := fs.String("origin", "", "the log `ORIGIN` of the PEM keys given with -log-key")
	listen := fs.String("listen", "127.0.0.1:8474", "listen on `HOST:PORT`")
	tokenFile := fs.String("token-file", "", "read the bearer token from `FILE`, or write a new one there (mode 0600); default: $AIASSURE_WITNESS_TOKEN, else a new token printed once on stderr")
	noAuth := fs.Bool("no-auth", false, "accept add-checkpoint requests without a bearer token, as tlog-witness specifies for a witness any log may use (the log's signature authenticates each request)")
	maxBody := fs.Int64("max-body", ledger.DefaultMaxBody, "largest request body in `BYTES`")
	ready := fs.String("ready-file", "", "write the address listened on to `FILE` once serving (for scripts)")
	pos, err := parse(fs, rest)
	if err != nil {
		return err
	}
	if len(pos) != 0 || *state == "" || len(logKeys) == 0 {
		return usagef("give -state DIR and at least one -log-key FILE, and no arguments")
	}
	if _, _, err := net.SplitHostPort(*listen); err != nil {
		return usagef("-listen %q: %v", *listen, err)
	}
	signer, err := lineage.LoadSigner(*key)
	if err != nil {
		return usageError{err}
	}
	var logs []*ledger.LogKey
	for _, f := range logKeys {
		b, err := limitio.ReadFile(f, 64<<10)
		if err != nil {
			return usageError{err}
		}
		lk, err := ledger.ParseLogKey(b, *origin)
		if err != nil {
			return usageError{fmt.Errorf("-log-key %s: %w", f, err)}
		}
		logs = append(logs, lk)
	}
	token := ""
	if !*noAuth {
		if token, err = serverToken(e, *tokenFile, "AIASSURE_WITNESS_TOKEN"); err != nil {
			return err
		}
	}
	w, err := ledger.OpenWitness(ledger.WitnessOptions{Name: *name, Signer: signer, Logs: logs, State: *state, Logger: e.log})
	if err != nil {
		return err
	}
	defer w.Close()
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	origins := make([]string, len(logs))
	for i, l := range logs {
		origins[i] = l.Origin
	}
	fmt.Fprintf(e.stderr, "witness %s: serving on http://%s (POST /add-checkpoint) for %s\nwitness key (give it to verifiers): %s\n", w.Name(), ln.Addr(), strings.Join(origins, ", "), w.VerifierKey())
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM)
	defer stop()
	return serveUntilDone(ctx, ln, ledger.WitnessHandler(w, ledger.ServerOptions{Token: token, MaxBody: *maxBody, Logger: e.log}), *ready)
}

// witnessKeys loads the -witness-key files.
func witnessKeys(files []string) ([]*ledger.WitnessKey, error) {
	var keys []*ledger.WitnessKey
	for _, f := range files {
		k, err := ledger.LoadWitnessKey(f)
		if err != nil {
			return nil, usageError{err}
		}
		keys = append(keys, k)
	}
	return keys, nil
}

func ledgerCosign(ctx context.Context, e *env, args []string) error {
	fs := flag.NewFlagSet("ledger cosign", flag.ContinueOnError)
	dir := dirFlag(fs)
	var urls, keyFiles stringList
	fs.Var(&urls, "witness", "a witness's submission `URL` (requests go to URL/add-checkpoint; repeatable)")
	fs.Var(&keyFiles, "witness-key", "a trusted witness public key `FILE`: its vkey NAME+KEYID+BASE64, or PKIX PEM (repeatable)")
	tokenFile := fs.String("token-file", "", "the witnesses' bearer token `FILE`; default: $AIASSURE_WITNESS_TOKEN; none for a witness run with -no-auth")
	o := addOutput(fs, textJSON, false)
	pos, err := parse(fs, args)
	if err != nil {
		return err
	}
	if needDir(*dir) != nil || len(pos) != 0 || len(urls) == 0 || len(keyFiles) == 0 {
		return usagef("give -dir DIR, at least one -witness URL and at least one -witness-key FILE")
	}
	format, err := o.resolve()
	if err != nil {
		return err
	}
	keys, err := witnessKeys(keyFiles)
	if err != nil {
		return err
	}
	token := os.Getenv("AIASSURE_WITNESS_TOKEN")
	if *tokenFile != "" {
		b, err := limitio.ReadFile(*tokenFile, 4096)
		if err != nil {
			return usageError{err}
		}
		token = strings.TrimSpace(string(b))
	}
	var eps []ledger.WitnessEndpoint
	for _, u := range urls {
		if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
			return usagef("-witness %q: want an http:// or https:// URL", u)
		}
		eps = append(eps, ledger.WitnessEndpoint{URL: u, Token: token})
	}
	res, err := ledger.Cosign(ctx, *dir, ledger.CosignOptions{Witnesses: eps, Keys: keys})
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	failed, refused := 0, 0
	for _, w := range res.Witnesses {
		if w.Error != "" {
			failed++
			if w.Refused {
				refused++
			}
		}
	}
	if format == "json" {
		if err := writeJSON(&buf, res); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(&buf, "ledger %s (origin %s): checkpoint of size %d\n", *dir, res.Origin, res.Size)
		for _, w := range res.Witnesses {
			switch {
			case w.Refused:
				fmt.Fprintf(&buf, "REFUSED %s: %s\n", w.URL, w.Error)
			case w.Error != "":
				fmt.Fprintf(&buf, "FAIL %s: %s\n", w.URL, w.Error)
			default:
				for _, c := range w.Cosignatures {
					fmt.Fprintf(&buf, "  %s: cosigned by %s at %s (it held size %d)\n", w.URL, c.Witness, c.Time.Format(time.RFC3339), w.OldSize)
				}
			}
		}
		if res.File != "" {
			fmt.Fprintf(&buf, "%s: the checkpoint with %d trusted witness cosignature(s)\n", res.File, res.Cosigned)
		}
	}
	if err := o.write(e, format, buf.Bytes(), ""); err != nil {
		return err
	}
	switch {
	case refused > 0:
		return findingsError{n: refused, level: "failure (a witness refused: it cosigned another history of this log)"}
	case failed > 0:
		return fmt.Errorf("%d of %d witness(es) did not cosign", failed, len(res.Witnesses))
	}
	return nil
}
