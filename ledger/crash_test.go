package ledger

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/aiassure/aiassure/lineage"
)

// The crash test runs the ledger's HTTP server in a child process (this
// test binary, re-executed), appends from many clients at once, kills the
// child with SIGKILL at a random moment, restarts it, and at the end checks
// that every acknowledged entry is in the log at its index and that the
// whole tree verifies.

const crashEnv = "AIASSURE_LEDGER_CRASH_CHILD"

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	code := m.Run()
	stopMySQL()
	os.Exit(code)
}

// crashChild serves the ledger in dir on loopback without authentication
// and writes its address to dir/addr.
func crashChild(dir string) int {
	s, err := lineage.LoadSigner(filepath.Join(dir, "..", "key.pem"))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	l, err := Open(context.Background(), dir, Options{Signer: s})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := writeFileSync(filepath.Join(dir, "..", "addr"), []byte(ln.Addr().String()), false); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	http.Serve(ln, Handler(l, ServerOptions{}))
	return 0
}

type ack struct {
	index uint64
	leaf  string
}

func TestCrashRecovery(t *testing.T) { forDrivers(t, testCrashRecovery) }

func testCrashRecovery(t *testing.T, driver string) {
	rounds, clients := 4, 16
	if testing.Short() {
		rounds = 2
	}
	root := t.TempDir()
	dir := filepath.Join(root, "ledger")
	cfg := withDriver(t, Config{Origin: "crash.example/ledger", Driver: driver})
	if err := Init(context.Background(), dir, cfg); err != nil {
		t.Fatal(err)
	}
	s, err := lineage.GenerateKey(lineage.KeyEd25519)
	if err != nil {
		t.Fatal(err)
	}
	pemKey, _ := s.MarshalPrivateKey()
	os.WriteFile(filepath.Join(root, "key.pem"), pemKey, 0o600)
	pemPub, _ := s.Verifier().MarshalPublicKey()
	key, _ := ParsePublicKey(pemPub)

	rng := rand.New(rand.NewPCG(7, 11))
	var mu sync.Mutex
	var acks []ack
	seq := 0
	for round := range rounds {
		os.Remove(filepath.Join(root, "addr"))
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = append(os.Environ(), crashEnv+"="+dir)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		addr := waitAddr(t, filepath.Join(root, "addr"), cmd, &stderr)
		stop := make(chan struct{})
		var wg sync.WaitGroup
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				cl := &http.Client{Timeout: 5 * time.Second}
				for i := 0; ; i++ {
					select {
					case <-stop:
						return
					default:
					}
					mu.Lock()
					seq++
					body := event(seq)
					mu.Unlock()
					resp, err := cl.Post("http://"+addr+"/v1/events", "application/json", strings.NewReader(body))
					if err != nil {
						continue // killed: no acknowledgement
					}
					var rc Receipt
					err = json.NewDecoder(resp.Body).Decode(&rc)
					resp.Body.Close()
					if err == nil && resp.StatusCode == http.StatusOK {
						mu.Lock()
						acks = append(acks, ack{rc.Index, rc.LeafHash})
						mu.Unlock()
					} else if resp.StatusCode != http.StatusOK {
						t.Errorf("client %d: HTTP %d", c, resp.StatusCode)
					}
				}
			}()
		}
		wait := time.Duration(200+rng.IntN(600)) * time.Millisecond
		if driver == DriverMySQL {
			wait += 2500 * time.Millisecond // its checkpoints come every 1 to 2 s
		}
		time.Sleep(wait)
		cmd.Process.Signal(syscall.SIGKILL)
		cmd.Wait()
		close(stop)
		wg.Wait()
		mu.Lock()
		t.Logf("round %d: %d acknowledged so far", round, len(acks))
		mu.Unlock()
	}
	if len(acks) == 0 {
		t.Fatal("no append was acknowledged")
	}
	// a last start publishes what the killed one integrated; acknowledged
	// entries were covered by a checkpoint already
	p, err := NewProver(context.Background(), dir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[uint64]bool{}
	for _, a := range acks {
		if seen[a.index] {
			t.Fatalf("index %d acknowledged twice", a.index)
		}
		seen[a.index] = true
		data, err := p.Entry(context.Background(), a.index)
		if err != nil {
			t.Fatalf("acknowledged entry %d lost: %v", a.index, err)
		}
		if got := fmt.Sprintf("%x", LeafHash(data)); got != a.leaf {
			t.Fatalf("acknowledged entry %d: leaf %s, acknowledged %s", a.index, got, a.leaf)
		}
	}
	rep, err := Verify(context.Background(), dir, key, VerifyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("after %d crashes: %v", rounds, rep.Problems)
	}
	t.Logf("%d acknowledged, %d in the log, %d checkpoints checked", len(acks), rep.Size, rep.Checkpoints)
}

func waitAddr(t *testing.T, p string, cmd *exec.Cmd, stderr *bytes.Buffer) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(p); err == nil && len(b) > 0 {
			return string(b)
		}
		if cmd.ProcessState != nil {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	cmd.Process.Kill()
	t.Fatalf("the server did not start: %s", stderr.String())
	return ""
}
