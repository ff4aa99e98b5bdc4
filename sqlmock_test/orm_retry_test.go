package sqlmock_test

import (
	"context"
	"database/sql/driver"
	"errors"
	"testing"
	"time"

	"github.com/DATA-DOG/go-sqlmock"
	"github.com/go-sql-driver/mysql"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/lib/pq"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect/mysqldialect"
	"github.com/aiodb/aiodb/orm/dialect/pgdialect"
)

// rename returns fn's statement and args: one UPDATE of authors.
func rename(t *testing.T, a *orm.Model[ormAuthor]) (string, []driver.Value, func(ctx context.Context) error) {
	t.Helper()
	q := func() *orm.UpdateQuery[ormAuthor] { return a.Update().Set("name", "x").Where(orm.Eq("id", 1)) }
	query, args, err := q().SQL()
	if err != nil {
		t.Fatal(err)
	}
	vals := make([]driver.Value, len(args))
	for i, v := range args {
		vals[i] = v
	}
	return query, vals, func(ctx context.Context) error {
		_, err := q().Exec(ctx)
		return err
	}
}

// TestORMRetryOnConflictErrors: each dialect's conflict error, at a
// statement or at COMMIT, starts the transaction over; attempts are
// reported through OnRetry and TxAttempt.
func TestORMRetryOnConflictErrors(t *testing.T) {
	cases := []struct {
		name     string
		d        *orm.Dialect
		conflict error
		atCommit bool
	}{
		{"postgres serialization failure at COMMIT (lib/pq)", pgdialect.New(), &pq.Error{Code: "40001", Message: "could not serialize access"}, true},
		{"postgres deadlock (pgx)", pgdialect.New(), &pgconn.PgError{Code: "40P01", Message: "deadlock detected"}, false},
		{"mysql deadlock", mysqldialect.New(), &mysql.MySQLError{Number: 1213, Message: "Deadlock found"}, false},
		{"mariadb lock wait timeout", mysqldialect.MariaDB(), &mysql.MySQLError{Number: 1205, Message: "Lock wait timeout exceeded"}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			db, mock := ormOpen(t, c.d)
			a, _ := ormModels(t, db)
			query, args, fn := rename(t, a)
			mock.ExpectBegin()
			if c.atCommit {
				mock.ExpectExec(query).WithArgs(args...).WillReturnResult(sqlmock.NewResult(0, 1))
				mock.ExpectCommit().WillReturnError(c.conflict)
			} else {
				mock.ExpectExec(query).WithArgs(args...).WillReturnError(c.conflict)
				mock.ExpectRollback()
			}
			mock.ExpectBegin()
			mock.ExpectExec(query).WithArgs(args...).WillReturnResult(sqlmock.NewResult(0, 1))
			mock.ExpectCommit()

			var seen []error
			var attempts []int
			err := db.Atomic(aio.AllowSync(context.Background()), func(ctx context.Context) error {
				attempts = append(attempts, orm.TxAttempt(ctx))
				return fn(ctx)
			}, orm.Retry(orm.RetryPolicy{BaseDelay: time.Microsecond, OnRetry: func(_ int, err error) { seen = append(seen, err) }}))
			if err != nil {
				t.Fatalf("Atomic: %v", err)
			}
			if len(seen) != 1 || !errors.Is(seen[0], c.conflict) {
				t.Fatalf("OnRetry saw %v, want the conflict once", seen)
			}
			if len(attempts) != 2 || attempts[0] != 1 || attempts[1] != 2 {
				t.Fatalf("TxAttempt per run = %v, want [1 2]", attempts)
			}
		})
	}
}

// TestORMRetryNotOnOtherErrors: an integrity violation is not a conflict:
// one attempt, the error as Atomic always returned it.
func TestORMRetryNotOnOtherErrors(t *testing.T) {
	db, mock := ormOpen(t, pgdialect.New())
	a, _ := ormModels(t, db)
	query, args, fn := rename(t, a)
	mock.ExpectBegin()
	mock.ExpectExec(query).WithArgs(args...).WillReturnError(&pq.Error{Code: "23505", Message: "duplicate key"})
	mock.ExpectRollback()
	calls := 0
	err := db.Atomic(aio.AllowSync(context.Background()), func(ctx context.Context) error {
		calls++
		return fn(ctx)
	}, orm.Retry(orm.RetryPolicy{}))
	var re *orm.RetryError
	if !errors.Is(err, orm.ErrIntegrity) || errors.As(err, &re) || calls != 1 {
		t.Fatalf("err = %v after %d calls; want ErrIntegrity, not a RetryError, after 1", err, calls)
	}
}

// TestORMRetryExhausted: the last conflict comes back in a *RetryError
// through which the driver's error is still reachable.
func TestORMRetryExhausted(t *testing.T) {
	db, mock := ormOpen(t, mysqldialect.New())
	a, _ := ormModels(t, db)
	query, args, fn := rename(t, a)
	for range 2 {
		mock.ExpectBegin()
		mock.ExpectExec(query).WithArgs(args...).WillReturnError(&mysql.MySQLError{Number: 1213, Message: "Deadlock found"})
		mock.ExpectRollback()
	}
	err := db.Transaction(aio.AllowSync(context.Background()), fn,
		orm.Retry(orm.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Microsecond}))
	var re *orm.RetryError
	var me *mysql.MySQLError
	if !errors.As(err, &re) || re.Attempts != 2 || !errors.As(err, &me) || me.Number != 1213 {
		t.Fatalf("err = %v, want a *RetryError of 2 attempts wrapping MySQL error 1213", err)
	}
}
