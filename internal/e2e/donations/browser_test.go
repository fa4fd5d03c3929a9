package donations_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/fetch"
	"github.com/chromedp/chromedp"

	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/tooling/testbrowser"
)

// newBrowser starts a headless Chromium with its own profile. Requests to
// Stripe Checkout are intercepted: the network here reaches only this
// machine, and the test wants to see where the browser was sent, not
// Stripe's page. Each intercepted URL is sent on the returned channel and
// answered with a stand-in page whose <h1 id="checkout"> the test can wait for.
func newBrowser(t *testing.T) (context.Context, <-chan string) {
	t.Helper()
	opts := testbrowser.Options(testbrowser.Require(t), t.TempDir())
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(cancel)

	_, err := chromedp.Call(ctx, fetch.Enable, fetch.EnableParams{
		Patterns: []*fetch.RequestPattern{{URLPattern: "https://checkout.stripe.com/*"}}})
	if err != nil {
		t.Fatal(err)
	}
	paused := chromedp.Events(ctx, fetch.RequestPaused)
	checkouts := make(chan string, 8)
	go func() {
		for ev, err := range paused {
			if err != nil {
				return
			}
			checkouts <- ev.Request.URL
			_, _ = chromedp.Call(ctx, fetch.FulfillRequest, fetch.FulfillRequestParams{
				RequestID:       ev.RequestID,
				ResponseCode:    200,
				ResponseHeaders: []*fetch.HeaderEntry{{Name: "Content-Type", Value: "text/html; charset=utf-8"}},
				Body:            []byte(`<!doctype html><title>Checkout</title><h1 id="checkout">Stripe Checkout</h1>`),
			})
		}
	}()
	return ctx, checkouts
}

// The donation form, in a real browser, posts and lands on the Checkout URL
// that the gateway returned (through the CSP's form-action, which must allow
// the redirect to checkout.stripe.com).
func TestBrowserDonationGoesToCheckout(t *testing.T) {
	a := newApp(t, appOptions{})
	ctx, checkouts := newBrowser(t)

	err := chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/releases/"+demo.ReleaseSlug),
		chromedp.Click(chromedp.CSS(`label[for="amount-25"]`)),
		chromedp.Click(chromedp.CSS(`#donate-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("checkout")),
	)
	if err != nil {
		t.Fatal(err)
	}
	requested := <-checkouts
	req, sessionID, checkoutURL := a.gateway.last(t)
	if requested != checkoutURL {
		t.Errorf("the browser went to %q, want the gateway's %q", requested, checkoutURL)
	}
	location, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil || location != checkoutURL {
		t.Errorf("the browser is at %q (%v), want %q", location, err, checkoutURL)
	}
	if req.Amount != 2500 || req.Currency != "GBP" {
		t.Errorf("checkout for %d %s, want 2500 GBP", req.Amount, req.Currency)
	}
	if e, err := a.store.BySessionID(t.Context(), sessionID); err != nil || e.Amount != 2500 {
		t.Errorf("stored donation %+v, %v", e.Donation, err)
	}
}

// A supporter signs, and gives from the thanks page with a custom amount and
// Gift Aid; the donation is linked to their signature.
func TestBrowserSignThenDonate(t *testing.T) {
	a := newApp(t, appOptions{})
	ctx, checkouts := newBrowser(t)

	err := chromedp.Do(ctx,
		chromedp.Navigate(a.URL+"/releases/"+demo.ReleaseSlug),
		chromedp.SendKeys(chromedp.ID("full_name"), "Sam Signer"),
		chromedp.SendKeys(chromedp.ID("email"), "sam@example.org"),
		chromedp.Click(chromedp.CSS(`form.sign button[type=submit]`)),
		chromedp.WaitVisible(chromedp.CSS(`section.thanks #donate-form`)),
		chromedp.Click(chromedp.CSS(`label[for="amount-other"]`)),
		chromedp.SendKeys(chromedp.ID("amount_other"), "12.50"),
		chromedp.Click(chromedp.ID("gift_aid")),
		chromedp.SendKeys(chromedp.ID("gift_aid_first_name"), "Sam"),
		chromedp.SendKeys(chromedp.ID("gift_aid_last_name"), "Signer-Smith"),
		chromedp.SendKeys(chromedp.ID("gift_aid_house"), "2"),
		chromedp.SendKeys(chromedp.ID("gift_aid_address"), "2 Low Road, York"),
		chromedp.SendKeys(chromedp.ID("gift_aid_postcode"), "yo1 7hh"),
		chromedp.Click(chromedp.ID("gift_aid_confirm")),
		chromedp.Click(chromedp.CSS(`#donate-form button[type=submit]`)),
		chromedp.WaitVisible(chromedp.ID("checkout")),
	)
	if err != nil {
		t.Fatal(err)
	}
	requested := <-checkouts
	_, sessionID, checkoutURL := a.gateway.last(t)
	if requested != checkoutURL || !strings.HasPrefix(requested, "https://checkout.stripe.com/") {
		t.Errorf("the browser went to %q, want %q", requested, checkoutURL)
	}
	e, err := a.store.BySessionID(t.Context(), sessionID)
	if err != nil {
		t.Fatal(err)
	}
	if e.Amount != 1250 || e.SignatureID == nil || e.DonorEmail != "sam@example.org" ||
		e.GiftAid == nil || e.GiftAid.Postcode != "YO1 7HH" || e.GiftAid.FirstName != "Sam" || e.GiftAid.LastName != "Signer-Smith" ||
		e.GiftAid.House != "2" || e.GiftAid.HomeAddress != "2 Low Road, York" {
		t.Errorf("stored %+v, gift aid %+v", e.Donation, e.GiftAid)
	}
}
