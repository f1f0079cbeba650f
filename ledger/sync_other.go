//go:build !linux

package ledger

import (
	"os"
	"syscall"
)

// syncFS flushes the file systems (sync(2): no syncfs here).
func syncFS(string) error {
	syscall.Sync()
	return nil
}

// lockFile takes an exclusive lock on the open file f without waiting
// (flock(2)); it fails when another process holds it.
func lockFile(f *os.File) error { return syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB) }
