package postgres

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/valid"
)

// DonationStore implements donation.Store.
type DonationStore struct{ db *DB }

// Donations returns the donation store.
func (db *DB) Donations() *DonationStore { return &DonationStore{db: db} }

var _ donation.Store = (*DonationStore)(nil)

// donationRow mirrors the donations table.
type donationRow struct {
	ID                    int64 `gorm:"primaryKey"`
	CampaignID            int64
	ReleaseID             *int64
	SignatureID           *int64
	Amount                int64
	Currency              string
	Status                string
	CheckoutNonce         string
	CheckoutSessionID     *string
	PaymentIntentID       *string
	ChargeID              *string
	CompletedAt           *time.Time
	PaidAt                *time.Time
	FailedAt              *time.Time
	ExpiredAt             *time.Time
	DisputedAt            *time.Time
	DisputeWonAt          *time.Time
	AmountRefunded        int64
	FullyRefunded         bool
	AmountDisputed        int64
	DonorName             string
	DonorEmail            string
	GiftAidDeclaredAt     *time.Time
	GiftAidFullName       string
	GiftAidHomeAddress    string
	GiftAidPostcode       string
	GiftAidTitle          string
	GiftAidFirstName      string
	GiftAidLastName       string
	GiftAidHouse          string
	GiftAidTaxpayer       bool
	GiftAidWordingVersion *string
	BalanceTransactionID  *string
	StripeFee             *int64
	StripeNet             *int64
	FeeCurrency           *string
	PayoutID              *int64
	ReviewedAt            *time.Time
	ReviewedBy            *int64
	ReviewedByEmail       string
	ReviewNote            string
	CreatedAt             time.Time
	UpdatedAt             time.Time
	// DonorErasedAt and PersonalDataErasedAt: the donor's details were
	// erased (on request, or by retention); no event brings them back.
	DonorErasedAt        *time.Time
	PersonalDataErasedAt *time.Time
}

func (donationRow) TableName() string { return "donations" }

// erased reports whether the donor's details were erased.
func (r donationRow) erased() bool { return r.DonorErasedAt != nil || r.PersonalDataErasedAt != nil }

// entryRow is a donation joined with its campaign's and release's names.
type entryRow struct {
	Row           donationRow `gorm:"embedded"`
	CampaignSlug  string
	CampaignTitle string
	ReleaseSlug   *string
	ReleaseTitle  *string
}

func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// deref returns *p, or T's zero value when p is nil.
func deref[T any](p *T) T {
	if p == nil {
		var zero T
		return zero
	}
	return *p
}

