package schema

import (
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// tagOpts is a parsed db:"..." struct tag.
type tagOpts struct {
	name        string
	skip        bool
	pk, auto    bool
	unique      bool
	uniqueGroup string
	index       bool
	indexGroup  string
	null        bool
	size        int
	def         string
	fk          string
	onDelete    string
	sqlType     string
}

// parseTag parses `db:"column,opt,opt:value,..."`. Commas inside single
// quotes or parentheses belong to the option (default:'a,b').
func parseTag(tag string) (tagOpts, error) {
	var o tagOpts
	if tag == "-" {
		o.skip = true
		return o, nil
	}
	parts := splitTag(tag)
	o.name = strings.TrimSpace(parts[0])
	if o.name != "" && !ValidIdent(o.name) {
		return o, fmt.Errorf("column name %q is not a valid identifier (letters, digits and _, not starting with a digit)", o.name)
	}
	for _, p := range parts[1:] {
		key, val, hasVal := strings.Cut(strings.TrimSpace(p), ":")
		key = strings.ToLower(strings.TrimSpace(key))
		noVal := func() error {
			if hasVal {
				return fmt.Errorf("option %q takes no value", key)
			}
			return nil
		}
		var err error
		switch key {
		case "pk":
			o.pk, err = true, noVal()
		case "auto":
			o.auto, err = true, noVal()
		case "null":
			o.null, err = true, noVal()
		case "unique":
			o.unique = true
			if hasVal {
				if o.uniqueGroup = strings.TrimSpace(val); !ValidIdent(o.uniqueGroup) {
					err = fmt.Errorf("unique:%s: group name is not a valid identifier", val)
				}
			}
		case "index":
			o.index = true
			if hasVal {
				if o.indexGroup = strings.TrimSpace(val); !ValidIdent(o.indexGroup) {
					err = fmt.Errorf("index:%s: index name is not a valid identifier", val)
				}
			}
		case "size":
			n, perr := strconv.Atoi(strings.TrimSpace(val))
			if !hasVal || perr != nil || n <= 0 {
				err = fmt.Errorf("size:%s: want a positive integer", val)
			}
			o.size = n
		case "default":
			if o.def = strings.TrimSpace(val); !hasVal || o.def == "" {
				err = fmt.Errorf("default: wants an SQL expression, e.g. default:0 or default:'text'")
			}
		case "fk":
			o.fk = strings.TrimSpace(val)
			tbl, col, _ := strings.Cut(o.fk, ".")
			if !hasVal || !ValidIdent(tbl) || (col != "" && !ValidIdent(col)) {
				err = fmt.Errorf("fk:%s: want fk:table or fk:table.column", val)
			}
		case "ondelete":
			switch v := strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(val), "_", " ")); v {
			case "CASCADE", "RESTRICT", "SET NULL", "SET DEFAULT", "NO ACTION":
				o.onDelete = v
			default:
				err = fmt.Errorf("ondelete:%s: want cascade, restrict, set_null, set_default or no_action", val)
			}
		case "type":
			if o.sqlType = strings.TrimSpace(val); !hasVal || !validSQLType(o.sqlType) {
				err = fmt.Errorf("type:%s: want an SQL type such as type:JSONB or type:NUMERIC(10,2)", val)
			}
		default:
			err = fmt.Errorf("unknown option %q", key)
		}
		if err != nil {
			return o, err
		}
	}
	if o.onDelete != "" && o.fk == "" {
		return o, fmt.Errorf("ondelete needs fk:table")
	}
	if o.auto && !o.pk {
		return o, fmt.Errorf("auto needs pk")
	}
	return o, nil
}

func splitTag(tag string) []string {
	var parts []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(tag); i++ {
		switch c := tag[i]; {
		case c == '\'':
			quoted = !quoted
		case quoted:
		case c == '(':
			depth++
		case c == ')':
			depth--
		case c == ',' && depth == 0:
			parts = append(parts, tag[start:i])
			start = i + 1
		}
	}
	return append(parts, tag[start:])
}

// ValidIdent reports whether s may be used as a table, column or alias
// name: letters, digits and underscores, not starting with a digit, at most
// 63 bytes (PostgreSQL's limit). Quoting then cannot be escaped.
func ValidIdent(s string) bool {
	if s == "" || len(s) > 63 {
		return false
	}
	for i, r := range s {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && unicode.IsDigit(r):
		default:
			return false
		}
	}
	return true
}

// validSQLType accepts a type name with an optional parenthesised
// argument list and array brackets: VARCHAR(10), NUMERIC(10,2), TEXT[],
// DOUBLE PRECISION.
func validSQLType(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for _, r := range s {
		switch {
		case r == '_' || r == ' ' || r == '(' || r == ')' || r == ',' || r == '[' || r == ']':
		case r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r)):
		default:
			return false
		}
	}
	return true
}

// snakeCase turns a Go name into a column or table name: PageBlock ->
// page_block, UserID -> user_id, HTTPServer -> http_server.
func snakeCase(s string) string {
	runes := []rune(s)
	var b strings.Builder
	b.Grow(len(s) + 4)
	for i, r := range runes {
		if unicode.IsUpper(r) {
			if i > 0 {
				prev := runes[i-1]
				nextLower := i+1 < len(runes) && unicode.IsLower(runes[i+1])
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					b.WriteByte('_')
				}
			}
			r = unicode.ToLower(r)
		}
		b.WriteRune(r)
	}
	return b.String()
}
