package donations_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

func TestReleasePageOffersPresetsInTheCampaignsCurrency(t *testing.T) {
	a := newApp(t, appOptions{})
	b := a.browser(t)
	page := b.Get("/releases/" + demo.ReleaseSlug).Body
	for _, want := range []string{
		`action="/releases/` + demo.ReleaseSlug + `/donate"`,
		`value="5"`, `£5</label>`, `value="10" checked`, `£10</label>`, `£25</label>`, `£50</label>`,
		`name="amount_other"`, `name="gift_aid"`, donation.GiftAidWording,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("release page lacks %q", want)
		}
	}
	eur := b.Get("/releases/eu-release").Body
	if !strings.Contains(eur, `€25</label>`) || strings.Contains(eur, `name="gift_aid"`) {
		t.Errorf("the EUR release must offer € amounts and no Gift Aid")
	}
}

func TestDonateRedirectsToTheCheckoutTheGatewayReturned(t *testing.T) {
	a := newApp(t, appOptions{})
	b := a.browser(t)
	res := b.donate(demo.ReleaseSlug, url.Values{"amount": {"25"}, "gift_aid": {"yes"},
		"gift_aid_title": {"Ms"}, "gift_aid_first_name": {"Jane"}, "gift_aid_last_name": {"Doe"}, "gift_aid_house": {"1"},
		"gift_aid_address": {"1 High Street, Leeds"}, "gift_aid_postcode": {"ls1 1ub"},
		"gift_aid_confirm": {"yes"}, "currency": {"EUR"}})
	req, sessionID, checkoutURL := a.gateway.last(t)
	if res.Status != http.StatusSeeOther || res.Header.Get("Location") != checkoutURL {
		t.Fatalf("%d to %q, want 303 to %q", res.Status, res.Header.Get("Location"), checkoutURL)
	}
	if !strings.HasPrefix(checkoutURL, "https://checkout.stripe.com/") || !strings.HasPrefix(sessionID, "cs_") {
		t.Errorf("stripe-mock answered %q, %q", sessionID, checkoutURL)
	}
	e, err := a.store.BySessionID(t.Context(), sessionID)
	if err != nil {
		t.Fatal(err)
	}
	// The currency is the campaign's, whatever the form says.
	if e.Status != donation.StatusPending || e.Amount != 2500 || e.Currency != "GBP" ||
		e.CampaignID != a.demo.Campaign.ID || e.ReleaseID == nil || *e.ReleaseID != a.demo.Release.ID || e.SignatureID != nil {
		t.Errorf("stored %+v", e.Donation)
	}
	if e.GiftAid == nil || e.GiftAid.Postcode != "LS1 1UB" || e.GiftAid.WordingVersion != donation.GiftAidWordingVersion ||
		e.GiftAid.Title != "Ms" || e.GiftAid.FirstName != "Jane" || e.GiftAid.LastName != "Doe" || e.GiftAid.House != "1" ||
		e.GiftAid.FullName != "Jane Doe" {
		t.Errorf("gift aid %+v", e.GiftAid)
	}
	if req.DonationID != e.ID || req.Amount != 2500 || req.Currency != "GBP" || req.IdempotencyKey != e.IdempotencyKey() ||
		req.DonationNonce != e.CheckoutNonce || req.CustomerEmail != "" ||
		req.SuccessURL != a.URL+"/donations/thanks?session_id={CHECKOUT_SESSION_ID}" ||
		req.CancelURL != a.URL+"/donations/cancelled?release="+demo.ReleaseSlug {
		t.Errorf("checkout request %+v", req)
	}

	// The custom amount wins when typed, even with a preset still selected.
	res = b.donate(demo.ReleaseSlug, url.Values{"amount": {"10"}, "amount_other": {"£12.50"}})
	if _, _, u := a.gateway.last(t); res.Status != http.StatusSeeOther || res.Header.Get("Location") != u {
		t.Fatalf("custom amount: %d", res.Status)
	}
	if req, _, _ := a.gateway.last(t); req.Amount != 1250 {
		t.Errorf("custom amount charged %d, want 1250", req.Amount)
	}

	// A campaign in euros takes euros.
	res = b.donate("eu-release", url.Values{"amount": {"other"}, "amount_other": {"7.5"}})
	if req, _, _ := a.gateway.last(t); res.Status != http.StatusSeeOther || req.Currency != "EUR" || req.Amount != 750 {
		t.Errorf("EUR donation: %d, %+v", res.Status, req)
	}
}

