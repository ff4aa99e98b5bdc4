package driver

import (
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// dsnPrefix starts every option of the wrapper in a DSN. Keys are matched
// without regard to case.
const dsnPrefix = "aio_"

// dsnOptions is the table of the wrapper's DSN options: name (lower case)
// -> how its value sets Options. Adding an option is adding an entry; its
// error says what is wanted, the caller names the option and the value.
var dsnOptions = map[string]func(value string, o *Options) error{
	"aio_sync": func(v string, o *Options) error {
		m, err := ParseSyncMode(v)
		if err != nil {
			return errors.New("want allow, warn, error or panic")
		}
		o.Sync = m
		return nil
	},
	"aio_stmt_cache": func(v string, o *Options) error {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			return errors.New("want a number of statements >= 0 (0 turns the cache off)")
		}
		o.StmtCacheSize = n
		return nil
	},
}

// applyDSNOptions sets o from the options splitDSN took out of a DSN. It
// fails on the first unknown option or bad value (in name order, so the
// error does not depend on map order), naming the option.
func applyDSNOptions(raw map[string]string, o *Options) error {
	if len(raw) == 0 {
		return nil
	}
	names := make([]string, 0, len(raw))
	for k := range raw {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		set, ok := dsnOptions[k]
		if !ok {
			return fmt.Errorf("aiodb: unknown DSN option %q (known: %s)", k, knownDSNOptions())
		}
		if err := set(raw[k], o); err != nil {
			return fmt.Errorf("aiodb: DSN option %s=%q: %w", k, raw[k], err)
		}
	}
	return nil
}

func knownDSNOptions() string {
	names := make([]string, 0, len(dsnOptions))
	for k := range dsnOptions {
		names = append(names, k)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// splitDSN takes the wrapper's aio_* options out of dsn. inner is dsn
// without them, every other byte kept as it was; opts maps each option's
// lower-case name to its unescaped value. It understands the forms of the
// wrapped drivers:
//
//   - URLs with a scheme ("postgres://u@h/db?sslmode=disable&aio_sync=warn"):
//     the query starts at the first '?' and ends at '#';
//   - key=value strings as lib/pq and pgx parse them
//     ("host=h dbname=db aio_sync=warn", values possibly single-quoted with
//     backslash escapes);
//   - everything else (go-sql-driver/mysql's "u@tcp(h)/db?parseTime=true",
//     SQLite's "file:x.db?_pragma=...", ":memory:", plain paths): the
//     query starts at the first '?' after the last '/'.
//
// It fails on an aio_* option given twice or whose value cannot be
// unescaped; it never looks at the meaning of the options.
func splitDSN(dsn string) (inner string, opts map[string]string, err error) {
	if !containsFold(dsn, dsnPrefix) && !containsFold(dsn, "aio%5f") {
		return dsn, nil, nil
	}
	switch {
	case hasScheme(dsn):
		// A '?' after the first '#' belongs to the fragment, not the query.
		head := dsn
		if h := strings.IndexByte(dsn, '#'); h >= 0 {
			head = dsn[:h]
		}
		return splitQuery(dsn, strings.IndexByte(head, '?'), true)
	case isKeyValue(dsn):
		if inner, opts, ok, err := splitKeyValue(dsn); ok {
			return inner, opts, err
		}
		fallthrough
	default:
		q := -1
		if i := strings.IndexByte(dsn[strings.LastIndexByte(dsn, '/')+1:], '?'); i >= 0 {
			q = strings.LastIndexByte(dsn, '/') + 1 + i
		}
		inner, opts, err := splitQuery(dsn, q, false)
		if err == nil && len(opts) > 0 && isKeyValue(inner) {
			// Without its query the DSN reads as key=value pairs: the
			// options could be meant either way.
			if _, more, ok, _ := splitKeyValue(inner); ok && len(more) > 0 {
				return "", nil, errors.New("aiodb: DSN has aio_ options both as key=value pairs and in a '?' query: write them one way")
			}
		}
		return inner, opts, err
	}
}

func containsFold(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return true
		}
	}
	return false
}

func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

// hasScheme reports whether dsn starts with "scheme://".
func hasScheme(dsn string) bool {
	for i := 0; i < len(dsn); i++ {
		c := dsn[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case i > 0 && c == ':':
			return strings.HasPrefix(dsn[i:], "://")
		default:
			return false
		}
	}
	return false
}

// isKeyValue reports whether dsn starts like a libpq key=value string:
// a key with none of the characters of paths and URLs, then '='.
func isKeyValue(dsn string) bool {
	s := strings.TrimLeftFunc(dsn, unicode.IsSpace)
	end := strings.IndexFunc(s, func(r rune) bool { return r == '=' || unicode.IsSpace(r) })
	if end <= 0 || strings.ContainsAny(s[:end], "/?@:(&#") {
		return false
	}
	return strings.HasPrefix(strings.TrimLeftFunc(s[end:], unicode.IsSpace), "=")
}

