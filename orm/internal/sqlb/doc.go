// Package sqlb writes SQL for package orm: a pooled Builder that appends
// text and bind arguments in a dialect's quoting and placeholder style,
// checks column names against the models in scope, and interns finished
// statements; and the expressions (Expr) that conditions, values and
// subqueries are made of.
//
// It knows tables through package schema and dialects as data through
// package dialect; it runs nothing. orm re-exports the constructors
// (orm.Eq, orm.In, ...) with their documentation.
package sqlb