func orNil(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (r donationRow) state() donation.State {
	return donation.State{Amount: r.Amount, Status: donation.Status(r.Status),
		CompletedAt: utc(r.CompletedAt), PaidAt: utc(r.PaidAt), FailedAt: utc(r.FailedAt),
		ExpiredAt: utc(r.ExpiredAt), DisputedAt: utc(r.DisputedAt), DisputeWonAt: utc(r.DisputeWonAt),
		AmountRefunded: r.AmountRefunded, FullyRefunded: r.FullyRefunded, AmountDisputed: r.AmountDisputed}
}

func (r *donationRow) setState(s donation.State) {
	r.Status = string(s.Status)
	r.CompletedAt, r.PaidAt, r.FailedAt, r.ExpiredAt, r.DisputedAt = s.CompletedAt, s.PaidAt, s.FailedAt, s.ExpiredAt, s.DisputedAt
	r.DisputeWonAt = s.DisputeWonAt
	r.AmountRefunded, r.FullyRefunded, r.AmountDisputed = s.AmountRefunded, s.FullyRefunded, s.AmountDisputed
}

func (r donationRow) domain() donation.Donation {
	d := donation.Donation{ID: r.ID, CampaignID: r.CampaignID, ReleaseID: r.ReleaseID, SignatureID: r.SignatureID,
		Amount: r.Amount, Currency: r.Currency, State: r.state(), CheckoutNonce: r.CheckoutNonce,
		CheckoutSessionID: deref(r.CheckoutSessionID), PaymentIntentID: deref(r.PaymentIntentID),
		ChargeID: deref(r.ChargeID), DonorName: r.DonorName, DonorEmail: r.DonorEmail,
		ReviewedAt: utc(r.ReviewedAt), ReviewedBy: r.ReviewedBy, ReviewedByEmail: r.ReviewedByEmail,
		ReviewNote: r.ReviewNote, CreatedAt: r.CreatedAt.UTC(), UpdatedAt: r.UpdatedAt.UTC()}
	if r.StripeFee != nil && r.StripeNet != nil {
		d.Fees = &donation.Fees{BalanceTransactionID: deref(r.BalanceTransactionID), Currency: deref(r.FeeCurrency),
			Fee: *r.StripeFee, Net: *r.StripeNet}
	}
	d.PayoutID = r.PayoutID
	if r.GiftAidDeclaredAt != nil {
		d.GiftAid = &donation.GiftAid{Title: r.GiftAidTitle, FirstName: r.GiftAidFirstName, LastName: r.GiftAidLastName,
			House: r.GiftAidHouse, FullName: r.GiftAidFullName, HomeAddress: r.GiftAidHomeAddress,
			Postcode: r.GiftAidPostcode, TaxpayerConfirmed: r.GiftAidTaxpayer,
			WordingVersion: deref(r.GiftAidWordingVersion), DeclaredAt: r.GiftAidDeclaredAt.UTC()}
	}
	return d
}

func (r entryRow) domain() donation.Entry {
	return donation.Entry{Donation: r.Row.domain(), CampaignSlug: r.CampaignSlug,
		CampaignTitle: r.CampaignTitle, ReleaseSlug: deref(r.ReleaseSlug), ReleaseTitle: deref(r.ReleaseTitle)}
}

// stripeEventRow mirrors the stripe_events table.
type stripeEventRow struct {
	ID                int64 `gorm:"primaryKey"`
	EventID           string
	Type              string
	Created           time.Time
	Payload           []byte // the event as received, any bytes
	Kind              string
	PaymentStatus     string
	AmountRefunded    int64
	FullyRefunded     bool
	AmountDisputed    int64
	RefDonationID     *int64
	CheckoutSessionID string
	PaymentIntentID   string
	ChargeID          string
	DonationID        *int64
	ProcessedAt       *time.Time
	ReceivedAt        time.Time `gorm:"default:now()"`
}

func (stripeEventRow) TableName() string { return "stripe_events" }

// readablePayload is a stored event as JSON that can be shown and sent on:
// the bytes as received when they are JSON in UTF-8 (nearly always), else
// their readable text as one JSON string. The stored bytes stay as they
// were.
func readablePayload(raw []byte) json.RawMessage {
	if utf8.Valid(raw) && json.Valid(raw) {
		return json.RawMessage(raw)
	}
	s, _ := json.Marshal(strings.ToValidUTF8(string(raw), "\uFFFD"))
	return json.RawMessage(s)
}

func (r stripeEventRow) domain() donation.StoredEvent {
	return donation.StoredEvent{ID: r.ID, EventID: r.EventID, Type: r.Type, Created: r.Created.UTC(),
		ReceivedAt: r.ReceivedAt.UTC(), ProcessedAt: utc(r.ProcessedAt), DonationID: r.DonationID,
		Payload: readablePayload(r.Payload)}
}

// event rebuilds the domain event a stored row recorded.
func (r stripeEventRow) event() donation.Event {
	e := donation.Event{ID: r.EventID, Type: r.Type, Kind: donation.EventKind(r.Kind), Created: r.Created.UTC(),
		PaymentStatus: r.PaymentStatus, AmountRefunded: r.AmountRefunded, FullyRefunded: r.FullyRefunded,
		AmountDisputed: r.AmountDisputed, Payload: readablePayload(r.Payload),
		Ref: donation.Ref{CheckoutSessionID: r.CheckoutSessionID, PaymentIntentID: r.PaymentIntentID, ChargeID: r.ChargeID}}
	if r.RefDonationID != nil {
		e.Ref.DonationID = *r.RefDonationID
	}
	return e
}

// CreatePending stores a pending donation in the campaign's currency, linked
// to the supporter's signature when one on a petition of the same campaign
// matches. Returns campaign.ErrNotFound for an unknown campaign and
// donation.ErrCurrencyMismatch when the currency is not the campaign's.
func (s *DonationStore) CreatePending(ctx context.Context, nd donation.NewDonation) (donation.Donation, error) {
	var nonce [16]byte
	if _, err := rand.Read(nonce[:]); err != nil {
		return donation.Donation{}, fmt.Errorf("create donation: %w", err)
	}
	row := donationRow{CampaignID: nd.CampaignID, ReleaseID: nd.ReleaseID, Amount: nd.Amount,
		Currency: nd.Currency, Status: string(donation.StatusPending), CheckoutNonce: hex.EncodeToString(nonce[:])}
	if g := nd.GiftAid; g != nil {
		at := g.DeclaredAt.UTC()
		row.GiftAidDeclaredAt, row.GiftAidFullName, row.GiftAidHomeAddress = &at, g.FullName, g.HomeAddress
		row.GiftAidPostcode, row.GiftAidTaxpayer, row.GiftAidWordingVersion = g.Postcode, g.TaxpayerConfirmed, &g.WordingVersion
		row.GiftAidTitle, row.GiftAidFirstName, row.GiftAidLastName, row.GiftAidHouse = g.Title, g.FirstName, g.LastName, g.House
		row.DonorName = g.FullName
	}
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var currency string
		if err := tx.Table("campaigns").Select("currency").Where("id = ?", nd.CampaignID).Take(&currency).Error; err != nil {
			return notFound(err, campaign.ErrNotFound)
		}
		if currency != nd.Currency {
			return fmt.Errorf("%w: %s, not %s", donation.ErrCurrencyMismatch, currency, nd.Currency)
		}
		if sup := nd.Supporter; sup != nil {
			var sig struct {
				ID       int64
				FullName string
				Email    string
			}
			err := tx.Table("signatures s").Select("s.id, s.full_name, s.email").
				Joins("JOIN petitions p ON p.id = s.petition_id").
				Where("s.petition_id = ? AND s.email = ? AND p.campaign_id = ?", sup.PetitionID, sup.Email, nd.CampaignID).
				Take(&sig).Error
			switch {
			case err == nil:
				row.SignatureID, row.DonorEmail = &sig.ID, sig.Email
				if row.DonorName == "" {
					row.DonorName = sig.FullName
				}
			case !errors.Is(err, gorm.ErrRecordNotFound):
				return err
			}
		}
		return tx.Create(&row).Error
	})
	if err != nil {
		return donation.Donation{}, fmt.Errorf("create donation for campaign %d: %w", nd.CampaignID, translate(err))
	}
	return row.domain(), nil
}

