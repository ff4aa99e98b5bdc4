package testenv

import (
	"slices"
	"testing"
)

func TestBackendsNamesUnique(t *testing.T) {
	seen := map[string]bool{}
	for _, b := range Backends() {
		if b.Name == "" || b.Driver == "" || b.Server == "" || b.DSN == nil {
			t.Errorf("incomplete backend %+v", b)
		}
		if seen[b.Name] {
			t.Errorf("two backends named %q: subtest names would clash", b.Name)
		}
		seen[b.Name] = true
	}
}

func names(bs []Backend) []string {
	var out []string
	for _, b := range bs {
		out = append(out, b.Name)
	}
	return out
}

func TestSelectBackends(t *testing.T) {
	for _, c := range []struct {
		filters []Filter
		want    []string
	}{
		{nil, []string{"aiosqlite", "aiopg", "aiopgx", "aiomysql", "aiomysql-mariadb"}},
		{[]Filter{OnServer(Postgres)}, []string{"aiopg", "aiopgx"}},
		{[]Filter{NoVariants}, []string{"aiosqlite", "aiopg", "aiopgx", "aiomysql"}},
		{[]Filter{OnServer(MySQL), NoVariants}, []string{"aiomysql"}},
		{[]Filter{Named("aiopgx", "aiosqlite")}, []string{"aiosqlite", "aiopgx"}},
	} {
		if got := names(SelectBackends(c.filters...)); !slices.Equal(got, c.want) {
			t.Errorf("SelectBackends(%d filters) = %v, want %v", len(c.filters), got, c.want)
		}
	}
}

func TestEachBackendNamesSubtests(t *testing.T) {
	var ran []string
	EachBackend(t, func(t *testing.T, b Backend) {
		if want := "TestEachBackendNamesSubtests/" + b.Name; t.Name() != want {
			t.Errorf("subtest %q, want %q", t.Name(), want)
		}
		ran = append(ran, b.Name)
	}, OnServer(SQLite))
	if !slices.Equal(ran, []string{"aiosqlite"}) {
		t.Errorf("ran %v", ran)
	}
}

func TestWithOptions(t *testing.T) {
	for _, c := range []struct{ dsn, opts, want string }{
		{"postgres://u@h/db", "a=1", "postgres://u@h/db?a=1"},
		{"postgres://u@h/db?sslmode=disable", "a=1&b=2", "postgres://u@h/db?sslmode=disable&a=1&b=2"},
		{"host=h dbname=db", "a=1&b=2", "host=h dbname=db a=1 b=2"},
		{"root@tcp(127.0.0.1:3306)/test", "parseTime=true", "root@tcp(127.0.0.1:3306)/test?parseTime=true"},
		{"tcp(h)/db?x=y", "parseTime=true", "tcp(h)/db?x=y&parseTime=true"},
		{"file:/tmp/x.db", "aio_sync=error", "file:/tmp/x.db?aio_sync=error"},
		{"file:/tmp/x.db", "", "file:/tmp/x.db"},
	} {
		if got := WithOptions(c.dsn, c.opts); got != c.want {
			t.Errorf("WithOptions(%q, %q) = %q, want %q", c.dsn, c.opts, got, c.want)
		}
	}
}
