// Package store keeps the lineage graph of verified attestations in an
// embedded SQLite database (modernc.org/sqlite, pure Go), so that "which
// models used this data set" and "what did this model come from" are
// answered by recursive queries over every attestation indexed so far,
// without re-reading them. Only attestations whose signature verifies with
// a trusted key are recorded.
package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	_ "modernc.org/sqlite" // the database/sql driver "sqlite"

	"github.com/aiassure/aiassure/lineage"
)

// SchemaVersion is the user_version of the databases this package writes.
const SchemaVersion = 1

const schema = `
CREATE TABLE IF NOT EXISTS attestations (
	payload     TEXT PRIMARY KEY,           -- hex SHA-256 of the signed payload
	file        TEXT NOT NULL,              -- where it was read when indexed
	step        TEXT NOT NULL,
	key_id      TEXT NOT NULL,
	time        TEXT NOT NULL,              -- the step's own time (RFC 3339), '' if none
	indexed_at  TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS nodes (
	id          TEXT PRIMARY KEY,           -- 'sha256:<hex>' or 'step:<payload>'
	kind        TEXT NOT NULL CHECK (kind IN ('artefact', 'step')),
	step        TEXT NOT NULL DEFAULT '',
	attestation TEXT NOT NULL DEFAULT '',
	signer      TEXT NOT NULL DEFAULT '',
	time        TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS names (
	node TEXT NOT NULL REFERENCES nodes(id),
	name TEXT NOT NULL,
	PRIMARY KEY (node, name)
);
CREATE INDEX IF NOT EXISTS names_by_name ON names(name);
CREATE TABLE IF NOT EXISTS edges (
	src  TEXT NOT NULL REFERENCES nodes(id),
	dst  TEXT NOT NULL REFERENCES nodes(id),
	role TEXT NOT NULL,
	PRIMARY KEY (src, dst, role)
);
CREATE INDEX IF NOT EXISTS edges_by_dst ON edges(dst);
`

// Store is an open lineage database.
type Store struct {
	db *sql.DB
}

// Open opens (creating if needed) the database at path.
func Open(ctx context.Context, path string) (*Store, error) {
	if path == "" {
		return nil, fmt.Errorf("open lineage store: no path")
	}
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() + "?_pragma=foreign_keys(1)&_pragma=busy_timeout(5000)"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, fmt.Errorf("open lineage store: %w", err)
	}
	db.SetMaxOpenConns(1)
	s := &Store{db: db}
	if err := s.init(ctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("open lineage store %s: %w", path, err)
	}
	return s, nil
}

func (s *Store) init(ctx context.Context) error {
	var v int
	if err := s.db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&v); err != nil {
		return err
	}
	if v != 0 && v != SchemaVersion {
		return fmt.Errorf("schema version %d, this aiassure reads %d", v, SchemaVersion)
	}
	if _, err := s.db.ExecContext(ctx, schema); err != nil {
		return err
	}
	_, err := s.db.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", SchemaVersion))
	return err
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Outcome is what Index did with one input.
type Outcome struct {
	Name    string // the input's name
	Step    lineage.Step
	Payload string // hex SHA-256 of the signed payload
	New     bool   // recorded now (false: already in the store)
	Err     error  // why it was not recorded: it did not verify or parse
}

// Index verifies each envelope (or Sigstore bundle) against the trusted
// keys and records the verified ones' subjects and materials as edges, all
// in one transaction. An input that does not verify is reported in its
// Outcome and nothing of it is stored. The error is for the store failing.
func (s *Store) Index(ctx context.Context, inputs []lineage.Input, keys []*lineage.Verifier) ([]Outcome, error) {
	out := make([]Outcome, 0, len(inputs))
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	defer tx.Rollback() //nolint:errcheck // after Commit it is a no-op
	now := time.Now().UTC().Format(time.RFC3339)
	for _, in := range inputs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		a, err := lineage.VerifyEnvelope(in, keys)
		if err != nil {
			out = append(out, Outcome{Name: in.Name, Err: err})
			continue
		}
		isNew, err := add(ctx, tx, a, now)
		if err != nil {
			return nil, fmt.Errorf("index %s: %w", in.Name, err)
		}
		out = append(out, Outcome{Name: in.Name, Step: a.Step, Payload: a.Payload, New: isNew})
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("index: %w", err)
	}
	return out, nil
}

