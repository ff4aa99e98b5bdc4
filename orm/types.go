package orm

import (
	"encoding/json"
	"fmt"
	"math/big"
	"reflect"
	"unsafe"

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

var (
	decimalType    = reflect.TypeFor[Decimal]()
	rawMessageType = reflect.TypeFor[json.RawMessage]()
)

// isJSONType reports whether t (not a pointer) is stored in the dialect's
// JSON column type.
func isJSONType(t reflect.Type) bool { return types.IsJSON(t) }

// rawJSONDest scans a json.RawMessage field from text or bytes (SQLite and
// pgx's default paths return a string, which database/sql will not
// assign to a named byte slice).
type rawJSONDest struct{ p *json.RawMessage }

func (d rawJSONDest) Scan(src any) error {
	switch s := src.(type) {
	case nil:
		*d.p = nil
	case string:
		*d.p = json.RawMessage(s)
	case []byte:
		*d.p = append(json.RawMessage(nil), s...)
	default:
		return fmt.Errorf("orm: json.RawMessage: cannot scan %T", src)
	}
	return nil
}

// rawJSONValue binds a json.RawMessage as text (lib/pq would send []byte
// as bytea). A nil message is NULL in a nullable column and the JSON null
// otherwise.
func rawJSONValue(m json.RawMessage, null bool) any {
	if m == nil {
		if null {
			return nil
		}
		return "null"
	}
	return string(m)
}

var uuidType = reflect.TypeFor[UUID]()

// fillUUIDKeys gives each zero client-generated UUID key of the row at p a
// NewUUID, before it is inserted; it returns the fields it set, so that a
// failed insert can clear them again.
func (t *Table) fillUUIDKeys(p unsafe.Pointer) []*Field {
	var set []*Field
	for _, f := range t.PrimaryKey {
		if f.Type != uuidType || f.Default != "" {
			continue
		}
		u := (*UUID)(f.addr(p))
		if u.IsZero() {
			*u = NewUUID()
			set = append(set, f)
		}
	}
	return set
}

// clearUUIDKeys undoes fillUUIDKeys after a failed insert.
func clearUUIDKeys(p unsafe.Pointer, fs []*Field) {
	for _, f := range fs {
		*(*UUID)(f.addr(p)) = UUID{}
	}
}

var hstoreType = reflect.TypeFor[HStore]()

// RegisterHStore is the seed's register_hstore for a PostgreSQL DB:
// CreateTable and CreateTableSQL of a model with an HStore field then
// begin with CREATE EXTENSION IF NOT EXISTS hstore (which needs the
// CREATE privilege on the database; hstore is a trusted extension). No
// per-connection registration is needed: HStore speaks the text form.
// Without it, the extension must already exist. Other dialects ignore it.
func RegisterHStore() Option { return func(c *config) { c.hstore = true } }

// hasHStore reports whether t has an HStore (or *HStore) column.
func hasHStore(t *Table) bool {
	for _, f := range t.Fields {
		if f.Type == hstoreType || f.Type == reflect.PointerTo(hstoreType) {
			return true
		}
	}
	return false
}
