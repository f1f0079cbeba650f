package cli

import (
	"context"
	"flag"
	"fmt"

	"github.com/aiassure/aiassure/lineage"
)

var keysCmd = &command{
	name: "keys", summary: "make a signing key pair for lineage attestations (PREFIX.key, PREFIX.pub)",
	subs: []subcommand{{"generate", "[-type ed25519|ecdsa-p256] -o PREFIX", "generate a key pair: PREFIX.key (private, mode 0600) and PREFIX.pub"}},
	run: func(ctx context.Context, e *env, args []string) error {
		if len(args) == 0 || isHelpFlag(args[0]) {
			return helpError{name: "keys"}
		}
		if args[0] != "generate" {
			return usagef("unknown sub-command %q (have generate)", args[0])
		}
		fs := flag.NewFlagSet("keys generate", flag.ContinueOnError)
		typ := fs.String("type", lineage.KeyEd25519, "key type: ed25519 or ecdsa-p256")
		out := fs.String("o", "", "write `PREFIX`.key (PKCS#8 PEM, mode 0600) and PREFIX.pub (PKIX PEM)")
		pos, err := parse(fs, args[1:])
		if err != nil {
			return err
		}
		if len(pos) != 0 || *out == "" {
			return usagef("give -o PREFIX and no arguments")
		}
		s, err := lineage.GenerateKey(*typ)
		if err != nil {
			return usageError{err}
		}
		priv, pub, err := lineage.WriteKeyPair(s, *out)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, "private key: %s (keep it secret; or put it in %s)\npublic key:  %s\nkey id:      %s\n",
			priv, lineage.EnvSigningKey, pub, s.KeyID())
		return nil
	},
}
