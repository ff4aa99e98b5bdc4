package testserver

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	_ "github.com/go-sql-driver/mysql" // the readiness check
)

// MariaDB is a throwaway MariaDB server, with a database named aiodb and
// root without a password over TCP from 127.0.0.1.
type MariaDB struct {
	Port int
	Dir  string // the data directory is Dir/data, the log Dir/log

	bin  string // mariadbd
	acct account
	proc *process
}

// StartMariaDB is NewMariaDB for one test: the server is closed when t
// ends; when it cannot be made, t is skipped (failed under
// AIODB_REQUIRE_DB=1, with the server's log).
func StartMariaDB(t testing.TB) *MariaDB {
	t.Helper()
	m, err := NewMariaDB()
	if err != nil {
		Unavailable(t, err)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("closing the MariaDB test server: %v", err)
		}
	})
	return m
}

// NewMariaDB makes a data directory with mariadb-install-db in a new
// temporary directory and starts mariadbd on a free port of 127.0.0.1,
// its socket in that directory. Run as root, the server runs as the mysql
// OS user. Close stops it by its pid and removes the directory.
func NewMariaDB() (*MariaDB, error) {
	m := &MariaDB{}
	install, err := findProgram("mariadb-install-db", "/usr/bin", "/usr/scripts")
	if err != nil {
		return nil, startError("MariaDB test server", err, "")
	}
	if m.bin, err = findProgram("mariadbd", "/usr/sbin", "/usr/libexec"); err != nil {
		return nil, startError("MariaDB test server", err, "")
	}
	if m.acct, err = accountFor("mysql"); err != nil {
		return nil, startError("MariaDB test server", err, "")
	}
	if m.Port, err = FreePort(); err != nil {
		return nil, startError("MariaDB test server", err, "")
	}
	if m.Dir, err = m.acct.makeDir("aiodb-my-"); err != nil {
		return nil, startError("MariaDB test server", err, "")
	}
	fail := func(what string, err error) (*MariaDB, error) {
		err = startError(what, err, m.Log())
		m.Close()
		return nil, err
	}
	// Run on every start: the grant for TCP from 127.0.0.1 (root@localhost
	// alone does not match it under skip-name-resolve) and the database.
	initSQL := "CREATE USER IF NOT EXISTS root@'127.0.0.1';\n" +
		"GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;\n" +
		"CREATE DATABASE IF NOT EXISTS aiodb CHARACTER SET utf8mb4;\n"
	if err := os.WriteFile(filepath.Join(m.Dir, "init.sql"), []byte(initSQL), 0o644); err != nil {
		return fail("MariaDB test server", err)
	}
	log, err := m.openLog()
	if err != nil {
		return fail("MariaDB test server", err)
	}
	args := []string{"--no-defaults", "--datadir=" + m.data(), "--auth-root-authentication-method=normal", "--skip-test-db"}
	if m.acct.cred != nil {
		args = append(args, "--user=mysql")
	}
	cmd := m.acct.command(m.Dir, log, install, args...)
	cmd.SysProcAttr.Credential = nil // it changes to --user itself
	err = cmd.Run()
	log.Close()
	if err != nil {
		return fail("mariadb-install-db", err)
	}
	if err := m.start(); err != nil {
		return fail("MariaDB test server", err)
	}
	return m, nil
}

// Close stops the server and removes its directory.
func (m *MariaDB) Close() error {
	err := m.stop(syscall.SIGTERM)
	if rmErr := os.RemoveAll(m.Dir); err == nil {
		err = rmErr
	}
	return err
}

func (m *MariaDB) data() string    { return filepath.Join(m.Dir, "data") }
func (m *MariaDB) logPath() string { return filepath.Join(m.Dir, "log") }

func (m *MariaDB) openLog() (*os.File, error) {
	f, err := os.OpenFile(m.logPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err == nil && m.acct.cred != nil {
		f.Chown(m.acct.uid, m.acct.gid)
	}
	return f, err
}

// Addr is the server's host:port.
func (m *MariaDB) Addr() string { return "127.0.0.1:" + strconv.Itoa(m.Port) }

// DSN is a go-sql-driver/mysql DSN of database aiodb as root.
func (m *MariaDB) DSN() string { return fmt.Sprintf("root@tcp(%s)/aiodb", m.Addr()) }

// Log returns the end of the server's log.
func (m *MariaDB) Log() string { return readLog(m.logPath()) }

// Pid is mariadbd's process id, or 0 when it is stopped.
func (m *MariaDB) Pid() int {
	if m.proc == nil || !m.proc.running() {
		return 0
	}
	return m.proc.Pid()
}

func (m *MariaDB) start() error {
	log, err := m.openLog()
	if err != nil {
		return err
	}
	defer log.Close()
	args := []string{"--no-defaults", "--datadir=" + m.data(), "--port=" + strconv.Itoa(m.Port),
		"--socket=" + filepath.Join(m.Dir, "sock"), "--pid-file=" + filepath.Join(m.Dir, "pid"),
		"--bind-address=127.0.0.1", "--skip-name-resolve", "--init-file=" + filepath.Join(m.Dir, "init.sql"),
		"--innodb-buffer-pool-size=32M", "--innodb-log-file-size=16M", "--innodb-flush-log-at-trx-commit=2",
		"--skip-log-bin", "--max-connections=100", "--log-error=" + m.logPath()}
	cmd := m.acct.command(m.Dir, log, m.bin, args...)
	if m.acct.cred != nil {
		// mariadbd refuses to start as root without --user, and changes
		// to that user itself.
		cmd.SysProcAttr.Credential = nil
		cmd.Args = append(cmd.Args, "--user=mysql")
	}
	proc, err := startProcess(cmd)
	if err != nil {
		return err
	}
	m.proc = proc
	return proc.waitReady(60*time.Second, m.ping)
}

func (m *MariaDB) ping() error {
	db, err := sql.Open("mysql", m.DSN()+"?timeout=2s")
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// stop ends mariadbd with sig (SIGTERM: a normal shutdown; SIGKILL: a
// crash) and waits for it.
func (m *MariaDB) stop(sig syscall.Signal) error {
	if m.proc == nil {
		return nil
	}
	return m.proc.stop(sig, 60*time.Second)
}

// Stop shuts the server down (SIGTERM: connections are closed) and waits
// for it to exit.
func (m *MariaDB) Stop() error { return m.stop(syscall.SIGTERM) }

// Crash kills mariadbd (SIGKILL); the next start recovers InnoDB.
func (m *MariaDB) Crash() error { return m.stop(syscall.SIGKILL) }

// Start starts the stopped server again on the same port and waits until
// it accepts connections; the error has the server's log.
func (m *MariaDB) Start() error {
	if m.Pid() != 0 {
		return fmt.Errorf("MariaDB test server already running (pid %d)", m.Pid())
	}
	if err := m.start(); err != nil {
		return startError("starting MariaDB again", err, m.Log())
	}
	return nil
}

// Restart is Stop then Start.
func (m *MariaDB) Restart() error {
	if err := m.Stop(); err != nil {
		return err
	}
	return m.Start()
}
