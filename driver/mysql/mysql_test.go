package mysql

import (
	"database/sql"
	"errors"
	"fmt"
	"testing"

	"github.com/go-sql-driver/mysql"

	aiodriver "github.com/aiodb/aiodb/driver"
)

// TestErrorNumbers: the server's answers the wrapper and the ORM act on
// are told apart by number, through wrapping too.
func TestErrorNumbers(t *testing.T) {
	killed := fmt.Errorf("exec: %w", &mysql.MySQLError{Number: 1317, Message: "Query execution was interrupted"})
	for _, c := range []struct {
		err                error
		stale, interrupted bool
		number             int
	}{
		{&mysql.MySQLError{Number: 1615}, true, false, 1615},
		{&mysql.MySQLError{Number: 1243}, true, false, 1243},
		{killed, false, true, 1317},
		{&mysql.MySQLError{Number: 1969}, false, true, 1969},
		{&mysql.MySQLError{Number: 1062}, false, false, 1062},
		{errors.New("1317"), false, false, 0},
	} {
		if got := hasNumber(c.err, 1615, 1243); got != c.stale {
			t.Errorf("stale(%v) = %v", c.err, got)
		}
		if got := hasNumber(c.err, 1317, 1969); got != c.interrupted {
			t.Errorf("interrupted(%v) = %v", c.err, got)
		}
		if n, ok := aiodriver.ErrorNumber(c.err); n != c.number || ok != (c.number != 0) {
			t.Errorf("ErrorNumber(%v) = %d, %v; want %d", c.err, n, ok, c.number)
		}
	}
	if !aiodriver.IsConnLost(fmt.Errorf("read: %w", mysql.ErrInvalidConn)) {
		t.Error("IsConnLost(ErrInvalidConn) = false")
	}
}

// TestRegistered: importing the package registers aiomysql with
// database/sql and with package driver, with the MySQL dialect.
func TestRegistered(t *testing.T) {
	db, err := sql.Open("aiomysql", "root@tcp(127.0.0.1:1)/x")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if d := aiodriver.DialectOf(db.Driver()); d != aiodriver.DialectMySQL {
		t.Fatalf("DialectOf = %q", d)
	}
	if _, err := aiodriver.OpenConnector("aiomysql", "root@tcp(127.0.0.1:1)/x?interpolateParams=true", nil); err != nil {
		t.Fatal(err)
	}
}