// AttachCheckoutSession records the Checkout Session created for donation
// id. Returns donation.ErrNotFound for an unknown id.
func (s *DonationStore) AttachCheckoutSession(ctx context.Context, id int64, sessionID string) error {
	res := s.db.gorm.WithContext(ctx).Model(&donationRow{}).
		Where("id = ? AND (checkout_session_id IS NULL OR checkout_session_id = ?)", id, sessionID).
		Updates(map[string]any{"checkout_session_id": sessionID, "updated_at": gorm.Expr("now()")})
	if res.Error != nil {
		return fmt.Errorf("attach session to donation %d: %w", id, translate(res.Error))
	}
	if res.RowsAffected == 0 {
		var n int64
		if err := s.db.gorm.WithContext(ctx).Model(&donationRow{}).Where("id = ?", id).Count(&n).Error; err != nil {
			return fmt.Errorf("attach session to donation %d: %w", id, translate(err))
		}
		if n == 0 {
			return fmt.Errorf("attach session to donation %d: %w", id, donation.ErrNotFound)
		}
		return fmt.Errorf("attach session to donation %d: it already has another session", id)
	}
	return nil
}

// CheckoutFailed records that no Checkout Session could be created for
// donation id, so it does not wait as pending for ever. Should the session
// exist after all and be paid, its events still move the donation to paid.
func (s *DonationStore) CheckoutFailed(ctx context.Context, id int64) error {
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row donationRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return notFound(err, donation.ErrNotFound)
		}
		row.setState(donation.Next(row.state(), donation.Event{Kind: donation.EventCheckoutFailed, Created: time.Now()}))
		return saveState(tx, &row)
	})
	if err != nil {
		return fmt.Errorf("record failed checkout of donation %d: %w", id, translate(err))
	}
	return nil
}

// saveState writes what the events decide: the facts, the status, the
// gateway's ids and the donor's contact details.
func saveState(tx *gorm.DB, row *donationRow) error {
	return tx.Model(&donationRow{}).Where("id = ?", row.ID).Updates(map[string]any{
		"status": row.Status, "completed_at": row.CompletedAt, "paid_at": row.PaidAt, "failed_at": row.FailedAt,
		"expired_at": row.ExpiredAt, "disputed_at": row.DisputedAt, "dispute_won_at": row.DisputeWonAt, "amount_refunded": row.AmountRefunded,
		"fully_refunded": row.FullyRefunded, "amount_disputed": row.AmountDisputed,
		"checkout_session_id": row.CheckoutSessionID, "payment_intent_id": row.PaymentIntentID, "charge_id": row.ChargeID,
		"donor_name": row.DonorName, "donor_email": row.DonorEmail, "updated_at": gorm.Expr("now()"),
	}).Error
}

// entries selects donations joined with their campaign's and release's names.
func (s *DonationStore) entries(ctx context.Context) *gorm.DB {
	return s.db.gorm.WithContext(ctx).Table("donations").
		Select("donations.*, c.slug AS campaign_slug, c.title AS campaign_title, r.slug AS release_slug, r.title AS release_title").
		Joins("JOIN campaigns c ON c.id = donations.campaign_id").
		Joins("LEFT JOIN releases r ON r.id = donations.release_id")
}

