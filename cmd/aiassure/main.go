// Command aiassure assesses the cybersecurity of an AI system: AI Act
// classification, TVRA-style risk analysis, standards coverage and gaps, and
// technical tests of the model. See doc.go or `aiassure help`.
package main

import (
	"context"
	"os"
	"os/signal"

	"github.com/aiassure/aiassure/cmd/aiassure/internal/cli"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := cli.Main(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
