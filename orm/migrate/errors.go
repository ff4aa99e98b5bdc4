package migrate

import (
	"errors"
	"fmt"
	"strings"
)

var (
	// ErrDirty is matched (errors.Is) by the error of Up, Down and their
	// variants when a migration failed midway where its statements could
	// not be rolled back (MySQL and MariaDB, whose DDL commits by itself,
	// or a NoTx migration): the database is between two versions, and
	// nothing runs until it is repaired by hand and the version is marked
	// with Force.
	ErrDirty = errors.New("migrate: dirty")
	// ErrChanged is matched when an applied .sql migration's up file is
	// no longer the one that was applied (its SHA-256 differs): edit a new
	// migration instead, or mark the new text applied with Force.
	ErrChanged = errors.New("migrate: applied migration changed")
	// ErrOutOfOrder is matched when a migration is pending below one that
	// is applied (a branch merged late): give it a higher version.
	ErrOutOfOrder = errors.New("migrate: pending migration below an applied one")
	// ErrNoDown is matched when a migration to roll back has no Down.
	ErrNoDown = errors.New("migrate: no down migration")
)

// MigrationError is the error of a migration that failed. Where the
// dialect runs DDL in transactions (PostgreSQL, SQLite) the migration was
// rolled back and is not recorded: the schema is as it was. Otherwise
// (Dirty) what ran before the failed statement stays, and the migration
// is recorded dirty.
type MigrationError struct {
	Version int64
	Name    string
	Down    bool // failed rolling back, not applying
	// Statement is the SQL that failed and Index its number in the
	// migration (1 for the first); "" and 0 when the migration's own code
	// failed outside a statement.
	Statement string
	Index     int
	Dirty     bool
	Err       error
}

func (e *MigrationError) Error() string {
	var b strings.Builder
	dir := "up"
	if e.Down {
		dir = "down"
	}
	fmt.Fprintf(&b, "migrate: migration %d %s (%s) failed", e.Version, e.Name, dir)
	if e.Statement != "" {
		fmt.Fprintf(&b, " at statement %d: %s", e.Index, abbrev(e.Statement, 300))
	}
	fmt.Fprintf(&b, ": %v", e.Err)
	if e.Dirty {
		b.WriteString(" (not rolled back: the database is dirty at this version; repair it by hand, then Force the version)")
	} else {
		b.WriteString(" (rolled back)")
	}
	return b.String()
}

func (e *MigrationError) Unwrap() error { return e.Err }

// Is makes a dirty failure match ErrDirty.
func (e *MigrationError) Is(target error) bool { return target == ErrDirty && e.Dirty }

// statementError is the error of one statement of Tx, which the runner
// turns into a MigrationError.
type statementError struct {
	index int
	sql   string
	err   error
}

func (e *statementError) Error() string {
	return fmt.Sprintf("statement %d: %s: %v", e.index, abbrev(e.sql, 300), e.err)
}

func (e *statementError) Unwrap() error { return e.err }

// abbrev keeps a statement's message short: one line, at most n bytes.
func abbrev(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
