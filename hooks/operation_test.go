package hooks_test

import (
	"testing"

	"github.com/aiodb/aiodb/hooks"
)

func TestOperation(t *testing.T) {
	for q, want := range map[string]string{
		"select 1":                             "SELECT",
		"  -- note\n/* c */ (SELECT 1)":        "SELECT",
		"# mysql\ninsert into t values (1)":    "INSERT",
		"with x as (select 1) select * from x": "WITH",
		`COPY "t" ("a") FROM STDIN`:            "COPY",
		"":                                     "",
		"/* open":                              "",
		"$1":                                   "",
		"-- only":                              "",
		`"quoted" select`:                      "",
	} {
		if got := hooks.Operation(q); got != want {
			t.Errorf("Operation(%q) = %q, want %q", q, got, want)
		}
	}
}
