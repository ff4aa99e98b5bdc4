//go:build race

package orm_test

// raceEnabled: under the race detector sync.Pool drops a quarter of what
// is put back, so allocation counts of pooled paths are not the program's.
const raceEnabled = true
