// Package types holds the column types aiodb adds to what database/sql
// scans: Decimal (an exact decimal kept as text), JSON[T] (any Go value
// stored as JSON), UUID, HStore (PostgreSQL's hstore), and the text codec
// of PostgreSQL arrays behind slice fields and PGArray. Each type is a
// driver.Valuer whose pointer is a sql.Scanner, so it works with any
// driver; package orm also knows their column types for CreateTableSQL
// and re-exports them under the same names.
//
// # Column types on each dialect
//
// Beyond the basic types, model fields may be:
//
//   - JSON[T] (any T, through encoding/json) and json.RawMessage: JSONB on
//     PostgreSQL, JSON on MySQL (MariaDB: LONGTEXT checked by json_valid),
//     TEXT on SQLite. *JSON[T] holds SQL NULL.
//   - UUID: UUID on PostgreSQL, CHAR(36) and TEXT elsewhere. A zero UUID
//     primary key gets NewUUID() when Create or Save inserts the row; with
//     default:gen_random_uuid() the server makes it and RETURNING reads
//     it back.
//   - Decimal: NUMERIC (or type:numeric(p,s)), DECIMAL(65,30) on MySQL,
//     TEXT on SQLite; digits are kept as text, never as a float64.
//   - HStore (map[string]*string), PostgreSQL only; open the DB with
//     RegisterHStore() to have CreateTable create the extension.
//   - []int64, []int32, []int, []int16, []string, []float64, []float32,
//     []bool and []UUID, and the same with pointer elements to keep NULL
//     elements: BIGINT[], TEXT[] and so on. Arrays are PostgreSQL's:
//     elsewhere NewModel refuses such a field (use JSON[[]T]). Scanning a
//     NULL element into a non-pointer element type is an error.
//   - time.Time on PostgreSQL is TIMESTAMPTZ: a time in any zone comes
//     back as the same instant (in the session's zone).
//
// These types bind and scan in their text forms, which lib/pq and pgx's
// stdlib both exchange for them, so aiopg and aiopgx behave the same and
// neither driver's own array or hstore types are needed.
package types
