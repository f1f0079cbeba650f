// Package mariadb starts a throw-away MariaDB server (Debian's
// mariadb-server binaries) in a temporary data directory, listening on a
// unix socket only, for the ledger's tests and benchmarks of Tessera's
// MySQL driver against a real server.
package mariadb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/go-sql-driver/mysql"
)

// Binaries are the server programs Start needs.
var Binaries = []string{"mariadbd", "mariadb-install-db"}

// ErrNoServer is returned by Start when the server binaries are absent.
var ErrNoServer = errors.New("mariadb-server is not installed (apt-get install -y mariadb-server)")

// Server is a running throw-away server.
type Server struct {
	dir    string
	socket string
	cmd    *exec.Cmd
	exited chan error // the server's exit
	root   *sql.DB
	n      int
}

// look finds a server binary in $PATH or the Debian locations.
func look(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	for _, d := range []string{"/usr/sbin", "/usr/bin"} {
		p := filepath.Join(d, name)
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", ErrNoServer
}

// Start initialises a data directory and starts the server on a unix
// socket (no TCP). Run as root, the server drops to the mysql user (it
// refuses to run as root otherwise).
func Start(ctx context.Context) (*Server, error) {
	bins := map[string]string{}
	for _, b := range Binaries {
		p, err := look(b)
		if err != nil {
			return nil, err
		}
		bins[b] = p
	}
	dir, err := os.MkdirTemp("", "aiassure-mariadb-")
	if err != nil {
		return nil, fmt.Errorf("mariadb: %w", err)
	}
	s := &Server{dir: dir, socket: filepath.Join(dir, "mysqld.sock")}
	runAs := ""
	if os.Geteuid() == 0 {
		u, err := user.Lookup("mysql")
		if err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("mariadb: running as root needs the mysql user to run the server as: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			os.RemoveAll(dir)
			return nil, fmt.Errorf("mariadb: %w", err)
		}
		runAs = "mysql"
	}
	data := filepath.Join(dir, "data")
	args := []string{"--no-defaults", "--datadir=" + data, "--auth-root-authentication-method=normal", "--skip-test-db"}
	if runAs != "" {
		args = append(args, "--user="+runAs)
	}
	if out, err := exec.CommandContext(ctx, bins["mariadb-install-db"], args...).CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("mariadb: mariadb-install-db: %w: %s", err, lastLines(string(out)))
	}
	args = []string{"--no-defaults", "--datadir=" + data, "--socket=" + s.socket, "--skip-networking",
		"--pid-file=" + filepath.Join(dir, "mysqld.pid"), "--log-error=" + filepath.Join(dir, "error.log"),
		"--innodb-buffer-pool-size=128M", "--max-connections=500", "--skip-name-resolve"}
	if runAs != "" {
		args = append(args, "--user="+runAs)
	}
	s.cmd = exec.Command(bins["mariadbd"], args...)
	if err := s.cmd.Start(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("mariadb: %w", err)
	}
	s.exited = make(chan error, 1)
	go func() { s.exited <- s.cmd.Wait() }()
	db, err := sql.Open("mysql", "root@unix("+s.socket+")/")
	if err != nil {
		s.Stop()
		return nil, fmt.Errorf("mariadb: %w", err)
	}
	s.root = db
	deadline := time.Now().Add(60 * time.Second)
	for {
		if err = db.PingContext(ctx); err == nil {
			break
		}
		select {
		case werr := <-s.exited:
			log, _ := os.ReadFile(filepath.Join(dir, "error.log"))
			os.RemoveAll(dir)
			return nil, fmt.Errorf("mariadb: the server exited (%v): %s", werr, lastLines(string(log)))
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			s.Stop()
			return nil, fmt.Errorf("mariadb: the server did not answer within 60s: %w", err)
		}
	}
	return s, nil
}

func lastLines(s string) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-5):], "\n")
}

// NewDatabase creates a database and a user with a random password who
// may use only it, and returns the DSN that connects as that user.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	s.n++
	name := fmt.Sprintf("ledger%d", s.n)
	pw := make([]byte, 12)
	rand.Read(pw)
	pass := hex.EncodeToString(pw)
	for _, q := range []string{
		"CREATE DATABASE " + name,
		fmt.Sprintf("CREATE USER '%s'@'localhost' IDENTIFIED BY '%s'", name, pass),
		fmt.Sprintf("GRANT ALL ON %s.* TO '%s'@'localhost'", name, name),
	} {
		if _, err := s.root.ExecContext(ctx, q); err != nil {
			return "", fmt.Errorf("mariadb: %w", err)
		}
	}
	c := mysql.NewConfig()
	c.User, c.Passwd, c.Net, c.Addr, c.DBName = name, pass, "unix", s.socket, name
	return c.FormatDSN(), nil
}

// Exec runs a statement as the server's root user (tests use it to tamper
// with a ledger's tables).
func (s *Server) Exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	return s.root.ExecContext(ctx, query, args...)
}

// Pid is the server's process ID.
func (s *Server) Pid() int { return s.cmd.Process.Pid }

// Stop stops the server and deletes its data directory.
func (s *Server) Stop() {
	if s.root != nil {
		s.root.Close()
	}
	if s.exited != nil {
		s.cmd.Process.Kill()
		select {
		case <-s.exited:
		case <-time.After(10 * time.Second):
		}
	}
	os.RemoveAll(s.dir)
}
