package postgres_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/valid"
)

// fixture is a fresh database with a GBP campaign (two releases) and a EUR
// campaign (one release).
type fixture struct {
	db        *postgres.DB
	store     *postgres.DonationStore
	gbp, gbp2 postgres.SeedSet // same campaign, two releases and petitions
	eur       postgres.SeedSet
	sessions  int
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	_, db := pkg.Fresh(t)
	f := &fixture{db: db, store: db.Donations()}
	f.gbp = seedSet(t, db, "gbp", "gbp-a", "GBP")
	f.gbp2 = seedSet(t, db, "gbp", "gbp-b", "GBP")
	f.eur = seedSet(t, db, "eur", "eur-a", "EUR")
	if f.gbp.Campaign.ID != f.gbp2.Campaign.ID || f.gbp.Release.ID == f.gbp2.Release.ID {
		t.Fatalf("fixture: want one GBP campaign with two releases, got %+v and %+v", f.gbp, f.gbp2)
	}
	return f
}

// member creates a staff account, since a review names one.
func (f *fixture) member(t *testing.T, email string, role staff.Role) staff.Member {
	t.Helper()
	hash, err := staff.PasswordParams{Memory: 64, Iterations: 1, Threads: 1}.HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	m, err := f.db.Staff().CreateMember(t.Context(), staff.CommandLine(), email, role, hash)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func seedSet(t *testing.T, db *postgres.DB, campaignSlug, slug, currency string) postgres.SeedSet {
	t.Helper()
	published := time.Date(2026, 9, 1, 9, 0, 0, 0, time.UTC)
	set, err := db.Seed(t.Context(), postgres.SeedSet{
		Campaign: campaign.Campaign{Slug: campaignSlug, Title: "Campaign " + campaignSlug, Status: campaign.StatusActive, Currency: currency},
		Petition: petition.Petition{Slug: slug + "-petition", Title: "Petition " + slug, Ask: "Please act.", Goal: 100, Status: petition.StatusOpen},
		Release:  campaign.Release{Slug: slug + "-release", Title: "Release " + slug, Status: campaign.ReleasePublished, PublishedAt: &published},
	})
	if err != nil {
		t.Fatal(err)
	}
	return set
}

// create makes a pending donation from set's release with a session attached.
func (f *fixture) create(t *testing.T, set postgres.SeedSet, amount int64, gift *donation.GiftAid) donation.Donation {
	t.Helper()
	d, err := f.store.CreatePending(t.Context(), donation.NewDonation{CampaignID: set.Campaign.ID,
		ReleaseID: &set.Release.ID, Amount: amount, Currency: set.Campaign.Currency, GiftAid: gift})
	if err != nil {
		t.Fatal(err)
	}
	f.sessions++
	d.CheckoutSessionID = fmt.Sprintf("cs_test_%d_%d", d.ID, f.sessions)
	if err := f.store.AttachCheckoutSession(t.Context(), d.ID, d.CheckoutSessionID); err != nil {
		t.Fatal(err)
	}
	return d
}

func (f *fixture) apply(t *testing.T, e donation.Event) donation.ApplyResult {
	t.Helper()
	res, err := f.store.ApplyEvent(t.Context(), e)
	if err != nil {
		t.Fatalf("apply %s: %v", e.ID, err)
	}
	return res
}

func (f *fixture) setCreated(t *testing.T, id int64, at time.Time) {
	t.Helper()
	if _, err := f.db.SQL().ExecContext(t.Context(), "UPDATE donations SET created_at = $1 WHERE id = $2", at, id); err != nil {
		t.Fatal(err)
	}
}

var evSeq int

func nextEventID(prefix string) string {
	evSeq++
	return fmt.Sprintf("evt_%s_%d_%d", prefix, time.Now().UnixNano(), evSeq)
}

func payload(kind donation.EventKind) json.RawMessage {
	return json.RawMessage(fmt.Sprintf(`{"object":"event","kind":%q}`, kind))
}

func completedEv(d donation.Donation, paymentStatus, pi string, at time.Time) donation.Event {
	return donation.Event{ID: nextEventID("completed"), Type: "checkout.session.completed", Kind: donation.EventCompleted,
		Created: at, PaymentStatus: paymentStatus, Payload: payload(donation.EventCompleted),
		DonorEmail: "donor@example.org", DonorName: "Dee Donor",
		Ref: donation.Ref{DonationID: d.ID, Nonce: d.CheckoutNonce, CheckoutSessionID: d.CheckoutSessionID, PaymentIntentID: pi}}
}

func sessionEv(d donation.Donation, kind donation.EventKind, typ string, at time.Time) donation.Event {
	return donation.Event{ID: nextEventID(string(kind)), Type: typ, Kind: kind, Created: at, Payload: payload(kind),
		Ref: donation.Ref{DonationID: d.ID, Nonce: d.CheckoutNonce, CheckoutSessionID: d.CheckoutSessionID}}
}

// refundEv names its donation only by payment intent and charge, as a
// charge.refunded event may.
func refundEv(pi, charge string, refunded int64, full bool, at time.Time) donation.Event {
	return donation.Event{ID: nextEventID("refund"), Type: "charge.refunded", Kind: donation.EventRefunded, Created: at,
		AmountRefunded: refunded, FullyRefunded: full, Payload: payload(donation.EventRefunded),
		Ref: donation.Ref{PaymentIntentID: pi, ChargeID: charge}}
}

func disputeEv(pi, charge string, amount int64, at time.Time) donation.Event {
	return donation.Event{ID: nextEventID("dispute"), Type: "charge.dispute.created", Kind: donation.EventDisputed, Created: at,
		AmountDisputed: amount, Payload: payload(donation.EventDisputed), Ref: donation.Ref{PaymentIntentID: pi, ChargeID: charge}}
}

func day(n int) time.Time { return time.Date(2026, 10, n, 12, 0, 0, 0, time.UTC) }

func gift(name string) *donation.GiftAid {
	return &donation.GiftAid{FullName: name, HomeAddress: "1 High Street, Leeds", Postcode: "LS1 1UB",
		TaxpayerConfirmed: true, WordingVersion: donation.GiftAidWordingVersion, DeclaredAt: day(1)}
}

func (f *fixture) get(t *testing.T, id int64) (donation.Entry, []donation.StoredEvent) {
	t.Helper()
	e, events, err := f.store.Get(t.Context(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e, events
}

func TestCreatePending(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()

	d := f.create(t, f.gbp, 1050, gift("Jane Doe"))
	e, events := f.get(t, d.ID)
	if e.Status != donation.StatusPending || e.Amount != 1050 || e.Currency != "GBP" || len(events) != 0 {
		t.Errorf("stored %+v with %d events", e.Donation, len(events))
	}
	if e.CampaignSlug != "gbp" || e.ReleaseSlug != "gbp-a-release" || *e.ReleaseID != f.gbp.Release.ID {
		t.Errorf("links: campaign %q release %q", e.CampaignSlug, e.ReleaseSlug)
	}
	if e.GiftAid == nil || *e.GiftAid != *gift("Jane Doe") {
		t.Errorf("gift aid = %+v, want %+v", e.GiftAid, gift("Jane Doe"))
	}
	if len(e.CheckoutNonce) != 32 || !strings.HasPrefix(e.IdempotencyKey(), fmt.Sprintf("donation-%d-checkout-", d.ID)) {
		t.Errorf("nonce %q, key %q", e.CheckoutNonce, e.IdempotencyKey())
	}
	other := f.create(t, f.gbp, 1050, nil)
	if other.CheckoutNonce == d.CheckoutNonce {
		t.Error("two donations share a nonce")
	}

	_, err := f.store.CreatePending(ctx, donation.NewDonation{CampaignID: f.gbp.Campaign.ID, Amount: 1000, Currency: "EUR"})
	if !errors.Is(err, donation.ErrCurrencyMismatch) {
		t.Errorf("EUR donation to a GBP campaign: %v, want ErrCurrencyMismatch", err)
	}
	_, err = f.store.CreatePending(ctx, donation.NewDonation{CampaignID: 999999, Amount: 1000, Currency: "GBP"})
	if !errors.Is(err, campaign.ErrNotFound) {
		t.Errorf("unknown campaign: %v, want campaign.ErrNotFound", err)
	}
	if err := f.store.AttachCheckoutSession(ctx, 999999, "cs_x"); !errors.Is(err, donation.ErrNotFound) {
		t.Errorf("attach to unknown donation: %v", err)
	}
	if err := f.store.AttachCheckoutSession(ctx, d.ID, "cs_other"); err == nil {
		t.Error("a second session replaced the first")
	}
	if got, err := f.store.BySessionID(ctx, d.CheckoutSessionID); err != nil || got.ID != d.ID {
		t.Errorf("BySessionID: %v, %v", got.ID, err)
	}
	if _, err := f.store.BySessionID(ctx, "cs_nobody"); !errors.Is(err, donation.ErrNotFound) {
		t.Errorf("BySessionID unknown: %v", err)
	}
}

func TestGiftAidWordingMatchesDomain(t *testing.T) {
	_, db := pkg.Fresh(t)
	var wording string
	err := db.SQL().QueryRowContext(t.Context(), "SELECT wording FROM gift_aid_wordings WHERE version = $1",
		donation.GiftAidWordingVersion).Scan(&wording)
	if err != nil || wording != donation.GiftAidWording {
		t.Fatalf("stored wording %q (%v), want the domain's %q", wording, err, donation.GiftAidWording)
	}
}

func TestCreatePendingLinksOnlyTheSupportersOwnSignature(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	signer := f.db.NewSigner(postgres.SignerOptions{})
	defer signer.Close()
	sign := func(p petition.Petition, name, email string) {
		t.Helper()
		_, err := signer.Sign(ctx, petition.Signature{PetitionID: p.ID, FullName: name, Email: email,
			Country: "GB", ConsentVersion: "2026-11-v1"})
		if err != nil {
			t.Fatal(err)
		}
	}
	sign(f.gbp.Petition, "Sam Signer", "sam@example.org")
	sign(f.eur.Petition, "Eve Elsewhere", "eve@example.org")

	tests := []struct {
		name      string
		supporter donation.Supporter
		linked    bool
	}{
		{"own signature", donation.Supporter{PetitionID: f.gbp.Petition.ID, Email: "sam@example.org"}, true},
		{"unknown email", donation.Supporter{PetitionID: f.gbp.Petition.ID, Email: "nobody@example.org"}, false},
		{"signature on another campaign's petition", donation.Supporter{PetitionID: f.eur.Petition.ID, Email: "eve@example.org"}, false},
		{"right email, wrong petition", donation.Supporter{PetitionID: f.gbp2.Petition.ID, Email: "sam@example.org"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := f.store.CreatePending(ctx, donation.NewDonation{CampaignID: f.gbp.Campaign.ID,
				ReleaseID: &f.gbp.Release.ID, Amount: 500, Currency: "GBP", Supporter: &tt.supporter})
			if err != nil {
				t.Fatal(err)
			}
			if (d.SignatureID != nil) != tt.linked {
				t.Fatalf("signature linked = %v, want %v", d.SignatureID != nil, tt.linked)
			}
			if tt.linked && (d.DonorEmail != "sam@example.org" || d.DonorName != "Sam Signer") {
				t.Errorf("donor = %q <%s>", d.DonorName, d.DonorEmail)
			}
			if !tt.linked && (d.DonorEmail != "" || d.DonorName != "") {
				t.Errorf("a stranger's details were copied: %q <%s>", d.DonorName, d.DonorEmail)
			}
		})
	}
}

func TestApplyEventRepeatChangesNothing(t *testing.T) {
	f := newFixture(t)
	d := f.create(t, f.gbp, 2000, nil)
	e := completedEv(d, "paid", "pi_repeat", day(2))
	if res := f.apply(t, e); res.Duplicate || res.DonationID != d.ID || res.Status != donation.StatusPaid {
		t.Fatalf("first delivery: %+v", res)
	}
	first, _ := f.get(t, d.ID)
	for range 3 {
		if res := f.apply(t, e); !res.Duplicate || res.DonationID != 0 {
			t.Fatalf("repeat: %+v", res)
		}
	}
	again, events := f.get(t, d.ID)
	if len(events) != 1 || again.UpdatedAt != first.UpdatedAt || again.Status != donation.StatusPaid {
		t.Errorf("after repeats: %d events, updated %v → %v, status %s", len(events), first.UpdatedAt, again.UpdatedAt, again.Status)
	}
	if again.DonorEmail != "donor@example.org" || again.PaymentIntentID != "pi_repeat" || !again.PaidAt.Equal(day(2)) {
		t.Errorf("recorded %+v", again.Donation)
	}
}

func TestRefundBeforeCompletionIsKeptThenApplied(t *testing.T) {
	f := newFixture(t)
	d := f.create(t, f.gbp, 2500, nil)

	// The refund names only the payment intent, which no donation has yet.
	res := f.apply(t, refundEv("pi_early", "ch_early", 2500, true, day(3)))
	if res.Duplicate || res.DonationID != 0 {
		t.Fatalf("refund before completion: %+v, want kept unmatched", res)
	}
	unmatched, err := f.store.UnmatchedEvents(t.Context(), 10)
	if err != nil || len(unmatched) != 1 || unmatched[0].Type != "charge.refunded" || unmatched[0].ProcessedAt != nil {
		t.Fatalf("unmatched = %+v, %v", unmatched, err)
	}

	res = f.apply(t, completedEv(d, "paid", "pi_early", day(2)))
	if res.DonationID != d.ID || res.Adopted != 1 || res.Status != donation.StatusRefunded {
		t.Fatalf("completion: %+v, want the refund adopted and status refunded", res)
	}
	got, events := f.get(t, d.ID)
	if got.Status != donation.StatusRefunded || got.AmountRefunded != 2500 || got.Net() != 0 ||
		got.ChargeID != "ch_early" || !got.PaidAt.Equal(day(2)) {
		t.Errorf("donation %+v", got.Donation)
	}
	if len(events) != 2 || events[0].Type != "checkout.session.completed" || events[1].Type != "charge.refunded" {
		t.Errorf("history %+v", events)
	}
	if unmatched, _ := f.store.UnmatchedEvents(t.Context(), 10); len(unmatched) != 0 {
		t.Errorf("still unmatched: %+v", unmatched)
	}
}

func TestEventsOfAnotherDatabaseStayUnmatched(t *testing.T) {
	f := newFixture(t)
	d := f.create(t, f.gbp, 1000, nil)
	// Same donation id, but another database's nonce and session.
	e := completedEv(d, "paid", "pi_foreign", day(2))
	e.Ref.Nonce, e.Ref.CheckoutSessionID = "someone-elses-nonce", "cs_foreign"
	if res := f.apply(t, e); res.DonationID != 0 {
		t.Fatalf("foreign event matched donation %d", res.DonationID)
	}
	if got, _ := f.get(t, d.ID); got.Status != donation.StatusPending {
		t.Errorf("foreign event moved the donation to %s", got.Status)
	}
}

// A completion whose session id was not yet attached (the attach step lost a
// race or failed) still finds its donation through the metadata.
func TestCompletionFindsDonationByMetadata(t *testing.T) {
	f := newFixture(t)
	d, err := f.store.CreatePending(t.Context(), donation.NewDonation{CampaignID: f.gbp.Campaign.ID, Amount: 700, Currency: "GBP"})
	if err != nil {
		t.Fatal(err)
	}
	d.CheckoutSessionID = "cs_never_attached"
	if res := f.apply(t, completedEv(d, "paid", "pi_meta", day(2))); res.DonationID != d.ID {
		t.Fatalf("not matched: %+v", res)
	}
	got, _ := f.get(t, d.ID)
	if got.CheckoutSessionID != "cs_never_attached" || got.Status != donation.StatusPaid {
		t.Errorf("donation %+v", got.Donation)
	}
}

func TestCheckoutFailed(t *testing.T) {
	f := newFixture(t)
	d := f.create(t, f.gbp, 1000, nil)
	if err := f.store.CheckoutFailed(t.Context(), d.ID); err != nil {
		t.Fatal(err)
	}
	if got, _ := f.get(t, d.ID); got.Status != donation.StatusFailed {
		t.Errorf("status %s, want failed", got.Status)
	}
	if err := f.store.CheckoutFailed(t.Context(), 999999); !errors.Is(err, donation.ErrNotFound) {
		t.Errorf("unknown donation: %v", err)
	}
}

// The event that links a payment intent and an event that can be matched
// only by it race each other; whichever commits first, the refund is applied.
func TestConcurrentRefundAndCompletion(t *testing.T) {
	f := newFixture(t)
	const n = 12
	ds := make([]donation.Donation, n)
	for i := range ds {
		ds[i] = f.create(t, f.gbp, 1000, nil)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2*n)
	for i, d := range ds {
		pi := fmt.Sprintf("pi_race_%d", i)
		evs := []donation.Event{completedEv(d, "paid", pi, day(2)), refundEv(pi, fmt.Sprintf("ch_race_%d", i), 400, false, day(3))}
		for _, e := range evs {
			wg.Go(func() {
				if _, err := f.store.ApplyEvent(context.Background(), e); err != nil {
					errs <- err
				}
			})
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, d := range ds {
		got, events := f.get(t, d.ID)
		if got.Status != donation.StatusPartiallyRefunded || got.AmountRefunded != 400 || len(events) != 2 {
			t.Errorf("donation %d: %s, refunded %d, %d events", d.ID, got.Status, got.AmountRefunded, len(events))
		}
	}
}

// The same event delivered many times at once is applied exactly once.
func TestConcurrentRepeatsApplyOnce(t *testing.T) {
	f := newFixture(t)
	d := f.create(t, f.gbp, 1000, nil)
	f.apply(t, completedEv(d, "paid", "pi_once", day(2)))
	e := refundEv("pi_once", "ch_once", 300, false, day(3))
	const n = 8
	results := make(chan donation.ApplyResult, n)
	var wg sync.WaitGroup
	for range n {
		wg.Go(func() {
			res, err := f.store.ApplyEvent(context.Background(), e)
			if err != nil {
				t.Error(err)
			}
			results <- res
		})
	}
	wg.Wait()
	close(results)
	fresh := 0
	for res := range results {
		if !res.Duplicate {
			fresh++
		}
	}
	if fresh != 1 {
		t.Errorf("%d deliveries were applied, want 1", fresh)
	}
	if got, events := f.get(t, d.ID); got.AmountRefunded != 300 || len(events) != 2 {
		t.Errorf("refunded %d with %d events", got.AmountRefunded, len(events))
	}
}

// books builds the donations whose totals TestListFiltersAndTotals checks
// by hand. Donation i is created on day i.
//
//	#  campaign/release  amount   outcome
//	1  GBP a             £10.00   paid                      gift aid
//	2  GBP a             £25.00   paid, £5.00 refunded      gift aid
//	3  GBP b             £50.00   paid, refunded in full
//	4  GBP b              £5.00   pending                   gift aid
//	5  GBP a             £20.00   expired
//	6  GBP b             £15.00   async payment failed
//	7  GBP a            £100.00   paid, disputed
//	8  EUR               €30.00   paid
//	9  EUR               €12.50   paid, €2.50 refunded
//	10 GBP a             £40.00   paid on day 20            gift aid
func books(t *testing.T, f *fixture) []donation.Donation {
	t.Helper()
	type spec struct {
		set    postgres.SeedSet
		amount int64
		gift   bool
	}
	specs := []spec{
		{f.gbp, 1000, true}, {f.gbp, 2500, true}, {f.gbp2, 5000, false}, {f.gbp2, 500, true}, {f.gbp, 2000, false},
		{f.gbp2, 1500, false}, {f.gbp, 10000, false}, {f.eur, 3000, false}, {f.eur, 1250, false}, {f.gbp, 4000, true},
	}
	ds := make([]donation.Donation, len(specs))
	for i, s := range specs {
		var g *donation.GiftAid
		if s.gift {
			g = gift(fmt.Sprintf("Donor %d", i+1))
		}
		ds[i] = f.create(t, s.set, s.amount, g)
		f.setCreated(t, ds[i].ID, day(i+1))
	}
	pi := func(i int) string { return fmt.Sprintf("pi_book_%d", i) }
	ch := func(i int) string { return fmt.Sprintf("ch_book_%d", i) }
	for _, i := range []int{0, 1, 2, 6, 7, 8} {
		f.apply(t, completedEv(ds[i], "paid", pi(i), day(i+1)))
	}
	f.apply(t, completedEv(ds[9], "paid", pi(9), day(20)))
	f.apply(t, refundEv(pi(1), ch(1), 500, false, day(5)))
	f.apply(t, refundEv(pi(2), ch(2), 5000, true, day(6)))
	f.apply(t, sessionEv(ds[4], donation.EventExpired, "checkout.session.expired", day(6)))
	f.apply(t, completedEv(ds[5], "unpaid", pi(5), day(6)))
	f.apply(t, sessionEv(ds[5], donation.EventAsyncFailed, "checkout.session.async_payment_failed", day(7)))
	f.apply(t, disputeEv(pi(6), ch(6), 10000, day(9)))
	f.apply(t, refundEv(pi(8), ch(8), 250, false, day(10)))
	return ds
}

func TestListFiltersAndTotals(t *testing.T) {
	f := newFixture(t)
	ds := books(t, f)
	id := func(i int) int64 { return ds[i-1].ID }

	tests := []struct {
		name   string
		filter donation.Filter
		ids    []int64 // newest first
		totals []donation.Totals
	}{
		{"everything", donation.Filter{},
			[]int64{id(10), id(9), id(8), id(7), id(6), id(5), id(4), id(3), id(2), id(1)},
			[]donation.Totals{
				{Currency: "EUR", Count: 2, PaidCount: 2, Gross: 4250, Refunded: 250, Net: 4000},
				{Currency: "GBP", Count: 8, PaidCount: 5, Gross: 22500, Refunded: 5500, Disputed: 10000, Net: 17000},
			}},
		{"paid only", donation.Filter{Statuses: []donation.Status{donation.StatusPaid}},
			[]int64{id(10), id(8), id(1)},
			[]donation.Totals{
				{Currency: "EUR", Count: 1, PaidCount: 1, Gross: 3000, Net: 3000},
				{Currency: "GBP", Count: 2, PaidCount: 2, Gross: 5000, Net: 5000},
			}},
		{"refunds of either kind", donation.Filter{Statuses: []donation.Status{donation.StatusRefunded, donation.StatusPartiallyRefunded}},
			[]int64{id(9), id(3), id(2)},
			[]donation.Totals{
				{Currency: "EUR", Count: 1, PaidCount: 1, Gross: 1250, Refunded: 250, Net: 1000},
				{Currency: "GBP", Count: 2, PaidCount: 2, Gross: 7500, Refunded: 5500, Net: 2000},
			}},
		{"unpaid outcomes", donation.Filter{Statuses: []donation.Status{donation.StatusPending, donation.StatusExpired, donation.StatusFailed}},
			[]int64{id(6), id(5), id(4)},
			[]donation.Totals{{Currency: "GBP", Count: 3}}},
		{"one release", donation.Filter{ReleaseID: f.gbp2.Release.ID},
			[]int64{id(6), id(4), id(3)},
			[]donation.Totals{{Currency: "GBP", Count: 3, PaidCount: 1, Gross: 5000, Refunded: 5000, Net: 0}}},
		{"one campaign", donation.Filter{CampaignID: f.eur.Campaign.ID},
			[]int64{id(9), id(8)},
			[]donation.Totals{{Currency: "EUR", Count: 2, PaidCount: 2, Gross: 4250, Refunded: 250, Net: 4000}}},
		{"date range, end exclusive", donation.Filter{From: day(2), To: day(5)},
			[]int64{id(4), id(3), id(2)},
			[]donation.Totals{{Currency: "GBP", Count: 3, PaidCount: 2, Gross: 7500, Refunded: 5500, Net: 2000}}},
		{"everything at once", donation.Filter{CampaignID: f.gbp.Campaign.ID, ReleaseID: f.gbp.Release.ID,
			Statuses: []donation.Status{donation.StatusPaid, donation.StatusDisputed}, From: day(1), To: day(8)},
			[]int64{id(7), id(1)},
			[]donation.Totals{{Currency: "GBP", Count: 2, PaidCount: 2, Gross: 11000, Disputed: 10000, Net: 11000}}},
		{"nothing matches", donation.Filter{From: day(25)}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			page, err := f.store.List(t.Context(), tt.filter)
			if err != nil {
				t.Fatal(err)
			}
			var got []int64
			for _, e := range page.Entries {
				got = append(got, e.ID)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.ids) {
				t.Errorf("ids %v, want %v", got, tt.ids)
			}
			if fmt.Sprintf("%+v", page.Totals) != fmt.Sprintf("%+v", tt.totals) {
				t.Errorf("totals\n got %+v\nwant %+v", page.Totals, tt.totals)
			}
			if page.NextBeforeID != 0 {
				t.Errorf("next page %d on a short list", page.NextBeforeID)
			}
		})
	}
}

func TestTotalsByRelease(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	// gbp-a: £10 paid, £30 paid then £5 refunded, £7 never paid.
	// gbp-b: £20 paid. eur-a (another campaign): €50 paid.
	paid := func(set postgres.SeedSet, amount int64, pi string) {
		d := f.create(t, set, amount, nil)
		f.apply(t, completedEv(d, "paid", pi, day(1)))
	}
	paid(f.gbp, 1000, "pi_rel_1")
	paid(f.gbp, 3000, "pi_rel_2")
	f.apply(t, refundEv("pi_rel_2", "ch_rel_2", 500, false, day(2)))
	f.create(t, f.gbp, 700, nil)
	paid(f.gbp2, 2000, "pi_rel_3")
	paid(f.eur, 5000, "pi_rel_4")

	got, err := f.store.TotalsByRelease(ctx, f.gbp.Campaign.ID)
	if err != nil {
		t.Fatal(err)
	}
	a, b := f.gbp.Release.ID, f.gbp2.Release.ID
	want := []donation.ReleaseTotals{
		{ReleaseID: &a, ReleaseSlug: "gbp-a-release", ReleaseTitle: "Release gbp-a",
			Totals: donation.Totals{Currency: "GBP", Count: 3, PaidCount: 2, Gross: 4000, Refunded: 500, Net: 3500}},
		{ReleaseID: &b, ReleaseSlug: "gbp-b-release", ReleaseTitle: "Release gbp-b",
			Totals: donation.Totals{Currency: "GBP", Count: 1, PaidCount: 1, Gross: 2000, Net: 2000}},
	}
	if len(got) != len(want) {
		t.Fatalf("got %+v, want %+v", got, want)
	}
	for i := range want {
		if *got[i].ReleaseID != *want[i].ReleaseID || got[i].ReleaseSlug != want[i].ReleaseSlug ||
			got[i].ReleaseTitle != want[i].ReleaseTitle || got[i].Totals != want[i].Totals {
			t.Errorf("row %d: %+v, want %+v", i, got[i], want[i])
		}
	}
}

func TestListPages(t *testing.T) {
	f := newFixture(t)
	ds := books(t, f)
	var seen []int64
	filter := donation.Filter{Limit: 4}
	for pages := 0; ; pages++ {
		if pages > len(ds) {
			t.Fatal("paging does not end")
		}
		page, err := f.store.List(t.Context(), filter)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Totals) != 2 || page.Totals[1].Count != 8 {
			t.Errorf("totals of a page must cover the whole filter: %+v", page.Totals)
		}
		for _, e := range page.Entries {
			seen = append(seen, e.ID)
		}
		if page.NextBeforeID == 0 {
			break
		}
		filter.BeforeID = page.NextBeforeID
	}
	if len(seen) != len(ds) {
		t.Fatalf("paged through %d donations, want %d", len(seen), len(ds))
	}
	for i := 1; i < len(seen); i++ {
		if seen[i] >= seen[i-1] {
			t.Fatalf("not newest first: %v", seen)
		}
	}
}

func TestEachDonationAndGiftAidClaim(t *testing.T) {
	f := newFixture(t)
	ds := books(t, f)

	var all []int64
	err := f.store.EachDonation(t.Context(), donation.Filter{CampaignID: f.gbp.Campaign.ID, Limit: 1}, func(e donation.Entry) error {
		all = append(all, e.ID)
		return nil
	})
	if err != nil || len(all) != 8 {
		t.Fatalf("EachDonation: %d rows (%v), want 8 — Limit must not apply", len(all), err)
	}
	stop := errors.New("stop")
	calls := 0
	err = f.store.EachDonation(t.Context(), donation.Filter{}, func(donation.Entry) error { calls++; return stop })
	if !errors.Is(err, stop) || calls != 1 {
		t.Errorf("an error from fn must end the export: %v after %d calls", err, calls)
	}

	tests := []struct {
		name     string
		from, to time.Time
		want     []int64 // oldest payment first
	}{
		// #2 is partly refunded and #4 unpaid: neither may be claimed.
		{"all time", time.Time{}, time.Time{}, []int64{ds[0].ID, ds[9].ID}},
		{"October first half", day(1), day(15), []int64{ds[0].ID}},
		{"from day 2", day(2), time.Time{}, []int64{ds[9].ID}},
		{"before day 1", time.Time{}, day(1), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []int64
			err := f.store.EachGiftAidClaim(t.Context(), tt.from, tt.to, func(e donation.Entry) error {
				if e.GiftAid == nil || e.Status != donation.StatusPaid {
					t.Errorf("claimed %d: %s, gift aid %v", e.ID, e.Status, e.GiftAid)
				}
				got = append(got, e.ID)
				return nil
			})
			if err != nil {
				t.Fatal(err)
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Errorf("claims %v, want %v", got, tt.want)
			}
		})
	}
	var rows [][]string
	_ = f.store.EachGiftAidClaim(t.Context(), time.Time{}, time.Time{}, func(e donation.Entry) error {
		rows = append(rows, e.GiftAidRecord())
		return nil
	})
	want := []string{fmt.Sprint(ds[0].ID), "2026-10-01", "Donor 1", "1 High Street, Leeds", "LS1 1UB", "10.00", "GBP",
		"2026-10-01T12:00:00Z", donation.GiftAidWordingVersion, "pi_book_0"}
	if len(rows) != 2 || fmt.Sprint(rows[0]) != fmt.Sprint(want) {
		t.Errorf("first claim row %q, want %q", rows[0], want)
	}
}

func TestMarkReviewedIsAudited(t *testing.T) {
	f := newFixture(t)
	ctx := t.Context()
	d := f.create(t, f.gbp, 1000, nil)
	actor := f.member(t, "finance@example.org", staff.RoleFinance).Actor()
	admin := f.member(t, "admin@example.org", staff.RoleAdmin).Actor()

	e, err := f.store.MarkReviewed(ctx, d.ID, actor, "  Matched to bank statement 12.  ")
	if err != nil {
		t.Fatal(err)
	}
	if e.ReviewedAt == nil || e.ReviewedBy == nil || *e.ReviewedBy != actor.ID || e.ReviewedByEmail != actor.Email ||
		e.ReviewNote != "Matched to bank statement 12." {
		t.Errorf("review %+v", e.Donation)
	}
	if _, err := f.store.MarkReviewed(ctx, d.ID, admin, "Second look."); err != nil {
		t.Fatal(err)
	}

	rows, err := f.db.SQL().QueryContext(ctx, `SELECT actor_id, actor_email, action, entity, entity_id,
		before->>'review_note', after->>'review_note', after->>'reviewed_by_email' FROM audit_log
		WHERE entity = 'donation' ORDER BY id`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var actorID, entityID int64
		var email, action, entity, before, after, by string
		if err := rows.Scan(&actorID, &email, &action, &entity, &entityID, &before, &after, &by); err != nil {
			t.Fatal(err)
		}
		got = append(got, fmt.Sprintf("%d %s %s %s %d %q→%q by %s", actorID, email, action, entity, entityID-d.ID, before, after, by))
	}
	want := []string{
		fmt.Sprintf(`%d finance@example.org donation.review donation 0 ""→"Matched to bank statement 12." by finance@example.org`, actor.ID),
		fmt.Sprintf(`%d admin@example.org donation.review donation 0 "Matched to bank statement 12."→"Second look." by admin@example.org`, admin.ID),
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("audit log\n got %q\nwant %q", got, want)
	}

	if _, err := f.store.MarkReviewed(ctx, 999999, actor, ""); !errors.Is(err, donation.ErrNotFound) {
		t.Errorf("unknown donation: %v", err)
	}
	var fields valid.Errors
	if _, err := f.store.MarkReviewed(ctx, d.ID, actor, strings.Repeat("x", 2001)); !errors.As(err, &fields) || fields["note"] == "" {
		t.Errorf("long note: %v", err)
	}
}

// An event is kept as the bytes Stripe sent, even those jsonb and text
// refuse ("\u0000", bytes that are not UTF-8), and still applied; finance
// reads it back as JSON it can show.
func TestEventWithUnstorableTextIsKeptAndApplied(t *testing.T) {
	f := newFixture(t)
	d := f.create(t, f.gbp, 1500, nil)
	e := completedEv(d, "paid", "pi_bytes", day(3))
	e.Payload = json.RawMessage("{\"object\":\"event\",\"name\":\"a\\u0000b \xff\xfe\"}")
	if res := f.apply(t, e); res.DonationID != d.ID || res.Status != donation.StatusPaid {
		t.Fatalf("apply: %+v", res)
	}
	var raw []byte
	if err := f.db.SQL().QueryRowContext(t.Context(), "SELECT payload FROM stripe_events WHERE event_id = $1", e.ID).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	if string(raw) != string(e.Payload) {
		t.Errorf("stored %q, want the bytes as received %q", raw, e.Payload)
	}
	_, events := f.get(t, d.ID)
	if len(events) != 1 || !json.Valid(events[0].Payload) || !utf8.Valid(events[0].Payload) {
		t.Fatalf("read back %q: want one event as valid JSON in UTF-8", events[0].Payload)
	}
	if _, err := json.Marshal(events[0]); err != nil {
		t.Errorf("the event cannot be sent on as JSON: %v", err)
	}
}
