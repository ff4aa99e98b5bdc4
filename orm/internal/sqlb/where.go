package sqlb

// Where is a query's conditions, joined with AND. The first is held
// inline and the rest in a slice, so that the common query with one
// condition allocates nothing for the list and, holding no pointer into
// itself, can live on its caller's stack (a query value pointing into
// itself always escapes to the heap).
type Where struct {
	n     int
	first Expr
	rest  []Expr
}

// Len returns the number of conditions.
func (w *Where) Len() int { return w.n }

// Add appends es.
func (w *Where) Add(es []Expr) {
	for _, e := range es {
		if w.n == 0 {
			w.first = e
		} else {
			w.rest = append(w.rest, e)
		}
		w.n++
	}
}

// Only returns the lone condition, or nil when there are none or several.
func (w *Where) Only() Expr {
	if w.n != 1 {
		return nil
	}
	return w.first
}

// At returns the i-th condition.
func (w *Where) At(i int) Expr {
	if i == 0 {
		return w.first
	}
	return w.rest[i-1]
}

// Write writes " WHERE " and the conditions, if there are any. extra,
// when not nil, is one more condition written at position pos; it is
// passed by pointer and called directly (not as an Expr) so that a query
// holding it inline does not escape.
func (w *Where) Write(b *Builder, extra *Cmp, pos int) {
	n := w.n
	if extra != nil {
		n++
	}
	if n == 0 {
		return
	}
	b.Write(" WHERE ")
	if extra == nil && n == 1 && b.LoneFragment(w.first) {
		return
	}
	j := 0
	for i := range n {
		if i > 0 {
			b.Write(" AND ")
		}
		if extra != nil && i == pos {
			extra.AppendExpr(b)
			continue
		}
		b.Cond(w.At(j))
		j++
	}
}
