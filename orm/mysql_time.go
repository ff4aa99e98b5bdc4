package orm

import "time"

// mysqlTimeLayout is DATETIME(6)'s text: microseconds, trailing zeros
// dropped, no zone.
const mysqlTimeLayout = "2006-01-02 15:04:05.999999"

// mysqlTime is the MySQL dialect's BindTime: a time is bound as its UTC
// wall clock in text. go-sql-driver/mysql would write a time.Time in the
// DSN's loc (UTC by default, Local when the user says so), so the same
// instant would be stored as different wall clocks under different DSNs;
// as text it is stored the same way whatever the DSN says, and the
// scanner reads it back as UTC (Dialect.TimeWallUTC) with or without
// parseTime. Precision is the microsecond of DATETIME(6): finer digits
// are cut here, so that MySQL (which rounds) and MariaDB (which cuts)
// store the same value.
func mysqlTime(t time.Time) any {
	return t.UTC().Format(mysqlTimeLayout)
}
