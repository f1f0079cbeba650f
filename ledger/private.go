package ledger

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// The private store keeps what the log must not: the plaintext of personal
// fields, encrypted (AES-256-GCM) under per-subject keys, one key per
// subject and calendar month of the event's time. Deleting a subject's keys
// (Forget) or a month's keys (Prune) makes the plaintext unrecoverable
// while the log, which holds only keyed commitments (HMAC-SHA256 under the
// same key), and every proof stay valid: crypto-shredding.
//
// Layout under DIR/private (mode 0700, files 0600):
//
//	pepper                 32 random bytes: key IDs are HMAC(pepper, subject, month)
//	keys/KEYID.json        {"subject","period","created","key"}
//	sealed/AB/ENTRYID.json the sealed personal fields of one entry
type vault struct {
	dir    string
	pepper []byte

	mu    sync.Mutex
	cache map[string][]byte // key ID -> key
	sync  groupSync
}

// Erased is what Export shows for a personal field whose key was deleted.
const Erased = "erased"

const commitLabel = "aiassure-ledger-commit-v1"

var errMalformedKey = errors.New("malformed key file")

type keyFile struct {
	Subject string    `json:"subject"`
	Period  string    `json:"period"` // YYYY-MM of the event time
	Created time.Time `json:"created"`
	Key     []byte    `json:"key"`
}

type sealedField struct {
	Key   string `json:"key"`
	Nonce []byte `json:"nonce"`
	CT    []byte `json:"ct"`
}

type sealedRecord struct {
	Fields map[string]sealedField `json:"fields"`
}

// plainField is one personal field before sealing: its value and the salt
// its commitment was made with.
type plainField struct {
	key   string
	k     []byte
	Salt  []byte `json:"salt"`
	Value any    `json:"value"`
}

func openVault(dir string, create bool) (*vault, error) {
	v := &vault{dir: filepath.Join(dir, "private"), cache: map[string][]byte{}}
	p := filepath.Join(v.dir, "pepper")
	b, err := os.ReadFile(p)
	switch {
	case err == nil:
	case errors.Is(err, os.ErrNotExist) && create:
		for _, d := range []string{v.dir, filepath.Join(v.dir, "keys"), filepath.Join(v.dir, "sealed")} {
			if err := os.MkdirAll(d, 0o700); err != nil {
				return nil, fmt.Errorf("private store: %w", err)
			}
		}
		b = make([]byte, 32)
		if _, err := rand.Read(b); err != nil {
			return nil, fmt.Errorf("private store: %w", err)
		}
		if err := writeFileSync(p, b, true); err != nil {
			return nil, fmt.Errorf("private store: %w", err)
		}
	default:
		return nil, fmt.Errorf("private store: %w", err)
	}
	if len(b) != 32 {
		return nil, fmt.Errorf("private store: %s is %d bytes, want 32", p, len(b))
	}
	v.pepper = b
	return v, nil
}

func (v *vault) keyID(subject, period string) string {
	m := hmac.New(sha256.New, v.pepper)
	m.Write([]byte("key\x00" + subject + "\x00" + period))
	return hex.EncodeToString(m.Sum(nil)[:16])
}

func (v *vault) keyPath(id string) string { return filepath.Join(v.dir, "keys", id+".json") }

// key returns the key of subject for the month of at, creating it.
func (v *vault) key(subject string, at time.Time) (string, []byte, error) {
	period := at.UTC().Format("2006-01")
	id := v.keyID(subject, period)
	v.mu.Lock()
	defer v.mu.Unlock()
	k, cached := v.cache[id]
	if cached {
		// the key file may have been deleted (forget) by another process
		if _, err := os.Stat(v.keyPath(id)); err == nil {
			return id, k, nil
		}
		delete(v.cache, id)
	}
	if k, err := v.readKey(id); err == nil {
		v.cache[id] = k
		return id, k, nil
	} else if errors.Is(err, errMalformedKey) {
		// a crash before the group sync left it incomplete: no entry that
		// was acknowledged can use it (its sync would have flushed the key)
		os.Remove(v.keyPath(id))
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", nil, err
	}
	k = make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		return "", nil, fmt.Errorf("subject key: %w", err)
	}
	b, err := json.Marshal(keyFile{Subject: subject, Period: period, Created: time.Now().UTC(), Key: k})
	if err != nil {
		return "", nil, fmt.Errorf("subject key: %w", err)
	}
	if err := writeFile(v.keyPath(id), b, true, false); err != nil {
		if errors.Is(err, os.ErrExist) { // another process made it
			if k, err := v.readKey(id); err == nil {
				v.cache[id] = k
				return id, k, nil
			}
		}
		return "", nil, fmt.Errorf("subject key: %w", err)
	}
	v.cache[id] = k
	return id, k, nil
}

func (v *vault) readKey(id string) ([]byte, error) {
	b, err := os.ReadFile(v.keyPath(id))
	if err != nil {
		return nil, err
	}
	var kf keyFile
	if err := json.Unmarshal(b, &kf); err != nil || len(kf.Key) != 32 {
		return nil, fmt.Errorf("subject key %s: %w", id, errMalformedKey)
	}
	return kf.Key, nil
}