// BySessionID returns donation.ErrNotFound if no donation has that session.
func (s *DonationStore) BySessionID(ctx context.Context, sessionID string) (donation.Entry, error) {
	var row entryRow
	if err := s.entries(ctx).Where("donations.checkout_session_id = ?", sessionID).Take(&row).Error; err != nil {
		return donation.Entry{}, fmt.Errorf("donation by session: %w", notFound(err, donation.ErrNotFound))
	}
	return row.domain(), nil
}

// paymentIntentLockClass namespaces the advisory locks taken per payment
// intent (the second key is the id's hash).
const paymentIntentLockClass = 4242

// ApplyEvent stores e and applies it to its donation in one transaction:
//
//  1. insert the event; if its id was seen before, stop: nothing changes;
//  2. take an advisory lock on its payment intent, so that an event that can
//     only be matched by payment intent and the event that links the
//     payment intent to a donation never miss each other;
//  3. find and lock the donation (by session, by our metadata, by payment
//     intent, by charge), run the state machine, save;
//  4. apply any earlier events that were kept unmatched and carry the
//     payment intent this event has just linked.
//
// An event that matches no donation is kept, unprocessed, for finance to see.
func (s *DonationStore) ApplyEvent(ctx context.Context, e donation.Event) (donation.ApplyResult, error) {
	var res donation.ApplyResult
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		res, err = s.applyEvent(ctx, e)
		if err == nil || !isRetryable(err) {
			break
		}
	}
	if err != nil {
		return donation.ApplyResult{}, fmt.Errorf("apply event %s: %w", e.ID, translate(err))
	}
	return res, nil
}

func (s *DonationStore) applyEvent(ctx context.Context, e donation.Event) (donation.ApplyResult, error) {
	var res donation.ApplyResult
	err := s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		ev := stripeEventRow{EventID: e.ID, Type: e.Type, Created: e.Created.UTC(), Payload: []byte(e.Payload),
			Kind: string(e.Kind), PaymentStatus: e.PaymentStatus, AmountRefunded: e.AmountRefunded,
			FullyRefunded: e.FullyRefunded, AmountDisputed: e.AmountDisputed,
			CheckoutSessionID: e.Ref.CheckoutSessionID, PaymentIntentID: e.Ref.PaymentIntentID, ChargeID: e.Ref.ChargeID}
		if e.Ref.DonationID != 0 {
			ev.RefDonationID = &e.Ref.DonationID
		}
		if len(e.Payload) == 0 {
			ev.Payload = []byte("{}")
		}
		ins := tx.Clauses(clause.OnConflict{Columns: []clause.Column{{Name: "event_id"}}, DoNothing: true}).Create(&ev)
		if ins.Error != nil {
			return ins.Error
		}
		if ins.RowsAffected == 0 {
			res.Duplicate = true
			return nil
		}
		if e.Ref.PaymentIntentID != "" {
			if err := tx.Exec("SELECT pg_advisory_xact_lock(?, hashtext(?))", paymentIntentLockClass, e.Ref.PaymentIntentID).Error; err != nil {
				return err
			}
		}
		row, found, err := findDonation(tx, e)
		if err != nil || !found {
			return err
		}
		res.DonationID = row.ID
		before := row.state()
		applyTo(&row, e)
		if err := markProcessed(tx, ev.ID, row.ID); err != nil {
			return err
		}
		if err := redactIfErased(tx, row, ev.ID); err != nil {
			return err
		}
		if pi := deref(row.PaymentIntentID); pi != "" {
			var orphans []stripeEventRow
			err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).
				Where("donation_id IS NULL AND payment_intent_id = ?", pi).Order("created, id").Find(&orphans).Error
			if err != nil {
				return err
			}
			for _, o := range orphans {
				applyTo(&row, o.event())
				if err := markProcessed(tx, o.ID, row.ID); err != nil {
					return err
				}
				if err := redactIfErased(tx, row, o.ID); err != nil {
					return err
				}
			}
			res.Adopted = len(orphans)
		}
		res.Status = donation.Status(row.Status)
		if err := saveState(tx, &row); err != nil {
			return err
		}
		return enqueueDonationWebhooks(tx, before, row)
	})
	return res, err
}

