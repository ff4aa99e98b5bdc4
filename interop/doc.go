// Package interop holds aiodb's tests with the libraries a Go service
// already uses: sqlx, sqlc-style code, bun, gorm, goose, golang-migrate
// and otelsql. It is a module of its own so that the core never depends
// on them; it has no code but its tests and examples.
package interop
