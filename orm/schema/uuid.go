package schema

import (
	"reflect"

	"github.com/aiodb/aiodb/orm/types"
)

var uuidType = reflect.TypeFor[types.UUID]()

// FillUUIDKeys gives each zero client-generated UUID key (a types.UUID
// primary key without a default) of the row at base a types.NewUUID,
// before it is inserted. It returns the fields it set, so that a failed
// insert can clear them again with ClearUUIDKeys.
func (t *Table) FillUUIDKeys(base Ptr) []*Field {
	var set []*Field
	for _, f := range t.PrimaryKey {
		if f.Type != uuidType || f.Default != "" {
			continue
		}
		u := (*types.UUID)(f.addr(base))
		if u.IsZero() {
			*u = types.NewUUID()
			set = append(set, f)
		}
	}
	return set
}

// ClearUUIDKeys undoes FillUUIDKeys after a failed insert.
func ClearUUIDKeys(base Ptr, fs []*Field) {
	for _, f := range fs {
		*(*types.UUID)(f.addr(base)) = types.UUID{}
	}
}