// findDonation locks the donation e is about. A match through our own
// metadata must agree with what the row already knows, so that events from
// another database sharing the Stripe account (whose donation ids overlap
// ours) are kept unmatched instead of moving the wrong donation.
func findDonation(tx *gorm.DB, e donation.Event) (donationRow, bool, error) {
	locked := func() *gorm.DB { return tx.Clauses(clause.Locking{Strength: "UPDATE"}) }
	var row donationRow
	try := func(q *gorm.DB) (bool, error) {
		err := q.Take(&row).Error
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return false, nil
		}
		return err == nil, err
	}
	if id := e.Ref.CheckoutSessionID; id != "" {
		if ok, err := try(locked().Where("checkout_session_id = ?", id)); ok || err != nil {
			return row, ok, err
		}
	}
	if id := e.Ref.DonationID; id != 0 && e.Ref.Nonce != "" {
		ok, err := try(locked().Where("id = ? AND checkout_nonce = ?", id, e.Ref.Nonce))
		if err != nil {
			return row, false, err
		}
		agrees := func(have *string, got string) bool { return have == nil || got == "" || *have == got }
		if ok && agrees(row.CheckoutSessionID, e.Ref.CheckoutSessionID) && agrees(row.PaymentIntentID, e.Ref.PaymentIntentID) {
			return row, true, nil
		}
	}
	if id := e.Ref.PaymentIntentID; id != "" {
		if ok, err := try(locked().Where("payment_intent_id = ?", id).Order("id")); ok || err != nil {
			return row, ok, err
		}
	}
	if id := e.Ref.ChargeID; id != "" {
		if ok, err := try(locked().Where("charge_id = ?", id).Order("id")); ok || err != nil {
			return row, ok, err
		}
	}
	return donationRow{}, false, nil
}

// redactIfErased reduces the payload of the Stripe event stored as
// eventRowID to its id and type when row's donor was erased: an event that
// arrives after an erasure must not bring the donor's details back.
func redactIfErased(tx *gorm.DB, row donationRow, eventRowID int64) error {
	if !row.erased() {
		return nil
	}
	return tx.Exec(`UPDATE stripe_events e SET payload = `+redactedPayloadSQL+` WHERE e.id = ?`, eventRowID).Error
}

// applyTo runs the state machine and records the ids and contact details the
// event brings, without overwriting what is already known, and never on a
// donation whose donor's details were erased.
func applyTo(row *donationRow, e donation.Event) {
	row.setState(donation.Next(row.state(), e))
	if row.erased() {
		e.DonorEmail, e.DonorName = "", ""
	}
	fill := func(have **string, got string) {
		if *have == nil && got != "" {
			*have = &got
		}
	}
	fill(&row.CheckoutSessionID, e.Ref.CheckoutSessionID)
	fill(&row.PaymentIntentID, e.Ref.PaymentIntentID)
	fill(&row.ChargeID, e.Ref.ChargeID)
	if row.DonorEmail == "" && e.DonorEmail != "" && utf8.RuneCountInString(e.DonorEmail) <= 254 {
		row.DonorEmail = e.DonorEmail
	}
	if row.DonorName == "" && e.DonorName != "" && utf8.RuneCountInString(e.DonorName) <= 200 {
		row.DonorName = e.DonorName
	}
}

func markProcessed(tx *gorm.DB, eventRowID, donationID int64) error {
	return tx.Model(&stripeEventRow{}).Where("id = ?", eventRowID).
		Updates(map[string]any{"donation_id": donationID, "processed_at": gorm.Expr("now()")}).Error
}

// filtered narrows q (over donations) to f, ignoring paging.
func filtered(q *gorm.DB, f donation.Filter) *gorm.DB {
	if len(f.Statuses) > 0 {
		statuses := make([]string, len(f.Statuses))
		for i, st := range f.Statuses {
			statuses[i] = string(st)
		}
		q = q.Where("donations.status IN ?", statuses)
	}
	if f.CampaignID != 0 {
		q = q.Where("donations.campaign_id = ?", f.CampaignID)
	}
	if f.ReleaseID != 0 {
		q = q.Where("donations.release_id = ?", f.ReleaseID)
	}
	column := "donations.created_at"
	if f.DateField == donation.DatePaid {
		column = "donations.paid_at"
	}
	if !f.From.IsZero() {
		q = q.Where(column+" >= ?", f.From.UTC())
	}
	if !f.To.IsZero() {
		q = q.Where(column+" < ?", f.To.UTC())
	}
	switch f.Reviewed {
	case donation.ReviewedYes:
		q = q.Where("donations.reviewed_at IS NOT NULL")
	case donation.ReviewedNo:
		q = q.Where("donations.reviewed_at IS NULL")
	}
	return q
}

// Page sizes of List.
const (
	DefaultDonationPage = 100
	MaxDonationPage     = 500
)