func TestDonateInvalidInputKeepsTheForm(t *testing.T) {
	a := newApp(t, appOptions{})
	tests := []struct {
		name  string
		form  url.Values
		want  []string // in the page: messages and kept values
		field string   // in the JSON answer
	}{
		{"too many decimals", url.Values{"amount": {"other"}, "amount_other": {"10.505"}},
			[]string{"at most 2 decimal places", `value="10.505"`, `id="amount-other" value="other" checked`}, "amount"},
		{"other chosen, nothing typed", url.Values{"amount": {"other"}}, []string{"Please choose or enter an amount."}, "amount"},
		{"negative", url.Values{"amount_other": {"-5"}}, []string{"Please enter a positive amount.", `value="-5"`}, "amount"},
		{"huge", url.Values{"amount_other": {"99999999999999999999"}}, []string{"please contact us"}, "amount"},
		{"below the minimum", url.Values{"amount_other": {"0.50"}}, []string{"The smallest donation we can take is £1."}, "amount"},
		{"not a number", url.Values{"amount_other": {"lots"}}, []string{"Please enter an amount like 10"}, "amount"},
		{"gift aid names HMRC refuses", url.Values{"amount": {"25"}, "gift_aid": {"yes"}, "gift_aid_title": {"Admiral"},
			"gift_aid_first_name": {strings.Repeat("a", 36)}, "gift_aid_last_name": {"Doe2"}, "gift_aid_house": {"1"},
			"gift_aid_address": {"1 High Street"}, "gift_aid_postcode": {"LS1 1UB"}, "gift_aid_confirm": {"yes"}},
			[]string{"HMRC takes a title of up to 4 letters", "HMRC takes up to 35 characters",
				"Please use only letters, spaces, hyphens and apostrophes in your last name", `value="Doe2"`}, "gift_aid_first_name"},
		{"gift aid incomplete", url.Values{"amount": {"25"}, "gift_aid": {"yes"}, "gift_aid_first_name": {"Jane"},
			"gift_aid_last_name": {"Doe"}, "gift_aid_postcode": {"75001"}},
			[]string{"Gift Aid needs your home address", "Gift Aid needs your house name or number", "Please enter a UK postcode",
				"Please confirm the UK taxpayer statement", `value="Jane"`, `value="Doe"`, `value="75001"`, `id="gift_aid" name="gift_aid" type="checkbox" value="yes" checked`,
				`id="amount-25" value="25" checked`}, "gift_aid_address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := a.browser(t)
			before, calls := a.count(t), a.gateway.calls()
			res := b.donate(demo.ReleaseSlug, tt.form)
			if res.Status != http.StatusUnprocessableEntity {
				t.Fatalf("status %d, want 422", res.Status)
			}
			for _, want := range tt.want {
				if !strings.Contains(res.Body, want) {
					t.Errorf("page lacks %q", want)
				}
			}
			res = b.donate(demo.ReleaseSlug, tt.form, "Accept", "application/json")
			var body struct {
				Error struct {
					Code   string            `json:"code"`
					Fields map[string]string `json:"fields"`
				} `json:"error"`
			}
			if err := json.Unmarshal([]byte(res.Body), &body); err != nil || res.Status != http.StatusUnprocessableEntity ||
				body.Error.Code != "invalid" || body.Error.Fields[tt.field] == "" {
				t.Errorf("JSON answer %d %s", res.Status, res.Body)
			}
			if a.count(t) != before || a.gateway.calls() != calls {
				t.Errorf("invalid input created a donation or a checkout session")
			}
		})
	}
	b := a.browser(t)
	if res := b.donate("eu-release", url.Values{"amount": {"10"}, "gift_aid": {"yes"}}); res.Status != http.StatusUnprocessableEntity ||
		!strings.Contains(res.Body, "Gift Aid applies only to donations in pounds sterling.") {
		t.Errorf("Gift Aid on a EUR donation: %d", res.Status)
	}
}

