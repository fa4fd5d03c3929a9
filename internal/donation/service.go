package donation

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/advocacy/advocacy/internal/valid"
)

// Service runs the donation use cases: giving, reviewing, and applying what
// the payment gateway reports. Pages, the JSON API and jobs call it alike.
type Service struct {
	store    Store
	gateway  Gateway         // nil: donations are off
	verifier WebhookVerifier // nil: webhooks cannot be verified
	ledger   Ledger          // nil: fees and payouts are not read
	baseURL  string
	logger   *slog.Logger
	now      func() time.Time
}

// ServiceConfig is what a Service needs besides its store.
type ServiceConfig struct {
	// Gateway creates checkout sessions; nil switches donations off.
	Gateway Gateway
	// Verifier checks the gateway's webhooks; nil refuses them with
	// ErrDisabled. It works without a Gateway, so refunds and disputes of
	// earlier donations are still recorded after donations are switched off.
	Verifier WebhookVerifier
	// Ledger reads fees and payouts from the gateway's books; nil leaves
	// them unrecorded (payouts are then refused, so the gateway retries).
	Ledger Ledger
	// BaseURL is the site's public address, for the gateway's return links.
	BaseURL string
	Logger  *slog.Logger
}

// NewService returns a Service over store. store may be nil, which switches
// donations and webhooks off.
func NewService(store Store, cfg ServiceConfig) *Service {
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Service{store: store, gateway: cfg.Gateway, verifier: cfg.Verifier, ledger: cfg.Ledger, baseURL: cfg.BaseURL,
		logger: cfg.Logger, now: time.Now}
}

// Enabled reports whether donations can be taken.
func (s *Service) Enabled() bool { return s.store != nil && s.gateway != nil }

// Store returns the store finance reads from.
func (s *Service) Store() Store { return s.store }

// DonateRequest is a donor's gift from a release page.
type DonateRequest struct {
	CampaignID    int64
	CampaignTitle string
	Currency      string // the campaign's
	ReleaseID     int64
	ReleaseSlug   string
	Input         DonateInput // Input.Currency is set from Currency
	// Supporter, when set, names a signature the donor has proven is theirs.
	Supporter *Supporter
}

// Donate validates the gift, records it as pending, and asks the gateway for
// a checkout page. It returns the URL to send the donor to.
//
// Returns ErrDisabled when donations are off, a valid.Errors naming each bad
// field, and an error wrapping ErrGateway when the gateway fails (the
// donation is then recorded as failed, so it does not wait as pending).
func (s *Service) Donate(ctx context.Context, req DonateRequest) (checkoutURL string, err error) {
	if !s.Enabled() {
		return "", ErrDisabled
	}
	in := req.Input
	in.Currency = req.Currency
	amount, gift, err := in.Validate(s.now())
	if err != nil {
		return "", err
	}
	d, err := s.store.CreatePending(ctx, NewDonation{CampaignID: req.CampaignID, ReleaseID: &req.ReleaseID,
		Amount: amount, Currency: req.Currency, GiftAid: gift, Supporter: req.Supporter})
	if err != nil {
		return "", fmt.Errorf("donate to campaign %d: %w", req.CampaignID, err)
	}
	checkout := CheckoutRequest{DonationID: d.ID, DonationNonce: d.CheckoutNonce, Amount: d.Amount, Currency: d.Currency,
		Description:    "Donation: " + req.CampaignTitle,
		SuccessURL:     s.baseURL + "/donations/thanks?session_id={CHECKOUT_SESSION_ID}",
		CancelURL:      s.baseURL + "/donations/cancelled?release=" + url.QueryEscape(req.ReleaseSlug),
		IdempotencyKey: d.IdempotencyKey()}
	if d.SignatureID != nil {
		checkout.CustomerEmail = d.DonorEmail // proven by the supporter's cookie
	}
	sessionID, checkoutURL, err := s.gateway.CreateCheckout(ctx, checkout)
	if err != nil {
		// Record it even if the donor has gone, so it does not wait as pending.
		if ferr := s.store.CheckoutFailed(context.WithoutCancel(ctx), d.ID); ferr != nil {
			s.logger.ErrorContext(ctx, "record failed checkout", "donation_id", d.ID, "err", ferr)
		}
		return "", fmt.Errorf("donation %d: %w", d.ID, err)
	}
	if err := s.store.AttachCheckoutSession(ctx, d.ID, sessionID); err != nil {
		// The session's events still find the donation through its
		// metadata; the donor should not be stopped from giving.
		s.logger.ErrorContext(ctx, "attach checkout session", "donation_id", d.ID, "err", err)
	}
	return checkoutURL, nil
}

// Review records that actor reviewed donation id, with a note; the store
// writes the audit log in the same transaction. Returns ErrNotFound for an
// unknown id.
func (s *Service) Review(ctx context.Context, actor Actor, id int64, note string) (Entry, error) {
	if s.store == nil {
		return Entry{}, ErrNotFound
	}
	if !valid.Readable(note) {
		return Entry{}, valid.Errors{"note": "The note contains characters we cannot read."}
	}
	return s.store.MarkReviewed(ctx, id, actor, note)
}

// MaxReviewBatch is the most donations one bulk review may name: a page of
// the list at its largest.
const MaxReviewBatch = 500