// splitQuery removes aio_* parameters from the query that starts after
// dsn[q] ('?'); q < 0 means there is none. With fragment, a '#' ends the
// query.
func splitQuery(dsn string, q int, fragment bool) (string, map[string]string, error) {
	if q < 0 {
		return dsn, nil, nil
	}
	query, rest := dsn[q+1:], ""
	if fragment {
		if h := strings.IndexByte(query, '#'); h >= 0 {
			query, rest = query[:h], query[h:]
		}
	}
	var opts map[string]string
	kept := make([]string, 0, strings.Count(query, "&")+1)
	for _, param := range strings.Split(query, "&") {
		key, value, _ := strings.Cut(param, "=")
		if k, err := url.QueryUnescape(key); err == nil {
			key = k
		}
		if !hasPrefixFold(key, dsnPrefix) {
			kept = append(kept, param)
			continue
		}
		v, err := url.QueryUnescape(value)
		if err != nil {
			return "", nil, fmt.Errorf("aiodb: DSN option %s: bad escape in value", key)
		}
		if opts, err = addOption(opts, key, v); err != nil {
			return "", nil, err
		}
	}
	if len(opts) == 0 {
		return dsn, nil, nil
	}
	inner := dsn[:q]
	if len(kept) > 0 {
		inner += "?" + strings.Join(kept, "&")
	}
	return inner + rest, opts, nil
}

func addOption(opts map[string]string, key, value string) (map[string]string, error) {
	key = strings.ToLower(key)
	if _, dup := opts[key]; dup {
		return nil, fmt.Errorf("aiodb: DSN option %s given twice", key)
	}
	if opts == nil {
		opts = make(map[string]string, 1)
	}
	opts[key] = value
	return opts, nil
}

// splitKeyValue removes aio_* pairs from a libpq key=value string, with
// the grammar of lib/pq (after libpq's conninfo_parse): whitespace between
// pairs, optional whitespace around '=', a value either single-quoted or
// running to the next whitespace, a backslash escaping the next character
// in both. A removed pair takes the whitespace before it along. ok is
// false when dsn does not parse as such a string or a key is not a plain
// name (letters, digits, '_', '.', '-'): it is then some other form.
func splitKeyValue(dsn string) (inner string, opts map[string]string, ok bool, err error) {
	var b strings.Builder
	i := 0
	isSpace := func() bool {
		r, _ := utf8.DecodeRuneInString(dsn[i:])
		return i < len(dsn) && unicode.IsSpace(r)
	}
	skipSpaces := func() {
		for isSpace() {
			_, n := utf8.DecodeRuneInString(dsn[i:])
			i += n
		}
	}
	for {
		pairStart := i
		skipSpaces()
		if i >= len(dsn) {
			b.WriteString(dsn[pairStart:])
			break
		}
		keyStart := i
		for i < len(dsn) && !isSpace() && dsn[i] != '=' {
			i++
		}
		key := dsn[keyStart:i]
		if !plainKey(key) {
			return "", nil, false, nil
		}
		skipSpaces()
		if i >= len(dsn) || dsn[i] != '=' {
			return "", nil, false, nil
		}
		i++
		skipSpaces()
		var val strings.Builder
		if i < len(dsn) && dsn[i] == '\'' {
			for i++; ; i++ {
				if i >= len(dsn) {
					return "", nil, false, nil // unterminated quote
				}
				c := dsn[i]
				if c == '\'' {
					i++
					break
				}
				if c == '\\' && i+1 < len(dsn) {
					i++
					c = dsn[i]
				}
				val.WriteByte(c)
			}
		} else {
			for i < len(dsn) && !isSpace() {
				c := dsn[i]
				if c == '\\' && i+1 < len(dsn) {
					i++
					c = dsn[i]
				}
				val.WriteByte(c)
				i++
			}
		}
		if !hasPrefixFold(key, dsnPrefix) {
			b.WriteString(dsn[pairStart:i])
			continue
		}
		if opts, err = addOption(opts, key, val.String()); err != nil {
			return "", nil, true, err
		}
	}
	if len(opts) == 0 {
		return dsn, nil, true, nil
	}
	inner = b.String()
	if len(dsn) > 0 && !unicode.IsSpace(rune(dsn[0])) {
		// The first pair was removed: do not start with its separator.
		inner = strings.TrimLeftFunc(inner, unicode.IsSpace)
	}
	return inner, opts, true, nil
}

// plainKey reports whether k can be a libpq/pgx connection parameter name.
func plainKey(k string) bool {
	if k == "" {
		return false
	}
	for i := 0; i < len(k); i++ {
		c := k[i]
		if !(c == '_' || c == '.' || c == '-' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9') {
			return false
		}
	}
	return true
}

// TakeDSNOptions takes aiodb's aio_* options out of dsn (URL and
// key=value forms) and applies them to o, for a client that reads the rest
// of the DSN itself (orm/ormpgx hands it to pgxpool.ParseConfig). It
// returns the DSN without them, and fails on an unknown option or a bad
// value, naming it.
func TakeDSNOptions(dsn string, o *Options) (string, error) {
	inner, raw, err := splitDSN(dsn)
	if err != nil {
		return "", err
	}
	if err := applyDSNOptions(raw, o); err != nil {
		return "", err
	}
	return inner, nil
}
