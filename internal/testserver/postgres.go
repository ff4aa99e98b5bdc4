package testserver

import (
	"context"
	"database/sql"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"testing"
	"time"

	_ "github.com/lib/pq" // the readiness check
)

// PostgresOptions configure a PostgreSQL test server; the zero value is a
// plain server.
type PostgresOptions struct {
	// Settings are extra "name=value" server settings (postgres -c).
	Settings []string
	// Files are written into the data directory before the first start,
	// owned by the server's user with mode 0600 (server.crt, server.key).
	Files map[string][]byte
}

// Postgres is a throwaway PostgreSQL server.
type Postgres struct {
	Port int
	Dir  string // the data directory is Dir/data, the log Dir/log

	bin  string // the directory of initdb and postgres
	acct account
	opts PostgresOptions
	proc *process
}

// pgBinDirs are where Debian puts PostgreSQL's programs, newest first.
func pgBinDirs() []string {
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[i])))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(dirs[j])))
		return vi > vj
	})
	return dirs
}

// StartPostgres is NewPostgres for one test: the server is closed when t
// ends; when it cannot be made, t is skipped (failed under
// AIODB_REQUIRE_DB=1, with the server's log).
func StartPostgres(t testing.TB, opts *PostgresOptions) *Postgres {
	t.Helper()
	p, err := NewPostgres(opts)
	if err != nil {
		Unavailable(t, err)
	}
	t.Cleanup(func() {
		if err := p.Close(); err != nil {
			t.Errorf("closing the PostgreSQL test server: %v", err)
		}
	})
	return p
}

