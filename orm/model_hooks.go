package orm

import (
	"context"
	"fmt"
	"reflect"

	"github.com/aiodb/aiodb/orm/schema"
)

// BeforeSaver is implemented by a model (on *T or T) that must run code
// before Create, Save or Manager.Update writes it, like peewee-async's
// pre_save signal. created is true for an INSERT. An error aborts the
// operation before anything is written and is returned wrapped with the
// model's name. The hook may change the object: the statement is built
// from it afterwards.
type BeforeSaver interface {
	BeforeSave(ctx context.Context, created bool) error
}

// AfterSaver is implemented by a model that must run code after Create,
// Save or Manager.Update wrote it (post_save). When a model implements
// it, the write and both save hooks run in db.Atomic (a transaction, or a
// savepoint inside the one ctx carries), and the ctx the hooks receive is
// bound to it: statements the hooks run join it, and an error from
// AfterSave rolls the write back and is returned.
type AfterSaver interface {
	AfterSave(ctx context.Context, created bool) error
}

// BeforeDeleter is implemented by a model that must run code before
// DeleteInstance or Manager.Delete deletes it (pre_delete). An error
// aborts the deletion before anything is written.
type BeforeDeleter interface {
	BeforeDelete(ctx context.Context) error
}

// AfterDeleter is implemented by a model that must run code after
// DeleteInstance or Manager.Delete deleted it (post_delete). As for
// AfterSaver, the deletion then runs in db.Atomic and an error from
// AfterDelete rolls it back (dependent rows of a recursive delete too).
type AfterDeleter interface {
	AfterDelete(ctx context.Context) error
}

// hookSet says which hooks a model implements, found once per type so
// that a model without hooks pays nothing.
type hookSet uint8

const (
	hookBeforeSave hookSet = 1 << iota
	hookAfterSave
	hookBeforeDelete
	hookAfterDelete
)

func hooksOf(typ reflect.Type) hookSet {
	p := reflect.PointerTo(typ)
	var h hookSet
	for _, x := range [...]struct {
		iface reflect.Type
		bit   hookSet
	}{
		{reflect.TypeFor[BeforeSaver](), hookBeforeSave},
		{reflect.TypeFor[AfterSaver](), hookAfterSave},
		{reflect.TypeFor[BeforeDeleter](), hookBeforeDelete},
		{reflect.TypeFor[AfterDeleter](), hookAfterDelete},
	} {
		if p.Implements(x.iface) {
			h |= x.bit
		}
	}
	return h
}

func (e *entity) beforeSave(ctx context.Context, p schema.Ptr, created bool) error {
	if e.hooks&hookBeforeSave == 0 {
		return nil
	}
	if err := e.obj(p).(BeforeSaver).BeforeSave(ctx, created); err != nil {
		return fmt.Errorf("orm: %v.BeforeSave: %w", e.t.GoType, err)
	}
	return nil
}

func (e *entity) afterSave(ctx context.Context, p schema.Ptr, created bool) error {
	if e.hooks&hookAfterSave == 0 {
		return nil
	}
	if err := e.obj(p).(AfterSaver).AfterSave(ctx, created); err != nil {
		return fmt.Errorf("orm: %v.AfterSave: %w", e.t.GoType, err)
	}
	return nil
}

func (e *entity) beforeDelete(ctx context.Context, p schema.Ptr) error {
	if e.hooks&hookBeforeDelete == 0 {
		return nil
	}
	if err := e.obj(p).(BeforeDeleter).BeforeDelete(ctx); err != nil {
		return fmt.Errorf("orm: %v.BeforeDelete: %w", e.t.GoType, err)
	}
	return nil
}

func (e *entity) afterDelete(ctx context.Context, p schema.Ptr) error {
	if e.hooks&hookAfterDelete == 0 {
		return nil
	}
	if err := e.obj(p).(AfterDeleter).AfterDelete(ctx); err != nil {
		return fmt.Errorf("orm: %v.AfterDelete: %w", e.t.GoType, err)
	}
	return nil
}
