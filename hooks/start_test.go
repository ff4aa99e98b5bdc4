package hooks_test

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/aiodb/aiodb/hooks"
)

type starterKey string

// starter is a recorder that also sees the starts, and adds its name to
// the context it returns.
type starter struct{ recorder }

func (s *starter) OnTxStart(ctx context.Context, _ *hooks.TxEvent) context.Context {
	s.add("txstart")
	return context.WithValue(ctx, starterKey(s.name), true)
}

func (s *starter) OnConnectStart(ctx context.Context, _ *hooks.ConnEvent) context.Context {
	s.add("connstart")
	return context.WithValue(ctx, starterKey(s.name), true)
}

func TestChainStarters(t *testing.T) {
	log, hs := recorders("a", "b", "c")
	b := &starter{*hs[1].(*recorder)}
	c := &starter{*hs[2].(*recorder)}
	for _, h := range []hooks.Hook{hooks.Chain(hs[0], b, c), hooks.Chain(hooks.Chain(hs[0], b), c)} {
		*log = nil
		ts, ok := h.(hooks.TxStarter)
		if !ok {
			t.Fatal("a chain with a TxStarter is no TxStarter")
		}
		cs, ok := h.(hooks.ConnectStarter)
		if !ok {
			t.Fatal("a chain with a ConnectStarter is no ConnectStarter")
		}
		ctx := ts.OnTxStart(context.Background(), &hooks.TxEvent{Kind: hooks.TxBegin})
		if ctx.Value(starterKey("b")) == nil || ctx.Value(starterKey("c")) == nil {
			t.Fatal("the chain's OnTxStart lost a starter's context")
		}
		cs.OnConnectStart(context.Background(), &hooks.ConnEvent{})
		fireAll(h)
		want := []string{"b:txstart", "c:txstart", "b:connstart", "c:connstart", "a:connect", "b:connect", "c:connect"}
		if got := (*log)[:len(want)]; !slices.Equal(got, want) {
			t.Fatalf("events:\n got %v\nwant %v", got, want)
		}
	}
}

func TestChainWithoutStarters(t *testing.T) {
	_, hs := recorders("a", "b")
	h := hooks.Chain(hs...)
	if _, ok := h.(hooks.TxStarter); ok {
		t.Error("a chain of plain hooks implements TxStarter")
	}
	if _, ok := h.(hooks.ConnectStarter); ok {
		t.Error("a chain of plain hooks implements ConnectStarter")
	}
	if _, ok := any(hooks.Base{}).(hooks.TxStarter); ok {
		t.Error("Base implements TxStarter: every hook embedding it would")
	}
}

func TestEndsTx(t *testing.T) {
	fail := errors.New("x")
	for _, c := range []struct {
		e    hooks.TxEvent
		want bool
	}{
		{hooks.TxEvent{Kind: hooks.TxBegin}, false},
		{hooks.TxEvent{Kind: hooks.TxBegin, Err: fail}, true},
		{hooks.TxEvent{Kind: hooks.TxCommit}, true},
		{hooks.TxEvent{Kind: hooks.TxCommit, Err: fail}, true},
		{hooks.TxEvent{Kind: hooks.TxRollback}, true},
		{hooks.TxEvent{Kind: hooks.TxSavepoint}, false},
		{hooks.TxEvent{Kind: hooks.TxRollbackToSavepoint}, false},
	} {
		if got := c.e.EndsTx(); got != c.want {
			t.Errorf("%s err=%v: EndsTx %v, want %v", c.e.Kind, c.e.Err, got, c.want)
		}
	}
}
