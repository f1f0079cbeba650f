//go:build !linux

package ledger

import "syscall"

// syncFS flushes the file systems (sync(2): no syncfs here).
func syncFS(string) error {
	syscall.Sync()
	return nil
}