func TestDonateRefusesForgedAndUnknown(t *testing.T) {
	a := newApp(t, appOptions{})
	b := a.browser(t)
	b.FormToken("/releases/" + demo.ReleaseSlug) // has the cookie, but posts no token
	if res := b.post("/releases/"+demo.ReleaseSlug+"/donate", url.Values{"amount": {"10"}}); res.Status != http.StatusForbidden {
		t.Errorf("no form token: %d, want 403", res.Status)
	}
	if res := b.post("/releases/"+demo.ReleaseSlug+"/donate", url.Values{"amount": {"10"}, "csrf_token": {b.FormToken("/releases/" + demo.ReleaseSlug)}},
		"Origin", "https://evil.example", "Sec-Fetch-Site", "cross-site"); res.Status != http.StatusForbidden {
		t.Errorf("cross-site post: %d, want 403", res.Status)
	}
	if res := b.post("/releases/no-such-release/donate", url.Values{"amount": {"10"}, "csrf_token": {b.FormToken("/releases/" + demo.ReleaseSlug)}}); res.Status != http.StatusNotFound {
		t.Errorf("unknown release: %d, want 404", res.Status)
	}
	if a.count(t) != 0 {
		t.Errorf("refused posts created donations")
	}
}

func TestDonationsOff(t *testing.T) {
	a := newApp(t, appOptions{donationsOff: true, noWebhooks: true})
	b := a.browser(t)
	page := b.Get("/releases/" + demo.ReleaseSlug)
	if page.Status != http.StatusOK || strings.Contains(page.Body, "/donate\"") || strings.Contains(page.Body, "donate-ask") {
		t.Errorf("release page shows a donation ask with donations off")
	}
	token := b.FormToken("/releases/" + demo.ReleaseSlug)
	res := b.post("/releases/"+demo.ReleaseSlug+"/donate", url.Values{"amount": {"10"}, "csrf_token": {token}})
	if res.Status != http.StatusServiceUnavailable || !strings.Contains(res.Body, "Donations are not available") ||
		!strings.Contains(res.Header.Get("Content-Type"), "text/html") {
		t.Errorf("browser: %d %s", res.Status, res.Header.Get("Content-Type"))
	}
	for _, r := range []apptest.Response{
		b.post("/releases/"+demo.ReleaseSlug+"/donate", url.Values{"amount": {"10"}, "csrf_token": {token}}, "Accept", "application/json"),
		b.Get("/donations/thanks?session_id=cs_x", "Accept", "application/json"),
		b.Get("/donations/cancelled", "Accept", "application/json"),
	} {
		var body struct {
			Error struct{ Code string } `json:"error"`
		}
		if err := json.Unmarshal([]byte(r.Body), &body); err != nil || r.Status != http.StatusServiceUnavailable ||
			body.Error.Code != "donations_disabled" || r.Header.Get("Retry-After") != "" {
			t.Errorf("JSON: %d %s (Retry-After %q)", r.Status, r.Body, r.Header.Get("Retry-After"))
		}
	}
	if r := b.post("/webhooks/stripe", url.Values{}); r.Status != http.StatusServiceUnavailable || !strings.Contains(r.Body, "donations_disabled") {
		t.Errorf("webhook without a secret: %d %s", r.Status, r.Body)
	}
	// Everything else still works: signing, and its thanks page without an ask.
	sign := b.post("/releases/"+demo.ReleaseSlug+"/sign", url.Values{"csrf_token": {token}, "full_name": {"Sam Signer"},
		"email": {"sam@example.org"}, "country": {"GB"}})
	if sign.Status != http.StatusSeeOther {
		t.Fatalf("sign: %d", sign.Status)
	}
	if thanks := b.Get("/releases/" + demo.ReleaseSlug + "/thanks"); thanks.Status != http.StatusOK || strings.Contains(thanks.Body, "donate-ask") {
		t.Errorf("thanks page: %d, ask shown: %v", thanks.Status, strings.Contains(thanks.Body, "donate-ask"))
	}
}