// ReviewMany records that actor reviewed every donation in ids, with one
// note, all or none, in one transaction with an audit row per donation. It
// returns the ids reviewed, in ascending order, each once.
//
// Returns a valid.Errors naming "ids" for an empty list, more than
// MaxReviewBatch ids, an id that is not positive or an id no donation has
// (nothing is then reviewed), and naming "note" for a note that cannot be
// kept.
func (s *Service) ReviewMany(ctx context.Context, actor Actor, ids []int64, note string) ([]int64, error) {
	errs := valid.Errors{}
	if !valid.Readable(note) {
		errs.Add("note", "The note contains characters we cannot read.")
	}
	unique := make([]int64, 0, len(ids))
	seen := make(map[int64]bool, len(ids))
	for _, id := range ids {
		if id < 1 {
			errs.Add("ids", "Every id must be a donation's id, a whole number from 1.")
			continue
		}
		if !seen[id] {
			seen[id] = true
			unique = append(unique, id)
		}
	}
	switch {
	case len(ids) == 0:
		errs.Add("ids", "Choose at least one donation to mark reviewed.")
	case len(unique) > MaxReviewBatch:
		errs.Add("ids", fmt.Sprintf("Mark at most %d donations reviewed at once.", MaxReviewBatch))
	}
	if err := errs.Err(); err != nil {
		return nil, err
	}
	if s.store == nil {
		return nil, ErrNotFound
	}
	slices.Sort(unique)
	reviewed, err := s.store.MarkManyReviewed(ctx, unique, actor, note)
	var unknown *UnknownDonationsError
	if errors.As(err, &unknown) {
		return nil, valid.Errors{"ids": fmt.Sprintf("No donation has the id %s; nothing was marked reviewed.", joinIDs(unknown.IDs))}
	}
	if err != nil {
		return nil, fmt.Errorf("review %d donations: %w", len(unique), err)
	}
	return reviewed, nil
}

// joinIDs lists ids for a message: "3, 5 or 9" (at most ten of them).
func joinIDs(ids []int64) string {
	parts := make([]string, 0, min(len(ids), 10))
	for _, id := range ids[:min(len(ids), 10)] {
		parts = append(parts, strconv.FormatInt(id, 10))
	}
	if len(ids) > 10 {
		return strings.Join(parts, ", ") + " or others"
	}
	if len(parts) < 2 {
		return strings.Join(parts, "")
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " or " + parts[len(parts)-1]
}

// ApplyWebhook verifies a webhook's signature on its raw payload, then
// applies the event once, in one transaction with its effect on the
// donation. A repeat changes nothing; an event for an unknown donation is
// kept for finance.
//
// Returns ErrDisabled when webhooks cannot be verified, ErrBadSignature when
// the signature does not match (or is too old), ErrBadEvent when a signed
// body cannot be read, and ErrIgnoredEvent for an event type donations do
// not use.
func (s *Service) ApplyWebhook(ctx context.Context, payload []byte, signature string) (Event, ApplyResult, error) {
	if s.verifier == nil || s.store == nil {
		return Event{}, ApplyResult{}, ErrDisabled
	}
	ev, err := s.verifier.VerifyEvent(payload, signature)
	if err != nil {
		return Event{}, ApplyResult{}, err
	}
	if ev.Kind == EventPayoutPaid {
		res, err := s.applyPayout(ctx, ev)
		return ev, res, err
	}
	res, err := s.store.ApplyEvent(ctx, ev)
	if err != nil {
		return ev, ApplyResult{}, fmt.Errorf("apply event %s: %w", ev.ID, err)
	}
	if !res.Duplicate && res.Status == StatusPaid && ev.Ref.PaymentIntentID != "" {
		s.recordFees(ctx, ev.Ref.PaymentIntentID)
	}
	return ev, res, nil
}

// feeLookupTimeout bounds reading a payment's fees while the gateway waits
// for the webhook's answer.
const feeLookupTimeout = 5 * time.Second

// recordFees reads the fees of the payment just taken and records them. A
// failure is logged, not returned: the payment is recorded, and the payout
// that pays it out brings its fees again.
func (s *Service) recordFees(ctx context.Context, paymentIntentID string) {
	if s.ledger == nil {
		return
	}
	ctx, cancel := context.WithTimeout(ctx, feeLookupTimeout)
	defer cancel()
	fees, err := s.ledger.PaymentFees(ctx, paymentIntentID)
	if err == nil {
		err = s.store.RecordFees(ctx, paymentIntentID, fees)
	}
	if err != nil {
		s.logger.WarnContext(ctx, "record payment fees", "payment_intent_id", paymentIntentID, "err", err)
	}
}

// applyPayout records a paid payout and links the donations it paid out.
// Returns ErrDisabled without a ledger to read the payout's lines from, so
// the gateway retries once it is configured.
func (s *Service) applyPayout(ctx context.Context, ev Event) (ApplyResult, error) {
	if s.ledger == nil || ev.Payout == nil {
		return ApplyResult{}, fmt.Errorf("payout event %s: %w", ev.ID, ErrDisabled)
	}
	lines, err := s.ledger.PayoutLines(ctx, ev.Payout.PayoutID)
	if err != nil {
		return ApplyResult{}, fmt.Errorf("payout %s: %w", ev.Payout.PayoutID, err)
	}
	linked, err := s.store.RecordPayout(ctx, *ev.Payout, lines)
	if err != nil {
		return ApplyResult{}, fmt.Errorf("payout %s: %w", ev.Payout.PayoutID, err)
	}
	return ApplyResult{Linked: linked}, nil
}
