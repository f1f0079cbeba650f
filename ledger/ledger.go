package ledger

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/storage/posix"
	"k8s.io/klog/v2"

	"github.com/aiassure/aiassure/lineage"
)

// Drivers are the storage back ends a ledger's configuration may name:
// Tessera's POSIX driver (DIR/log) and its MySQL driver (a MySQL or
// MariaDB database named by a DSN from the environment).
const (
	DriverPOSIX = "posix"
	DriverMySQL = "mysql"
)

// ConfigFile is the ledger's configuration, in its directory.
const ConfigFile = "ledger.json"

// Config is a ledger's configuration (DIR/ledger.json).
type Config struct {
	// Origin is the log's name, the first line of every checkpoint (C2SP
	// tlog-checkpoint), e.g. "example.com/credit-scoring/ledger".
	Origin string `json:"origin"`
	// Driver is the Tessera storage driver: "posix" or "mysql".
	Driver string `json:"driver"`
	// DSNEnv names the environment variable holding the MySQL DSN (driver
	// mysql; default AIASSURE_LEDGER_DSN). The DSN itself, which may hold
	// a password, is never written to the configuration.
	DSNEnv string `json:"dsn_env,omitempty"`
	// Snapshot, when set, marks a read-only copy of a ledger's log (see
	// Snapshot): when and from which driver it was made. It cannot be
	// opened for appending.
	Snapshot string `json:"snapshot,omitempty"`
	// Retention is how long personal data is kept, e.g. "4380h" (six
	// months); "" keeps it until forgotten. Prune deletes the keys of older
	// months.
	Retention string `json:"retention,omitempty"`
	// Batching: up to BatchMaxSize entries, or what arrived in BatchMaxAge,
	// are written and integrated together; CheckpointInterval is how often
	// a checkpoint is signed (Tessera's minimum is 100ms). Zero: defaults.
	BatchMaxSize       uint     `json:"batch_max_size,omitempty"`
	BatchMaxAge        Duration `json:"batch_max_age,omitempty"`
	CheckpointInterval Duration `json:"checkpoint_interval,omitempty"`
}

// Duration is a time.Duration written as a Go duration string.
type Duration time.Duration

func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err != nil {
		return err
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return err
	}
	*d = Duration(v)
	return nil
}

// Defaults of the tuning settings (docs/benchmarks.md has the numbers they
// were chosen by).
const (
	DefaultBatchMaxSize       = 1024
	DefaultBatchMaxAge        = 25 * time.Millisecond
	DefaultCheckpointInterval = 100 * time.Millisecond
)

func (c *Config) check() error {
	if c.Origin == "" || strings.ContainsAny(c.Origin, " \t\n+") {
		return fmt.Errorf("%w ledger config: origin %q must be non-empty, without spaces or '+'", ErrInvalid, c.Origin)
	}
	switch c.Driver {
	case DriverPOSIX, "":
	case DriverMySQL:
		if c.CheckpointInterval != 0 && time.Duration(c.CheckpointInterval) < time.Second {
			return fmt.Errorf("%w ledger config: checkpoint_interval %v is below the minimum of Tessera's mysql driver, 1s", ErrInvalid, time.Duration(c.CheckpointInterval))
		}
		if c.DSNEnv != "" && !envName.MatchString(c.DSNEnv) {
			return fmt.Errorf("%w ledger config: dsn_env %q is not an environment variable's name", ErrInvalid, c.DSNEnv)
		}
	case "aws", "s3", "gcp":
		return fmt.Errorf("%w ledger config: driver %q is not built into this aiassure: it has %q and %q; docs/ledger.md (Drivers) says what running on Tessera's %s driver needs", ErrInvalid, c.Driver, DriverPOSIX, DriverMySQL, c.Driver)
	default:
		return fmt.Errorf("%w ledger config: unknown driver %q (have %q, %q)", ErrInvalid, c.Driver, DriverPOSIX, DriverMySQL)
	}
	if c.DSNEnv != "" && c.Driver != DriverMySQL {
		return fmt.Errorf("%w ledger config: dsn_env is for driver %q only", ErrInvalid, DriverMySQL)
	}
	if c.Retention != "" {
		d, err := time.ParseDuration(c.Retention)
		if err != nil || d <= 0 {
			return fmt.Errorf("%w ledger config: retention %q: want a positive duration such as 4380h", ErrInvalid, c.Retention)
		}
	}
	if c.CheckpointInterval != 0 && time.Duration(c.CheckpointInterval) < 100*time.Millisecond {
		return fmt.Errorf("%w ledger config: checkpoint_interval %v is below Tessera's minimum of 100ms", ErrInvalid, time.Duration(c.CheckpointInterval))
	}
	return nil
}

