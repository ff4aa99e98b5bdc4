package sqlb

import (
	"fmt"

	"github.com/aiodb/aiodb/orm/schema"
)

// Conditions that match one row of a model, read from the struct at p.

// PKCond is the condition matching the primary key of the row of t at p.
func PKCond(t *schema.Table, p schema.Ptr) Expr {
	pk := t.PrimaryKey
	if len(pk) == 1 {
		f := pk[0]
		return &Cmp{Col: f.Column, Op: OpEq, Val: f.Value(p)}
	}
	conds := make([]Expr, len(pk))
	for i, f := range pk {
		conds[i] = &Cmp{Col: f.Column, Op: OpEq, Val: f.Value(p)}
	}
	return &Logic{Op: " AND ", Exprs: conds}
}

// LookupConds returns the equality conditions of GetOrCreate and
// CreateOrGet (op, for errors): on the named columns, or by default on
// every unique or primary key column of the row at p that holds a
// non-zero value.
func LookupConds(op string, t *schema.Table, p schema.Ptr, cols []string) ([]Expr, error) {
	var conds []Expr
	if len(cols) == 0 {
		for _, f := range t.Fields {
			if (f.PK || f.Unique) && !f.IsZero(p) {
				conds = append(conds, &Cmp{Col: f.Column, Op: OpEq, Val: f.Value(p)})
			}
		}
		if len(conds) == 0 {
			return nil, fmt.Errorf("orm: %s of %v: no lookup columns given and no unique or primary key field is set", op, t.GoType)
		}
		return conds, nil
	}
	for _, c := range cols {
		f := t.FieldByColumn(c)
		if f == nil {
			return nil, fmt.Errorf("orm: %s of %v: lookup column %q is not a column of table %s", op, t.GoType, c, t.Name)
		}
		conds = append(conds, &Cmp{Col: f.Column, Op: OpEq, Val: f.Value(p)})
	}
	return conds, nil
}
