package cli

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/aiassure/aiassure/llm/double"
)

// envDoubleToken holds the bearer token llm-double requires.
const envDoubleToken = "AIASSURE_LLM_DOUBLE_TOKEN"

var llmDoubleCmd = &command{
	name: "llm-double", usage: "[-config vulnerable|partly-hardened|hardened] [-addr HOST:PORT] [-no-auth] [-allow-remote]",
	summary: "serve a scripted, deterministic OpenAI-compatible LLM application to test against (loopback only)",
	run: func(ctx context.Context, e *env, args []string) error {
		fs := flag.NewFlagSet("llm-double", flag.ContinueOnError)
		cfg := fs.String("config", double.Vulnerable, "configuration: "+strings.Join(double.Configs, ", "))
		addr := fs.String("addr", "127.0.0.1:8089", "listen on `HOST:PORT` (a loopback address unless -allow-remote)")
		noAuth := fs.Bool("no-auth", false, "serve without a bearer token (by default the token is "+envDoubleToken+", else a random one printed once)")
		remote := fs.Bool("allow-remote", false, "allow a non-loopback -addr")
		latBase := fs.Duration("latency-base", 0, "simulated latency of every answer (e.g. 200ms; default none)")
		latTok := fs.Duration("latency-per-token", 0, "simulated latency per completion word (e.g. 20ms; default none)")
		rate := fs.Int("rate-limit", 0, "requests a minute before answering 429 with Retry-After (0: the configuration's default, hardened 10000, others none; -1: none)")
		pos, err := parse(fs, args)
		if err != nil {
			return err
		}
		if len(pos) != 0 {
			return usagef("takes no arguments")
		}
		if err := loopbackOnly(*addr, *remote); err != nil {
			return usageError{err}
		}
		token, printed := "", false
		if !*noAuth {
			token = os.Getenv(envDoubleToken)
			if token == "" {
				var b [24]byte
				if _, err := rand.Read(b[:]); err != nil {
					return err
				}
				token, printed = hex.EncodeToString(b[:]), true
			}
		}
		if *latBase < 0 || *latTok < 0 {
			return usagef("-latency-base and -latency-per-token must not be negative")
		}
		h, err := double.NewWith(*cfg, token, double.Options{LatencyBase: *latBase, LatencyPerToken: *latTok, RateLimit: *rate})
		if err != nil {
			return usageError{err}
		}
		ln, err := net.Listen("tcp", *addr)
		if err != nil {
			return fmt.Errorf("llm-double: %w", err)
		}
		url := "http://" + ln.Addr().String() + "/v1"
		switch {
		case *noAuth:
			fmt.Fprintf(e.stderr, "aiassure llm-double: %s at %s (no authentication)\n", *cfg, url)
		case printed:
			fmt.Fprintf(e.stderr, "aiassure llm-double: %s at %s (bearer token %s)\n", *cfg, url, token)
		default:
			fmt.Fprintf(e.stderr, "aiassure llm-double: %s at %s (bearer token from %s)\n", *cfg, url, envDoubleToken)
		}
		srv := double.Server(h)
		errc := make(chan error, 1)
		go func() { errc <- srv.Serve(ln) }()
		select {
		case err := <-errc:
			return fmt.Errorf("llm-double: %w", err)
		case <-ctx.Done():
		}
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(sctx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("llm-double: %w", err)
		}
		return nil
	},
}

// loopbackOnly refuses an address that is not on loopback, unless allowed.
func loopbackOnly(addr string, allow bool) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("-addr %q: %w", addr, err)
	}
	if allow || host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("-addr %q is not a loopback address; give -allow-remote to serve beyond this machine", addr)
}
