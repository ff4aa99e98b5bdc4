package driver

// knownLibraries are the third-party packages that commonly stand between a
// program and database/sql: query builders and ORMs the program calls,
// migration tools, and wrapping drivers (tracing, metrics) that sit between
// database/sql and this driver. The guard passes over their frames when it
// names the caller of a sync call, as it does for those of
// SkipCallerPackages, so that SyncCallError.Caller, the warn log line and
// hooks.SyncViolation.Caller name the program's own line (a bun or gorm
// query, a goose.Up) rather than the library's. Skipping costs nothing
// unless a sync call is reported, and nothing here lets a call through:
// that is AllowSyncFrom's or aio.AllowSync's to decide.
var knownLibraries = []string{
	// ORMs, query builders and scanners.
	"github.com/jmoiron/sqlx",
	"github.com/uptrace/bun",
	"gorm.io/gorm",
	"gorm.io/driver", // gorm's dialectors: postgres, mysql, sqlite, ...
	"entgo.io/ent",
	"github.com/Masterminds/squirrel",
	"github.com/doug-martin/goqu/v9",
	"github.com/georgysavva/scany/v2",
	"github.com/stephenafamo/bob",
	"xorm.io/xorm",
	// Migration tools.
	"github.com/pressly/goose/v3",
	"github.com/golang-migrate/migrate/v4",
	// Wrapping drivers between database/sql and this driver.
	"github.com/XSAM/otelsql",
	"github.com/uptrace/opentelemetry-go-extra/otelsql",
	"go.nhat.io/otelsql",
	"github.com/ngrok/sqlmw",
	"github.com/qustavo/sqlhooks/v2",
	"github.com/luna-duclos/instrumentedsql",
}
