package storecache

import (
	"context"
	"time"

	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/trust"
)

// TrustSettingsTTL is how long the trust rules are cached: every signature
// reads them, and an admin's change reaches every instance within it. (The
// rates themselves are read by the signer's statement, at once.)
const TrustSettingsTTL = time.Second

// Trust returns store with its settings cached for TrustSettingsTTL. Saving
// the settings through it drops them; an action on a cluster drops the
// petition's cached count (it may go down) and moves Version.
func (s *Stores) Trust(store trust.Store) trust.Store {
	return trustStore{Store: store, s: s, settings: NewTTL[struct{}, trust.Settings](TrustSettingsTTL)}
}

type trustStore struct {
	trust.Store
	s        *Stores
	settings *TTL[struct{}, trust.Settings]
}

func (t trustStore) TrustSettings(ctx context.Context) (trust.Settings, error) {
	now := t.s.clockHook()
	if v, ok := t.settings.Get(struct{}{}, now); ok {
		return v, nil
	}
	v, err := t.Store.TrustSettings(ctx)
	if err != nil {
		return trust.Settings{}, err
	}
	t.settings.Put(struct{}{}, v, now)
	return v, nil
}

func (t trustStore) SaveTrustSettings(ctx context.Context, actor staff.Actor, in trust.Settings) (trust.Settings, error) {
	v, err := t.Store.SaveTrustSettings(ctx, actor, in)
	if err == nil {
		t.settings.Clear()
	}
	return v, err
}

func (t trustStore) ApplyTrust(ctx context.Context, actor staff.Actor, petitionID int64, action string,
	sel trust.Selector, dryRun bool) (trust.Outcome, error) {
	out, err := t.Store.ApplyTrust(ctx, actor, petitionID, action, sel, dryRun)
	if err == nil && !dryRun {
		t.s.forgetCount(petitionID)
		t.s.changed()
	}
	return out, err
}

// forgetCount drops a petition's cached count, which staff may just have
// lowered: observe would keep the higher one.
func (s *Stores) forgetCount(petitionID int64) {
	s.countsMu.Lock()
	defer s.countsMu.Unlock()
	delete(s.counts, petitionID)
}
