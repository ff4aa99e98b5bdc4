//go:build unix

package cluster_test

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// stopAbandoned stops the servers of earlier runs whose test binary died
// without stopping them (a panic, a -timeout), which would hold the ports:
// those whose owner.pid names a process that no longer exists.
func stopAbandoned() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), "aiodb-cluster-*"))
	for _, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "owner.pid"))
		if err != nil {
			continue
		}
		pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
		if err != nil || !errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
			continue
		}
		script("pgbouncer.sh", "stop", filepath.Join(dir, "bouncer"))
		script("pg-standby.sh", "stop", filepath.Join(dir, "pg"))
		os.RemoveAll(dir)
	}
}
