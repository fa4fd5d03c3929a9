package jobs_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/jobs"
	"github.com/advocacy/advocacy/internal/mail"
	"github.com/advocacy/advocacy/internal/notify"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/mailpittest"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var pkgDB *testdb.Package

func TestMain(m *testing.M) { testdb.Main(m, "jobs", &pkgDB) }

// withEmail is a configuration that sends email to mp.
func withEmail(mp *mailpittest.Mailpit) func(*config.Config) {
	return func(c *config.Config) {
		c.SMTPURL, c.MailFrom, c.OrgName = mp.SMTPURL, "campaigns@example.org", "Anti-Slavery Action"
	}
}

// jobStates counts the email jobs in each state.
func jobStates(t *testing.T, db *postgres.DB) map[string]int {
	t.Helper()
	rows, err := db.SQL().QueryContext(t.Context(),
		`SELECT state::text, count(*) FROM river_job WHERE kind = $1 GROUP BY 1`, postgres.SignatureEmailKind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var state string
		var n int
		if err := rows.Scan(&state, &n); err != nil {
			t.Fatal(err)
		}
		out[state] = n
	}
	return out
}

// waitForJobs waits until want email jobs have completed, failing the test
// if one is discarded or if they take more than a minute.
func waitForJobs(t *testing.T, db *postgres.DB, want int) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		states := jobStates(t, db)
		if states["discarded"] > 0 || states["cancelled"] > 0 {
			t.Fatalf("jobs gave up: %v", states)
		}
		if states["completed"] == want {
			return
		}
		if states["completed"] > want {
			t.Fatalf("%d email jobs completed, want %d", states["completed"], want)
		}
		if time.Now().After(deadline) {
			t.Fatalf("email jobs after a minute: %v, want %d completed", states, want)
		}
		time.Sleep(50 * time.Millisecond) // polling the database for the state we wait for
	}
}

func sign(t *testing.T, c *apptest.Client, petitionID int64, email string) {
	t.Helper()
	if res := c.PostJSON(apptest.SignaturesPath(petitionID), apptest.SignBody(email)); res.Status != 201 {
		t.Fatalf("sign %s: %d %s", email, res.Status, res.Body)
	}
}

// A new signer gets one thank-you email, over real SMTP; a repeat of the
// same address gets the same answer and no second email.
func TestNewSignerGetsOneThankYouEmail(t *testing.T) {
	mp := mailpittest.Start(t)
	_, db := pkgDB.Fresh(t)
	srv := apptest.Start(t, db, apptest.Options{Config: withEmail(mp)})
	f := apptest.Seed(t, db, nil)
	c := srv.Client(t)
	to := mailpittest.Recipient("thanks")
	sign(t, c, f.Petition.ID, to)
	sign(t, c, f.Petition.ID, strings.ToUpper(to)) // a repeat
	waitForJobs(t, db, 1)
	msgs := mp.WaitFor(t, to, 1)
	if got := mp.Messages(t, to); len(got) != 1 {
		t.Fatalf("%d emails to %s, want 1", len(got), to)
	}
	m := msgs[0]
	if m.Subject != "Thank you for signing: "+f.Petition.Title || !strings.Contains(m.Text, "Dear Ada Lovelace") ||
		!strings.Contains(m.Text, srv.URL+"/campaigns/"+f.Campaign.Slug) || !strings.Contains(m.HTML, `href="`+srv.URL+"/campaigns/") ||
		!strings.Contains(m.Text, "Anti-Slavery Action") || strings.Contains(m.HTML, "<img") || m.MessageID == "" {
		t.Errorf("email %+v", m)
	}
	apptest.AssertStored(t, db, f.Petition.ID, 1)
}

