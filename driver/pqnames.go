package driver

import (
	"database/sql/driver"
	"math/rand/v2"
	"reflect"
	"unsafe"
)

// uniquePQNames makes the prepared statements a lib/pq connection names
// unique to it. lib/pq names them "1", "2", ... on every connection, which
// is harmless on a server session of its own but gives wrong data behind a
// pooler that shares server sessions between clients (PgBouncer in
// transaction mode): a cached statement "1" of one client ran another
// client's "1" on the session it landed on, a different query, and its rows
// were read as if they were its own. Starting the counter at a random
// number in [2^40, 2^62) makes a name exist only where its own connection
// prepared it, so a statement that lands elsewhere fails with SQLSTATE
// 26000 ("prepared statement ... does not exist"), a clear error, never
// another query's rows. It is called for connections that keep a
// statement cache; it does nothing to another driver's connection, or when
// lib/pq no longer has the counter (a test in pqnames_test.go then fails).
func uniquePQNames(inner driver.Conn) {
	if f := pqNameCounter(inner); f != nil {
		*f = int(1<<40 + rand.Int64N(1<<62-1<<40))
	}
}

// pqNameCounter returns lib/pq's statement counter (conn.namei) of inner,
// or nil when inner is not a lib/pq connection with one.
func pqNameCounter(inner driver.Conn) *int {
	v := reflect.ValueOf(inner)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return nil
	}
	e := v.Elem()
	if e.Kind() != reflect.Struct || e.Type().PkgPath() != "github.com/lib/pq" || e.Type().Name() != "conn" {
		return nil
	}
	f := e.FieldByName("namei")
	if !f.IsValid() || f.Kind() != reflect.Int {
		return nil
	}
	return (*int)(unsafe.Pointer(f.UnsafeAddr()))
}
