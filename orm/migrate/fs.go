package migrate

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io/fs"
	"path"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// fileName is VERSION_NAME.up.sql or VERSION_NAME.down.sql.
var fileName = regexp.MustCompile(`^(\d+)_([A-Za-z0-9_-]+)\.(up|down)\.sql$`)

// FromFS reads the migrations of the .sql files in dir of fsys (an
// embed.FS, os.DirFS, fstest.MapFS): 0001_create_pages.up.sql and
// 0001_create_pages.down.sql are version 1, "create_pages". The down file
// may be left out, making the migration one that cannot be rolled back.
// Other .sql file names are an error, other files are ignored.
//
// A file holds statements ended by semicolons. Lines
// "-- +aiodb StatementBegin" and "-- +aiodb StatementEnd" enclose one
// sent whole (a trigger's body); a line "-- +aiodb NoTransaction" in
// either file runs the migration outside a transaction. The SHA-256 of the
// up file is recorded when it is applied: an applied file that changes
// afterwards makes Up fail with ErrChanged.
func FromFS(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("migrate: %w", err)
	}
	byVersion := map[int64]*Migration{}
	downs := map[int64]string{}
	for _, e := range entries {
		if e.IsDir() || !strings.HasSuffix(e.Name(), ".sql") {
			continue
		}
		m := fileName.FindStringSubmatch(e.Name())
		if m == nil {
			return nil, fmt.Errorf("migrate: %s: want VERSION_NAME.up.sql or VERSION_NAME.down.sql, e.g. 0001_create_pages.up.sql", path.Join(dir, e.Name()))
		}
		v, err := strconv.ParseInt(m[1], 10, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("migrate: %s: the version must be a positive number", path.Join(dir, e.Name()))
		}
		b, err := fs.ReadFile(fsys, path.Join(dir, e.Name()))
		if err != nil {
			return nil, fmt.Errorf("migrate: %w", err)
		}
		mig := byVersion[v]
		if mig == nil {
			mig = &Migration{Version: v, Name: m[2]}
			byVersion[v] = mig
		} else if mig.Name != m[2] {
			return nil, fmt.Errorf("migrate: %s: version %d is also %q", path.Join(dir, e.Name()), v, mig.Name)
		}
		text := string(b)
		mig.NoTx = mig.NoTx || hasNoTx(text)
		file := path.Join(dir, e.Name())
		if m[3] == "up" {
			mig.Up = sqlFunc(text)
			sum := sha256.Sum256(b)
			mig.Checksum = hex.EncodeToString(sum[:])
			mig.Source = file
		} else {
			mig.Down = sqlFunc(text)
			downs[v] = file
		}
	}
	out := make([]Migration, 0, len(byVersion))
	for v, m := range byVersion {
		if m.Up == nil {
			return nil, fmt.Errorf("migrate: %s has no up file", downs[v])
		}
		out = append(out, *m)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// sqlFunc runs a .sql file's statements one by one, split in the
// dialect's way when the migration runs.
func sqlFunc(text string) Func {
	return func(ctx context.Context, tx *Tx) error {
		stmts, err := splitStatements(text, tx.r.c.hashComments)
		if err != nil {
			return err
		}
		for _, s := range stmts {
			if _, err := tx.Exec(ctx, s); err != nil {
				return err
			}
		}
		return nil
	}
}
