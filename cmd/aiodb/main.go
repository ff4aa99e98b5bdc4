// Command aiodb runs aiodb's versioned migrations from a directory of
// .sql files:
//
//	go run github.com/aiodb/aiodb/cmd/aiodb migrate up     -driver aiopgx -dsn "$DSN" -dir migrations
//	go run github.com/aiodb/aiodb/cmd/aiodb migrate down   -driver aiopgx -dsn "$DSN" [-steps 1 | -to VERSION | -all]
//	go run github.com/aiodb/aiodb/cmd/aiodb migrate status -driver aiopgx -dsn "$DSN"
//	go run github.com/aiodb/aiodb/cmd/aiodb migrate diff   -driver aiopgx -dsn "$DSN"
//	go run github.com/aiodb/aiodb/cmd/aiodb migrate force  -driver aiopgx -dsn "$DSN" [-unapplied] VERSION
//
// The files are named as package migrate's FromFS reads them
// (0001_create_pages.up.sql, 0001_create_pages.down.sql). The driver is
// aiopg, aiopgx, aiomysql or aiosqlite; -dsn may come from AIODB_DSN.
//
// diff prints the statements up would run (a dry run). The command knows
// no models, so it cannot compare them with the database: call
// migrate.Diff from a program that registers them.
//
// force repairs the record of a migration after a failure that left the
// database dirty (MySQL and MariaDB, whose DDL is not transactional):
// repair the schema by hand, then force VERSION if the migration's changes
// are all in place, or force -unapplied VERSION if none are.
//
// Exit status: 0 on success, 1 when the migration or the database fails,
// 2 for a wrong command line.
package main

import (
	"context"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/aiodb/aiodb/aio"
	_ "github.com/aiodb/aiodb/driver/all" // --driver takes any of them
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/migrate"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

const usage = `usage: aiodb migrate up|down|status|diff|force -driver DRIVER -dsn DSN [-dir DIR] [flags]
run "aiodb migrate up -h" for the flags`

// errUsage marks a wrong command line (exit status 2).
var errUsage = errors.New("usage")

func run(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	err := migrateCmd(ctx, args, stdout, stderr)
	switch {
	case err == nil:
		return 0
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errUsage):
		fmt.Fprintln(stderr, "aiodb:", strings.TrimPrefix(err.Error(), "usage: "))
		fmt.Fprintln(stderr, usage)
		return 2
	}
	fmt.Fprintln(stderr, "aiodb:", err)
	return 1
}

func usageErr(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errUsage}, args...)...)
}

func migrateCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "migrate" {
		return usageErr("the command is migrate")
	}
	if len(args) < 2 {
		return usageErr("migrate needs a subcommand")
	}
	sub := args[1]
	fs := flag.NewFlagSet("aiodb migrate "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	driverName := fs.String("driver", "", "the aiodb driver: aiopg, aiopgx, aiomysql or aiosqlite")
	dsn := fs.String("dsn", os.Getenv("AIODB_DSN"), "the database's DSN (default $AIODB_DSN)")
	dir := fs.String("dir", "migrations", "the directory of the .sql migrations")
	table := fs.String("table", migrate.DefaultTable, "the table that records the applied migrations")
	steps := fs.Int("steps", 1, "down: how many migrations to roll back")
	to := fs.Int64("to", -1, "up: apply up to this version; down: roll back the migrations above it")
	all := fs.Bool("all", false, "down: roll back every migration")
	unapplied := fs.Bool("unapplied", false, "force: record VERSION as not applied (remove its record)")
	timeout := fs.Duration("timeout", 0, "give up after this long (0: never)")
	if err := fs.Parse(args[2:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageErr("%v", err)
	}
	switch sub {
	case "up", "down", "status", "diff", "force":
	default:
		return usageErr("unknown subcommand %q (want up, down, status, diff or force)", sub)
	}
	var forced int64
	if sub == "force" {
		if fs.NArg() != 1 {
			return usageErr("force needs one VERSION")
		}
		v, err := strconv.ParseInt(fs.Arg(0), 10, 64)
		if err != nil || v <= 0 {
			return usageErr("force: %q is not a version", fs.Arg(0))
		}
		forced = v
	} else if fs.NArg() != 0 {
		return usageErr("unexpected arguments %q", fs.Args())
	}
	if *timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, *timeout)
		defer cancel()
	}

	db, err := connect(ctx, *driverName, *dsn)
	if err != nil {
		return err
	}
	defer db.Close()
	m, err := migrate.New(db, migrate.Table(*table))
	if err != nil {
		return err
	}
	if err := m.AddFS(os.DirFS(*dir), "."); err != nil {
		return fmt.Errorf("reading -dir %s: %w", *dir, err)
	}

	switch sub {
	case "up":
		target := int64(1<<63 - 1)
		if *to >= 0 {
			target = *to
		}
		done, err := m.UpTo(ctx, target)
		report(stdout, "applied", done)
		return explain(err, *driverName)
	case "down":
		var done []migrate.Migration
		switch {
		case *all:
			done, err = m.DownTo(ctx, 0)
		case *to >= 0:
			done, err = m.DownTo(ctx, *to)
		default:
			done, err = m.Down(ctx, *steps)
		}
		report(stdout, "rolled back", done)
		return explain(err, *driverName)
	case "status":
		st, err := m.Status(ctx)
		if err != nil {
			return err
		}
		for _, s := range st {
			fmt.Fprintln(stdout, s)
		}
		return nil
	case "diff":
		return diff(ctx, m, *dir, stdout)
	default: // force
		if err := m.Force(ctx, forced, !*unapplied); err != nil {
			return err
		}
		state := "applied"
		if *unapplied {
			state = "not applied"
		}
		fmt.Fprintf(stdout, "version %d recorded as %s\n", forced, state)
		return nil
	}
}

