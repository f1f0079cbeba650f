package ledger

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/go-sql-driver/mysql"

	"github.com/aiassure/aiassure/lineage"
)

// TestMySQLTamper changes the ledger's rows in the database itself and
// expects Verify, reading through Tessera's MySQL driver, to locate it.
func TestMySQLTamper(t *testing.T) {
	const n = 300
	l, key := testLedger(t, Config{Driver: DriverMySQL})
	fill(t, l, n)
	ctx := context.Background()
	if err := l.Close(ctx); err != nil {
		t.Fatal(err)
	}
	mc, err := mysql.ParseDSN(os.Getenv(l.Config().DSNEnv))
	if err != nil {
		t.Fatal(err)
	}
	srv := mysqlServer(t)
	db := "`" + mc.DBName + "`"
	for _, tc := range []struct {
		name, set, undo string
		index           int64
		path            string
	}{
		{"flip a byte of entry 256", "UPDATE " + db + ".TiledLeaves SET data = CONCAT(LEFT(data, 40), CHAR(ASCII(SUBSTRING(data, 41, 1)) ^ 1), SUBSTRING(data, 42)) WHERE tile_index = 1",
			"UPDATE " + db + ".TiledLeaves SET data = CONCAT(LEFT(data, 40), CHAR(ASCII(SUBSTRING(data, 41, 1)) ^ 1), SUBSTRING(data, 42)) WHERE tile_index = 1",
			256, "mysql:tile/entries/001"},
		{"delete bundle 0", "DELETE FROM " + db + ".TiledLeaves WHERE tile_index = 0", "", 0, "mysql:tile/entries/000"},
		{"forge the checkpoint", "UPDATE " + db + ".Checkpoint SET note = REPLACE(note, '\n300\n', '\n299\n')", "", -1, "mysql:checkpoint"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := srv.Exec(ctx, tc.set); err != nil {
				t.Fatal(err)
			}
			rep, err := Verify(ctx, l.Dir(), key, VerifyOptions{})
			if err != nil {
				t.Fatal(err)
			}
			found := false
			var got []string
			for _, p := range rep.Problems {
				got = append(got, p.String())
				found = found || (p.Index == tc.index && strings.Contains(p.String(), tc.path))
			}
			if !found {
				t.Fatalf("no problem at index %d, %q; got %q", tc.index, tc.path, got)
			}
			if tc.undo != "" {
				if _, err := srv.Exec(ctx, tc.undo); err != nil {
					t.Fatal(err)
				}
				if rep, err := Verify(ctx, l.Dir(), key, VerifyOptions{}); err != nil || !rep.OK() {
					t.Fatalf("after undoing: %v %v", err, rep.Problems)
				}
			}
		})
	}
}

// TestMySQLSnapshot checks that a snapshot of a MySQL ledger taken while it
// grows verifies offline, proves, and cannot be appended to.
func TestMySQLSnapshot(t *testing.T) {
	l, key := testLedger(t, Config{Driver: DriverMySQL})
	ctx := context.Background()
	fill(t, l, 270)
	out := filepath.Join(t.TempDir(), "snap")
	done := make(chan struct{})
	go func() { defer close(done); fill(t, l, 40) }() // the log grows meanwhile
	n, err := Snapshot(ctx, l.Dir(), out)
	if err != nil {
		t.Fatal(err)
	}
	<-done
	if n < 270 {
		t.Fatalf("snapshot of %d entries", n)
	}
	rep, err := Verify(ctx, out, key, VerifyOptions{})
	if err != nil || !rep.OK() || rep.Size != n {
		t.Fatalf("verify the snapshot: size %d of %d, %v %v", rep.Size, n, err, rep.Problems)
	}
	if _, err := os.Stat(filepath.Join(out, "private")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the snapshot holds the private store: %v", err)
	}
	p, err := NewProver(ctx, out)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	pr, err := p.Prove(ctx, n-1)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := VerifyProof(pr, key, ""); err != nil {
		t.Fatal(err)
	}
	s, _ := lineage.GenerateKey(lineage.KeyEd25519)
	if _, err := Open(ctx, out, Options{Signer: s}); err == nil || !strings.Contains(err.Error(), "read-only snapshot") {
		t.Errorf("open a snapshot for appending: %v", err)
	}
	if _, err := Snapshot(ctx, l.Dir(), out); err == nil || !errors.Is(err, ErrInvalid) {
		t.Errorf("snapshot into an existing directory: %v", err)
	}
}

// TestMySQLDSNRedacted checks that no error shows the DSN's password.
func TestMySQLDSNRedacted(t *testing.T) {
	cfg := withDriver(t, Config{Origin: "o.example/l", Driver: DriverMySQL})
	good := os.Getenv(cfg.DSNEnv)
	mc, err := mysql.ParseDSN(good)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, tc := range []struct{ name, dsn, secret, want string }{
		{"wrong password", strings.Replace(good, ":"+mc.Passwd+"@", ":wrong-Secret-77@", 1), "wrong-Secret-77", "Access denied"},
		{"malformed", "bob:Secret-99@tcp(127.0.0.1:1", "Secret-99", "not a MySQL DSN"},
		{"no database", "bob:Secret-98@unix(/nonexistent)/", "Secret-98", "names no database"},
		{"no server", "bob:Secret-97@unix(/nonexistent/sock)/db", "Secret-97", "cannot connect"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			os.Setenv(cfg.DSNEnv, tc.dsn)
			err := Init(ctx, t.TempDir(), cfg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), tc.secret) {
				t.Fatalf("got %v, want %q without the password", err, tc.want)
			}
		})
	}
	os.Setenv(cfg.DSNEnv, good)
	dir := t.TempDir()
	if err := Init(ctx, dir, cfg); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(dir, ConfigFile))
	if strings.Contains(string(b), mc.Passwd) || !strings.Contains(string(b), cfg.DSNEnv) {
		t.Fatalf("ledger.json: %s", b)
	}
}
