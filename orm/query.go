package orm

// Query is what every query type has in common: its SQL for inspection.
// Queries are also Exprs, so that one can be used as a subquery (In, a
// comparison value, SelectQuery.FromSubquery) or a compound member (Union).
type Query interface {
	Expr
	// SQL builds the statement in its DB's dialect and returns it with its
	// bind arguments, or the first error found while building it (an
	// unknown column, an empty In list, a value that cannot be bound).
	SQL() (string, []any, error)
}
