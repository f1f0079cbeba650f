package ledger

import (
	"context"
	"database/sql"
	_ "embed"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/go-sql-driver/mysql"
	"github.com/transparency-dev/tessera/api/layout"
	tmysql "github.com/transparency-dev/tessera/storage/mysql"
)

// The MySQL driver keeps the log (entry bundles, hash tiles, tree state
// and the published checkpoint) in a MySQL or MariaDB database through
// Tessera's storage/mysql; the ledger directory keeps ledger.json, the
// checkpoint history and the private store, as with POSIX.

// DefaultDSNEnv is the environment variable the MySQL DSN is read from
// when ledger.json names none.
const DefaultDSNEnv = "AIASSURE_LEDGER_DSN"

// mysqlSchema is Tessera's schema for its MySQL driver (storage/mysql/
// schema.sql of Tessera v1.0.4, Apache-2.0), which Tessera does not
// create itself; Init runs it.
//
//go:embed mysql_schema.sql
var mysqlSchema string

// dsnEnv is the environment variable holding the DSN.
func (c *Config) dsnEnv() string {
	if c.DSNEnv != "" {
		return c.DSNEnv
	}
	return DefaultDSNEnv
}

// openDB connects to the database the ledger's DSN names. Its errors never
// hold the DSN's password.
func openDB(ctx context.Context, c *Config) (*sql.DB, error) {
	env := c.dsnEnv()
	dsn := os.Getenv(env)
	if dsn == "" {
		return nil, fmt.Errorf("%w ledger: the mysql driver reads its DSN from $%s, which is not set (e.g. user:password@tcp(127.0.0.1:3306)/ledger or user@unix(/run/mysqld/mysqld.sock)/ledger)", ErrInvalid, env)
	}
	mc, err := mysql.ParseDSN(dsn)
	if err != nil {
		return nil, fmt.Errorf("%w ledger: $%s is not a MySQL DSN: %s", ErrInvalid, env, redact(dsn, "", err))
	}
	if mc.DBName == "" {
		return nil, fmt.Errorf("%w ledger: the DSN in $%s names no database (…/DBNAME)", ErrInvalid, env)
	}
	conn, err := mysql.NewConnector(mc)
	if err != nil {
		return nil, fmt.Errorf("%w ledger: $%s: %s", ErrInvalid, env, redact(dsn, mc.Passwd, err))
	}
	db := sql.OpenDB(conn)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: cannot connect to the ledger database %s (DSN from $%s): %s", ErrStorage, mc.Addr, env, redact(dsn, mc.Passwd, err))
	}
	return db, nil
}

// redact returns err's message with the DSN's password, and the DSN's
// user:password part when the password is not known, replaced by "***".
func redact(dsn, password string, err error) string {
	msg := err.Error()
	if password == "" {
		if at := strings.LastIndex(dsn, "@"); at >= 0 {
			if _, pw, ok := strings.Cut(dsn[:at], ":"); ok {
				password = pw
			}
		}
	}
	if password != "" {
		msg = strings.ReplaceAll(msg, password, "***")
	}
	return msg
}

// initMySQL creates Tessera's tables in the ledger's database. It refuses a
// database that already holds a log with entries: one log per database.
func initMySQL(ctx context.Context, c *Config) error {
	db, err := openDB(ctx, c)
	if err != nil {
		return err
	}
	defer db.Close()
	var size uint64
	err = db.QueryRowContext(ctx, "SELECT `size` FROM `TreeState` WHERE `id` = 0").Scan(&size)
	if err == nil && size > 0 {
		return fmt.Errorf("%w init ledger: the database already holds a log of %d entries (give each ledger its own database)", ErrInvalid, size)
	}
	for _, stmt := range schemaStatements(mysqlSchema) {
		if _, err := db.ExecContext(ctx, stmt); err != nil {
			return fmt.Errorf("init ledger: create the tables: %w", err)
		}
	}
	return nil
}

// schemaStatements splits an SQL script into statements, without its
// comment lines.
func schemaStatements(script string) []string {
	var b strings.Builder
	for _, line := range strings.Split(script, "\n") {
		if !strings.HasPrefix(strings.TrimSpace(line), "--") {
			b.WriteString(line + "\n")
		}
	}
	var out []string
	for _, s := range strings.Split(b.String(), ";") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// mysqlSource reads the log through Tessera's MySQL storage (its
// LogReader methods), which keeps one row per entry bundle and hash tile,
// updated in place until full. A read of a partial resource gets the row as
// it is; the source trims it to the size asked for, as a file read of the
// partial would give.
type mysqlSource struct {
	db *sql.DB
	st *tmysql.Storage
}

func openMySQLSource(ctx context.Context, c *Config) (*mysqlSource, error) {
	db, err := openDB(ctx, c)
	if err != nil {
		return nil, err
	}
	st, err := tmysql.New(ctx, db)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("%w: the ledger database has no Tessera log (run aiassure ledger init): %w", ErrInvalid, err)
	}
	return &mysqlSource{db: db, st: st}, nil
}

// name is how problems name a resource: "mysql:" and its tlog-tiles path
// without the partial suffix (one row holds the resource while it grows).
func (m *mysqlSource) name(path string) string {
	if i := strings.Index(path, ".p/"); i >= 0 {
		path = path[:i]
	}
	return "mysql:" + path
}

func (m *mysqlSource) checkpoint(ctx context.Context) ([]byte, error) {
	return m.st.ReadCheckpoint(ctx)
}

func (m *mysqlSource) tile(ctx context.Context, level, index uint64, p uint8) ([]byte, string, error) {
	b, err := m.st.ReadTile(ctx, level, index, p)
	if err == nil && p > 0 && len(b) > int(p)*32 {
		b = b[:int(p)*32]
	}
	return b, m.name(layout.TilePath(level, index, 0)), notFound(err)
}

func (m *mysqlSource) bundle(ctx context.Context, index uint64, p uint8) ([]byte, string, error) {
	b, err := m.st.ReadEntryBundle(ctx, index, p)
	if err == nil && p > 0 {
		b = trimBundle(b, int(p))
	}
	return b, m.name(layout.EntriesPath(index, 0)), notFound(err)
}

func (m *mysqlSource) close() error { return m.db.Close() }

// notFound keeps os.ErrNotExist recognisable through Tessera's wrapping
// (ReadEntryBundle wraps it; a short row is reported as missing).
func notFound(err error) error {
	if err != nil && errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%w (%v)", os.ErrNotExist, err)
	}
	return err
}

// trimBundle keeps the first n entries of an entry bundle; a damaged
// bundle is returned as it is, for the parser to report.
func trimBundle(b []byte, n int) []byte {
	off := 0
	for range n {
		if off+2 > len(b) {
			return b
		}
		off += 2 + int(binary.BigEndian.Uint16(b[off:]))
		if off > len(b) {
			return b
		}
	}
	return b[:off]
}
