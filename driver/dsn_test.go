package driver

import (
	"maps"
	"strings"
	"testing"
)

var splitDSNCases = []struct {
	name, dsn, inner string
	opts             map[string]string
}{
	{"pg url", "postgres://u@h:5432/db?sslmode=disable&aio_sync=panic",
		"postgres://u@h:5432/db?sslmode=disable", map[string]string{"aio_sync": "panic"}},
	{"pg url only option", "postgres://u@h/db?aio_sync=warn", "postgres://u@h/db", map[string]string{"aio_sync": "warn"}},
	{"pg url first of several", "postgresql://u:p%3Fw@h/db?aio_sync=error&sslmode=disable&application_name=a%20b",
		"postgresql://u:p%3Fw@h/db?sslmode=disable&application_name=a%20b", map[string]string{"aio_sync": "error"}},
	{"pg url slash in value", "postgres://h/db?sslrootcert=/etc/ca.pem&aio_sync=warn&x=1",
		"postgres://h/db?sslrootcert=/etc/ca.pem&x=1", map[string]string{"aio_sync": "warn"}},
	{"url fragment kept", "postgres://h/db?aio_sync=warn#frag", "postgres://h/db#frag", map[string]string{"aio_sync": "warn"}},
	{"url '?' in fragment is not a query", "postgres://h/db#a?aio_sync=warn", "postgres://h/db#a?aio_sync=warn", nil},
	{"url query then '?' in fragment", "postgres://h/db?aio_sync=warn#a?aio_x=1", "postgres://h/db#a?aio_x=1", map[string]string{"aio_sync": "warn"}},
	{"url escaped value", "postgres://h/db?aio_sync=%70anic", "postgres://h/db", map[string]string{"aio_sync": "panic"}},
	{"url escaped key", "x.db?aio%5Fsync=warn", "x.db", map[string]string{"aio_sync": "warn"}},
	{"empty params kept", "x?a=1&&aio_sync=warn&b=2", "x?a=1&&b=2", map[string]string{"aio_sync": "warn"}},
	{"case-insensitive key", "x.db?AIO_Sync=Warn", "x.db", map[string]string{"aio_sync": "Warn"}},
	{"no options", "postgres://u@h/db?sslmode=disable", "postgres://u@h/db?sslmode=disable", nil},
	{"aio in a value only", "postgres://u@h/db?application_name=aio_sync", "postgres://u@h/db?application_name=aio_sync", nil},

	{"kv", "host=127.0.0.1 dbname=test aio_sync=panic", "host=127.0.0.1 dbname=test", map[string]string{"aio_sync": "panic"}},
	{"kv first", "aio_sync=warn host=127.0.0.1 dbname=test", "host=127.0.0.1 dbname=test", map[string]string{"aio_sync": "warn"}},
	{"kv middle", "host=h aio_sync=warn port=5432", "host=h port=5432", map[string]string{"aio_sync": "warn"}},
	{"kv spaces around =", "host = h aio_sync = 'error' port= 1", "host = h port= 1", map[string]string{"aio_sync": "error"}},
	{"kv quoted escapes kept", `password='a b\'c' aio_sync='p\anic' user=x\ y`, `password='a b\'c' user=x\ y`, map[string]string{"aio_sync": "panic"}},
	{"kv option in a quoted value", "password='aio_sync=panic' host=h", "password='aio_sync=panic' host=h", nil},
	{"kv option as a value", "application_name= aio_sync=panic", "application_name= aio_sync=panic", nil},
	{"kv newlines", "host=h\n\taio_sync=warn\n port=5432", "host=h\n port=5432", map[string]string{"aio_sync": "warn"}},
	{"kv empty value", "host=h aio_sync=", "host=h", map[string]string{"aio_sync": ""}},

	{"mysql", "root@tcp(127.0.0.1:3306)/test?parseTime=true&aio_sync=warn",
		"root@tcp(127.0.0.1:3306)/test?parseTime=true", map[string]string{"aio_sync": "warn"}},
	{"mysql odd password", "u:p?a&aio_sync=x@tcp(h)/db?aio_sync=warn&loc=Local",
		"u:p?a&aio_sync=x@tcp(h)/db?loc=Local", map[string]string{"aio_sync": "warn"}},
	{"mysql no params", "root@tcp(127.0.0.1:3306)/test", "root@tcp(127.0.0.1:3306)/test", nil},

	{"sqlite file", "file:demo.db?aio_sync=panic&_pragma=busy_timeout(5000)",
		"file:demo.db?_pragma=busy_timeout(5000)", map[string]string{"aio_sync": "panic"}},
	{"sqlite memory", ":memory:", ":memory:", nil},
	{"sqlite memory option", ":memory:?aio_sync=warn", ":memory:", map[string]string{"aio_sync": "warn"}},
	{"sqlite path", "/tmp/dir.v2/x.db?aio_sync=error", "/tmp/dir.v2/x.db", map[string]string{"aio_sync": "error"}},
	{"sqlite path with ?", "file:/tmp/a?b/x.db?aio_sync=warn", "file:/tmp/a?b/x.db", map[string]string{"aio_sync": "warn"}},
	{"plain path", "/var/lib/app.db", "/var/lib/app.db", nil},
	{"empty", "", "", nil},
	{"two options", "x?aio_sync=warn&aio_other=1", "x", map[string]string{"aio_sync": "warn", "aio_other": "1"}},
}

