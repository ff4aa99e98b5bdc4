package orm

import "testing"

// TestMySQLDSN: orm.Open's aiomysql DSN gets loc=UTC in place of any loc,
// and parseTime=true unless the user set parseTime; the other
// parameters, a password with '?' and '/', and other drivers' DSNs are
// left alone.
func TestMySQLDSN(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"root@tcp(127.0.0.1:3306)/test", "root@tcp(127.0.0.1:3306)/test?loc=UTC&parseTime=true"},
		{"root@tcp(127.0.0.1:3306)/test?parseTime=false&loc=Local", "root@tcp(127.0.0.1:3306)/test?parseTime=false&loc=UTC"},
		{"u:p?a/s@tcp(h)/db?interpolateParams=true&loc=America%2FNew_York&aio_sync=panic", "u:p?a/s@tcp(h)/db?interpolateParams=true&aio_sync=panic&loc=UTC&parseTime=true"},
		{"/db?", "/db?loc=UTC&parseTime=true"},
	} {
		if got := openDSN("aiomysql", c.in); got != c.want {
			t.Errorf("openDSN(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := openDSN("aiopg", "postgres://x/y?loc=Local"); got != "postgres://x/y?loc=Local" {
		t.Errorf("aiopg DSN changed: %q", got)
	}
}
