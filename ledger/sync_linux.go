package ledger

import (
	"os"

	"golang.org/x/sys/unix"
)

// syncFS flushes the file system that holds dir (syncfs(2)).
func syncFS(dir string) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer f.Close()
	return unix.Syncfs(int(f.Fd()))
}

// lockFile takes an exclusive lock on the open file f without waiting
// (flock(2)); it fails when another process holds it.
func lockFile(f *os.File) error { return unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB) }
