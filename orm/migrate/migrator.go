package migrate

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"math"
	"slices"
	"sort"
	"time"

	"github.com/aiodb/aiodb/aio"
	"github.com/aiodb/aiodb/driver"
	"github.com/aiodb/aiodb/orm"
	"github.com/aiodb/aiodb/orm/dialect"
	"github.com/aiodb/aiodb/orm/schema"
)

// Migration is one version of the schema: the change up to it and, when
// it can be undone, back down from it.
type Migration struct {
	// Version orders the migrations; each is applied once, lowest first.
	Version int64
	// Name is recorded with the version and named in errors.
	Name string
	// Up applies the migration; Down undoes it (nil: it cannot be rolled
	// back, and Down stops there with ErrNoDown).
	Up, Down Func
	// NoTx runs the migration outside a transaction, as on MySQL, where
	// DDL commits by itself: it is recorded dirty before it starts and
	// clean once it has finished, so a failure midway is seen (ErrDirty).
	// On SQLite, where the transaction is the migrators' lock, a NoTx
	// migration is not guarded against a second migrator.
	NoTx bool
	// Checksum is the SHA-256 of a .sql migration's up file (FromFS),
	// recorded and compared on later runs; "" for Go migrations.
	Checksum string
	// Source names the up file of a .sql migration.
	Source string
}

// Migrator applies and rolls back the versioned migrations of one
// database, recording them in a table of it (DefaultTable). Its methods
// are sync by design, like orm's CreateTable: they run under
// aio.AllowSync, so that a DB whose guard refuses sync calls (aio_sync=
// error or panic) still migrates. A Migrator is safe for use by one
// goroutine at a time; migrators in other processes (or on other pools)
// are kept apart by a lock in the database.
type Migrator struct {
	db    *orm.DB
	r     *renderer
	store store
	migs  []Migration // by version
}

// Option configures New.
type Option func(*Migrator) error

// Table names the table that records the applied migrations (default
// DefaultTable): two applications sharing a database keep apart so.
func Table(name string) Option {
	return func(m *Migrator) error {
		if !schema.ValidIdent(name) {
			return fmt.Errorf("migrate: table name %q is not a valid identifier", name)
		}
		m.store.table = name
		return nil
	}
}

