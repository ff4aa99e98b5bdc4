package hooks_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/aiodb/aiodb/hooks"
)

// recorder is a Hook that appends "name:event" to a shared journal.
type recorder struct {
	name string
	mu   *sync.Mutex
	log  *[]string
}

func (r *recorder) add(ev string) {
	r.mu.Lock()
	*r.log = append(*r.log, r.name+":"+ev)
	r.mu.Unlock()
}

func (r *recorder) OnConnect(context.Context, *hooks.ConnEvent) { r.add("connect") }
func (r *recorder) OnReset(context.Context, *hooks.ConnEvent)   { r.add("reset") }
func (r *recorder) OnClose(*hooks.ConnEvent)                    { r.add("close") }
func (r *recorder) OnTx(context.Context, *hooks.TxEvent)        { r.add("tx") }
func (r *recorder) OnStatementStart(ctx context.Context, _ *hooks.StatementEvent) context.Context {
	r.add("start")
	return ctx
}
func (r *recorder) OnStatementEnd(context.Context, *hooks.StatementEvent) { r.add("end") }
func (r *recorder) OnSyncViolation(context.Context, *hooks.SyncViolation) { r.add("sync") }

func recorders(names ...string) (*[]string, []hooks.Hook) {
	var mu sync.Mutex
	log := new([]string)
	hs := make([]hooks.Hook, len(names))
	for i, n := range names {
		hs[i] = &recorder{name: n, mu: &mu, log: log}
	}
	return log, hs
}

// fireAll sends every kind of event through h, in the driver's order.
func fireAll(h hooks.Hook) {
	ctx := context.Background()
	h.OnConnect(ctx, &hooks.ConnEvent{})
	h.OnReset(ctx, &hooks.ConnEvent{})
	h.OnTx(ctx, &hooks.TxEvent{Kind: hooks.TxBegin})
	e := &hooks.StatementEvent{Kind: hooks.StmtQuery}
	sctx := h.OnStatementStart(ctx, e)
	h.OnStatementEnd(sctx, e)
	h.OnSyncViolation(ctx, &hooks.SyncViolation{})
	h.OnClose(&hooks.ConnEvent{})
}

func TestChainOrder(t *testing.T) {
	want := []string{
		"a:connect", "b:connect", "c:connect",
		"a:reset", "b:reset", "c:reset",
		"a:tx", "b:tx", "c:tx",
		"a:start", "b:start", "c:start",
		"c:end", "b:end", "a:end", // reversed: hooks nest like middleware
		"a:sync", "b:sync", "c:sync",
		"c:close", "b:close", "a:close", // reversed
	}
	t.Run("flat", func(t *testing.T) {
		log, hs := recorders("a", "b", "c")
		fireAll(hooks.Chain(hs...))
		if !slices.Equal(*log, want) {
			t.Fatalf("events:\n got %v\nwant %v", *log, want)
		}
	})
	t.Run("nested", func(t *testing.T) {
		log, hs := recorders("a", "b", "c")
		fireAll(hooks.Chain(hooks.Chain(hs[0], hs[1]), hs[2]))
		if !slices.Equal(*log, want) {
			t.Fatalf("events:\n got %v\nwant %v", *log, want)
		}
	})
}

func TestChainSkipsNil(t *testing.T) {
	if h := hooks.Chain(); h != nil {
		t.Fatalf("Chain() = %v, want nil", h)
	}
	if h := hooks.Chain(nil, nil); h != nil {
		t.Fatalf("Chain(nil, nil) = %v, want nil", h)
	}
	log, hs := recorders("a", "b")
	if h := hooks.Chain(nil, hs[0], nil); h != hs[0] {
		t.Fatalf("Chain(nil, a, nil) = %v, want a itself", h)
	}
	fireAll(hooks.Chain(nil, hs[0], nil, hs[1], nil))
	want := []string{
		"a:connect", "b:connect", "a:reset", "b:reset", "a:tx", "b:tx",
		"a:start", "b:start", "b:end", "a:end", "a:sync", "b:sync", "b:close", "a:close",
	}
	if !slices.Equal(*log, want) {
		t.Fatalf("events:\n got %v\nwant %v", *log, want)
	}
}

type ctxKey string

// tagger adds its name to the context in OnStatementStart and records which
// names it saw at start and at end.
type tagger struct {
	hooks.Base
	name       string
	names      []string
	atStart    []string
	atEnd      []string
	startCalls int
}

func (tg *tagger) seen(ctx context.Context) []string {
	var out []string
	for _, n := range tg.names {
		if ctx.Value(ctxKey(n)) != nil {
			out = append(out, n)
		}
	}
	return out
}

func (tg *tagger) OnStatementStart(ctx context.Context, _ *hooks.StatementEvent) context.Context {
	tg.startCalls++
	tg.atStart = tg.seen(ctx)
	return context.WithValue(ctx, ctxKey(tg.name), true)
}

func (tg *tagger) OnStatementEnd(ctx context.Context, _ *hooks.StatementEvent) {
	tg.atEnd = tg.seen(ctx)
}

func TestChainPassesContext(t *testing.T) {
	names := []string{"a", "b", "c"}
	tgs := make([]*tagger, len(names))
	hs := make([]hooks.Hook, len(names))
	for i, n := range names {
		tgs[i] = &tagger{name: n, names: names}
		hs[i] = tgs[i]
	}
	h := hooks.Chain(hs...)
	e := &hooks.StatementEvent{Kind: hooks.StmtExec}
	ctx := h.OnStatementStart(context.Background(), e)
	h.OnStatementEnd(ctx, e)

	if got := tgs[0].seen(ctx); !slices.Equal(got, names) {
		t.Fatalf("context returned by the chain carries %v, want %v", got, names)
	}
	for i, tg := range tgs {
		if tg.startCalls != 1 {
			t.Errorf("%s: OnStatementStart called %d times, want 1", tg.name, tg.startCalls)
		}
		if want := names[:i]; !slices.Equal(tg.atStart, want) {
			t.Errorf("%s: start saw %v, want the earlier hooks' values %v", tg.name, tg.atStart, want)
		}
		if !slices.Equal(tg.atEnd, names) {
			t.Errorf("%s: end saw %v, want %v", tg.name, tg.atEnd, names)
		}
	}
}

func TestBaseStartKeepsContext(t *testing.T) {
	ctx := context.WithValue(context.Background(), ctxKey("k"), 1)
	if got := (hooks.Base{}).OnStatementStart(ctx, &hooks.StatementEvent{}); got != ctx {
		t.Fatal("Base.OnStatementStart did not return its context unchanged")
	}
}

func TestKindStrings(t *testing.T) {
	for k, want := range map[hooks.TxKind]string{
		hooks.TxBegin: "begin", hooks.TxCommit: "commit", hooks.TxRollback: "rollback",
		hooks.TxSavepoint: "savepoint", hooks.TxReleaseSavepoint: "release savepoint",
		hooks.TxRollbackToSavepoint: "rollback to savepoint", 99: "unknown",
	} {
		if got := k.String(); got != want {
			t.Errorf("TxKind(%d).String() = %q, want %q", k, got, want)
		}
	}
	for k, want := range map[hooks.StmtKind]string{
		hooks.StmtQuery: "query", hooks.StmtExec: "exec", hooks.StmtPrepare: "prepare", 99: "unknown",
	} {
		if got := k.String(); got != want {
			t.Errorf("StmtKind(%d).String() = %q, want %q", k, got, want)
		}
	}
}
