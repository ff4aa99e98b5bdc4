package sqlb

import (
	"sync"
	"sync/atomic"
)

// Shape is a statement shape of a model: SELECT <every column> FROM
// <table> WHERE Col Op ? and then Tail. Statements of the commonest
// shapes are written once (Shapes), so that a select or Get by key only
// binds its value.
type Shape struct {
	Col   string
	Op    CmpOp
	Tail  ShapeTail
	Limit int64 // TailLimit's value, written as a literal
}

// ShapeTail is what follows a Shape's condition.
type ShapeTail uint8

const (
	TailNone   ShapeTail = iota
	TailLimit            // LIMIT n, n in Shape.Limit (SelectQuery.Limit)
	TailLimit1           // LIMIT 1 written as text (Get)
)

// Shapes caches a model's statements by Shape; the zero value is empty
// and ready. Copy-on-write: lookups take no lock.
type Shapes struct {
	mu      sync.Mutex
	entries atomic.Pointer[[]shapeEntry]
}

type shapeEntry struct {
	key Shape
	sql string
}

// maxShapes bounds the cached shapes of a model, so that the scan in Get
// stays short; past it the others are written each time.
const maxShapes = 16

// Get returns the cached statement of shape k. The shapes a model is
// queried with are few, so a scan comparing the small fields first beats
// hashing the key in a map.
func (c *Shapes) Get(k Shape) (string, bool) {
	if es := c.entries.Load(); es != nil {
		for i := range *es {
			e := &(*es)[i]
			if e.key.Op == k.Op && e.key.Tail == k.Tail && e.key.Limit == k.Limit && e.key.Col == k.Col {
				return e.sql, true
			}
		}
	}
	return "", false
}

// Store caches sql, written without error, as the statement of shape k.
func (c *Shapes) Store(k Shape, sql string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	var next []shapeEntry
	if old := c.entries.Load(); old != nil {
		if len(*old) >= maxShapes {
			return
		}
		for _, e := range *old {
			if e.key == k {
				return // stored by a concurrent first use
			}
		}
		next = append(next, *old...)
	}
	next = append(next, shapeEntry{k, sql})
	c.entries.Store(&next)
}