func commitment(k []byte, field string, salt []byte, value any) (string, error) {
	c, err := canonical(value)
	if err != nil {
		return "", err
	}
	m := hmac.New(sha256.New, k)
	m.Write([]byte(commitLabel + "\x00" + field + "\x00"))
	m.Write(salt)
	m.Write(c)
	return "hmac-sha256:" + hex.EncodeToString(m.Sum(nil)), nil
}

// commit replaces the personal fields of ev by commitments; it returns the
// stored event and the plaintext to seal once the entry's bytes are known.
func (v *vault) commit(t *EventType, ev *Event) (map[string]any, map[string]*plainField, error) {
	out := make(map[string]any, len(ev.Fields))
	for k, val := range ev.Fields {
		out[k] = val
	}
	fields := personalFields(t, ev.Fields)
	if len(fields) == 0 {
		return out, nil, nil
	}
	if v == nil {
		return nil, nil, errors.New("personal fields: the ledger has no private store")
	}
	subject := ev.String("subject")
	plain := map[string]*plainField{}
	for _, f := range fields {
		s := subject
		if s == "" {
			str, ok := ev.Fields[f].(string)
			if !ok || str == "" {
				return nil, nil, fmt.Errorf("%w %s event: personal field %q needs a \"subject\" (the person whose data it is)", ErrInvalid, ev.Type, f)
			}
			s = str // a field such as an operator's name is its own subject
		}
		id, k, err := v.key(s, ev.Time)
		if err != nil {
			return nil, nil, err
		}
		salt := make([]byte, 16)
		if _, err := rand.Read(salt); err != nil {
			return nil, nil, fmt.Errorf("personal fields: %w", err)
		}
		c, err := commitment(k, f, salt, ev.Fields[f])
		if err != nil {
			return nil, nil, err
		}
		out[f] = map[string]any{"commitment": c, "key": id}
		plain[f] = &plainField{key: id, k: k, Salt: salt, Value: ev.Fields[f]}
	}
	return out, plain, nil
}

func (v *vault) sealedPath(id string) string {
	return filepath.Join(v.dir, "sealed", id[:2], id+".json")
}

// seal encrypts the plaintext of an entry's personal fields and writes it,
// synced, under the entry's ID. The additional data binds each ciphertext
// to the entry's leaf hash and field.
func (v *vault) seal(entry []byte, plain map[string]*plainField) error {
	if len(plain) == 0 {
		return nil
	}
	leaf := LeafHash(entry)
	rec := sealedRecord{Fields: map[string]sealedField{}}
	for f, p := range plain {
		pt, err := json.Marshal(p)
		if err != nil {
			return fmt.Errorf("seal: %w", err)
		}
		g, err := gcm(p.k)
		if err != nil {
			return err
		}
		nonce := make([]byte, g.NonceSize())
		if _, err := rand.Read(nonce); err != nil {
			return fmt.Errorf("seal: %w", err)
		}
		rec.Fields[f] = sealedField{Key: p.key, Nonce: nonce, CT: g.Seal(nil, nonce, pt, append(leaf, f...))}
	}
	b, err := json.Marshal(rec)
	if err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	id := entryID(entry)
	if err := os.MkdirAll(filepath.Dir(v.sealedPath(id)), 0o700); err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	if err := writeFile(v.sealedPath(id), b, false, false); err != nil {
		return fmt.Errorf("seal: %w", err)
	}
	// one file-system sync for every append in flight (group commit)
	// makes the key files and sealed records durable before the append
	if err := v.sync.sync(v.dir); err != nil {
		return fmt.Errorf("seal: sync: %w", err)
	}
	return nil
}

func gcm(k []byte) (cipher.AEAD, error) {
	b, err := aes.NewCipher(k)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	g, err := cipher.NewGCM(b)
	if err != nil {
		return nil, fmt.Errorf("seal: %w", err)
	}
	return g, nil
}

// reveal returns the plaintext of an entry's personal fields: the value,
// or Erased when its key is gone, or an error string when the private
// store does not match the log's commitment.
func (v *vault) reveal(e *Entry) map[string]any {
	cs := e.Commitments()
	if len(cs) == 0 {
		return nil
	}
	out := map[string]any{}
	var rec sealedRecord
	var recErr error
	if v == nil {
		recErr = errors.New("no private store")
	} else if b, err := os.ReadFile(v.sealedPath(entryID(e.Raw))); err != nil {
		recErr = err
	} else if err := json.Unmarshal(b, &rec); err != nil {
		recErr = err
	}
	leaf := LeafHash(e.Raw)
	for f, c := range cs {
		k, err := v.lookup(c.Key)
		if err != nil {
			out[f] = Erased
			continue
		}
		if recErr != nil {
			if errors.Is(recErr, os.ErrNotExist) {
				out[f] = Erased
			} else {
				out[f] = "unreadable: " + recErr.Error()
			}
			continue
		}
		sf, ok := rec.Fields[f]
		if !ok || sf.Key != c.Key {
			out[f] = "unreadable: the private store has no sealed value for this field"
			continue
		}
		val, err := open(k, sf, leaf, f, c)
		if err != nil {
			out[f] = "unreadable: " + err.Error()
			continue
		}
		out[f] = val
	}
	return out
}

