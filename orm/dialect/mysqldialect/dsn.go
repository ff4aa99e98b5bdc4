package mysqldialect

import "strings"

// OpenDSN sets the time options of an aiomysql DSN for orm.Open: loc=UTC,
// replacing the user's loc, and parseTime=true unless the DSN sets
// parseTime. The ORM stores times as their UTC wall clock (BindTime), so
// go-sql-driver/mysql must read them in UTC: read in a zone with daylight
// saving time, a wall clock in the hour skipped in spring does not exist
// and comes back an hour off, which no later conversion can undo.
// parseTime=true only saves parsing text; both are read right.
func OpenDSN(dsn string) string {
	// [user[:password]@][net[(addr)]]/dbname[?param1=value1&...]: the
	// parameters follow the first '?' after the last '/' (a password may
	// hold either).
	slash := strings.LastIndexByte(dsn, '/')
	if slash < 0 {
		return dsn // not a DSN go-sql-driver accepts; let it say so
	}
	base, query := dsn, ""
	if q := strings.IndexByte(dsn[slash:], '?'); q >= 0 {
		base, query = dsn[:slash+q], dsn[slash+q+1:]
	}
	var params []string
	parseTime := false
	for _, p := range strings.Split(query, "&") {
		key, _, _ := strings.Cut(p, "=")
		switch key {
		case "":
			continue
		case "loc":
			continue
		case "parseTime":
			parseTime = true
		}
		params = append(params, p)
	}
	params = append(params, "loc=UTC")
	if !parseTime {
		params = append(params, "parseTime=true")
	}
	return base + "?" + strings.Join(params, "&")
}