var envName = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Init creates a ledger directory with its configuration and private
// store, and for the mysql driver Tessera's tables in the database. It
// refuses a directory that already holds a ledger, and a database that
// holds a log with entries.
func Init(ctx context.Context, dir string, c Config) error {
	if c.Driver == "" {
		c.Driver = DriverPOSIX
	}
	if err := c.check(); err != nil {
		return err
	}
	if c.Snapshot != "" {
		return fmt.Errorf("%w init ledger: a snapshot is made by Snapshot, not Init", ErrInvalid)
	}
	if _, err := os.Stat(filepath.Join(dir, ConfigFile)); err == nil {
		return fmt.Errorf("%w init ledger: %s already holds a ledger", ErrInvalid, dir)
	}
	if c.Driver == DriverMySQL {
		if err := initMySQL(ctx, &c); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("init ledger: %w", err)
	}
	b, err := json.MarshalIndent(c, "", "  ")
	if err != nil {
		return fmt.Errorf("init ledger: %w", err)
	}
	p := filepath.Join(dir, ConfigFile)
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		if errors.Is(err, os.ErrExist) {
			return fmt.Errorf("%w init ledger: %s already holds a ledger", ErrInvalid, dir)
		}
		return fmt.Errorf("init ledger: %w", diskError(err))
	}
	if _, err := f.Write(append(b, '\n')); err != nil {
		f.Close()
		return fmt.Errorf("init ledger: %w", diskError(err))
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("init ledger: %w", diskError(err))
	}
	if _, err := openVault(dir, true); err != nil {
		return fmt.Errorf("init ledger: %w", diskError(err))
	}
	return nil
}

// ReadConfig reads DIR/ledger.json.
func ReadConfig(dir string) (*Config, error) {
	b, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s is no ledger (no %s; run aiassure ledger init)", ErrInvalid, dir, ConfigFile)
		}
		return nil, fmt.Errorf("ledger config: %w", err)
	}
	var c Config
	if err := json.Unmarshal(b, &c); err != nil {
		return nil, fmt.Errorf("%w ledger config %s: %w", ErrInvalid, filepath.Join(dir, ConfigFile), err)
	}
	if err := c.check(); err != nil {
		return nil, err
	}
	return &c, nil
}

// logDir is where Tessera keeps the tiles, entry bundles and checkpoint.
func logDir(dir string) string { return filepath.Join(dir, "log") }

// historyDir keeps every checkpoint the ledger handed out in a receipt.
func historyDir(dir string) string { return filepath.Join(dir, "checkpoints") }

// Options are what Open needs beyond the directory.
type Options struct {
	Signer *lineage.Signer // the checkpoint key (Ed25519)
	Logger *slog.Logger
}

// Ledger is an open ledger that appends events. It is safe for concurrent
// use.
type Ledger struct {
	dir      string
	cfg      *Config
	log      *slog.Logger
	vault    *vault
	appender *tessera.Appender
	awaiter  *tessera.PublicationAwaiter
	shutdown func(context.Context) error
	cancel   context.CancelFunc
	store    *store // reads the log the appender writes

	hmu      sync.Mutex
	lastHist uint64 // size of the newest checkpoint written to the history
}