func (v *vault) lookup(id string) ([]byte, error) {
	if v == nil {
		return nil, os.ErrNotExist
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.readKey(id)
}

func open(k []byte, sf sealedField, leaf []byte, field string, c Commitment) (any, error) {
	g, err := gcm(k)
	if err != nil {
		return nil, err
	}
	if len(sf.Nonce) != g.NonceSize() {
		return nil, errors.New("bad nonce")
	}
	pt, err := g.Open(nil, sf.Nonce, sf.CT, append(append([]byte{}, leaf...), field...))
	if err != nil {
		return nil, errors.New("decryption failed (the sealed value was changed or belongs to another entry)")
	}
	var p plainField
	if err := json.Unmarshal(pt, &p); err != nil {
		return nil, fmt.Errorf("sealed value: %w", err)
	}
	// re-decode through the strict decoder so the commitment is recomputed
	// from the same canonical value
	raw, _ := json.Marshal(p.Value)
	val, err := decodeJSON(raw)
	if err != nil {
		return nil, fmt.Errorf("sealed value: %w", err)
	}
	got, err := commitment(k, field, p.Salt, val)
	if err != nil {
		return nil, err
	}
	if !hmac.Equal([]byte(got), []byte(c.Commitment)) {
		return nil, errors.New("the sealed value does not match the log's commitment")
	}
	return val, nil
}

// forget deletes every key of subject; it returns how many.
func (v *vault) forget(subject string) (int, error) {
	return v.deleteKeys(func(kf keyFile) bool { return kf.Subject == subject })
}

// prune deletes the keys of the months that ended before cutoff.
func (v *vault) prune(cutoff time.Time) (int, error) {
	return v.deleteKeys(func(kf keyFile) bool {
		start, err := time.Parse("2006-01", kf.Period)
		return err == nil && !start.AddDate(0, 1, 0).After(cutoff)
	})
}

func (v *vault) deleteKeys(match func(keyFile) bool) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	dir := filepath.Join(v.dir, "keys")
	des, err := os.ReadDir(dir)
	if err != nil {
		return 0, fmt.Errorf("private store: %w", err)
	}
	n := 0
	for _, de := range des {
		name := de.Name()
		if !strings.HasSuffix(name, ".json") {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			return n, fmt.Errorf("private store: %w", err)
		}
		var kf keyFile
		if json.Unmarshal(b, &kf) != nil || !match(kf) {
			continue
		}
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			return n, fmt.Errorf("private store: %w", err)
		}
		delete(v.cache, strings.TrimSuffix(name, ".json"))
		n++
	}
	if n > 0 {
		if err := syncDir(dir); err != nil {
			return n, fmt.Errorf("private store: %w", err)
		}
	}
	return n, nil
}

// writeFileSync writes a file atomically (a synced temporary file renamed,
// or linked when exclusive, into place) and syncs its directory, so that a
// crash leaves the old state or the new, never a partial file. Files get
// mode 0600; exclusive refuses to overwrite (os.ErrExist).
func writeFileSync(path string, b []byte, exclusive bool) error {
	return writeFile(path, b, exclusive, true)
}

// writeFile is writeFileSync, with the syncs only when sync is set (the
// caller syncs the file system later, see groupSync).
func writeFile(path string, b []byte, exclusive, sync bool) error {
	dir := filepath.Dir(path)
	f, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if sync {
		if err := f.Sync(); err != nil {
			f.Close()
			return err
		}
	}
	if err := f.Close(); err != nil {
		return err
	}
	if exclusive {
		err = os.Link(tmp, path)
	} else {
		err = os.Rename(tmp, path)
	}
	if err != nil || !sync {
		return err
	}
	return syncDir(dir)
}

// groupSync coalesces file-system syncs: a caller's sync covers what it
// wrote before calling, and callers that arrive while a sync runs share
// the next one.
type groupSync struct {
	mu        sync.Mutex
	cond      *sync.Cond
	requested uint64 // sync requests so far
	done      uint64 // requests covered by a finished sync
	running   bool
	err       error
}

func (g *groupSync) sync(dir string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.cond == nil {
		g.cond = sync.NewCond(&g.mu)
	}
	g.requested++
	my := g.requested
	for g.done < my {
		if g.running {
			g.cond.Wait()
			continue
		}
		g.running = true
		covers := g.requested
		g.mu.Unlock()
		err := syncFS(dir)
		g.mu.Lock()
		g.running, g.done, g.err = false, covers, err
		g.cond.Broadcast()
	}
	return g.err
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}
