package jobs_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/jobs"
	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// delivery is one request a receiver took, its signature checked.
type delivery struct {
	ID        string
	Timestamp int64
	Type      string
	Body      string
	Status    int // what the receiver answered
}

// receiver is a webhook receiver over real HTTP. It checks every request's
// signature by the Standard Webhooks specification's rules, implemented
// here from the specification (not with the code under test), and answers
// with answer(n), n being how many times it has seen that webhook-id.
type receiver struct {
	t      *testing.T
	server *httptest.Server
	answer func(n int) int

	mu     sync.Mutex
	secret string
	got    []delivery
	bad    []string
}

func newReceiver(t *testing.T, answer func(n int) int) *receiver {
	r := &receiver{t: t, answer: answer}
	r.server = httptest.NewServer(http.HandlerFunc(r.serve))
	t.Cleanup(r.server.Close)
	return r
}

func (r *receiver) setSecret(s string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.secret = s
}

// verify checks a request as the specification says a receiver must: the
// three headers, a timestamp within five minutes, and one of the
// space-separated "v1,<base64>" signatures equal to the HMAC-SHA256, keyed
// with the base64-decoded secret after "whsec_", of "id.timestamp.body".
func verify(secret string, h http.Header, body []byte) (string, int64, error) {
	id, ts, sigs := h.Get("webhook-id"), h.Get("webhook-timestamp"), h.Get("webhook-signature")
	if id == "" || ts == "" || sigs == "" {
		return "", 0, fmt.Errorf("missing headers: %v", h)
	}
	unix, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return "", 0, fmt.Errorf("webhook-timestamp %q", ts)
	}
	if d := time.Since(time.Unix(unix, 0)); d > 5*time.Minute || d < -5*time.Minute {
		return "", 0, fmt.Errorf("webhook-timestamp %d is %v away", unix, d)
	}
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(secret, "whsec_"))
	if err != nil {
		return "", 0, err
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(id + "." + ts + "." + string(body)))
	want := mac.Sum(nil)
	for _, s := range strings.Fields(sigs) {
		version, enc, ok := strings.Cut(s, ",")
		got, err := base64.StdEncoding.DecodeString(enc)
		if ok && version == "v1" && err == nil && hmac.Equal(got, want) {
			return id, unix, nil
		}
	}
	return "", 0, fmt.Errorf("no valid signature in %q", sigs)
}

func (r *receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	defer r.mu.Unlock()
	id, ts, err := verify(r.secret, req.Header, body)
	if err != nil {
		r.bad = append(r.bad, err.Error())
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	var p struct {
		Type      string          `json:"type"`
		Timestamp time.Time       `json:"timestamp"`
		Data      json.RawMessage `json:"data"`
	}
	if err := json.Unmarshal(body, &p); err != nil || p.Type == "" || p.Timestamp.IsZero() || len(p.Data) < 2 {
		r.bad = append(r.bad, "payload "+string(body))
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	n := 1
	for _, d := range r.got {
		if d.ID == id {
			n++
		}
	}
	status := r.answer(n)
	r.got = append(r.got, delivery{ID: id, Timestamp: ts, Type: p.Type, Body: string(body), Status: status})
	w.WriteHeader(status)
	fmt.Fprintf(w, "answer %d to %s", n, id)
}

// received returns what arrived so far, failing the test on any request
// whose signature or payload was wrong.
func (r *receiver) received() []delivery {
	r.t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.bad) > 0 {
		r.t.Fatalf("bad deliveries: %v", r.bad)
	}
	return slices.Clone(r.got)
}

// quickJobs are job options that retry at once and poll often, so tests
// wait milliseconds rather than the production backoff's minutes.
func quickJobs() app.JobOptions {
	return app.JobOptions{PollInterval: 20 * time.Millisecond, WebhookBackoff: func(int) time.Duration { return 10 * time.Millisecond }}
}

func allowPrivate(c *config.Config) { c.WebhookAllowPrivate = true }

// addEndpoint registers url for events, as an admin would.
func addEndpoint(t *testing.T, db *postgres.DB, url string, events ...string) (outbound.Endpoint, string) {
	t.Helper()
	e, secret, err := db.Webhooks().CreateEndpoint(t.Context(), staff.CommandLine(), outbound.NewEndpoint{URL: url, Events: events})
	if err != nil {
		t.Fatal(err)
	}
	return e, secret
}

// waitFor polls the database until done says the state is reached,
// failing the test after a minute.
func waitFor(t *testing.T, what string, done func() bool) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatalf("after a minute: %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling for the state we wait for
	}
}

