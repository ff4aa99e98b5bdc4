package orm

import "github.com/aiodb/aiodb/orm/schema"

// The model metadata of package schema, under their orm names.
type (
	// Table is the metadata of a model: its table and columns (schema.Table).
	Table = schema.Table
	// Field is the metadata of one column (schema.Field).
	Field = schema.Field
	// ForeignKey is a column's reference to another table (schema.ForeignKey).
	ForeignKey = schema.ForeignKey
	// Index is a unique constraint or an index (schema.Index).
	Index = schema.Index
	// Relation is a field tagged rel:"..." (schema.Relation).
	Relation = schema.Relation
)