// Signing again with an address that has signed gets the same answer, and
// the owner of the address one "already signed" email, however many times
// and on however many instances it happens within the hour.
func TestRepeatsGetOneAlreadySignedEmailAnHour(t *testing.T) {
	mp := mailpittest.Start(t)
	_, db := pkgDB.Fresh(t)
	first := apptest.Start(t, db, apptest.Options{Config: withEmail(mp)})
	second := apptest.Start(t, db, apptest.Options{Config: withEmail(mp)}) // another instance
	f := apptest.Seed(t, db, nil)
	to := mailpittest.Recipient("repeat")
	sign(t, first.Client(t), f.Petition.ID, to)
	waitForJobs(t, db, 1)
	mp.WaitFor(t, to, 1)

	// An hour and more later, a burst of repeats on both instances.
	apptest.Exec(t, db, "UPDATE signatures SET notice_sent_at = now() - interval '61 minutes' WHERE petition_id = $1", f.Petition.ID)
	clients := []*apptest.Client{first.Client(t), second.Client(t)}
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			res, err := clients[i%2].Try("POST", apptest.SignaturesPath(f.Petition.ID),
				strings.NewReader(fmt.Sprintf(`{"full_name":"Repeat %d","email":%q,"country":"GB","consent_updates":true}`, i, to)),
				"Content-Type", "application/json")
			if err != nil || res.Status != 201 || !strings.Contains(res.Body, `"status":"recorded"`) {
				t.Errorf("repeat %d: %v %d", i, err, res.Status)
			}
		})
	}
	wg.Wait()
	waitForJobs(t, db, 2)
	msgs := mp.WaitFor(t, to, 2)
	if len(mp.Messages(t, to)) != 2 || msgs[1].Subject != "You have already signed: "+f.Petition.Title ||
		!strings.Contains(msgs[1].Text, "already signed it") {
		t.Errorf("emails to %s: %+v; want the thank-you, then one already-signed", to, msgs)
	}
	apptest.AssertStored(t, db, f.Petition.ID, 1)
}

// Nothing is queued while email is off.
func TestNoEmailJobsWhileEmailIsOff(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	srv := apptest.Start(t, db, apptest.Options{})
	f := apptest.Seed(t, db, nil)
	sign(t, srv.Client(t), f.Petition.ID, "off@example.org")
	if states := jobStates(t, db); len(states) != 0 {
		t.Errorf("jobs while email is off: %v", states)
	}
}

// The email job is committed with its signature's batch: a process that
// dies after the commit and before any worker ran loses nothing, and the
// next one to start sends the email, once.
func TestEmailQueuedBeforeACrashIsSentOnce(t *testing.T) {
	mp := mailpittest.Start(t)
	_, db := pkgDB.Fresh(t)
	f := apptest.Seed(t, db, nil)
	to := mailpittest.Recipient("crash")
	signer := db.NewSigner(postgres.SignerOptions{EnqueueEmails: true})
	if _, err := signer.Sign(t.Context(), petition.Signature{PetitionID: f.Petition.ID, FullName: "Cara Crash",
		Email: to, Country: "GB", ConsentVersion: "2026-11-v1"}); err != nil {
		t.Fatal(err)
	}
	signer.Close() // the process ends here, before any worker ran
	if states := jobStates(t, db); states["available"] != 1 {
		t.Fatalf("after the commit: %v, want one available job", states)
	}
	runner := startRunner(t, db, mp, nil)
	waitForJobs(t, db, 1)
	if err := runner.Stop(t.Context()); err != nil {
		t.Fatal(err)
	}
	if got := mp.WaitFor(t, to, 1); len(got) != 1 || !strings.Contains(got[0].Text, "Dear Cara Crash") {
		t.Errorf("emails after restart: %+v", got)
	}
}