// A donor who has just signed is linked to their signature; nobody else can
// link a signature, not even by signing again with its email.
func TestDonationLinksTheDonorsOwnSignature(t *testing.T) {
	a := newApp(t, appOptions{})
	sign := func(b *browser, email string) {
		t.Helper()
		res := b.post("/releases/"+demo.ReleaseSlug+"/sign", url.Values{"csrf_token": {b.FormToken("/releases/" + demo.ReleaseSlug)},
			"full_name": {"Sam Signer"}, "email": {email}, "country": {"GB"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("sign: %d", res.Status)
		}
	}
	donateFrom := func(b *browser, page string) donation.Entry {
		t.Helper()
		form := url.Values{"amount": {"10"}, "csrf_token": {b.FormToken(page)}}
		if res := b.post("/releases/"+demo.ReleaseSlug+"/donate", form); res.Status != http.StatusSeeOther {
			t.Fatalf("donate: %d", res.Status)
		}
		_, id, _ := a.gateway.last(t)
		e, err := a.store.BySessionID(t.Context(), id)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}

	signer := a.browser(t)
	sign(signer, " Sam@Example.org ")
	thanks := signer.Get("/releases/" + demo.ReleaseSlug + "/thanks")
	if !strings.Contains(thanks.Body, `action="/releases/`+demo.ReleaseSlug+`/donate"`) {
		t.Fatal("the thanks page has no donation form")
	}
	e := donateFrom(signer, "/releases/"+demo.ReleaseSlug+"/thanks")
	if e.SignatureID == nil || e.DonorEmail != "sam@example.org" || e.DonorName != "Sam Signer" {
		t.Errorf("signer's donation: signature %v, donor %q <%s>", e.SignatureID, e.DonorName, e.DonorEmail)
	}
	if req, _, _ := a.gateway.last(t); req.CustomerEmail != "sam@example.org" {
		t.Errorf("checkout prefilled %q", req.CustomerEmail)
	}

	stranger := a.browser(t)
	if e := donateFrom(stranger, "/releases/"+demo.ReleaseSlug); e.SignatureID != nil || e.DonorEmail != "" {
		t.Errorf("a stranger's donation was linked to signature %v", *e.SignatureID)
	}
	impostor := a.browser(t)
	sign(impostor, "sam@example.org") // a repeat: the same answer, but no proof
	if e := donateFrom(impostor, "/releases/"+demo.ReleaseSlug); e.SignatureID != nil {
		t.Errorf("re-signing with someone's email linked their signature %d", *e.SignatureID)
	}
	forger := a.browser(t)
	forger.SetCookie("/", &http.Cookie{Name: "advocacy_supporter", Value: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"})
	if e := donateFrom(forger, "/releases/"+demo.ReleaseSlug); e.SignatureID != nil {
		t.Errorf("a forged cookie linked signature %d", *e.SignatureID)
	}
}

func TestCancelledPage(t *testing.T) {
	a := newApp(t, appOptions{})
	b := a.browser(t)
	res := b.Get("/donations/cancelled?release=" + demo.ReleaseSlug)
	if res.Status != http.StatusOK || !strings.Contains(res.Body, "no money was taken") ||
		!strings.Contains(res.Body, `href="/releases/`+demo.ReleaseSlug+`#donate"`) {
		t.Errorf("cancelled: %d", res.Status)
	}
	if res := b.Get("/donations/cancelled?release=%3Cscript%3E"); res.Status != http.StatusOK || strings.Contains(res.Body, "<script>") {
		t.Errorf("cancelled with a bad slug: %d", res.Status)
	}
}

// When Stripe refuses to create the session, the donor is told no money was
// taken, and the donation is recorded as failed rather than left pending.
func TestDonateWhenStripeRefuses(t *testing.T) {
	a := newApp(t, appOptions{refusedKey: true})
	b := a.browser(t)
	res := b.donate(demo.ReleaseSlug, url.Values{"amount": {"10"}})
	if res.Status != http.StatusServiceUnavailable || !strings.Contains(res.Body, "No money was taken") {
		t.Fatalf("status %d", res.Status)
	}
	if res.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After on a 503 the donor can retry")
	}
	page, err := a.store.List(t.Context(), donation.Filter{})
	if err != nil || len(page.Entries) != 1 || page.Entries[0].Status != donation.StatusFailed || page.Entries[0].CheckoutSessionID != "" {
		t.Errorf("donations %+v, %v", page.Entries, err)
	}
	res = b.donate(demo.ReleaseSlug, url.Values{"amount": {"10"}}, "Accept", "application/json")
	if res.Status != http.StatusServiceUnavailable || !strings.Contains(res.Body, `"code":"unavailable"`) {
		t.Errorf("JSON: %d %s", res.Status, res.Body)
	}
}
