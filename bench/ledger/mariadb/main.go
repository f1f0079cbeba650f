// Command mariadb starts a throw-away MariaDB server (internal/mariadb: a
// temporary data directory, a unix socket), creates a database for one
// ledger, writes its DSN to -dsn FILE (mode 0600) and the server's process
// ID to -pid FILE, and runs until SIGTERM or SIGINT, when it stops the
// server and deletes its data. bench/ledger/run uses it for STORAGE=mysql.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strconv"
	"syscall"

	"github.com/aiassure/aiassure/internal/mariadb"
)

func main() {
	dsnFile := flag.String("dsn", "", "write the DSN to `FILE`")
	pidFile := flag.String("pid", "", "write the server's process ID to `FILE`")
	flag.Parse()
	if *dsnFile == "" || *pidFile == "" {
		fmt.Fprintln(os.Stderr, "usage: mariadb -dsn FILE -pid FILE")
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, os.Interrupt)
	defer stop()
	srv, err := mariadb.Start(ctx)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer srv.Stop()
	dsn, err := srv.NewDatabase(ctx)
	if err == nil {
		err = os.WriteFile(*pidFile, []byte(strconv.Itoa(srv.Pid())+"\n"), 0o644)
	}
	if err == nil {
		err = os.WriteFile(*dsnFile, []byte(dsn), 0o600)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	<-ctx.Done()
}
