package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/aiodb/aiodb/internal/testenv"
)

// The quickstart prints the seed's Was/New lines and shows the guard
// refusing the one blocking call, on every database that is configured.
func TestQuickstart(t *testing.T) {
	cases := []struct {
		name, driver string
		dsn          func(testing.TB) string
	}{
		{"sqlite", "", func(testing.TB) string { return "" }},
		{"postgres", "aiopg", testenv.PostgresDSN},
		{"mysql", "aiomysql", testenv.MySQLDSN},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dsn := c.dsn(t) // skips when the server is not configured
			var out bytes.Buffer
			if err := run(context.Background(), &out, c.driver, dsn); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			got := out.String()
			for _, want := range []string{
				"Was: Peewee is AWESOME with async!\n",
				"New: Peewee is SUPER awesome with async!\n",
				"Concurrent GetOrCreate: 20 calls, 1 created the row\n",
				"Sync call rejected:",
				"sync violations: 1\n",
			} {
				if !strings.Contains(got, want) {
					t.Errorf("output lacks %q:\n%s", want, got)
				}
			}
		})
	}
}

func TestQuickstartNeedsDriverName(t *testing.T) {
	err := run(context.Background(), &bytes.Buffer{}, "", "postgres://127.0.0.1/x")
	if err == nil || !strings.Contains(err.Error(), "AIODB_DRIVER") {
		t.Fatalf("err = %v, want one naming AIODB_DRIVER", err)
	}
}