// add records one verified attestation; it reports false when its payload
// was already recorded (the same attestation, perhaps under another file).
func add(ctx context.Context, tx *sql.Tx, a *lineage.Attestation, now string) (bool, error) {
	if a.Payload == "" {
		return false, errors.New("attestation without a payload digest (not from verification)")
	}
	t := ""
	if !a.Time.IsZero() {
		t = a.Time.UTC().Format(time.RFC3339Nano)
	}
	res, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO attestations(payload, file, step, key_id, time, indexed_at) VALUES (?, ?, ?, ?, ?, ?)`,
		a.Payload, a.File, string(a.Step), a.KeyID, t, now)
	if err != nil {
		return false, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return false, err
	}
	// The graph of this one attestation gives its nodes and edges; its
	// step is renamed after the payload so that the same attestation read
	// from two files is one step.
	g := lineage.BuildGraph([]*lineage.Attestation{a})
	stepID := func(id string) string {
		if strings.HasPrefix(id, "step:") {
			return "step:" + a.Payload
		}
		return id
	}
	for _, n := range g.Nodes {
		nt := ""
		if !n.Time.IsZero() {
			nt = n.Time.UTC().Format(time.RFC3339Nano)
		}
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO nodes(id, kind, step, attestation, signer, time) VALUES (?, ?, ?, ?, ?, ?)`,
			stepID(n.ID), n.Kind, string(n.Step), n.Attestation, n.Signer, nt); err != nil {
			return false, err
		}
		for _, name := range n.Names {
			if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO names(node, name) VALUES (?, ?)`, n.ID, name); err != nil {
				return false, err
			}
		}
	}
	for _, e := range g.Edges {
		if _, err := tx.ExecContext(ctx, `INSERT OR IGNORE INTO edges(src, dst, role) VALUES (?, ?, ?)`, stepID(e.From), stepID(e.To), e.Role); err != nil {
			return false, err
		}
	}
	return true, nil
}

// Find returns the IDs of the artefacts whose name is ref, or whose digest
// is ref ("sha256:<hex>", or a hex prefix of at least 8 digits), as
// lineage.Graph.Find does.
func (s *Store) Find(ctx context.Context, ref string) ([]string, error) {
	hexRef := strings.ToLower(strings.TrimPrefix(ref, "sha256:"))
	prefix := ""
	if len(hexRef) >= 8 && strings.Trim(hexRef, "0123456789abcdef") == "" {
		prefix = "sha256:" + hexRef
	}
	rows, err := s.db.QueryContext(ctx, `
		SELECT id FROM nodes WHERE kind = 'artefact' AND (
			id IN (SELECT node FROM names WHERE name = ?1)
			OR (?2 <> '' AND substr(id, 1, length(?2)) = ?2))
		ORDER BY rowid`, ref, prefix)
	if err != nil {
		return nil, fmt.Errorf("find %q: %w", ref, err)
	}
	return scanIDs(rows)
}

// Ancestors returns the subgraph of everything the nodes came from: a
// recursive query following edges backwards.
func (s *Store) Ancestors(ctx context.Context, ids []string) (*lineage.Graph, error) {
	return s.reach(ctx, ids, `SELECT e.src FROM edges e JOIN r ON e.dst = r.id`)
}

// Descendants returns the subgraph of everything made from the nodes: a
// recursive query following edges forwards.
func (s *Store) Descendants(ctx context.Context, ids []string) (*lineage.Graph, error) {
	return s.reach(ctx, ids, `SELECT e.dst FROM edges e JOIN r ON e.src = r.id`)
}

// Graph returns the whole stored graph.
func (s *Store) Graph(ctx context.Context) (*lineage.Graph, error) {
	return s.load(ctx, `SELECT id FROM nodes`, nil)
}

func (s *Store) reach(ctx context.Context, ids []string, step string) (*lineage.Graph, error) {
	start, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	// UNION (not UNION ALL) drops rows already seen, so cycles end.
	q := `WITH RECURSIVE r(id) AS (SELECT value FROM json_each(?1) UNION ` + step + `) SELECT id FROM r`
	return s.load(ctx, q, []any{string(start)})
}

// load reads the nodes whose IDs the query returns and the edges between
// them, in insertion order.
func (s *Store) load(ctx context.Context, idQuery string, args []any) (*lineage.Graph, error) {
	rows, err := s.db.QueryContext(ctx, `WITH keep(id) AS (`+idQuery+`)
		SELECT n.id, n.kind, n.step, n.attestation, n.signer, n.time,
			COALESCE((SELECT json_group_array(name) FROM (SELECT name FROM names WHERE node = n.id ORDER BY name)), '[]')
		FROM nodes n WHERE n.id IN (SELECT id FROM keep) ORDER BY n.rowid`, args...)
	if err != nil {
		return nil, fmt.Errorf("lineage store: %w", err)
	}
	g := &lineage.Graph{Nodes: []*lineage.Node{}, Edges: []lineage.Edge{}}
	for rows.Next() {
		var n lineage.Node
		var step, t, names string
		if err := rows.Scan(&n.ID, &n.Kind, &step, &n.Attestation, &n.Signer, &t, &names); err != nil {
			rows.Close()
			return nil, fmt.Errorf("lineage store: %w", err)
		}
		n.Step = lineage.Step(step)
		if t != "" {
			if n.Time, err = time.Parse(time.RFC3339Nano, t); err != nil {
				rows.Close()
				return nil, fmt.Errorf("lineage store: node %s: time %q: %w", n.ID, t, err)
			}
		}
		if err := json.Unmarshal([]byte(names), &n.Names); err != nil {
			rows.Close()
			return nil, fmt.Errorf("lineage store: node %s: names: %w", n.ID, err)
		}
		sort.Strings(n.Names)
		if len(n.Names) == 0 {
			n.Names = nil
		}
		g.Nodes = append(g.Nodes, &n)
	}
	if err := rows.Err(); err != nil {
		rows.Close()
		return nil, fmt.Errorf("lineage store: %w", err)
	}
	rows.Close()
	ids := make([]string, 0, len(g.Nodes))
	for _, n := range g.Nodes {
		ids = append(ids, n.ID)
	}
	kept, err := json.Marshal(ids)
	if err != nil {
		return nil, err
	}
	erows, err := s.db.QueryContext(ctx, `WITH keep(id) AS (SELECT value FROM json_each(?1))
		SELECT src, dst, role FROM edges
		WHERE src IN (SELECT id FROM keep) AND dst IN (SELECT id FROM keep) ORDER BY rowid`, string(kept))
	if err != nil {
		return nil, fmt.Errorf("lineage store: %w", err)
	}
	defer erows.Close()
	for erows.Next() {
		var e lineage.Edge
		if err := erows.Scan(&e.From, &e.To, &e.Role); err != nil {
			return nil, fmt.Errorf("lineage store: %w", err)
		}
		g.Edges = append(g.Edges, e)
	}
	if err := erows.Err(); err != nil {
		return nil, fmt.Errorf("lineage store: %w", err)
	}
	return g, nil
}

func scanIDs(rows *sql.Rows) ([]string, error) {
	defer rows.Close()
	var out []string
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}
