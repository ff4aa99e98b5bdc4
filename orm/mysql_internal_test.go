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
		if got := mysqlDSN("aiomysql", c.in); got != c.want {
			t.Errorf("mysqlDSN(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	if got := mysqlDSN("aiopg", "postgres://x/y?loc=Local"); got != "postgres://x/y?loc=Local" {
		t.Errorf("aiopg DSN changed: %q", got)
	}
}

// TestParseMySQLVersion: RETURNING is MariaDB 10.5 and later only,
// whatever the version string's decorations.
func TestParseMySQLVersion(t *testing.T) {
	for v, want := range map[string]bool{
		"10.11.6-MariaDB-0+deb12u1": true,
		"10.5.0-MariaDB":            true,
		"10.4.32-MariaDB-log":       false,
		"5.5.5-10.6.12-MariaDB":     true,
		"11.4.2-MariaDB":            true,
		"8.0.36":                    false,
		"9.1.0-commercial":          false,
		"":                          false,
	} {
		s := parseMySQLVersion(v)
		if s.returning != want || s.mariaDB != (v != "" && v[0] != '8' && v[0] != '9') {
			t.Errorf("%q: returning %v, mariaDB %v; want returning %v", v, s.returning, s.mariaDB, want)
		}
	}
}