// count runs a count query.
func count(t *testing.T, db *postgres.DB, query string, args ...any) int {
	t.Helper()
	var n int
	if err := db.SQL().QueryRowContext(t.Context(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// pay makes a donation to f's campaign and has Stripe's events mark it paid,
// then refunded in part.
func payAndRefund(t *testing.T, db *postgres.DB, f apptest.Fixture) donation.Donation {
	t.Helper()
	ctx := t.Context()
	store := db.Donations()
	d, err := store.CreatePending(ctx, donation.NewDonation{CampaignID: f.Campaign.ID, ReleaseID: &f.Release.ID,
		Amount: 2500, Currency: "GBP"})
	if err != nil {
		t.Fatal(err)
	}
	session := fmt.Sprintf("cs_test_hooks_%d", d.ID)
	if err := store.AttachCheckoutSession(ctx, d.ID, session); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, e := range []donation.Event{
		{ID: fmt.Sprintf("evt_paid_%d", d.ID), Type: "checkout.session.completed", Kind: donation.EventCompleted, Created: now,
			Ref: donation.Ref{CheckoutSessionID: session, PaymentIntentID: fmt.Sprintf("pi_%d", d.ID)}, PaymentStatus: donation.PaymentStatusPaid,
			DonorName: "Dora Donor", DonorEmail: "dora.donor@example.org"},
		{ID: fmt.Sprintf("evt_refund_%d", d.ID), Type: "charge.refunded", Kind: donation.EventRefunded, Created: now.Add(time.Second),
			Ref: donation.Ref{PaymentIntentID: fmt.Sprintf("pi_%d", d.ID)}, AmountRefunded: 1000},
	} {
		if _, err := store.ApplyEvent(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

// Every event reaches every endpoint subscribed to it, signed, through a
// receiver that fails at first: retried with the same webhook-id until it
// succeeds, none lost, every attempt logged.
func TestEveryEventArrivesSignedThroughFailures(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	srv := apptest.Start(t, db, apptest.Options{Config: allowPrivate, App: app.Options{Jobs: quickJobs()}})
	f := apptest.Seed(t, db, nil)
	all := newReceiver(t, func(n int) int {
		if n < 3 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	})
	paidOnly := newReceiver(t, func(int) int { return http.StatusNoContent })
	allEndpoint, secret := addEndpoint(t, db, all.server.URL+"/hooks", outbound.Events()...)
	all.setSecret(secret)
	_, secret = addEndpoint(t, db, paidOnly.server.URL, outbound.EventDonationPaid)
	paidOnly.setSecret(secret)

	if _, err := srv.App.Stores.Desk().ClosePetition(t.Context(), staff.CommandLine(), f.Petition.ID); err != nil {
		t.Fatal(err)
	}
	d := payAndRefund(t, db, f)

	waitFor(t, "every delivery succeeded", func() bool {
		return count(t, db, `SELECT count(*) FROM webhook_deliveries WHERE status <> 'succeeded'`) == 0 &&
			count(t, db, `SELECT count(*) FROM webhook_deliveries`) == 4
	})
	got := all.received()
	byID := map[string][]delivery{}
	var types []string
	for _, g := range got {
		if len(byID[g.ID]) == 0 {
			types = append(types, g.Type)
		}
		byID[g.ID] = append(byID[g.ID], g)
	}
	slices.Sort(types)
	if want := []string{outbound.EventDonationPaid, outbound.EventDonationRefunded, outbound.EventPetitionClosed}; !slices.Equal(types, want) {
		t.Errorf("events %v, want %v", types, want)
	}
	for id, tries := range byID {
		if len(tries) != 3 || tries[0].Status != 500 || tries[1].Status != 500 || tries[2].Status != 200 {
			t.Errorf("%s: %d tries %+v, want 500, 500, 200", id, len(tries), tries)
		}
		for _, try := range tries[1:] {
			if try.Body != tries[0].Body {
				t.Errorf("%s: body changed between attempts: %s / %s", id, tries[0].Body, try.Body)
			}
		}
	}
	for _, g := range got {
		if strings.Contains(g.Body, "dora") || strings.Contains(g.Body, "Dora") || strings.Contains(g.Body, "@") {
			t.Errorf("personal data in %s", g.Body)
		}
		if g.Type == outbound.EventDonationRefunded && (!strings.Contains(g.Body, `"amount_refunded":1000`) ||
			!strings.Contains(g.Body, fmt.Sprintf(`"donation_id":%d`, d.ID))) {
			t.Errorf("refund payload %s", g.Body)
		}
		if g.Type == outbound.EventPetitionClosed && !strings.Contains(g.Body, `"petition_slug":"`+f.Petition.Slug+`"`) {
			t.Errorf("petition.closed payload %s", g.Body)
		}
	}
	if p := paidOnly.received(); len(p) != 1 || p[0].Type != outbound.EventDonationPaid {
		t.Errorf("the donation.paid endpoint got %+v", p)
	}

	// Every attempt is logged with its status, duration and the start of
	// the answer.
	deliveries, err := db.Webhooks().Deliveries(t.Context(), allEndpoint.ID, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(deliveries) != 3 {
		t.Fatalf("%d deliveries logged, want 3", len(deliveries))
	}
	for _, dl := range deliveries {
		if len(dl.Attempts) != 3 {
			t.Errorf("delivery %s: %d attempts logged, want 3", dl.MessageID, len(dl.Attempts))
			continue
		}
		for i, a := range dl.Attempts {
			wantCode, wantResult := 500, outbound.ResultFailed
			if i == 2 {
				wantCode, wantResult = 200, outbound.ResultSucceeded
			}
			if a.StatusCode != wantCode || a.Result != wantResult || a.AttemptedAt.IsZero() ||
				a.ResponseBody != fmt.Sprintf("answer %d to %s", i+1, dl.MessageID) {
				t.Errorf("delivery %s attempt %d: %+v", dl.MessageID, i+1, a)
			}
		}
	}
	// River records a job's completion a moment after it returns.
	waitFor(t, "every webhook job completed", func() bool {
		return count(t, db, `SELECT count(*) FROM river_job WHERE kind = $1 AND state <> 'completed'`, postgres.WebhookDeliveryKind) == 0
	})
	var last *time.Time
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT last_success_at FROM webhook_endpoints WHERE id = $1`,
		allEndpoint.ID).Scan(&last); err != nil || last == nil {
		t.Errorf("last success not recorded: %v %v", last, err)
	}
}

// A receiver that never answers is cut off at the timeout, and the attempt
// is logged as a timeout.
func TestHangingReceiverIsCutOffAtTheTimeout(t *testing.T) {
	if outbound.DefaultTimeout != 10*time.Second ||
		outbound.NewDeliverer(outbound.DelivererConfig{}).Timeout() != 10*time.Second {
		t.Errorf("default timeout %v, want 10s", outbound.DefaultTimeout)
	}
	_, db := pkgDB.Fresh(t)
	opts := quickJobs()
	opts.WebhookTimeout = 200 * time.Millisecond
	opts.WebhookBackoff = func(int) time.Duration { return time.Hour } // one attempt
	srv := apptest.Start(t, db, apptest.Options{Config: allowPrivate, App: app.Options{Jobs: opts}})
	f := apptest.Seed(t, db, nil)
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-release:
		}
	}))
	t.Cleanup(func() { close(release); hang.Close() })
	e, _ := addEndpoint(t, db, hang.URL, outbound.EventPetitionClosed)
	if _, err := srv.App.Stores.Desk().ClosePetition(t.Context(), staff.CommandLine(), f.Petition.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the attempt is logged", func() bool { return count(t, db, `SELECT count(*) FROM webhook_attempts`) == 1 })
	ds, err := db.Webhooks().Deliveries(t.Context(), e.ID, 10)
	if err != nil {
		t.Fatal(err)
	}
	a := ds[0].Attempts[0]
	if a.Result != outbound.ResultTimeout || a.StatusCode != 0 || a.Duration < 200*time.Millisecond || ds[0].Status != outbound.DeliveryPending {
		t.Errorf("attempt %+v, delivery %s; want a timeout, to be retried", a, ds[0].Status)
	}
}

// Without WEBHOOK_ALLOW_PRIVATE, a delivery to this machine is refused when
// it connects, whether the URL names 127.0.0.1 or localhost: nothing
// reaches the receiver.
func TestLoopbackRefusedAtDeliveryWithoutTheFlag(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	opts := quickJobs()
	opts.WebhookBackoff = func(int) time.Duration { return time.Hour }
	srv := apptest.Start(t, db, apptest.Options{App: app.Options{Jobs: opts}})
	f := apptest.Seed(t, db, nil)
	r := newReceiver(t, func(int) int { return http.StatusOK })
	port := r.server.URL[strings.LastIndex(r.server.URL, ":"):]
	// Saved behind the form's back (the form refuses these): the
	// connection-time guard is what is tested.
	addEndpoint(t, db, "http://127.0.0.1"+port+"/hooks", outbound.EventPetitionClosed)
	addEndpoint(t, db, "http://localhost"+port+"/hooks", outbound.EventPetitionClosed)
	if _, err := srv.App.Stores.Desk().ClosePetition(t.Context(), staff.CommandLine(), f.Petition.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both attempts are logged", func() bool { return count(t, db, `SELECT count(*) FROM webhook_attempts`) == 2 })
	if n := count(t, db, `SELECT count(*) FROM webhook_attempts WHERE result = 'refused' AND error LIKE '%not a public address%'`); n != 2 {
		t.Errorf("%d attempts refused, want 2", n)
	}
	if got := r.received(); len(got) != 0 {
		t.Errorf("the receiver got %d requests", len(got))
	}
}

// Each event is delivered exactly once to a receiver that always succeeds,
// however many changes happen at once; a change that rolls back queues
// nothing.
func TestExactlyOneDeliveryPerEvent(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	srv := apptest.Start(t, db, apptest.Options{Config: allowPrivate, App: app.Options{Jobs: quickJobs()}})
	r := newReceiver(t, func(int) int { return http.StatusOK })
	_, secret := addEndpoint(t, db, r.server.URL, outbound.EventPetitionClosed)
	r.setSecret(secret)
	desk := srv.App.Stores.Desk()

	// A close whose transaction fails after its webhook is queued (its
	// audit entry is refused) leaves no delivery and no job.
	rolled := apptest.Seed(t, db, nil)
	apptest.Exec(t, db, `CREATE FUNCTION refuse_close() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'refused for the test'; END $$`)
	apptest.Exec(t, db, `CREATE TRIGGER refuse_close BEFORE INSERT ON audit_log FOR EACH ROW
		WHEN (NEW.action = 'petition.close') EXECUTE FUNCTION refuse_close()`)
	if _, err := desk.ClosePetition(t.Context(), staff.CommandLine(), rolled.Petition.ID); err == nil {
		t.Fatal("the close committed despite the trigger")
	}
	if n := count(t, db, `SELECT count(*) FROM webhook_deliveries`) +
		count(t, db, `SELECT count(*) FROM river_job WHERE kind = $1`, postgres.WebhookDeliveryKind); n != 0 {
		t.Fatalf("a rolled-back close left %d deliveries and jobs", n)
	}
	apptest.Exec(t, db, `DROP TRIGGER refuse_close ON audit_log`)

	// Ten petitions closed at once, each twice (the second close changes
	// nothing and sends nothing).
	const petitions = 10
	fixtures := make([]apptest.Fixture, petitions)
	for i := range fixtures {
		fixtures[i] = apptest.Seed(t, db, nil)
	}
	var wg sync.WaitGroup
	for i := range 2 * petitions {
		wg.Go(func() {
			if _, err := desk.ClosePetition(t.Context(), staff.CommandLine(), fixtures[i%petitions].Petition.ID); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	waitFor(t, "every delivery succeeded", func() bool {
		return count(t, db, `SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'`) == petitions
	})
	got := r.received()
	ids := map[string]int{}
	slugs := map[string]bool{}
	for _, g := range got {
		ids[g.ID]++
		var p struct {
			Data struct {
				PetitionSlug string `json:"petition_slug"`
			} `json:"data"`
		}
		_ = json.Unmarshal([]byte(g.Body), &p)
		slugs[p.Data.PetitionSlug] = true
	}
	if len(got) != petitions || len(ids) != petitions || len(slugs) != petitions {
		t.Errorf("%d requests, %d webhook-ids, %d petitions; want %d of each", len(got), len(ids), len(slugs), petitions)
	}
	if slugs[rolled.Petition.Slug] {
		t.Error("the rolled-back close was delivered")
	}
}

// An endpoint that fails for longer than it may is disabled, the admins are
// told through the audit log, and its deliveries stop.
func TestFailingEndpointIsDisabled(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	opts := quickJobs()
	opts.WebhookDisableAfter = time.Nanosecond // "three days" have passed at the first failure
	srv := apptest.Start(t, db, apptest.Options{Config: allowPrivate, App: app.Options{Jobs: opts}})
	f := apptest.Seed(t, db, nil)
	r := newReceiver(t, func(int) int { return http.StatusServiceUnavailable })
	e, secret := addEndpoint(t, db, r.server.URL, outbound.EventPetitionClosed)
	r.setSecret(secret)
	if _, err := srv.App.Stores.Desk().ClosePetition(t.Context(), staff.CommandLine(), f.Petition.ID); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the job stops", func() bool {
		return count(t, db, `SELECT count(*) FROM river_job WHERE kind = $1 AND state = 'cancelled'`, postgres.WebhookDeliveryKind) == 1
	})
	got, err := db.Webhooks().Endpoint(t.Context(), e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Enabled || got.DisabledReason != outbound.DisabledFailing {
		t.Errorf("endpoint %+v, want disabled for failing", got)
	}
	if n := count(t, db, `SELECT count(*) FROM audit_log WHERE action = $1 AND entity = 'webhook' AND entity_id = $2`,
		outbound.ActionAutoDisable, e.ID); n != 1 {
		t.Errorf("%d audit entries for the automatic disabling", n)
	}
	if n := count(t, db, `SELECT count(*) FROM webhook_deliveries WHERE status = 'cancelled'`); n != 1 {
		t.Errorf("%d deliveries cancelled, want 1", n)
	}
	if len(r.received()) != 1 {
		t.Errorf("%d requests after the endpoint was disabled", len(r.received())-1)
	}
}

// The production backoff spreads the attempts over about three days.
func TestWebhookBackoffSpansAboutThreeDays(t *testing.T) {
	var total time.Duration
	for attempt := 1; attempt < postgres.WebhookMaxAttempts; attempt++ {
		total += jobs.WebhookBackoff(attempt)
	}
	if total < 60*time.Hour || total > 84*time.Hour {
		t.Errorf("attempts span %v, want about three days", total)
	}
}

// Each new signature is delivered once as signature.counted, queued by the
// signer's own statement; a repeat is not a new count and sends nothing.
func TestSignatureCountedOncePerNewSignature(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	srv := apptest.Start(t, db, apptest.Options{Config: allowPrivate, App: app.Options{Jobs: quickJobs()}})
	f := apptest.Seed(t, db, nil)
	r := newReceiver(t, func(int) int { return http.StatusOK })
	_, secret := addEndpoint(t, db, r.server.URL, outbound.EventSignatureCounted)
	r.setSecret(secret)
	const signers = 12
	var wg sync.WaitGroup
	for i := range 2 * signers {
		wg.Go(func() {
			c := srv.Client(t)
			if res := c.PostJSON(apptest.SignaturesPath(f.Petition.ID), apptest.SignBody(fmt.Sprintf("counted%d@example.org", i%signers))); res.Status != 201 {
				t.Errorf("sign: %d %s", res.Status, res.Body)
			}
		})
	}
	wg.Wait()
	apptest.AssertStored(t, db, f.Petition.ID, signers)
	waitFor(t, "every signature delivered", func() bool {
		return count(t, db, `SELECT count(*) FROM webhook_deliveries WHERE status = 'succeeded'`) == signers
	})
	got := r.received()
	ids := map[string]bool{}
	for _, g := range got {
		ids[g.ID] = true
		if g.Type != outbound.EventSignatureCounted || !strings.Contains(g.Body, `"petition_slug": "`+f.Petition.Slug+`"`) ||
			strings.Contains(g.Body, "example.org") {
			t.Errorf("delivery %s", g.Body)
		}
	}
	if len(got) != signers || len(ids) != signers {
		t.Errorf("%d requests, %d webhook-ids; want %d", len(got), len(ids), signers)
	}
	if n := count(t, db, `SELECT count(DISTINCT (payload::jsonb->'data'->>'signature_id')) FROM webhook_deliveries`); n != signers {
		t.Errorf("%d signatures delivered, want %d", n, signers)
	}
}
