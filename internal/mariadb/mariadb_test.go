package mariadb

import (
	"context"
	"database/sql"
	"errors"
	"testing"
)

func TestStart(t *testing.T) {
	ctx := context.Background()
	s, err := Start(ctx)
	if errors.Is(err, ErrNoServer) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer s.Stop()
	dsn, err := s.NewDatabase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	db, err := sql.Open("mysql", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var v string
	if err := db.QueryRowContext(ctx, "SELECT VERSION()").Scan(&v); err != nil {
		t.Fatal(err)
	}
	t.Log(v)
	// the user sees its own database only
	if _, err := db.ExecContext(ctx, "CREATE DATABASE other"); err == nil {
		t.Error("the database user may create databases")
	}
}
