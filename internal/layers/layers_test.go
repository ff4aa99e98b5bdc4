// Package layers holds one test: that imports inside the module run one
// way, from the floors ARCHITECTURE.md draws, so CI fails on an import
// that runs back up.
package layers

import (
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/aiodb/aiodb/"

// floors ranks the module's packages: a package may import only packages
// on lower floors (the standard library and dependencies are not ranked).
// Packages on one floor do not import each other either. A package not
// listed fails the test, so a new one must be given its floor here and in
// ARCHITECTURE.md.
var floors = map[string]int{
	// Helpers with no aiodb imports: the lexer, and the test support
	// (fake driver, leak check, test environment, a stand-in library).
	"internal/sqltext":   0,
	"internal/fakedb":    0,
	"internal/leakcheck": 0,
	"internal/testenv":   0,
	"internal/sqllib":    0,
	"internal/layers":    0,

	"internal/testserver":       1, // starts servers; uses testenv
	"hooks":                     1,
	"driver":                    2,
	"driver/pg":                 3, // each registers one driver
	"driver/pgx":                3,
	"driver/mysql":              3,
	"driver/sqlite":             3,
	"driver/all":                4,
	"aio":                       3,
	"orm/dialect":               4,
	"orm/types":                 4,
	"orm/internal/route":        4,
	"orm/engine":                3, // what an engine implements
	"orm/internal/txn":          4,
	"orm/dialect/pgdialect":     5,
	"orm/dialect/mysqldialect":  5,
	"orm/dialect/sqlitedialect": 5,
	"orm/schema":                5,
	"orm/internal/sqlb":         6,
	"orm/internal/related":      7,
	"orm":                       8,
	"orm/ormtest":               9,
	"orm/ormpgx":                9, // the ORM on a pgx pool
	"orm/migrate":               9,
	"cmd/aiodb":                 10,
	"examples/quickstart":       10,
	"sqlmock_test":              10,
	"reliability":               10,
	"cluster":                   10,
	"cluster/galera":            10,
}

func TestImportsRunOneWay(t *testing.T) {
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	seen := map[string]bool{}
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "benchmarks") {
				return filepath.SkipDir // benchmarks is a module of its own
			}
			// A directory with its own go.mod (contrib/otel,
			// contrib/prometheus) is a module of its own too: its
			// packages are not the core's and have no floor here.
			if path != root {
				if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil {
					return filepath.SkipDir
				}
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		pkg := filepath.ToSlash(rel)
		floor, ok := floors[pkg]
		if !ok {
			t.Errorf("package %s has no floor: add it to floors and to ARCHITECTURE.md", pkg)
			return filepath.SkipDir
		}
		seen[pkg] = true
		// Tests may import what they like: an internal test that
		// imported a higher floor would not compile (a cycle), and an
		// external one (package x_test) stands above everything.
		if strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			p, _ := strconv.Unquote(imp.Path.Value)
			if p == "unsafe" && strings.HasPrefix(pkg, "orm") && pkg != "orm/schema" {
				t.Errorf("%s imports unsafe: the ORM's field access by offset belongs in orm/schema", filepath.ToSlash(rel)+"/"+filepath.Base(path))
			}
			dep, ok := strings.CutPrefix(p, module)
			if !ok || dep == pkg {
				continue
			}
			depFloor, known := floors[dep]
			switch {
			case !known:
				t.Errorf("%s imports %s, which has no floor", filepath.ToSlash(rel)+"/"+filepath.Base(path), dep)
			case depFloor >= floor:
				t.Errorf("%s imports %s, which is on floor %d, not below its own %d: imports run back up", filepath.ToSlash(rel)+"/"+filepath.Base(path), dep, depFloor, floor)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for pkg := range floors {
		if !seen[pkg] {
			t.Errorf("floors lists %s, which has no Go files", pkg)
		}
	}
}