func TestSplitDSN(t *testing.T) {
	for _, tc := range splitDSNCases {
		t.Run(tc.name, func(t *testing.T) {
			inner, opts, err := splitDSN(tc.dsn)
			if err != nil {
				t.Fatalf("splitDSN(%q): %v", tc.dsn, err)
			}
			if inner != tc.inner || !maps.Equal(opts, tc.opts) {
				t.Fatalf("splitDSN(%q)\n = %q, %v\nwant %q, %v", tc.dsn, inner, opts, tc.inner, tc.opts)
			}
		})
	}
}

func TestSplitDSNErrors(t *testing.T) {
	for _, tc := range []struct{ dsn, want string }{
		{"x?aio_sync=warn&AIO_SYNC=panic", "aio_sync given twice"},
		{"host=h aio_sync=warn aio_sync=error", "aio_sync given twice"},
		{"x?aio_sync=%zz", "aio_sync: bad escape"},
	} {
		_, _, err := splitDSN(tc.dsn)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("splitDSN(%q) error = %v, want %q", tc.dsn, err, tc.want)
		}
	}
}

func TestApplyDSNOptions(t *testing.T) {
	var o Options
	if err := applyDSNOptions(map[string]string{"aio_sync": "PANIC"}, &o); err != nil || o.Sync != SyncPanic {
		t.Fatalf("aio_sync=PANIC: %v, %v", o.Sync, err)
	}
	for _, tc := range []struct {
		raw  map[string]string
		want string
	}{
		{map[string]string{"aio_sync": "later"}, `aio_sync="later": want allow, warn, error or panic`},
		{map[string]string{"aio_bogus": "1"}, `unknown DSN option "aio_bogus"`},
	} {
		err := applyDSNOptions(tc.raw, &o)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.raw, err, tc.want)
		}
	}
}

// isSubsequence reports whether s can be made by deleting bytes of t.
func isSubsequence(s, t string) bool {
	i := 0
	for j := 0; i < len(s) && j < len(t); j++ {
		if s[i] == t[j] {
			i++
		}
	}
	return i == len(s)
}

func FuzzSplitDSN(f *testing.F) {
	for _, tc := range splitDSNCases {
		f.Add(tc.dsn)
	}
	f.Add("host=h aio_sync='unterminated")
	f.Add("aio_sync=warn u@tcp(h)/db?aio_x=1")
	f.Add("x?aio_sync=%zz")
	f.Fuzz(func(t *testing.T, dsn string) {
		inner, opts, err := splitDSN(dsn)
		if err != nil {
			return
		}
		if len(opts) == 0 && inner != dsn {
			t.Fatalf("no options but the DSN changed: %q -> %q", dsn, inner)
		}
		// Only whole options and their separators are removed.
		if !isSubsequence(inner, dsn) {
			t.Fatalf("inner %q is not made of the bytes of %q", inner, dsn)
		}
		for k := range opts {
			if !strings.HasPrefix(k, dsnPrefix) || strings.ToLower(k) != k {
				t.Fatalf("option key %q", k)
			}
		}
		// The inner DSN has no aio_ option left.
		again, opts2, err := splitDSN(inner)
		if err != nil || len(opts2) != 0 || again != inner {
			t.Fatalf("splitDSN(%q) left options in %q: %v %v", dsn, inner, opts2, err)
		}
	})
}

// TestSplitDSNAmbiguous: a DSN whose aio_ options could be read as
// key=value pairs and as a query is refused, not split one way.
func TestSplitDSNAmbiguous(t *testing.T) {
	for _, dsn := range []string{"aio_sync=warn ?aio_sync=panic", "Aio_=0 ?Aio_"} {
		if _, _, err := splitDSN(dsn); err == nil || !strings.Contains(err.Error(), "one way") {
			t.Errorf("splitDSN(%q): %v; want the ambiguity named", dsn, err)
		}
	}
}
