// Package migrate evolves the schema of an orm.DB: schema changes as
// values rendered per dialect, versioned migrations (Go functions and
// .sql files) applied once each under a lock, and a diff of models
// against the live schema.
//
// # Operations
//
// An Op is one change: CreateTable and DropTable, AddColumn (AddField
// takes the column of a model's field, with its type in the dialect, its
// default and NOT NULL), DropColumn, RenameColumn, RenameTable, AddIndex
// (unique, several columns, partial with Index.Where on PostgreSQL and
// SQLite) and DropIndex, SetNotNull and DropNotNull, AlterType, RawSQL.
// SQL renders ops for a dialect; Preview renders them against a database;
// Apply runs them now; Ops makes them a migration.
//
// Dialects differ, and each op is written the way its dialect documents:
//
//   - PostgreSQL: ALTER TABLE ... ALTER COLUMN ... SET NOT NULL / TYPE ...
//     USING.
//   - MySQL and MariaDB: ALTER TABLE ... MODIFY COLUMN with the column's
//     whole definition, its present type, nullability and default read
//     from information_schema (its charset, collation and comment are not
//     kept); DROP INDEX ... ON; no partial indexes.
//   - SQLite: renames, ADD COLUMN and DROP COLUMN are ALTER TABLE; the
//     other changes, and dropping a column in a key or an index, rebuild
//     the table as https://www.sqlite.org/lang_altertable.html ("Making
//     Other Kinds Of Table Schema Changes") describes: in one transaction
//     with foreign keys off, create the new table from the old CREATE
//     TABLE text with one column changed, copy the rows, drop the old
//     table, rename the new one, create its indexes, triggers and the
//     views that name it again, and run PRAGMA foreign_key_check before
//     the commit. Rows, CHECK constraints, AUTOINCREMENT and references
//     are kept.
//
// # Versioned migrations
//
// A Migrator applies Migrations in version order and records each in a
// table (DefaultTable, or the Table option) with its name, the SHA-256 of
// its .sql file, whether it is dirty and when it was applied. Migrations
// are Go functions (Migration.Up and Down, a Func, often Ops(...)) or .sql
// files read by FromFS and AddFS from any fs.FS, an embed.FS included:
//
//	migrations/0001_create_pages.up.sql
//	migrations/0001_create_pages.down.sql
//	migrations/0002_add_title.up.sql
//
// Up applies what is pending, Down and DownTo roll back, Status lists the
// state, Force repairs a record by hand.
//
// # Transactions and failures
//
// Each migration runs in its own transaction where the dialect allows DDL
// in one: PostgreSQL and SQLite. A migration that fails there is rolled
// back, schema and record both, and its error, a *MigrationError, names
// the migration (version and name) and the statement that failed.
//
// MySQL and MariaDB commit implicitly before and after every DDL
// statement, so there a migration runs without a transaction: it is
// recorded dirty before it starts and clean when it ends. When it fails
// midway, what ran stays, and every later Up and Down fails with ErrDirty
// until the schema is repaired by hand and the version is set with Force.
// Keep a MySQL migration to one DDL statement where you can. Migration.NoTx
// (or a "-- +aiodb NoTransaction" line in a .sql file) runs a migration so
// on any dialect, for statements that refuse a transaction (PostgreSQL's
// CREATE INDEX CONCURRENTLY).
//
// An applied .sql file that was edited afterwards makes Up fail with
// ErrChanged before anything runs, and shows as Changed in Status. A
// migration pending below an applied one fails with ErrOutOfOrder.
//
// # Concurrent migrators
//
// Two processes (or two pools) migrating one database apply each
// migration once: a migrator holds a lock while it reads what is applied
// and applies the rest. On PostgreSQL it is pg_advisory_lock, and on MySQL
// and MariaDB GET_LOCK, each on a connection of the migrator's own, which
// also runs the migrations. On SQLite each migration's transaction begins
// with BEGIN IMMEDIATE, which takes the database's write lock, and looks
// again at the record before it runs. The migrator that waited finds the
// migrations applied and returns without applying them.
//
// # Diff
//
// Diff compares models (Model.Table()) with the live schema: PostgreSQL's
// pg_catalog, MySQL's information_schema and SQLite's pragma_table_info
// and pragma_index_list. It returns the ops that would bring the database
// to the models: missing tables, columns and indexes, and with
// DiffOptions NOT NULL and type changes. It drops nothing unless
// DiffOptions.Drop asks for it. The command (cmd/aiodb) knows no models,
// so its diff prints the statements of the pending .sql migrations
// instead.
//
// # The sync guard
//
// Migrating is sync by design, like orm's CreateTable: every function of
// this package runs its statements under aio.AllowSync, so a DB opened
// with aio_sync=panic or error still migrates. The bookkeeping statements
// (the lock, the migrations table) are also marked driver.Internal, so
// hooks can leave them out.
package migrate
