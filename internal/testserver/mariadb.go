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

	t    testing.TB
	bin  string // mariadbd
	acct account
	proc *process
}

// StartMariaDB makes a data directory with mariadb-install-db in a new
// temporary directory and starts mariadbd on a free port of 127.0.0.1
// (its socket in that directory). The server is stopped by its pid and
// the directory removed when t ends. Run as root, the server runs as the
// mysql OS user.
func StartMariaDB(t testing.TB) *MariaDB {
	t.Helper()
	m := &MariaDB{t: t}
	install, err := findProgram("mariadb-install-db", "/usr/bin", "/usr/scripts")
	if err != nil {
		unavailable(t, "MariaDB test server", err, "")
	}
	if m.bin, err = findProgram("mariadbd", "/usr/sbin", "/usr/libexec"); err != nil {
		unavailable(t, "MariaDB test server", err, "")
	}
	if m.acct, err = accountFor("mysql"); err != nil {
		unavailable(t, "MariaDB test server", err, "")
	}
	m.Dir = m.acct.makeDir(t, "aiodb-my-")
	m.Port = FreePort(t)
	// Run on every start: the grant for TCP from 127.0.0.1 (root@localhost
	// alone does not match it under skip-name-resolve) and the database.
	initSQL := "CREATE USER IF NOT EXISTS root@'127.0.0.1';\n" +
		"GRANT ALL ON *.* TO root@'127.0.0.1' WITH GRANT OPTION;\n" +
		"CREATE DATABASE IF NOT EXISTS aiodb CHARACTER SET utf8mb4;\n"
	if err := os.WriteFile(filepath.Join(m.Dir, "init.sql"), []byte(initSQL), 0o644); err != nil {
		t.Fatal(err)
	}
	log, err := m.openLog()
	if err != nil {
		t.Fatal(err)
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
		unavailable(t, "mariadb-install-db", err, readLog(m.logPath()))
	}
	t.Cleanup(func() {
		if err := m.stop(syscall.SIGTERM); err != nil {
			t.Errorf("stopping the MariaDB test server: %v", err)
		}
	})
	if err := m.start(); err != nil {
		unavailable(t, "MariaDB test server", err, m.Log())
	}
	return m
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
		// mariadbd refuses to start as root without --user and changes
		// to it itself.
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
func (m *MariaDB) Stop() {
	m.t.Helper()
	if err := m.stop(syscall.SIGTERM); err != nil {
		m.t.Errorf("stopping MariaDB: %v", err)
	}
}

// Crash kills mariadbd (SIGKILL); the next start recovers InnoDB.
func (m *MariaDB) Crash() {
	m.t.Helper()
	if err := m.stop(syscall.SIGKILL); err != nil {
		m.t.Errorf("killing MariaDB: %v", err)
	}
}

// Start starts the stopped server again on the same port and waits until
// it accepts connections; it fails the test, with the log, if it cannot.
func (m *MariaDB) Start() {
	m.t.Helper()
	if m.Pid() != 0 {
		m.t.Fatalf("MariaDB test server already running (pid %d)", m.Pid())
	}
	if err := m.start(); err != nil {
		m.t.Fatalf("starting MariaDB again: %v\n--- server log ---\n%s", err, m.Log())
	}
}

// Restart is Stop then Start.
func (m *MariaDB) Restart() {
	m.t.Helper()
	m.Stop()
	m.Start()
}
