package types

import (
	"crypto/rand"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
)

// UUID is a 16-byte UUID column: UUID on PostgreSQL, CHAR(36) on MySQL and
// TEXT on SQLite, bound in its canonical text form. The zero UUID is
// "unset": a zero UUID primary key without a default: tag gets NewUUID()
// when Create or Save inserts the row; with default:gen_random_uuid()
// (PostgreSQL 13+) the server makes it and RETURNING reads it back.
// Create, Save, GetOrCreate, CreateOrGet and Manager.Create generate keys;
// an Insert query binds them as given. A NULL scans as the zero UUID; use
// *UUID for a nullable column.
type UUID [16]byte

// NewUUID returns a random (version 4) UUID from crypto/rand.
func NewUUID() UUID {
	var u UUID
	rand.Read(u[:]) // never fails (crypto/rand panics instead)
	u[6] = u[6]&0x0f | 0x40
	u[8] = u[8]&0x3f | 0x80
	return u
}

// ParseUUID reads a UUID in the canonical 36-character form, as 32 hex
// digits, or either of those in braces or after "urn:uuid:".
func ParseUUID(s string) (UUID, error) {
	var u UUID
	t := s
	switch {
	case len(t) == 38 && t[0] == '{' && t[37] == '}':
		t = t[1:37]
	case len(t) == 45 && t[:9] == "urn:uuid:":
		t = t[9:]
	}
	var h []byte
	switch len(t) {
	case 32:
		h = []byte(t)
	case 36:
		if t[8] != '-' || t[13] != '-' || t[18] != '-' || t[23] != '-' {
			return u, fmt.Errorf("orm: invalid UUID %q", s)
		}
		h = make([]byte, 0, 32)
		h = append(h, t[:8]...)
		h = append(h, t[9:13]...)
		h = append(h, t[14:18]...)
		h = append(h, t[19:23]...)
		h = append(h, t[24:]...)
	default:
		return u, fmt.Errorf("orm: invalid UUID %q (length %d)", s, len(s))
	}
	if _, err := hex.Decode(u[:], h); err != nil {
		return UUID{}, fmt.Errorf("orm: invalid UUID %q", s)
	}
	return u, nil
}

// MustParseUUID is ParseUUID that panics, for constants in code and tests.
func MustParseUUID(s string) UUID {
	u, err := ParseUUID(s)
	if err != nil {
		panic(err)
	}
	return u
}

// String is the canonical lower-case form, 8-4-4-4-12 hex digits.
func (u UUID) String() string {
	var b [36]byte
	u.appendText(b[:0])
	return string(b[:])
}

// AppendText appends the canonical text form (encoding.TextAppender).
func (u UUID) AppendText(b []byte) ([]byte, error) { return u.appendText(b), nil }

func (u UUID) appendText(b []byte) []byte {
	b = hex.AppendEncode(b, u[:4])
	b = append(b, '-')
	b = hex.AppendEncode(b, u[4:6])
	b = append(b, '-')
	b = hex.AppendEncode(b, u[6:8])
	b = append(b, '-')
	b = hex.AppendEncode(b, u[8:10])
	b = append(b, '-')
	return hex.AppendEncode(b, u[10:])
}

// IsZero reports whether u is the zero (unset) UUID.
func (u UUID) IsZero() bool { return u == UUID{} }

// Value binds the canonical text, which PostgreSQL's uuid type, CHAR(36)
// and TEXT columns all accept.
func (u UUID) Value() (driver.Value, error) { return u.String(), nil }

// Scan reads the text form (string or bytes) or 16 raw bytes; NULL sets
// the zero UUID.
func (u *UUID) Scan(src any) error {
	switch s := src.(type) {
	case nil:
		*u = UUID{}
		return nil
	case string:
		v, err := ParseUUID(s)
		*u = v
		return err
	case []byte:
		if len(s) == 16 {
			copy(u[:], s)
			return nil
		}
		v, err := ParseUUID(string(s))
		*u = v
		return err
	}
	return fmt.Errorf("orm: cannot scan %T into a UUID", src)
}

// MarshalText writes the canonical form (JSON encodes a UUID as a string).
func (u UUID) MarshalText() ([]byte, error) { return u.appendText(nil), nil }

// UnmarshalText parses any form ParseUUID accepts.
func (u *UUID) UnmarshalText(b []byte) error {
	v, err := ParseUUID(string(b))
	if err != nil {
		return err
	}
	*u = v
	return nil
}