// Receipt acknowledges a durable append: the entry's index and leaf hash
// and a signed checkpoint whose tree contains it.
type Receipt struct {
	Index      uint64 `json:"index"`
	LeafHash   string `json:"leaf_hash"` // hex
	Checkpoint string `json:"checkpoint"`
}

// Open opens the ledger in dir for appending. Only one process may append
// to a ledger at a time.
func Open(ctx context.Context, dir string, o Options) (*Ledger, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	if err := probeWritable(dir); err != nil {
		return nil, err
	}
	if cfg.Snapshot != "" {
		return nil, fmt.Errorf("%w open ledger: %s is a read-only snapshot (%s): verify, prove and export it; append to the ledger it was made from", ErrInvalid, dir, cfg.Snapshot)
	}
	sg, _, err := noteSigner(o.Signer, cfg.Origin)
	if err != nil {
		return nil, err
	}
	v, err := openVault(dir, true)
	if err != nil {
		return nil, diskError(err)
	}
	lg := o.Logger
	if lg == nil {
		lg = slog.New(slog.DiscardHandler)
	}
	klog.SetSlogLogger(lg) // Tessera logs through klog
	ctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	drv, st, err := openDriver(ctx, dir, cfg)
	if err != nil {
		cancel()
		return nil, err
	}
	size, age, ci := cfg.BatchMaxSize, time.Duration(cfg.BatchMaxAge), time.Duration(cfg.CheckpointInterval)
	if size == 0 {
		size = DefaultBatchMaxSize
	}
	if age == 0 {
		age = DefaultBatchMaxAge
	}
	if ci == 0 {
		ci = DefaultCheckpointInterval
		if cfg.Driver == DriverMySQL {
			ci = time.Second
		}
	}
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(sg).
		WithBatching(size, age).
		WithCheckpointInterval(ci).
		WithPushback(64 << 10)
	app, shutdown, reader, err := tessera.NewAppender(ctx, drv, opts)
	if err != nil {
		cancel()
		st.close()
		return nil, fmt.Errorf("open ledger: %w", diskError(err))
	}
	if err := os.MkdirAll(historyDir(dir), 0o755); err != nil {
		cancel()
		st.close()
		return nil, fmt.Errorf("open ledger: %w", diskError(err))
	}
	l := &Ledger{
		dir: dir, cfg: cfg, log: lg, vault: v, appender: app, shutdown: shutdown, cancel: cancel, store: st,
		awaiter: tessera.NewPublicationAwaiter(ctx, reader.ReadCheckpoint, 5*time.Millisecond),
	}
	return l, nil
}

// openDriver constructs the Tessera driver the configuration names, and a
// store that reads the same log.
func openDriver(ctx context.Context, dir string, cfg *Config) (tessera.Driver, *store, error) {
	if cfg.Driver == DriverMySQL {
		m, err := openMySQLSource(ctx, cfg)
		if err != nil {
			return nil, nil, fmt.Errorf("open ledger: %w", err)
		}
		return m.st, &store{dir: dir, src: m}, nil
	}
	drv, err := posix.New(ctx, posix.Config{Path: logDir(dir)})
	if err != nil {
		return nil, nil, fmt.Errorf("open ledger: %w", err)
	}
	return drv, &store{dir: dir, src: fileSource{root: logDir(dir)}}, nil
}

// Config returns the ledger's configuration.
func (l *Ledger) Config() Config { return *l.cfg }

// Dir returns the ledger's directory.
func (l *Ledger) Dir() string { return l.dir }

// Close waits for appends in flight and stops the ledger.
func (l *Ledger) Close(ctx context.Context) error {
	err := l.shutdown(ctx)
	l.cancel()
	return errors.Join(err, l.store.close())
}