// NewPostgres makes a cluster with initdb (trust authentication, user
// postgres) in a new temporary directory and starts it on a free port of
// 127.0.0.1, its socket in that directory. Run as root, the server runs as
// the postgres OS user. Close stops it by its pid and removes the
// directory.
func NewPostgres(opts *PostgresOptions) (*Postgres, error) {
	p := &Postgres{}
	if opts != nil {
		p.opts = *opts
	}
	initdb, err := findProgram("initdb", pgBinDirs()...)
	if err != nil {
		return nil, startError("PostgreSQL test server", err, "")
	}
	p.bin = filepath.Dir(initdb)
	if _, err := os.Stat(filepath.Join(p.bin, "postgres")); err != nil {
		// /usr/local/bin/initdb may be a link into the real bin directory.
		if real, err2 := filepath.EvalSymlinks(initdb); err2 == nil {
			p.bin = filepath.Dir(real)
		}
	}
	if p.acct, err = accountFor("postgres"); err != nil {
		return nil, startError("PostgreSQL test server", err, "")
	}
	if p.Port, err = FreePort(); err != nil {
		return nil, startError("PostgreSQL test server", err, "")
	}
	if p.Dir, err = p.acct.makeDir("aiodb-pg-"); err != nil {
		return nil, startError("PostgreSQL test server", err, "")
	}
	fail := func(what string, err error) (*Postgres, error) {
		err = startError(what, err, p.Log())
		p.Close()
		return nil, err
	}
	log, err := p.openLog()
	if err != nil {
		return fail("PostgreSQL test server", err)
	}
	cmd := p.acct.command(p.Dir, log, initdb, "-D", p.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-sync", "--no-instructions")
	err = cmd.Run()
	log.Close()
	if err != nil {
		return fail("initdb", err)
	}
	for name, b := range p.opts.Files {
		path := filepath.Join(p.data(), name)
		if err := os.WriteFile(path, b, 0o600); err != nil {
			return fail("PostgreSQL test server", err)
		}
		if p.acct.cred != nil {
			if err := os.Chown(path, p.acct.uid, p.acct.gid); err != nil {
				return fail("PostgreSQL test server", err)
			}
		}
	}
	if err := p.start(); err != nil {
		return fail("PostgreSQL test server", err)
	}
	return p, nil
}

// Close stops the server (fast shutdown) and removes its directory.
func (p *Postgres) Close() error {
	err := p.stop(syscall.SIGINT)
	if rmErr := os.RemoveAll(p.Dir); err == nil {
		err = rmErr
	}
	return err
}

func (p *Postgres) data() string    { return filepath.Join(p.Dir, "data") }
func (p *Postgres) logPath() string { return filepath.Join(p.Dir, "log") }

func (p *Postgres) openLog() (*os.File, error) {
	f, err := os.OpenFile(p.logPath(), os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err == nil && p.acct.cred != nil {
		f.Chown(p.acct.uid, p.acct.gid)
	}
	return f, err
}

// Addr is the server's host:port.
func (p *Postgres) Addr() string { return "127.0.0.1:" + strconv.Itoa(p.Port) }

// DSN is a lib/pq and pgx URL DSN of database postgres as user postgres,
// without TLS.
func (p *Postgres) DSN() string {
	return fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", p.Addr())
}

// Log returns the end of the server's log.
func (p *Postgres) Log() string { return readLog(p.logPath()) }

// Pid is the postmaster's process id, or 0 when it is stopped.
func (p *Postgres) Pid() int {
	if p.proc == nil || !p.proc.running() {
		return 0
	}
	return p.proc.Pid()
}

func (p *Postgres) start() error {
	log, err := p.openLog()
	if err != nil {
		return err
	}
	defer log.Close()
	args := []string{"-D", p.data(), "-p", strconv.Itoa(p.Port), "-k", p.Dir,
		"-c", "listen_addresses=127.0.0.1", "-c", "fsync=off", "-c", "full_page_writes=off",
		"-c", "shared_buffers=16MB", "-c", "max_connections=80"}
	for _, s := range p.opts.Settings {
		args = append(args, "-c", s)
	}
	proc, err := startProcess(p.acct.command(p.Dir, log, filepath.Join(p.bin, "postgres"), args...))
	if err != nil {
		return err
	}
	p.proc = proc
	return proc.waitReady(60*time.Second, p.ping)
}

// ping connects and runs SELECT 1 (without TLS: the readiness check).
func (p *Postgres) ping() error {
	db, err := sql.Open("postgres", p.DSN()+"&connect_timeout=2")
	if err != nil {
		return err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	return db.PingContext(ctx)
}

// stop ends the postmaster with sig (SIGINT: fast shutdown, sessions are
// ended; SIGQUIT: immediate) and waits for it.
func (p *Postgres) stop(sig syscall.Signal) error {
	if p.proc == nil {
		return nil
	}
	return p.proc.stop(sig, 30*time.Second)
}

// Stop shuts the server down fast (every session ended, as a restart
// does) and waits for it to exit.
func (p *Postgres) Stop() error { return p.stop(syscall.SIGINT) }

// Crash ends the server at once, without a checkpoint (immediate
// shutdown, SIGQUIT: every backend exits on the spot and the next start
// recovers from the WAL), as a crash would.
func (p *Postgres) Crash() error { return p.stop(syscall.SIGQUIT) }

// Start starts the stopped server again on the same port and waits until
// it accepts connections; the error has the server's log.
func (p *Postgres) Start() error {
	if p.Pid() != 0 {
		return fmt.Errorf("PostgreSQL test server already running (pid %d)", p.Pid())
	}
	if err := p.start(); err != nil {
		return startError("starting PostgreSQL again", err, p.Log())
	}
	return nil
}

// Restart is Stop then Start.
func (p *Postgres) Restart() error {
	if err := p.Stop(); err != nil {
		return err
	}
	return p.Start()
}

// NewPostgresReplica makes a streaming replica of primary: a base backup
// taken with pg_basebackup -R (which writes standby.signal and the
// primary's connection string) in a new temporary directory, started on
// a free port. It answers reads (hot standby) and follows the primary's
// writes. Close stops it and removes its directory.
func NewPostgresReplica(primary *Postgres) (*Postgres, error) {
	basebackup, err := findProgram("pg_basebackup", primary.bin)
	if err != nil {
		return nil, startError("PostgreSQL replica", err, "")
	}
	r := &Postgres{bin: primary.bin, acct: primary.acct}
	if r.Port, err = FreePort(); err != nil {
		return nil, startError("PostgreSQL replica", err, "")
	}
	if r.Dir, err = r.acct.makeDir("aiodb-pgr-"); err != nil {
		return nil, startError("PostgreSQL replica", err, "")
	}
	log, err := r.openLog()
	if err != nil {
		r.Close()
		return nil, startError("PostgreSQL replica", err, "")
	}
	cmd := r.acct.command(r.Dir, log, basebackup, "-h", "127.0.0.1", "-p", strconv.Itoa(primary.Port), "-U", "postgres",
		"-D", r.data(), "-R", "-X", "stream", "--no-sync")
	err = cmd.Run()
	log.Close()
	if err != nil {
		err = startError("pg_basebackup", err, r.Log())
		r.Close()
		return nil, err
	}
	if err := r.start(); err != nil {
		err = startError("PostgreSQL replica", err, r.Log())
		r.Close()
		return nil, err
	}
	return r, nil
}

// StartPostgresReplica is NewPostgresReplica for one test (see
// StartPostgres).
func StartPostgresReplica(t testing.TB, primary *Postgres) *Postgres {
	t.Helper()
	r, err := NewPostgresReplica(primary)
	if err != nil {
		Unavailable(t, err)
	}
	t.Cleanup(func() {
		if err := r.Close(); err != nil {
			t.Errorf("closing the PostgreSQL replica: %v", err)
		}
	})
	return r
}
