package driver

import "context"

type ctxKey uint8

const (
	asyncKey ctxKey = iota + 1
	allowSyncKey
	internalKey
)

// MarkAsync returns a context whose statements count as async calls: the
// sync guard lets them through under every mode. Package aio marks the
// contexts of its goroutines with it; user code normally does not call it.
func MarkAsync(ctx context.Context) context.Context {
	if IsAsync(ctx) {
		return ctx
	}
	return context.WithValue(ctx, asyncKey, true)
}

// IsAsync reports whether ctx was marked by MarkAsync.
func IsAsync(ctx context.Context) bool {
	v, _ := ctx.Value(asyncKey).(bool)
	return v
}

// AllowSync returns a context in which sync calls are allowed whatever the
// guard's mode: the Go form of peewee-async's "with allow_sync():".
func AllowSync(ctx context.Context) context.Context {
	if SyncAllowed(ctx) {
		return ctx
	}
	return context.WithValue(ctx, allowSyncKey, true)
}

// SyncAllowed reports whether ctx was marked by AllowSync.
func SyncAllowed(ctx context.Context) bool {
	v, _ := ctx.Value(allowSyncKey).(bool)
	return v
}

// Internal returns a context for statements aiodb runs on its own behalf,
// not the user's (package orm asks a MySQL server for its version with
// it): they pass the guard whatever its mode, and hooks see them with
// hooks.StatementEvent.Internal set, so that a hook can leave them out.
func Internal(ctx context.Context) context.Context {
	if IsInternal(ctx) {
		return ctx
	}
	return context.WithValue(ctx, internalKey, true)
}

// IsInternal reports whether ctx was made by Internal.
func IsInternal(ctx context.Context) bool {
	v, _ := ctx.Value(internalKey).(bool)
	return v
}

// passesGuard reports whether a statement with ctx is exempt from the guard.
func passesGuard(ctx context.Context) bool {
	return ctx != nil && (IsAsync(ctx) || SyncAllowed(ctx) || IsInternal(ctx))
}