// connect opens and pings the database, so that a wrong DSN is reported
// as such rather than by the first migration.
func connect(ctx context.Context, driverName, dsn string) (*orm.DB, error) {
	if driverName == "" {
		return nil, usageErr("-driver is required (aiopg, aiopgx, aiomysql or aiosqlite)")
	}
	var known []string
	for _, d := range sql.Drivers() {
		if strings.HasPrefix(d, "aio") {
			known = append(known, d)
		}
	}
	if !slices.Contains(known, driverName) {
		return nil, usageErr("unknown driver %q (want one of %s)", driverName, strings.Join(known, ", "))
	}
	if dsn == "" {
		return nil, usageErr("-dsn is required (or set AIODB_DSN)")
	}
	db, err := orm.Open(driverName, dsn)
	if err != nil {
		// The DSN is not repeated: it may hold a password.
		return nil, fmt.Errorf("bad -dsn for %s: %w", driverName, err)
	}
	pctx, cancel := context.WithTimeout(aio.AllowSync(ctx), 15*time.Second)
	defer cancel()
	if err := db.SQLDB().PingContext(pctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot connect with -driver %s and the -dsn given: %w", driverName, err)
	}
	return db, nil
}

func report(w io.Writer, what string, ms []migrate.Migration) {
	for _, m := range ms {
		fmt.Fprintf(w, "%s %d %s\n", what, m.Version, m.Name)
	}
	if len(ms) == 0 {
		fmt.Fprintf(w, "nothing %s\n", what)
	}
}

// explain adds to a dirty state's error what to do about it.
func explain(err error, driverName string) error {
	if errors.Is(err, migrate.ErrDirty) {
		return fmt.Errorf("%w\nonce repaired: aiodb migrate force -driver %s -dsn ... VERSION (or force -unapplied VERSION)", err, driverName)
	}
	return err
}

// diff prints what up would run: each pending migration and its
// statements.
func diff(ctx context.Context, m *migrate.Migrator, dir string, w io.Writer) error {
	st, err := m.Status(ctx)
	if err != nil {
		return err
	}
	sources := map[int64]string{}
	for _, mig := range m.Migrations() {
		sources[mig.Version] = mig.Source
	}
	pending := 0
	for _, s := range st {
		switch {
		case s.Dirty:
			return fmt.Errorf("%w: migration %d %s; see force", migrate.ErrDirty, s.Version, s.Name)
		case s.Changed:
			fmt.Fprintf(w, "-- %d %s: CHANGED since it was applied\n", s.Version, s.Name)
		}
		if s.Applied || s.Missing {
			continue
		}
		pending++
		text, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(sources[s.Version])))
		if err != nil {
			return err
		}
		stmts, err := migrate.SplitSQL(m.Dialect(), string(text))
		if err != nil {
			return fmt.Errorf("migration %d %s: %w", s.Version, s.Name, err)
		}
		fmt.Fprintf(w, "-- %d %s (%s)\n", s.Version, s.Name, sources[s.Version])
		for _, s := range stmts {
			fmt.Fprintf(w, "%s;\n", s)
		}
	}
	if pending == 0 {
		fmt.Fprintln(w, "-- no pending migrations")
	}
	return nil
}