// New returns a migrator of db with no migrations: add them with Add and
// AddFS. It fails for a dialect this package does not know.
func New(db *orm.DB, opts ...Option) (*Migrator, error) {
	r, err := newRenderer(db.Dialect(), nil)
	if err != nil {
		return nil, err
	}
	m := &Migrator{db: db, r: r, store: store{r: r, table: DefaultTable}}
	for _, o := range opts {
		if err := o(m); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// Add registers migrations. A version may be registered once; a
// migration needs a positive version and an Up.
func (m *Migrator) Add(migs ...Migration) error {
	for _, mig := range migs {
		if mig.Version <= 0 {
			return fmt.Errorf("migrate: migration %q: the version must be positive, not %d", mig.Name, mig.Version)
		}
		if mig.Up == nil {
			return fmt.Errorf("migrate: migration %d %s has no Up", mig.Version, mig.Name)
		}
		if i := m.find(mig.Version); i >= 0 {
			return fmt.Errorf("migrate: version %d is registered twice: %q and %q", mig.Version, m.migs[i].Name, mig.Name)
		}
		m.migs = append(m.migs, mig)
		sort.Slice(m.migs, func(i, j int) bool { return m.migs[i].Version < m.migs[j].Version })
	}
	return nil
}

// AddFS registers the .sql migrations of dir in fsys (see FromFS).
func (m *Migrator) AddFS(fsys fs.FS, dir string) error {
	migs, err := FromFS(fsys, dir)
	if err != nil {
		return err
	}
	return m.Add(migs...)
}

// Migrations returns the registered migrations by version.
func (m *Migrator) Migrations() []Migration { return slices.Clone(m.migs) }

// Dialect returns the dialect of the database being migrated.
func (m *Migrator) Dialect() *dialect.Dialect { return m.r.d }

func (m *Migrator) find(version int64) int {
	for i := range m.migs {
		if m.migs[i].Version == version {
			return i
		}
	}
	return -1
}

// session runs fn on a connection of its own that holds the migrators'
// lock, with the migrations table created.
func (m *Migrator) session(ctx context.Context, fn func(ctx context.Context, conn *sql.Conn) error) error {
	ctx = aio.AllowSync(ctx)
	conn, err := m.db.SQLDB().Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	defer conn.Close()
	unlock, err := lock(driver.Internal(ctx), conn, m.r.c, m.store.table)
	if err != nil {
		return err
	}
	defer unlock()
	if err := m.store.ensure(driver.Internal(ctx), conn); err != nil {
		return fmt.Errorf("migrate: creating the migrations table %s: %w", m.store.table, err)
	}
	return fn(ctx, conn)
}

// check refuses to go on from a dirty or changed state.
func (m *Migrator) check(recs map[int64]record) error {
	for _, v := range sortedVersions(recs) {
		r := recs[v]
		if r.Dirty {
			return fmt.Errorf("%w: migration %d %s failed midway and was not rolled back; repair the schema by hand, then Force it applied (its changes all made) or not applied (none made)",
				ErrDirty, r.Version, r.Name)
		}
		if i := m.find(v); i >= 0 {
			mig := &m.migs[i]
			if r.Checksum != "" && mig.Checksum != "" && r.Checksum != mig.Checksum {
				return fmt.Errorf("%w: migration %d %s (%s) is not the file that was applied (checksum %.12s, applied %.12s); add a new migration instead of editing an applied one",
					ErrChanged, mig.Version, mig.Name, mig.Source, mig.Checksum, r.Checksum)
			}
		}
	}
	return nil
}

func sortedVersions(recs map[int64]record) []int64 {
	vs := make([]int64, 0, len(recs))
	for v := range recs {
		vs = append(vs, v)
	}
	slices.Sort(vs)
	return vs
}

// Up applies every pending migration, lowest version first, each in its
// own transaction where the dialect allows DDL in one, and returns those
// it applied (none when another migrator applied them first). It stops
// at the first failure, which is a *MigrationError; the migrations before
// it stay applied. It fails before applying anything when the database is
// dirty (ErrDirty), an applied .sql file changed (ErrChanged), or a
// migration is pending below an applied one (ErrOutOfOrder).
func (m *Migrator) Up(ctx context.Context) ([]Migration, error) {
	return m.UpTo(ctx, math.MaxInt64)
}

// UpTo is Up for the migrations up to version, inclusive.
func (m *Migrator) UpTo(ctx context.Context, version int64) ([]Migration, error) {
	var done []Migration
	err := m.session(ctx, func(ctx context.Context, conn *sql.Conn) error {
		recs, err := m.store.all(driver.Internal(ctx), conn)
		if err != nil {
			return fmt.Errorf("migrate: reading %s: %w", m.store.table, err)
		}
		if err := m.check(recs); err != nil {
			return err
		}
		var top int64
		for v := range recs {
			top = max(top, v)
		}
		var pending []*Migration
		for i := range m.migs {
			mig := &m.migs[i]
			if _, ok := recs[mig.Version]; ok || mig.Version > version {
				continue
			}
			if mig.Version < top {
				return fmt.Errorf("%w: migration %d %s is pending but %d is applied; give it a version above %d", ErrOutOfOrder, mig.Version, mig.Name, top, top)
			}
			pending = append(pending, mig)
		}
		for _, mig := range pending {
			ran, err := m.run(ctx, conn, mig, false)
			if err != nil {
				return err
			}
			if ran {
				done = append(done, *mig)
			}
		}
		return nil
	})
	return done, err
}

// Down rolls back the last steps applied migrations, highest version
// first, and returns those it rolled back.
func (m *Migrator) Down(ctx context.Context, steps int) ([]Migration, error) {
	if steps < 1 {
		return nil, fmt.Errorf("migrate: Down(%d): steps must be at least 1", steps)
	}
	return m.down(ctx, func(applied []int64) []int64 {
		return applied[max(0, len(applied)-steps):]
	})
}

// DownTo rolls back every applied migration above version (0: all of
// them), highest first.
func (m *Migrator) DownTo(ctx context.Context, version int64) ([]Migration, error) {
	return m.down(ctx, func(applied []int64) []int64 {
		i, _ := slices.BinarySearch(applied, version+1)
		return applied[i:]
	})
}

func (m *Migrator) down(ctx context.Context, pick func(applied []int64) []int64) ([]Migration, error) {
	var done []Migration
	err := m.session(ctx, func(ctx context.Context, conn *sql.Conn) error {
		recs, err := m.store.all(driver.Internal(ctx), conn)
		if err != nil {
			return fmt.Errorf("migrate: reading %s: %w", m.store.table, err)
		}
		if err := m.check(recs); err != nil {
			return err
		}
		targets := pick(sortedVersions(recs))
		for i := len(targets) - 1; i >= 0; i-- {
			v := targets[i]
			j := m.find(v)
			if j < 0 {
				return fmt.Errorf("migrate: migration %d %s is applied but not registered: it cannot be rolled back", v, recs[v].Name)
			}
			mig := &m.migs[j]
			if mig.Down == nil {
				return fmt.Errorf("%w: migration %d %s", ErrNoDown, mig.Version, mig.Name)
			}
			ran, err := m.run(ctx, conn, mig, true)
			if err != nil {
				return err
			}
			if ran {
				done = append(done, *mig)
			}
		}
		return nil
	})
	return done, err
}

// run applies (or with down rolls back) one migration on conn and records
// it, in one transaction when it can; it reports false when another
// migrator did it first.
func (m *Migrator) run(ctx context.Context, conn *sql.Conn, mig *Migration, down bool) (bool, error) {
	useTx := m.r.c.txDDL && !mig.NoTx
	ran := false
	ictx := driver.Internal(ctx)
	err := runTx(ctx, conn, m.r, useTx, func(ex execer) error {
		// Look again under the lock: on SQLite the transaction is it.
		_, applied, err := m.store.get(ictx, ex, mig.Version)
		if err != nil {
			return fmt.Errorf("migrate: reading %s: %w", m.store.table, err)
		}
		if applied != down {
			return nil
		}
		if !useTx {
			// Seen as dirty if the migration fails midway.
			if down {
				err = m.store.update(ictx, ex, mig, true)
			} else {
				err = m.store.insert(ictx, ex, mig, true)
			}
			if err != nil {
				return fmt.Errorf("migrate: recording migration %d: %w", mig.Version, err)
			}
		}
		fn := mig.Up
		if down {
			fn = mig.Down
		}
		tx := &Tx{ex: ex, r: &renderer{d: m.r.d, c: m.r.c, cat: liveCatalog{q: ex, c: m.r.c}}}
		if err := fn(ctx, tx); err != nil {
			return asMigrationError(mig, down, !useTx, err)
		}
		switch {
		case down:
			err = m.store.delete(ictx, ex, mig.Version)
		case useTx:
			err = m.store.insert(ictx, ex, mig, false)
		default:
			err = m.store.update(ictx, ex, mig, false)
		}
		if err != nil {
			return fmt.Errorf("migrate: recording migration %d: %w", mig.Version, err)
		}
		ran = true
		return nil
	})
	if err != nil {
		if _, ok := err.(*MigrationError); !ok && ran {
			// The commit failed (a foreign key check, say).
			err = asMigrationError(mig, down, !useTx, err)
		}
		return false, err
	}
	return ran, nil
}

// Status is the state of one migration.
type Status struct {
	Version int64
	Name    string
	Applied bool
	// AppliedAt is when it was applied (zero when it is not).
	AppliedAt time.Time
	// Dirty: it failed midway and was not rolled back (see ErrDirty).
	Dirty bool
	// Changed: an applied .sql migration's up file is not the one that
	// was applied (see ErrChanged).
	Changed bool
	// Missing: it is recorded as applied but not registered (a migration
	// of a newer program, or one deleted).
	Missing bool
}

// String is one line of a status listing.
func (s Status) String() string {
	state := "pending"
	switch {
	case s.Dirty:
		state = "DIRTY"
	case s.Changed:
		state = "CHANGED"
	case s.Applied:
		state = "applied " + s.AppliedAt.Format(time.RFC3339)
	}
	if s.Missing {
		state += " (not registered)"
	}
	return fmt.Sprintf("%6d %-32s %s", s.Version, s.Name, state)
}

// Status returns the state of every registered or recorded migration, by
// version. It takes no lock and creates nothing.
func (m *Migrator) Status(ctx context.Context) ([]Status, error) {
	ctx = driver.Internal(aio.AllowSync(ctx))
	q := m.db.SQLDB()
	recs := map[int64]record{}
	ok, err := m.store.exists(ctx, q)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	if ok {
		if recs, err = m.store.all(ctx, q); err != nil {
			return nil, fmt.Errorf("migrate: reading %s: %w", m.store.table, err)
		}
	}
	var out []Status
	for _, mig := range m.migs {
		s := Status{Version: mig.Version, Name: mig.Name}
		if r, ok := recs[mig.Version]; ok {
			s.Applied, s.Dirty = !r.Dirty, r.Dirty
			s.AppliedAt, _ = time.Parse(time.RFC3339, r.AppliedAt)
			s.Changed = r.Checksum != "" && mig.Checksum != "" && r.Checksum != mig.Checksum
			delete(recs, mig.Version)
		}
		out = append(out, s)
	}
	for _, r := range recs {
		at, _ := time.Parse(time.RFC3339, r.AppliedAt)
		out = append(out, Status{Version: r.Version, Name: r.Name, Applied: !r.Dirty, Dirty: r.Dirty, AppliedAt: at, Missing: true})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Force sets version's record by hand, running nothing: applied, it is
// recorded applied and clean with the registered migration's current
// checksum; not applied, its record is removed. It is how a dirty state
// is left once the schema was repaired by hand (applied when the
// migration's changes are all in place, not applied when none are), and
// how an edited .sql file is accepted.
func (m *Migrator) Force(ctx context.Context, version int64, applied bool) error {
	return m.session(ctx, func(ctx context.Context, conn *sql.Conn) error {
		ctx = driver.Internal(ctx)
		_, found, err := m.store.get(ctx, conn, version)
		if err != nil {
			return err
		}
		if !applied {
			if found {
				return m.store.delete(ctx, conn, version)
			}
			return nil
		}
		i := m.find(version)
		if i < 0 {
			return fmt.Errorf("migrate: Force(%d): no such migration is registered", version)
		}
		if found {
			return m.store.update(ctx, conn, &m.migs[i], false)
		}
		return m.store.insert(ctx, conn, &m.migs[i], false)
	})
}
