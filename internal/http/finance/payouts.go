package finance

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
)

// payoutsShown is how many payouts the list shows, latest first: a year of
// daily payouts.
const payoutsShown = 366

// payoutJSON is a payout with its donations summed.
type payoutJSON struct {
	ID          int64     `json:"id"`
	PayoutID    string    `json:"payout_id"`
	Amount      int64     `json:"amount"`
	Currency    string    `json:"currency"`
	Status      string    `json:"status"`
	ArrivalDate time.Time `json:"arrival_date"`
	Livemode    bool      `json:"livemode"`
	Donations   int64     `json:"donations"`
	Fees        int64     `json:"fees"`
	Net         int64     `json:"net"`
	Other       int64     `json:"other"`
}

func toPayoutJSON(p donation.PayoutSummary) payoutJSON {
	return payoutJSON{ID: p.ID, PayoutID: p.PayoutID, Amount: p.Amount, Currency: p.Currency, Status: p.Status,
		ArrivalDate: p.ArrivalDate, Livemode: p.Livemode, Donations: p.Donations, Fees: p.Fees, Net: p.Net, Other: p.Other}
}

// payoutRow is a payout as the pages show it.
type payoutRow struct {
	donation.PayoutSummary
	StripeURL string
}

func toPayoutRow(p donation.PayoutSummary) payoutRow {
	return payoutRow{PayoutSummary: p, StripeURL: stripeURL(p.PayoutID, p.Livemode)}
}

// GET payouts: the latest payouts, each with its donations summed.
func (f *Finance) payouts(c *gin.Context) {
	list, err := f.store.Payouts(c.Request.Context(), payoutsShown)
	if err != nil {
		f.Fail(c, err)
		return
	}
	if fromAPI(c) {
		out := make([]payoutJSON, len(list))
		for i, p := range list {
			out[i] = toPayoutJSON(p)
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"payouts": out})
		return
	}
	rows := make([]payoutRow, len(list))
	for i, p := range list {
		rows[i] = toPayoutRow(p)
	}
	f.Render(c, http.StatusOK, "admin/payouts", kit.Page{Title: "Payouts", Data: rows})
}

// payoutPageData is what admin/payout.html shows.
type payoutPageData struct {
	Payout    payoutRow
	Donations []listRow
}

// GET payouts/:id: one payout with the donations it paid out and their
// totals, to match a bank deposit to its donations.
func (f *Finance) payout(c *gin.Context) {
	id, err := kit.IDParam(c, donation.ErrNotFound)
	if err != nil {
		f.Fail(c, err)
		return
	}
	p, entries, err := f.store.Payout(c.Request.Context(), id)
	if err != nil {
		f.Fail(c, err)
		return
	}
	if fromAPI(c) {
		out := make([]donationJSON, len(entries))
		for i, e := range entries {
			out[i] = toDonationJSON(e)
		}
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"payout": toPayoutJSON(p), "donations": out})
		return
	}
	d := payoutPageData{Payout: toPayoutRow(p)}
	for _, e := range entries {
		d.Donations = append(d.Donations, listRow{Entry: e, PaymentURL: stripeURL(e.PaymentIntentID, p.Livemode)})
	}
	f.Render(c, http.StatusOK, "admin/payout", kit.Page{Title: "Payout " + strconv.FormatInt(id, 10), Data: d})
}
