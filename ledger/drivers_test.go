package ledger

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/aiassure/aiassure/internal/mariadb"
)

// The behaviour suite (append, durability, proofs, export, forget, the
// server, crash recovery, tamper detection) runs against every driver:
// POSIX in a temporary directory, MySQL in a new database of a MariaDB
// server this test binary starts (internal/mariadb) on a unix socket.

var testDrivers = []string{DriverPOSIX, DriverMySQL}

var db struct {
	once sync.Once
	srv  *mariadb.Server
	err  error
	mu   sync.Mutex
	n    int
}

// mysqlServer returns the shared test server, starting it on first use;
// it skips the test when mariadb-server is not installed.
func mysqlServer(t testing.TB) *mariadb.Server {
	t.Helper()
	db.once.Do(func() { db.srv, db.err = mariadb.Start(context.Background()) })
	if errors.Is(db.err, mariadb.ErrNoServer) {
		t.Skipf("the mysql driver is not tested: %v", db.err)
	}
	if db.err != nil {
		t.Fatal(db.err)
	}
	return db.srv
}

// stopMySQL stops the shared server, if it was started (from TestMain).
func stopMySQL() {
	if db.srv != nil {
		db.srv.Stop()
	}
}

// withDriver sets up cfg for a new ledger on cfg.Driver: for mysql, a new
// database, its DSN in an environment variable of its own.
func withDriver(t testing.TB, cfg Config) Config {
	t.Helper()
	if cfg.Driver != DriverMySQL || cfg.DSNEnv != "" {
		return cfg
	}
	dsn, err := mysqlServer(t).NewDatabase(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	db.mu.Lock()
	db.n++
	cfg.DSNEnv = fmt.Sprintf("AIASSURE_TEST_DSN_%d", db.n)
	db.mu.Unlock()
	os.Setenv(cfg.DSNEnv, dsn)
	return cfg
}

// forDrivers runs f as a subtest for each driver.
func forDrivers(t *testing.T, f func(t *testing.T, driver string)) {
	for _, d := range testDrivers {
		t.Run(d, func(t *testing.T) { f(t, d) })
	}
}
