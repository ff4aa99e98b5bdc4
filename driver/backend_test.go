package driver

import (
	"strings"
	"testing"
)

// TestOpenConnectorNamesThePackageToImport: a driver whose package was
// not imported fails with the import that registers it; an unknown name
// lists the known ones.
func TestOpenConnectorNamesThePackageToImport(t *testing.T) {
	backends.Lock()
	saved := backends.m["aiopg"]
	delete(backends.m, "aiopg")
	backends.Unlock()
	defer func() {
		backends.Lock()
		backends.m["aiopg"] = saved
		backends.Unlock()
	}()
	_, err := OpenConnector("aiopg", "postgres://u@127.0.0.1/db", nil)
	if err == nil || !strings.Contains(err.Error(), `import _ "github.com/aiodb/aiodb/driver/pg"`) {
		t.Fatalf("OpenConnector(aiopg) unregistered: %v; want the import of driver/pg", err)
	}
	_, err = OpenConnector("aiopostgres", "", nil)
	if err == nil || !strings.Contains(err.Error(), `unknown driver "aiopostgres" (want one of aiomysql, aiopg, aiopgx, aiosqlite)`) {
		t.Fatalf("OpenConnector(aiopostgres): %v; want the known names", err)
	}
}

// TestRegisterRefusesBadBackends: a Backend without a name or driver, or
// a name registered twice, panics as sql.Register does.
func TestRegisterRefusesBadBackends(t *testing.T) {
	for name, b := range map[string]Backend{
		"no name":   {Driver: stubDriver{}},
		"no driver": {Name: "aiotest-nodriver"},
		"twice":     {Name: "aiosqlite", Driver: stubDriver{}},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: Register did not panic", name)
				}
			}()
			Register(b)
		}()
	}
}
