package schema

import (
	"database/sql"
	"fmt"
	"time"
)

// timeScanner reads a time that may arrive as text: MySQL without
// parseTime=true sends DATETIME as bytes; SQLite returns text for
// expressions over time columns.
type timeScanner struct {
	column, goName string        // for errors
	dst            *time.Time    // a time.Time field
	ptr            **time.Time   // or a *time.Time field
	null           *sql.NullTime // or a sql.NullTime field
	// wallUTC: a time.Time from the driver is a UTC wall clock read in
	// the driver's location (Dialect.TimeWallUTC).
	wallUTC bool
}

// TimeDest returns a Scan destination for a time.Time that may arrive as
// text (see Dests.Set); column names it in errors.
func TimeDest(column string, dst *time.Time, wallUTC bool) sql.Scanner {
	return &timeScanner{column: column, goName: "(scalar)", dst: dst, wallUTC: wallUTC}
}

// textTimeLayouts are tried in order; a time without an offset is UTC,
// which is how go-sql-driver/mysql writes times by default (loc=UTC).
var textTimeLayouts = []string{
	"2006-01-02 15:04:05.999999999-07:00",
	"2006-01-02T15:04:05.999999999Z07:00",
	"2006-01-02 15:04:05.999999999",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02 15:04:05.999999999 -0700 MST",
	"2006-01-02",
}

func (s *timeScanner) Scan(src any) error {
	var t time.Time
	switch v := src.(type) {
	case time.Time:
		t = v
		if s.wallUTC && v.Location() != time.UTC {
			t = time.Date(v.Year(), v.Month(), v.Day(), v.Hour(), v.Minute(), v.Second(), v.Nanosecond(), time.UTC)
		}
	case nil:
		switch {
		case s.ptr != nil:
			*s.ptr = nil
			return nil
		case s.null != nil:
			*s.null = sql.NullTime{}
			return nil
		}
		return fmt.Errorf("orm: NULL in column %q cannot be stored in field %s of type time.Time; use *time.Time or sql.NullTime", s.column, s.goName)
	case []byte:
		return s.parse(string(v))
	case string:
		return s.parse(v)
	default:
		return fmt.Errorf("orm: cannot store %T in field %s of type time.Time", src, s.goName)
	}
	s.set(t)
	return nil
}

func (s *timeScanner) parse(text string) error {
	for _, layout := range textTimeLayouts {
		if t, err := time.Parse(layout, text); err == nil {
			s.set(t)
			return nil
		}
	}
	return fmt.Errorf("orm: cannot parse %q in column %q as a time for field %s", text, s.column, s.goName)
}

func (s *timeScanner) set(t time.Time) {
	if s.null != nil {
		*s.null = sql.NullTime{Time: t, Valid: true}
		return
	}
	if s.ptr != nil {
		p := new(time.Time)
		*p = t
		*s.ptr = p
		return
	}
	*s.dst = t
}