// List returns donations newest first, a page at a time (keyset on id, or
// numbered pages by offset), with totals per currency over everything the
// filter selects.
func (s *DonationStore) List(ctx context.Context, f donation.Filter) (donation.Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultDonationPage
	}
	limit = min(limit, MaxDonationPage)
	q := filtered(s.entries(ctx), f)
	if f.BeforeID > 0 {
		q = q.Where("donations.id < ?", f.BeforeID)
	} else if f.Offset > 0 {
		q = q.Offset(f.Offset)
	}
	var rows []entryRow
	if err := q.Order("donations.id DESC").Limit(limit + 1).Find(&rows).Error; err != nil {
		return donation.Page{}, fmt.Errorf("list donations: %w", translate(err))
	}
	var page donation.Page
	if len(rows) > limit {
		rows = rows[:limit]
		page.NextBeforeID = rows[limit-1].Row.ID
	}
	page.Entries = make([]donation.Entry, len(rows))
	for i, r := range rows {
		page.Entries[i] = r.domain()
	}
	totals, err := s.totals(ctx, f)
	if err != nil {
		return donation.Page{}, err
	}
	page.Totals = totals
	for _, t := range totals {
		page.Total += t.Count
	}
	return page, nil
}

func (s *DonationStore) totals(ctx context.Context, f donation.Filter) ([]donation.Totals, error) {
	var rows []donation.Totals
	q := filtered(s.db.gorm.WithContext(ctx).Table("donations"), f).
		Select("currency, count(*) AS count, " +
			"count(*) FILTER (WHERE paid_at IS NOT NULL) AS paid_count, " +
			"coalesce(sum(amount) FILTER (WHERE paid_at IS NOT NULL), 0) AS gross, " +
			"coalesce(sum(amount_refunded), 0) AS refunded, " +
			"coalesce(sum(amount_disputed), 0) AS disputed").
		Group("currency").Order("currency")
	if err := q.Scan(&rows).Error; err != nil {
		return nil, fmt.Errorf("donation totals: %w", translate(err))
	}
	for i := range rows {
		rows[i].Net = rows[i].Gross - rows[i].Refunded
	}
	return rows, nil
}

// TotalsByRelease sums campaign campaignID's donations per source release
// and currency, most net raised first. Only sums leave the database.
func (s *DonationStore) TotalsByRelease(ctx context.Context, campaignID int64) ([]donation.ReleaseTotals, error) {
	var rows []struct {
		ReleaseID    *int64
		ReleaseSlug  string
		ReleaseTitle string
		donation.Totals
	}
	err := s.db.gorm.WithContext(ctx).Table("donations").
		Joins("LEFT JOIN releases ON releases.id = donations.release_id").
		Where("donations.campaign_id = ?", campaignID).
		Select("donations.release_id, coalesce(releases.slug, '') AS release_slug, " +
			"coalesce(releases.title, '') AS release_title, donations.currency, count(*) AS count, " +
			"count(*) FILTER (WHERE donations.paid_at IS NOT NULL) AS paid_count, " +
			"coalesce(sum(donations.amount) FILTER (WHERE donations.paid_at IS NOT NULL), 0) AS gross, " +
			"coalesce(sum(donations.amount_refunded), 0) AS refunded, " +
			"coalesce(sum(donations.amount_disputed), 0) AS disputed").
		Group("donations.release_id, releases.slug, releases.title, donations.currency").
		Order("coalesce(sum(donations.amount) FILTER (WHERE donations.paid_at IS NOT NULL), 0) - " +
			"coalesce(sum(donations.amount_refunded), 0) DESC, donations.currency, donations.release_id").
		Scan(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("donation totals of campaign %d by release: %w", campaignID, translate(err))
	}
	out := make([]donation.ReleaseTotals, len(rows))
	for i, r := range rows {
		r.Net = r.Gross - r.Refunded
		out[i] = donation.ReleaseTotals{ReleaseID: r.ReleaseID, ReleaseSlug: r.ReleaseSlug, ReleaseTitle: r.ReleaseTitle, Totals: r.Totals}
	}
	return out, nil
}

// Get returns donation id with its events, oldest first. Returns
// donation.ErrNotFound for an unknown id.
func (s *DonationStore) Get(ctx context.Context, id int64) (donation.Entry, []donation.StoredEvent, error) {
	var row entryRow
	if err := s.entries(ctx).Where("donations.id = ?", id).Take(&row).Error; err != nil {
		return donation.Entry{}, nil, fmt.Errorf("donation %d: %w", id, notFound(err, donation.ErrNotFound))
	}
	var events []stripeEventRow
	if err := s.db.gorm.WithContext(ctx).Where("donation_id = ?", id).Order("created, id").Find(&events).Error; err != nil {
		return donation.Entry{}, nil, fmt.Errorf("events of donation %d: %w", id, translate(err))
	}
	return row.domain(), storedEvents(events), nil
}

