package hooks

import (
	"strings"

	"github.com/aiodb/aiodb/internal/sqltext"
)

// Operation returns the first keyword of a statement, upper-cased
// (SELECT, INSERT, WITH, COPY, ...), after whitespace, comments and
// opening parentheses; "" when there is none. It is the low-cardinality
// name of a statement that tracing and metrics hooks label it with
// (OpenTelemetry's db.operation.name), read with the same lexer the
// driver uses, so quoted text and comments are never mistaken for it.
func Operation(query string) string {
	l := sqltext.New(query)
	l.HashComments = true
	t := l.Next()
	for t.Text == "(" {
		t = l.Next()
	}
	if t.Kind != sqltext.Word || len(t.Text) > 32 {
		return ""
	}
	return strings.ToUpper(t.Text)
}
