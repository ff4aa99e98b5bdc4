package schema

import (
	"fmt"
	"strings"
)

// CreateOrder returns the indexes of tables sorted so that each comes
// after the tables among them its foreign keys refer to, keeping the
// given order where the keys leave it free. A table's references to
// itself and to tables not given are not ordered. Keys that form a cycle
// are an error naming the tables.
func CreateOrder(tables []*Table) ([]int, error) {
	byName := make(map[string]int, len(tables))
	for i, t := range tables {
		byName[t.Name] = i
	}
	deps := make([][]int, len(tables))
	for i, t := range tables {
		for _, f := range t.Fields {
			if f.FK == nil {
				continue
			}
			if j, ok := byName[f.FK.Table]; ok && j != i {
				deps[i] = append(deps[i], j)
			}
		}
	}
	const (
		unvisited = iota
		visiting
		done
	)
	state := make([]int, len(tables))
	order := make([]int, 0, len(tables))
	var path []string
	var visit func(i int) error
	visit = func(i int) error {
		switch state[i] {
		case done:
			return nil
		case visiting:
			start := 0
			for k, n := range path {
				if n == tables[i].Name {
					start = k
				}
			}
			cycle := append(append([]string(nil), path[start:]...), tables[i].Name)
			return fmt.Errorf("orm: foreign keys form a cycle: %s; create these tables without one of the keys and add it with ALTER TABLE", strings.Join(cycle, " -> "))
		}
		state[i] = visiting
		path = append(path, tables[i].Name)
		for _, j := range deps[i] {
			if err := visit(j); err != nil {
				return err
			}
		}
		path = path[:len(path)-1]
		state[i] = done
		order = append(order, i)
		return nil
	}
	for i := range tables {
		if err := visit(i); err != nil {
			return nil, err
		}
	}
	return order, nil
}