func storedEvents(rows []stripeEventRow) []donation.StoredEvent {
	out := make([]donation.StoredEvent, len(rows))
	for i, r := range rows {
		out[i] = r.domain()
	}
	return out
}

// UnmatchedEvents returns up to limit events that match no donation, newest first.
func (s *DonationStore) UnmatchedEvents(ctx context.Context, limit int) ([]donation.StoredEvent, error) {
	var rows []stripeEventRow
	err := s.db.gorm.WithContext(ctx).Where("donation_id IS NULL").Order("received_at DESC, id DESC").
		Limit(limit).Find(&rows).Error
	if err != nil {
		return nil, fmt.Errorf("unmatched events: %w", translate(err))
	}
	return storedEvents(rows), nil
}

// MaxReviewNoteLen caps a review note, as the schema does.
const MaxReviewNoteLen = 2000

// reviewAudit is what the audit log records of a review, before and after.
type reviewAudit struct {
	ReviewedAt      *time.Time `json:"reviewed_at"`
	ReviewedBy      *int64     `json:"reviewed_by"`
	ReviewedByEmail string     `json:"reviewed_by_email"`
	ReviewNote      string     `json:"review_note"`
}

// RecordExport writes an audit row for an export of donors' data: reading
// personal data changes nothing, but who took a copy, and of what, is worth
// a line in the log.
func (s *DonationStore) RecordExport(ctx context.Context, actor donation.Actor, action string, filter map[string]string) error {
	err := writeAudit(s.db.gorm.WithContext(ctx), actor, action, "donations", 0, nil,
		map[string]any{"format": "csv", "filter": filter})
	if err != nil {
		return fmt.Errorf("record export: %w", translate(err))
	}
	return nil
}

// reviewNote trims a review note and checks it fits the schema.
func reviewNote(note string) (string, error) {
	note = strings.TrimSpace(note)
	if utf8.RuneCountInString(note) > MaxReviewNoteLen || !utf8.ValidString(note) {
		return "", valid.Errors{"note": "Please keep the note to 2,000 characters or fewer."}
	}
	return note, nil
}

// markReviewed records actor's review of the locked row, and its audit row,
// inside tx; now is the transaction's time.
func markReviewed(tx *gorm.DB, row donationRow, actor donation.Actor, note string, now time.Time) error {
	var actorID *int64
	if actor.ID != 0 {
		actorID = &actor.ID
	}
	before := reviewAudit{ReviewedAt: utc(row.ReviewedAt), ReviewedBy: row.ReviewedBy,
		ReviewedByEmail: row.ReviewedByEmail, ReviewNote: row.ReviewNote}
	after := reviewAudit{ReviewedAt: &now, ReviewedBy: actorID, ReviewedByEmail: actor.Email, ReviewNote: note}
	err := tx.Model(&donationRow{}).Where("id = ?", row.ID).Updates(map[string]any{
		"reviewed_at": now, "reviewed_by": actorID, "reviewed_by_email": actor.Email,
		"review_note": note, "updated_at": now}).Error
	if err != nil {
		return err
	}
	return writeAudit(tx, actor, "donation.review", "donation", row.ID, before, after)
}

// txNow is the transaction's time, in UTC.
func txNow(tx *gorm.DB) (time.Time, error) {
	var now time.Time
	err := tx.Raw("SELECT now()").Scan(&now).Error
	return now.UTC(), err
}

// MarkReviewed records actor's review of donation id with note and writes
// the change to audit_log, in one transaction. Returns donation.ErrNotFound
// for an unknown id and valid.Errors for a note that is too long.
func (s *DonationStore) MarkReviewed(ctx context.Context, id int64, actor donation.Actor, note string) (donation.Entry, error) {
	note, err := reviewNote(note)
	if err != nil {
		return donation.Entry{}, err
	}
	err = s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var row donationRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id = ?", id).Take(&row).Error; err != nil {
			return notFound(err, donation.ErrNotFound)
		}
		now, err := txNow(tx)
		if err != nil {
			return err
		}
		return markReviewed(tx, row, actor, note, now)
	})
	if err != nil {
		var fields valid.Errors
		if errors.As(err, &fields) {
			return donation.Entry{}, err
		}
		return donation.Entry{}, fmt.Errorf("review donation %d: %w", id, translate(err))
	}
	e, _, err := s.Get(ctx, id)
	return e, err
}

