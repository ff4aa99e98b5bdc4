package migrate

import (
	"fmt"
	"strings"

	"github.com/aiodb/aiodb/internal/sqltext"
	"github.com/aiodb/aiodb/orm/dialect"
)

// Directives are comment lines of a .sql file (the whole line, spaces
// around it aside).
const (
	// directiveBegin and directiveEnd enclose a statement that is sent
	// whole, semicolons inside it included: a trigger's or a function's
	// body.
	directiveBegin = "-- +aiodb StatementBegin"
	directiveEnd   = "-- +aiodb StatementEnd"
	// directiveNoTx runs the migration outside a transaction
	// (PostgreSQL's CREATE INDEX CONCURRENTLY, which refuses one).
	directiveNoTx = "-- +aiodb NoTransaction"
)

// splitStatements cuts a .sql file into statements at the semicolons
// that end them (not those in quotes, dollar quotes or comments), keeping
// each StatementBegin/StatementEnd block whole. hashComments is MySQL's
// '#' comment. Statements of comments alone are dropped.
func splitStatements(text string, hashComments bool) ([]string, error) {
	var out []string
	var plain strings.Builder
	flush := func() error {
		s, err := splitPlain(plain.String(), hashComments)
		out = append(out, s...)
		plain.Reset()
		return err
	}
	var block *strings.Builder
	for i, line := range strings.SplitAfter(text, "\n") {
		switch strings.TrimSpace(line) {
		case directiveBegin:
			if block != nil {
				return nil, fmt.Errorf("line %d: StatementBegin inside a statement block", i+1)
			}
			if err := flush(); err != nil {
				return nil, err
			}
			block = new(strings.Builder)
			continue
		case directiveEnd:
			if block == nil {
				return nil, fmt.Errorf("line %d: StatementEnd without StatementBegin", i+1)
			}
			if s := strings.TrimSpace(block.String()); s != "" {
				out = append(out, strings.TrimSuffix(s, ";"))
			}
			block = nil
			continue
		}
		if block != nil {
			block.WriteString(line)
		} else {
			plain.WriteString(line)
		}
	}
	if block != nil {
		return nil, fmt.Errorf("StatementBegin without StatementEnd")
	}
	return out, flush()
}

func splitPlain(s string, hashComments bool) ([]string, error) {
	l := sqltext.New(s)
	l.HashComments = hashComments
	var out []string
	start, words := 0, 0
	for {
		t := l.Next()
		end := len(s) - len(l.Rest())
		switch t.Kind {
		case sqltext.Invalid:
			return out, fmt.Errorf("cannot split the statements after %q: an unterminated quote or comment, or a backslash in quotes; enclose the statement in %q and %q lines",
				abbrev(s[start:], 60), directiveBegin, directiveEnd)
		case sqltext.EOF, sqltext.Semicolon:
			if words > 0 {
				stmt := s[start:end]
				if t.Kind == sqltext.Semicolon {
					stmt = stmt[:len(stmt)-1]
				}
				out = append(out, strings.TrimSpace(stmt))
			}
			if t.Kind == sqltext.EOF {
				return out, nil
			}
			start, words = end, 0
		default:
			words++
		}
	}
}

// hasNoTx reports whether a .sql file asks to run outside a transaction.
func hasNoTx(text string) bool {
	for _, line := range strings.Split(text, "\n") {
		if strings.TrimSpace(line) == directiveNoTx {
			return true
		}
	}
	return false
}

// SplitSQL cuts the text of a .sql migration into the statements a
// migration runs, in dialect d's way (MySQL's '#' comments), as Up does:
// for a dry run that prints them.
func SplitSQL(d *dialect.Dialect, text string) ([]string, error) {
	c, err := capsOf(d)
	if err != nil {
		return nil, err
	}
	return splitStatements(text, c.hashComments)
}