// Append validates and appends one event; it returns once the entry is
// durable: written and synced, integrated into the tree and covered by a
// signed, published checkpoint. recorded stamps the entry (the zero time:
// now).
func (l *Ledger) Append(ctx context.Context, ev *Event, recorded time.Time) (*Receipt, error) {
	t, err := Type(ev.Type)
	if err != nil {
		return nil, err
	}
	if recorded.IsZero() {
		recorded = time.Now()
	}
	stored, plain, err := l.vault.commit(t, ev)
	if err != nil {
		return nil, diskError(err)
	}
	data, err := canonical(map[string]any{"v": float64(EntryVersion), "recorded": recorded.UTC().Format(time.RFC3339Nano), "event": stored})
	if err != nil {
		return nil, err
	}
	if len(data) > MaxEntrySize {
		return nil, fmt.Errorf("%w %s event: the entry would be %d bytes, more than %d", ErrInvalid, ev.Type, len(data), MaxEntrySize)
	}
	if err := l.vault.seal(data, plain); err != nil {
		return nil, diskError(err)
	}
	idx, cp, err := l.awaiter.Await(ctx, l.appender.Add(ctx, tessera.NewEntry(data)))
	if err != nil {
		if l.cfg.Driver == DriverMySQL && ctx.Err() == nil {
			return nil, fmt.Errorf("append: %w: the ledger database failed (nothing was acknowledged): %w", ErrStorage, err)
		}
		return nil, fmt.Errorf("append: %w", diskError(err))
	}
	if err := l.keepCheckpoint(cp); err != nil {
		return nil, fmt.Errorf("append: %w", diskError(err))
	}
	return &Receipt{Index: idx.Index, LeafHash: hex.EncodeToString(LeafHash(data)), Checkpoint: string(cp)}, nil
}

// AppendJSON parses, validates and appends one event given as JSON.
func (l *Ledger) AppendJSON(ctx context.Context, data []byte) (*Receipt, error) {
	ev, err := ParseEvent(data)
	if err != nil {
		return nil, err
	}
	return l.Append(ctx, ev, time.Time{})
}

// keepCheckpoint writes a checkpoint handed out in a receipt to the
// history, unless one of that size or larger is there.
func (l *Ledger) keepCheckpoint(cp []byte) error {
	var c log.Checkpoint
	if _, err := c.Unmarshal(cp); err != nil {
		return fmt.Errorf("checkpoint: %w", err)
	}
	l.hmu.Lock()
	defer l.hmu.Unlock()
	if c.Size <= l.lastHist {
		return nil
	}
	p := filepath.Join(historyDir(l.dir), fmt.Sprintf("%020d", c.Size))
	if err := writeFileSync(p, cp, true); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	l.lastHist = c.Size
	return nil
}

// Forget deletes every key of subject (crypto-shredding); it returns how
// many keys were deleted.
func (l *Ledger) Forget(subject string) (int, error) { return l.vault.forget(subject) }

// probeWritable fails with a clear error when dir cannot be written (a
// read-only file system, no permission, a full disk).
func probeWritable(dir string) error {
	p := filepath.Join(dir, ".write-probe")
	if err := writeFileSync(p, []byte("probe\n"), false); err != nil {
		return fmt.Errorf("open ledger: %s is not writable: %w", dir, diskError(err))
	}
	if err := os.Remove(p); err != nil {
		return fmt.Errorf("open ledger: %w", diskError(err))
	}
	return nil
}

// ErrStorage marks a failure of the ledger's storage (a read-only or full
// disk): the append was not acknowledged and may be retried.
var ErrStorage = errors.New("ledger storage")

// diskError makes a read-only or full file system clear in the message.
func diskError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, ErrStorage):
		return err
	case errors.Is(err, syscall.ENOSPC), strings.Contains(err.Error(), "no space left on device"):
		return fmt.Errorf("%w: the disk is full (no entry was acknowledged that is not stored): %w", ErrStorage, err)
	case errors.Is(err, syscall.EROFS), strings.Contains(err.Error(), "read-only file system"):
		return fmt.Errorf("%w: the file system is read-only: %w", ErrStorage, err)
	case errors.Is(err, syscall.EACCES), errors.Is(err, syscall.EPERM), strings.Contains(err.Error(), "permission denied"):
		return fmt.Errorf("%w: permission denied: %w", ErrStorage, err)
	}
	return err
}
