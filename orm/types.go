package orm

import (
	"database/sql/driver"
	"fmt"
	"math/big"
	"reflect"

	"github.com/aiodb/aiodb/orm/types"
)

// The column types of package types, under their orm names.
type (
	// Decimal is an exact decimal number kept as its text (types.Decimal).
	Decimal = types.Decimal
	// JSON is a column holding any Go value as JSON (types.JSON).
	JSON[T any] = types.JSON[T]
	// UUID is a 16-byte UUID column (types.UUID).
	UUID = types.UUID
	// HStore is a PostgreSQL hstore column (types.HStore).
	HStore = types.HStore
)

// DecimalFromRat is types.DecimalFromRat.
func DecimalFromRat(r *big.Rat, scale int) Decimal { return types.DecimalFromRat(r, scale) }

// NewJSON is types.NewJSON.
func NewJSON[T any](v T) JSON[T] { return types.NewJSON(v) }

// NewUUID is types.NewUUID.
func NewUUID() UUID { return types.NewUUID() }

// ParseUUID is types.ParseUUID.
func ParseUUID(s string) (UUID, error) { return types.ParseUUID(s) }

// MustParseUUID is types.MustParseUUID.
func MustParseUUID(s string) UUID { return types.MustParseUUID(s) }

// RegisterHStore is the seed's register_hstore for a PostgreSQL DB:
// CreateTable and CreateTableSQL of a model with an HStore field then
// begin with CREATE EXTENSION IF NOT EXISTS hstore (which needs the
// CREATE privilege on the database; hstore is a trusted extension). No
// per-connection registration is needed: HStore speaks the text form.
// Without it, the extension must already exist. Other dialects ignore it.
func RegisterHStore() Option { return func(c *config) { c.hstore = true } }

// PGArray wraps a slice ([]int64, []string, []*float64, []UUID, ...) as an
// argument bound as a PostgreSQL array in text form, which both aiopg and
// aiopgx accept; use it to compare an array column with a value:
// Eq("tags", PGArray([]string{"a", "b"})). It panics on a slice type that
// has no array form. Model fields need no wrapper.
func PGArray(slice any) driver.Valuer { return types.PGArray(slice) }

// checkDialectTypes rejects, when a model is opened on a DB, field types
// its dialect cannot store: arrays outside PostgreSQL.
func checkDialectTypes(t *Table, d *Dialect) error {
	for _, f := range t.Fields {
		typ := f.Type
		if typ.Kind() == reflect.Pointer {
			typ = typ.Elem()
		}
		if f.SQLType == "" && d.Types.Array == "" && types.ArrayElemOf(typ) != nil {
			return fmt.Errorf("orm: model %v, field %s: %s has no array columns for %v; use orm.JSON[%v] (or type:... with your own Valuer)", t.GoType, f.GoName, d.Name, f.Type, f.Type)
		}
	}
	return nil
}
