// Package e2eprivacy runs a supporter's whole path through the real server
// — sign, confirm by email, unsubscribe, donate with Gift Aid, Stripe's
// webhook, staff exports, subject access and erasure — and then looks for
// every piece of personal data it used in the server's log output and the
// audit log. It holds tests only.
package e2eprivacy

import (
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/mailpittest"
	"github.com/advocacy/advocacy/internal/tooling/stripetest"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var (
	pkgDB *testdb.Package
	mock  *stripetest.Mock // nil when stripe-mock is missing outside CI
)

func TestMain(m *testing.M) { stripetest.Main(m, "e2e_privacy", &pkgDB, &mock) }

const webhookSecret = "whsec_e2e_privacy"

var (
	confirmLink     = regexp.MustCompile(`https?://[^\s/]+/confirm/([A-Za-z0-9_-]{43})`)
	unsubscribeLink = regexp.MustCompile(`https?://[^\s/]+/unsubscribe/([A-Za-z0-9_-]{43})`)
)

// The server logs at debug level through the whole path, and afterwards
// neither its log output nor the audit log holds any name, email, postcode,
// address, client address or token the path used.
func TestNoPersonalDataInLogsOrAudit(t *testing.T) {
	if mock == nil {
		t.Skip(stripetest.ErrNoMock)
	}
	mp := mailpittest.Start(t)
	_, db := pkgDB.Fresh(t)
	f := apptest.Seed(t, db, nil)
	apptest.Exec(t, db, `UPDATE petitions SET verification = 'email' WHERE id = $1`, f.Petition.ID)
	srv := apptest.Start(t, db, apptest.Options{Config: func(c *config.Config) {
		c.LogLevel = slog.LevelDebug
		c.SMTPURL, c.MailFrom, c.OrgName = mp.SMTPURL, "campaigns@example.org", "Anti-Slavery Action"
		c.StripeSecretKey, c.StripeAPIBase, c.StripeWebhookSecret = "sk_test_123", mock.URL, webhookSecret
	}})

	email := mailpittest.Recipient("Private.Person")
	secrets := []string{email, strings.ToLower(email), "Philippa Privatsphäre", "Quentin Quietly", "Quietly-Hush", "SE1 7PB",
		"42 Hidden Lane, Southwark", "Flat 9, Unseen House", "LS2 9JT", "quentin.quietly@example.net"}

	// Sign through the form, as a browser does.
	b := srv.Client(t)
	form := url.Values{"csrf_token": {b.FormToken("/releases/" + f.Release.Slug)}, "full_name": {"Philippa Privatsphäre"},
		"email": {email}, "postcode": {"se1 7pb"}, "country": {"GB"}, "consent_updates": {"yes"}}
	origin := []string{"Origin", srv.URL, "Sec-Fetch-Site", "same-origin"}
	if res := b.PostForm("/releases/"+f.Release.Slug+"/sign", form, origin...); res.Status != http.StatusSeeOther {
		t.Fatalf("sign: %d %s", res.Status, res.Body)
	}

	// Confirm from the email, then unsubscribe from it.
	m := mp.WaitFor(t, email, 1)[0]
	confirm, unsubscribe := confirmLink.FindStringSubmatch(m.Text), unsubscribeLink.FindStringSubmatch(m.Text)
	if confirm == nil || unsubscribe == nil {
		t.Fatalf("links in %q", m.Text)
	}
	secrets = append(secrets, confirm[1], unsubscribe[1])
	if res := srv.Client(t).Do(http.MethodPost, "/confirm/"+confirm[1], nil, "Content-Type", "application/x-www-form-urlencoded"); res.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	if res := srv.Client(t).PostForm("/unsubscribe/"+unsubscribe[1], url.Values{"List-Unsubscribe": {"One-Click"}}); res.Status != http.StatusOK {
		t.Fatalf("unsubscribe: %d %s", res.Status, res.Body)
	}

	// Donate with Gift Aid; Stripe completes the checkout with the donor's
	// details.
	donate := url.Values{"csrf_token": {b.FormToken("/releases/" + f.Release.Slug)}, "amount": {"25"}, "gift_aid": {"yes"},
		"gift_aid_title": {"Mr"}, "gift_aid_first_name": {"Quentin"}, "gift_aid_last_name": {"Quietly-Hush"},
		"gift_aid_house": {"42"}, "gift_aid_address": {"42 Hidden Lane, Southwark"},
		"gift_aid_postcode": {"ls2 9jt"}, "gift_aid_confirm": {"yes"}}
	if res := b.PostForm("/releases/"+f.Release.Slug+"/donate", donate, origin...); res.Status != http.StatusSeeOther {
		t.Fatalf("donate: %d %s", res.Status, res.Body)
	}
	var donationID int64
	var nonce, session string
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT id, checkout_nonce, checkout_session_id FROM donations
		ORDER BY id DESC LIMIT 1`).Scan(&donationID, &nonce, &session); err != nil {
		t.Fatal(err)
	}
	object := stripetest.CheckoutSession(session, "pi_privacy_1", "paid",
		map[string]string{"donation_id": strconv.FormatInt(donationID, 10), "donation_nonce": nonce})
	object["customer_details"] = map[string]any{"email": "quentin.quietly@example.net", "name": "Quentin Quietly"}
	payload := stripetest.Event("evt_privacy_1", "checkout.session.completed", time.Now(), object)
	if res := srv.Client(t).Do(http.MethodPost, "/webhooks/stripe", strings.NewReader(string(payload)),
		"Content-Type", "application/json", "Stripe-Signature", stripetest.Sign(payload, webhookSecret, time.Now())); res.Status != http.StatusOK {
		t.Fatalf("webhook: %d %s", res.Status, res.Body)
	}

	// Staff export everything, look the supporter up and erase them.
	admin := adminClient(t, srv, db, &secrets)
	for _, path := range []string{
		fmt.Sprintf("/api/v1/admin/petitions/%d/signatures.csv", f.Petition.ID),
		"/api/v1/admin/donations.csv",
		"/api/v1/admin/giftaid.csv",
		fmt.Sprintf("/api/v1/admin/donations/%d", donationID),
		"/api/v1/admin/privacy/subject?email=" + url.QueryEscape(email),
	} {
		if res := admin.Get(path); res.Status != http.StatusOK {
			t.Errorf("%s: %d %.300s", path, res.Status, res.Body)
		} else if !strings.Contains(res.Body, "Quietly") && !strings.Contains(res.Body, "Philippa") {
			t.Errorf("%s shows neither supporter: %.300s", path, res.Body)
		}
	}
	for _, who := range []string{email, "quentin.quietly@example.net"} {
		if res := admin.PostJSON("/api/v1/admin/privacy/erase", map[string]any{"email": who}); res.Status != http.StatusOK {
			t.Fatalf("erase: %d %s", res.Status, res.Body)
		}
	}

	var audit string
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT coalesce(string_agg(concat_ws(' ', action, entity, before::text,
		after::text), E'\n'), '') FROM audit_log`).Scan(&audit); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(audit, "privacy.erase") {
		t.Fatalf("the audit log lacks the erasure:\n%s", audit)
	}
	logs := srv.Logs.String()
	if !strings.Contains(logs, "/api/v1/admin/privacy/erase") || !strings.Contains(logs, "/confirm/:token") ||
		!strings.Contains(logs, "/webhooks/stripe") {
		t.Fatalf("the logs do not cover the path:\n%s", logs)
	}
	// The client's address: every request came from 127.0.0.1, and the
	// server logs its own address nowhere either.
	secrets = append(secrets, "127.0.0.1")
	for where, text := range map[string]string{"server log": logs, "audit log": audit} {
		lower := strings.ToLower(text)
		for _, s := range secrets {
			if strings.Contains(lower, strings.ToLower(s)) {
				t.Errorf("the %s holds %q:\n%s", where, s, excerpt(lower, strings.ToLower(s)))
			}
		}
	}
}

// adminClient signs in an admin with an API token; the token and the
// session cookie join secrets.
func adminClient(t *testing.T, srv *apptest.Server, db *postgres.DB, secrets *[]string) *apptest.Client {
	t.Helper()
	auth, err := staff.NewAuth(db.Staff(), staff.AuthOptions{Passwords: apptest.CheapPasswords})
	if err != nil {
		t.Fatal(err)
	}
	m, err := auth.CreateMember(t.Context(), staff.CommandLine(), "privacy-admin@example.org", staff.RoleAdmin,
		"correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	token, _, err := auth.IssueToken(t.Context(), staff.CommandLine(), m.ID, "privacy test")
	if err != nil {
		t.Fatal(err)
	}
	*secrets = append(*secrets, token)
	return srv.Client(t).Bearer(token)
}

// excerpt is the text around the first place s occurs in text.
func excerpt(text, s string) string {
	i := strings.Index(text, s)
	return text[max(0, i-200):min(len(text), i+len(s)+200)]
}