// startRunner works the queue of db, sending to mp through mailer (nil:
// straight to mp).
func startRunner(t *testing.T, db *postgres.DB, mp *mailpittest.Mailpit, mailer notify.Mailer) *jobs.Runner {
	t.Helper()
	if mailer == nil {
		sender, err := mail.New(mail.Config{URL: mp.SMTPURL, From: "campaigns@example.org", OrgName: "Anti-Slavery Action"})
		if err != nil {
			t.Fatal(err)
		}
		mailer = sender
	}
	notices, err := notify.NewService(db.Notices(), mailer, notify.Config{BaseURL: "http://localhost:8080", OrgName: "Anti-Slavery Action",
		UnsubscribeTokens: petition.NewTokensFor(petition.PurposeUnsubscribe, petition.StaticKey([]byte(strings.Repeat("u", 32))))})
	if err != nil {
		t.Fatal(err)
	}
	runner, err := jobs.Start(context.Background(), jobs.Config{DatabaseURL: db.URL(), Notices: notices,
		Logger: slog.New(slog.DiscardHandler), PollInterval: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = runner.Stop(context.Background()) })
	return runner
}

// failFirst is a real mailer whose first sends fail, as an SMTP server that
// is down for a moment would.
type failFirst struct {
	next  notify.Mailer
	fails atomic.Int32
}

func (m *failFirst) Send(ctx context.Context, e notify.Email) error {
	if m.fails.Add(-1) >= 0 {
		return errors.New("421 service not available, closing transmission channel")
	}
	return m.next.Send(ctx, e)
}

// A failing mail server does not touch the signature, and the email is
// tried again until it goes.
func TestFailingMailServerIsRetried(t *testing.T) {
	mp := mailpittest.Start(t)
	_, db := pkgDB.Fresh(t)
	sender, err := mail.New(mail.Config{URL: mp.SMTPURL, From: "campaigns@example.org"})
	if err != nil {
		t.Fatal(err)
	}
	flaky := &failFirst{next: sender}
	flaky.fails.Store(1)
	srv := apptest.Start(t, db, apptest.Options{Config: withEmail(mp), App: app.Options{Mailer: flaky}})
	f := apptest.Seed(t, db, nil)
	to := mailpittest.Recipient("retry")
	sign(t, srv.Client(t), f.Petition.ID, to)
	apptest.AssertStored(t, db, f.Petition.ID, 1) // counted, whatever the mail server does
	waitForJobs(t, db, 1)
	mp.WaitFor(t, to, 1)
	var attempts int
	var errs string
	if err := db.SQL().QueryRowContext(t.Context(), `SELECT attempt, errors::text FROM river_job WHERE kind = $1`,
		postgres.SignatureEmailKind).Scan(&attempts, &errs); err != nil {
		t.Fatal(err)
	}
	if attempts != 2 || !strings.Contains(errs, "421 service not available") || strings.Contains(errs, to) {
		t.Errorf("attempts %d, errors %s; want the failure recorded (without the address) and a second attempt", attempts, errs)
	}
}

// Many supporters signing at once each get exactly one email; repeats
// among them get none.
func TestConcurrentSignersEachGetOneEmail(t *testing.T) {
	if testing.Short() {
		t.Skip("sends 500 emails")
	}
	mp := mailpittest.Start(t)
	_, db := pkgDB.Fresh(t)
	srv := apptest.Start(t, db, apptest.Options{Config: withEmail(mp)})
	f := apptest.Seed(t, db, nil)
	c := srv.Client(t)
	const signers = 500
	addresses := make([]string, signers)
	for i := range addresses {
		addresses[i] = mailpittest.Recipient(fmt.Sprintf("crowd%d", i))
	}
	var wg sync.WaitGroup
	for i := range signers * 2 { // every address twice: half the requests are repeats
		wg.Go(func() {
			res, err := c.Try("POST", apptest.SignaturesPath(f.Petition.ID),
				strings.NewReader(fmt.Sprintf(`{"full_name":"Crowd %d","email":%q,"country":"GB","consent_updates":false}`, i, addresses[i%signers])),
				"Content-Type", "application/json")
			if err != nil || res.Status != 201 {
				t.Errorf("sign %d: %v %d", i, err, res.Status)
			}
		})
	}
	wg.Wait()
	apptest.AssertStored(t, db, f.Petition.ID, signers)
	waitForJobs(t, db, signers)
	for _, to := range addresses {
		if got := mp.Messages(t, to); len(got) != 1 {
			t.Fatalf("%d emails to %s, want 1", len(got), to)
		}
	}
}
