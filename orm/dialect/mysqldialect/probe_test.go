package mysqldialect

import "testing"

// TestReturning: RETURNING is MariaDB 10.5 and later only, whatever the
// version string's decorations.
func TestReturning(t *testing.T) {
	for v, want := range map[string]bool{
		"10.11.6-MariaDB-0+deb12u1": true,
		"10.5.0-MariaDB":            true,
		"10.4.32-MariaDB-log":       false,
		"5.5.5-10.6.12-MariaDB":     true,
		"11.4.2-MariaDB":            true,
		"8.0.36":                    false,
		"9.1.0-commercial":          false,
		"":                          false,
	} {
		if got := returning(v); got != want {
			t.Errorf("returning(%q) = %v, want %v", v, got, want)
		}
	}
}