// MarkManyReviewed records actor's review of each donation in ids with one
// note, in one transaction, with an audit row per donation. The rows are
// locked in id order, so two bulk reviews never deadlock. If an id is
// unknown nothing changes, and the error is a *donation.UnknownDonationsError.
func (s *DonationStore) MarkManyReviewed(ctx context.Context, ids []int64, actor donation.Actor, note string) ([]int64, error) {
	note, err := reviewNote(note)
	if err != nil {
		return nil, err
	}
	var reviewed []int64
	err = s.db.gorm.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var rows []donationRow
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Where("id IN ?", ids).Order("id").Find(&rows).Error; err != nil {
			return err
		}
		if len(rows) != len(ids) {
			found := make(map[int64]bool, len(rows))
			for _, r := range rows {
				found[r.ID] = true
			}
			missing := &donation.UnknownDonationsError{}
			for _, id := range ids {
				if !found[id] {
					missing.IDs = append(missing.IDs, id)
				}
			}
			return missing
		}
		now, err := txNow(tx)
		if err != nil {
			return err
		}
		for _, row := range rows {
			if err := markReviewed(tx, row, actor, note, now); err != nil {
				return err
			}
			reviewed = append(reviewed, row.ID)
		}
		return nil
	})
	if err != nil {
		var fields valid.Errors
		var missing *donation.UnknownDonationsError
		if errors.As(err, &fields) || errors.As(err, &missing) {
			return nil, err
		}
		return nil, fmt.Errorf("review %d donations: %w", len(ids), translate(err))
	}
	return reviewed, nil
}

// EachDonation calls fn for every donation f selects, newest first, reading
// rows as fn consumes them so that an export of any size streams.
func (s *DonationStore) EachDonation(ctx context.Context, f donation.Filter, fn func(donation.Entry) error) error {
	f.Limit, f.BeforeID = 0, 0
	q := filtered(s.entries(ctx), f).Order("donations.id DESC")
	if err := each(q, fn); err != nil {
		return fmt.Errorf("export donations: %w", err)
	}
	return nil
}

// EachGiftAidClaim calls fn for every donation with a Gift Aid declaration
// that is paid and not refunded, disputed or partly refunded (status
// "paid"), whose payment was taken in [from, to), oldest payment first.
func (s *DonationStore) EachGiftAidClaim(ctx context.Context, from, to time.Time, fn func(donation.Entry) error) error {
	if err := each(giftAidClaim(s.entries(ctx), from, to).Order("donations.paid_at, donations.id"), fn); err != nil {
		return fmt.Errorf("export gift aid claim: %w", err)
	}
	return nil
}

// giftAidClaim narrows q (over donations) to the Gift Aid claim of payments
// taken in [from, to): paid (not refunded, disputed or partly refunded),
// with a declaration.
func giftAidClaim(q *gorm.DB, from, to time.Time) *gorm.DB {
	q = q.Where("donations.status = ? AND donations.gift_aid_declared_at IS NOT NULL", donation.StatusPaid)
	if !from.IsZero() {
		q = q.Where("donations.paid_at >= ?", from.UTC())
	}
	if !to.IsZero() {
		q = q.Where("donations.paid_at < ?", to.UTC())
	}
	return q
}

// CountGiftAidClaim counts the donations EachGiftAidClaim gives for [from, to).
func (s *DonationStore) CountGiftAidClaim(ctx context.Context, from, to time.Time) (int64, error) {
	var n int64
	if err := giftAidClaim(s.db.gorm.WithContext(ctx).Table("donations"), from, to).Count(&n).Error; err != nil {
		return 0, fmt.Errorf("count gift aid claim: %w", translate(err))
	}
	return n, nil
}

// EachGiftAidClaimPart calls fn for part (from 1) of the claim for [from,
// to), cut into parts of donation.ScheduleRowsPerPart in EachGiftAidClaim's
// order (payment time, then id), so that the parts of one claim neither
// overlap nor leave a donation out.
func (s *DonationStore) EachGiftAidClaimPart(ctx context.Context, from, to time.Time, part int, fn func(donation.Entry) error) error {
	if part < 1 {
		return fmt.Errorf("export gift aid claim part %d: parts count from 1", part)
	}
	q := giftAidClaim(s.entries(ctx), from, to).Order("donations.paid_at, donations.id").
		Offset((part - 1) * donation.ScheduleRowsPerPart).Limit(donation.ScheduleRowsPerPart)
	if err := each(q, fn); err != nil {
		return fmt.Errorf("export gift aid claim part %d: %w", part, err)
	}
	return nil
}

func each(q *gorm.DB, fn func(donation.Entry) error) error {
	rows, err := q.Rows()
	if err != nil {
		return translate(err)
	}
	defer rows.Close()
	for rows.Next() {
		var row entryRow
		if err := q.ScanRows(rows, &row); err != nil {
			return translate(err)
		}
		if err := fn(row.domain()); err != nil {
			return err
		}
	}
	return translate(rows.Err())
}
