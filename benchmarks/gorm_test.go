package benchmarks

import (
	"context"
	"database/sql"
	"strconv"
	"testing"

	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"
	"gorm.io/gorm/logger"
)

// gorm, with the settings its performance guide recommends: no default
// transaction around single writes, and a silent logger. gorm binds LIMIT
// as an argument (LIMIT $2); the benchmarks give it a clause builder that
// writes the limit as a literal, as the other libraries send it (see
// literalLimit). On MariaDB it also runs with PrepareStmt, the guide's
// other setting: each statement prepared once and reused.

// GormModel is Model with gorm's table name; gorm maps ID to the
// auto-increment primary key and the other fields to snake_case columns.
type GormModel Model

// TableName is the table of the gorm benchmarks.
func (GormModel) TableName() string { return "bench_gorm_model" }

// BenchmarkGorm runs gorm over the do-nothing driver (its postgres
// dialector), pgx's stdlib (gorm's own PostgreSQL driver) and
// go-sql-driver/mysql, there both as it is (mysql) and with PrepareStmt
// (mysql-preparestmt). gorm's SQLite drivers need cgo or a fork of
// modernc.org/sqlite, so it has no SQLite benchmark.
func BenchmarkGorm(b *testing.B) {
	b.Run("nop/nop", func(b *testing.B) {
		e := newNopEnv(GormModel{}.TableName())
		sqlDB := sql.OpenDB(e.nop.Connector())
		closeAfter(b, "nop", sqlDB.Close)
		e.run(b, gormSuite(b, e, postgres.New(postgres.Config{Conn: sqlDB}), false))
	})
	server := func(backend, name, driverName, dialect string, dsn func(*testing.B) string, prepare bool, open func(*sql.DB) gorm.Dialector) {
		b.Run(backend+"/"+name, func(b *testing.B) {
			sqlDB, err := sql.Open(driverName, dsn(b))
			if err != nil {
				b.Fatal(err)
			}
			closeAfter(b, name, sqlDB.Close)
			e := newServerEnv(b, sqlDB, backend, name, dialect, GormModel{}.TableName())
			e.run(b, gormSuite(b, e, open(sqlDB), prepare))
		})
	}
	pg := func(db *sql.DB) gorm.Dialector { return postgres.New(postgres.Config{Conn: db}) }
	my := func(db *sql.DB) gorm.Dialector { return mysql.New(mysql.Config{Conn: db}) }
	server(backendPG, "pgx", "pgx", "postgres", pgDSN, false, pg)
	server(backendMySQL, "mysql", "mysql", "mysql", mysqlDSN, false, my)
	server(backendMySQL, "mysql-preparestmt", "mysql", "mysql", mysqlDSN, true, my)
}

// literalLimit is a gorm clause builder for LIMIT that writes the limit
// as an integer literal (LIMIT 100) instead of binding it, the form
// aiodb, bun and the hand-written code send; OFFSET stays bound.
func literalLimit(c clause.Clause, builder clause.Builder) {
	l, ok := c.Expression.(clause.Limit)
	if !ok {
		c.Build(builder)
		return
	}
	if l.Limit != nil && *l.Limit >= 0 {
		builder.WriteString("LIMIT ")
		builder.WriteString(strconv.Itoa(*l.Limit))
	}
	if l.Offset > 0 {
		if l.Limit != nil && *l.Limit >= 0 {
			builder.WriteByte(' ')
		}
		builder.WriteString("OFFSET ")
		builder.AddVar(builder, l.Offset)
	}
}

func gormSuite(b *testing.B, e *env, dialector gorm.Dialector, prepare bool) suite {
	db, err := gorm.Open(dialector, &gorm.Config{
		SkipDefaultTransaction: true,
		PrepareStmt:            prepare,
		Logger:                 logger.Default.LogMode(logger.Silent),
	})
	if err != nil {
		b.Fatal(err)
	}
	db.ClauseBuilders["LIMIT"] = literalLimit
	ctx := context.Background()
	return suite{
		Insert: func(b *testing.B) {
			row := GormModel(sample(0))
			for b.Loop() {
				row.ID = 0
				if err := db.WithContext(ctx).Create(&row).Error; err != nil {
					b.Fatal(err)
				}
			}
			if row.ID == 0 {
				b.Fatal("Insert read back no id")
			}
		},
		InsertMulti: func(b *testing.B) {
			rows := make([]GormModel, batch)
			for i, s := range samples(batch) {
				rows[i] = GormModel(s)
			}
			for b.Loop() {
				for i := range rows {
					rows[i].ID = 0
				}
				if err := db.WithContext(ctx).Create(&rows).Error; err != nil {
					b.Fatal(err)
				}
			}
			if rows[batch-1].ID == 0 {
				b.Fatal("InsertMulti read back no ids")
			}
		},
		Update: func(b *testing.B) {
			row := GormModel(sample(1))
			row.ID = e.readID
			for b.Loop() {
				row.Counter++
				if err := db.WithContext(ctx).Save(&row).Error; err != nil {
					b.Fatal(err)
				}
			}
		},
		Read: func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				key := e.key(i)
				var row GormModel
				if err := db.WithContext(ctx).First(&row, key).Error; err != nil {
					b.Fatal(err)
				}
				if row.ID != e.want(key) {
					b.Fatalf("Read(%d) returned id %d", key, row.ID)
				}
			}
		},
		ReadSlice: func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				var rows []GormModel
				if err := db.WithContext(ctx).Where("id > ?", e.after(i)).Limit(batch).Find(&rows).Error; err != nil {
					b.Fatal(err)
				}
				if len(rows) != batch {
					b.Fatalf("ReadSlice returned %d rows, want %d", len(rows), batch)
				}
			}
		},
	}
}
