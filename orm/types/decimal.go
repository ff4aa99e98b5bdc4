package types

import (
	"database/sql/driver"
	"fmt"
	"math/big"
	"strconv"
)

// Decimal is an exact decimal number kept as its text, for NUMERIC and
// DECIMAL columns: no float64 ever holds it, so
// "12345678901234567890.123456" comes back digit for digit. Its column
// is NUMERIC on PostgreSQL, DECIMAL(65,30) on MySQL and TEXT on SQLite;
// type:numeric(20,6) sets precision and scale (the server then pads or
// rounds to the scale; compare with Cmp, not ==).
//
// Value rejects text that is not a decimal number, naming it, so a typo
// fails before it reaches the server. The zero Decimal "" binds as 0;
// NULL scans as ""; use *Decimal for a nullable column.
type Decimal string

// DecimalFromRat formats r with scale digits after the point (rounded half
// away from zero).
func DecimalFromRat(r *big.Rat, scale int) Decimal { return Decimal(r.FloatString(scale)) }

// Valid reports whether d is a decimal number: an optional sign, digits
// with an optional point, and an optional exponent ("-1.5", "2e10"), or
// PostgreSQL's NaN.
func (d Decimal) Valid() bool {
	s := string(d)
	if s == "NaN" {
		return true
	}
	i := 0
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		i++
	}
	digits := 0
	for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
		digits++
	}
	if i < len(s) && s[i] == '.' {
		for i++; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			digits++
		}
	}
	if digits == 0 {
		return false
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		exp := 0
		for ; i < len(s) && s[i] >= '0' && s[i] <= '9'; i++ {
			exp++
		}
		if exp == 0 {
			return false
		}
	}
	return i == len(s)
}

// Rat returns d as an exact rational; ok is false for "" and invalid
// text.
func (d Decimal) Rat() (r *big.Rat, ok bool) {
	if d == "" || d == "NaN" || !d.Valid() {
		return nil, false
	}
	return new(big.Rat).SetString(string(d))
}

// Cmp compares d and e as numbers (-1, 0, +1), so that "1.50" equals
// "1.5"; text that is not a number compares as text, after numbers.
func (d Decimal) Cmp(e Decimal) int {
	a, okA := d.Rat()
	b, okB := e.Rat()
	switch {
	case okA && okB:
		return a.Cmp(b)
	case okA:
		return -1
	case okB:
		return 1
	case d < e:
		return -1
	case d > e:
		return 1
	}
	return 0
}

// String returns the text.
func (d Decimal) String() string { return string(d) }

// Value binds the text (the server parses it exactly); "" binds 0.
func (d Decimal) Value() (driver.Value, error) {
	if d == "" {
		return "0", nil
	}
	if !d.Valid() {
		return nil, fmt.Errorf("orm: Decimal %q is not a decimal number", string(d))
	}
	return string(d), nil
}

// Scan reads the server's text; integers are formatted, and a float (a
// REAL column, not one Decimal made) is formatted in its shortest exact
// form. NULL sets "".
func (d *Decimal) Scan(src any) error {
	switch x := src.(type) {
	case nil:
		*d = ""
	case string:
		*d = Decimal(x)
	case []byte:
		*d = Decimal(x)
	case int64:
		*d = Decimal(strconv.FormatInt(x, 10))
	case float64:
		*d = Decimal(strconv.FormatFloat(x, 'f', -1, 64))
	default:
		return fmt.Errorf("orm: cannot scan %T into a Decimal", src)
	}
	return nil
}
