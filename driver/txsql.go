package driver

import (
	"strings"

	"github.com/aiodb/aiodb/hooks"
)

// classifyTx recognises the savepoint statements of PostgreSQL, MySQL and
// SQLite in an Exec's SQL: SAVEPOINT name, RELEASE [SAVEPOINT] name and
// ROLLBACK [WORK|TRANSACTION] TO [SAVEPOINT] name, in any case, after
// whitespace and comments. It returns 0 for anything else.
func classifyTx(query string) (hooks.TxKind, string) {
	s := skipSpaceAndComments(query)
	w, s := word(s)
	switch {
	case strings.EqualFold(w, "savepoint"):
		return savepointName(hooks.TxSavepoint, s)
	case strings.EqualFold(w, "release"):
		if w2, rest := word(s); strings.EqualFold(w2, "savepoint") {
			// "RELEASE SAVEPOINT" may also be RELEASE of a savepoint
			// named savepoint; the name after it decides.
			if k, name := savepointName(hooks.TxReleaseSavepoint, rest); k != 0 {
				return k, name
			}
		}
		return savepointName(hooks.TxReleaseSavepoint, s)
	case strings.EqualFold(w, "rollback"):
		w, s = word(s)
		if strings.EqualFold(w, "work") || strings.EqualFold(w, "transaction") {
			w, s = word(s)
		}
		if !strings.EqualFold(w, "to") {
			return 0, ""
		}
		if w2, rest := word(s); strings.EqualFold(w2, "savepoint") {
			if k, name := savepointName(hooks.TxRollbackToSavepoint, rest); k != 0 {
				return k, name
			}
		}
		return savepointName(hooks.TxRollbackToSavepoint, s)
	}
	return 0, ""
}

// savepointName reads the name that ends a savepoint statement: a bare or
// quoted ("..." or `...`) identifier followed only by an optional ';',
// whitespace and comments.
func savepointName(kind hooks.TxKind, s string) (hooks.TxKind, string) {
	s = skipSpaceAndComments(s)
	var name string
	if s != "" && (s[0] == '"' || s[0] == '`') {
		q := s[0]
		var b strings.Builder
		i := 1
		for ; i < len(s); i++ {
			if s[i] == q {
				if i+1 < len(s) && s[i+1] == q { // doubled quote
					b.WriteByte(q)
					i++
					continue
				}
				break
			}
			b.WriteByte(s[i])
		}
		if i >= len(s) {
			return 0, ""
		}
		name, s = b.String(), s[i+1:]
	} else {
		name, s = word(s)
	}
	if name == "" {
		return 0, ""
	}
	s = skipSpaceAndComments(s)
	s = strings.TrimPrefix(s, ";")
	if skipSpaceAndComments(s) != "" {
		return 0, ""
	}
	return kind, name
}

// word returns the identifier at the start of s (after whitespace and
// comments) and the rest.
func word(s string) (string, string) {
	s = skipSpaceAndComments(s)
	i := 0
	for i < len(s) {
		c := s[i]
		if c == '_' || c == '$' || 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c >= 0x80 {
			i++
			continue
		}
		break
	}
	return s[:i], s[i:]
}

func skipSpaceAndComments(s string) string {
	for {
		s = strings.TrimLeft(s, " \t\r\n\f\v")
		switch {
		case strings.HasPrefix(s, "--"):
			if i := strings.IndexByte(s, '\n'); i >= 0 {
				s = s[i+1:]
			} else {
				return ""
			}
		case strings.HasPrefix(s, "#"): // MySQL
			if i := strings.IndexByte(s, '\n'); i >= 0 {
				s = s[i+1:]
			} else {
				return ""
			}
		case strings.HasPrefix(s, "/*"):
			if i := strings.Index(s[2:], "*/"); i >= 0 {
				s = s[i+4:]
			} else {
				return ""
			}
		default:
			return s
		}
	}
}
