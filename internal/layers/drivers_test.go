package layers

import (
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// The database drivers aiodb wraps, by the import path that links each.
var innerDrivers = map[string]string{
	"lib/pq":              "github.com/lib/pq",
	"pgx":                 "github.com/jackc/pgx/v5",
	"go-sql-driver/mysql": "github.com/go-sql-driver/mysql",
	"modernc.org/sqlite":  "modernc.org/sqlite",
}

// TestDriversLinkedPerImport: a program links the inner drivers of the
// driver packages it imports and no others: the core (driver, aio, orm
// and its dialects, migrations) links none, driver/pg lib/pq alone, and
// so on; driver/all links the four.
func TestDriversLinkedPerImport(t *testing.T) {
	if _, err := exec.LookPath("go"); err != nil {
		t.Skip("no go command")
	}
	const core = module + "orm " + module + "orm/migrate " + module + "aio " + module + "driver"
	for _, c := range []struct {
		imports string
		want    []string
	}{
		{core, nil},
		{core + " " + module + "driver/pg", []string{"lib/pq"}},
		{core + " " + module + "driver/pgx", []string{"pgx"}},
		{core + " " + module + "orm/ormpgx", []string{"pgx"}},
		{core + " " + module + "driver/mysql", []string{"go-sql-driver/mysql"}},
		{core + " " + module + "driver/sqlite", []string{"modernc.org/sqlite"}},
		{module + "driver/all", []string{"go-sql-driver/mysql", "lib/pq", "modernc.org/sqlite", "pgx"}},
	} {
		out, err := exec.Command("go", append([]string{"list", "-deps"}, strings.Fields(c.imports)...)...).Output()
		if err != nil {
			t.Fatalf("go list -deps %s: %v", c.imports, err)
		}
		deps := strings.Fields(string(out))
		var got []string
		for name, path := range innerDrivers {
			if slices.ContainsFunc(deps, func(d string) bool { return d == path || strings.HasPrefix(d, path+"/") }) {
				got = append(got, name)
			}
		}
		slices.Sort(got)
		if !slices.Equal(got, c.want) {
			t.Errorf("go list -deps %s links %v; want %v", strings.TrimPrefix(c.imports, core), got, c.want)
		}
	}
}
