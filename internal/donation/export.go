package donation

import (
	"strconv"
	"time"
)

// The CSV exports finance downloads. Amounts are decimals in major units
// ("10.50") beside their currency; times are RFC 3339 in UTC. Cells are
// written through csvsafe by the caller, so no formula survives.

// CSVHeader is the first row of the donations export.
var CSVHeader = []string{
	"id", "created_at", "status", "currency", "amount", "amount_refunded", "amount_disputed", "net",
	"campaign", "release", "signature_id", "donor_name", "donor_email",
	"gift_aid", "gift_aid_full_name", "gift_aid_home_address", "gift_aid_postcode",
	"gift_aid_declared_at", "gift_aid_wording_version",
	"paid_at", "checkout_session_id", "payment_intent_id", "charge_id",
	"reviewed_at", "reviewed_by", "review_note",
	"gift_aid_title", "gift_aid_first_name", "gift_aid_last_name", "gift_aid_house",
}

// CSVRecord is e as a row under CSVHeader.
func (e Entry) CSVRecord() []string {
	d := e.Donation
	cur := d.Currency
	giftAid := []string{"no", "", "", "", "", ""}
	schedule := []string{"", "", "", ""}
	if g := d.GiftAid; g != nil {
		giftAid = []string{"yes", g.FullName, g.HomeAddress, g.Postcode, stamp(&g.DeclaredAt), g.WordingVersion}
		schedule = []string{g.Title, g.FirstName, g.LastName, g.House}
	}
	row := []string{
		strconv.FormatInt(d.ID, 10), stamp(&d.CreatedAt), string(d.Status), cur,
		FormatDecimal(d.Amount, cur), FormatDecimal(d.AmountRefunded, cur), FormatDecimal(d.AmountDisputed, cur),
		FormatDecimal(d.Net(), cur),
		e.CampaignSlug, e.ReleaseSlug, optionalID(d.SignatureID), d.DonorName, d.DonorEmail,
	}
	row = append(row, giftAid...)
	row = append(row,
		stamp(d.PaidAt), d.CheckoutSessionID, d.PaymentIntentID, d.ChargeID,
		stamp(d.ReviewedAt), d.ReviewedByEmail, d.ReviewNote)
	return append(row, schedule...)
}

// GiftAidCSVHeader is the first row of the Gift Aid claim export: one row per
// donation, with what HMRC's claim schedule asks for (the donor's name, house
// and postcode, the date and amount) and the declaration it rests on.
var GiftAidCSVHeader = []string{
	"donation_id", "donation_date", "full_name", "home_address", "postcode", "amount", "currency",
	"declared_at", "declaration_wording_version", "payment_intent_id",
}

// GiftAidRecord is e as a row under GiftAidCSVHeader. e must have a
// declaration and a payment time (EachGiftAidClaim selects only those).
func (e Entry) GiftAidRecord() []string {
	d := e.Donation
	g := d.GiftAid
	if g == nil {
		g = &GiftAid{}
	}
	date := ""
	if d.PaidAt != nil {
		date = d.PaidAt.UTC().Format(time.DateOnly)
	}
	return []string{
		strconv.FormatInt(d.ID, 10), date, g.FullName, g.HomeAddress, g.Postcode,
		FormatDecimal(d.Amount, d.Currency), d.Currency,
		stamp(&g.DeclaredAt), g.WordingVersion, d.PaymentIntentID,
	}
}

func stamp(t *time.Time) string {
	if t == nil || t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func optionalID(id *int64) string {
	if id == nil {
		return ""
	}
	return strconv.FormatInt(*id, 10)
}
