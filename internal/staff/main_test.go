package staff_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var pkgDB *testdb.Package

func TestMain(m *testing.M) { testdb.Main(m, "staff", &pkgDB) }

// cheapPasswords keep the tests fast; the hashes they make still verify
// like any other, since each hash carries its own parameters.
var cheapPasswords = staff.PasswordParams{Memory: 64, Iterations: 1, Threads: 1}

const goodPassword = "correct horse battery staple"

var seq atomic.Int64

// unique returns a name no other test in the run uses.
func unique(prefix string) string { return fmt.Sprintf("%s-%d", prefix, seq.Add(1)) }

// addresses returns a function that gives each client address a test names
// an address of its own in this run, so that repeated runs (-count) over the
// package's database do not add up each other's failed logins.
func addresses() func(string) string {
	run := seq.Add(1)
	var mu sync.Mutex
	given := map[string]string{}
	return func(name string) string {
		mu.Lock()
		defer mu.Unlock()
		if a, ok := given[name]; ok {
			return a
		}
		a := fmt.Sprintf("2001:db8:%x::%x", run, len(given)+1)
		given[name] = a
		return a
	}
}

func newAuth(t testing.TB, db *postgres.DB, opts staff.AuthOptions) *staff.Auth {
	t.Helper()
	if opts.Passwords == (staff.PasswordParams{}) {
		opts.Passwords = cheapPasswords
	}
	a, err := staff.NewAuth(db.Staff(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// addMember creates an account with goodPassword.
func addMember(t testing.TB, a *staff.Auth, role staff.Role) staff.Member {
	t.Helper()
	m, err := a.CreateMember(context.Background(), staff.CommandLine(), unique("member")+"@example.org", role, goodPassword)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// fixture is a campaign with an open petition.
type fixture struct {
	Campaign campaign.Campaign
	Petition petition.Petition
}

func newFixture(t testing.TB, db *postgres.DB, who staff.Actor) fixture {
	t.Helper()
	ctx := context.Background()
	desk := db.Desk()
	c, err := desk.CreateCampaign(ctx, who, campaign.Campaign{Slug: unique("campaign"), Title: "End forced labour",
		Status: campaign.StatusActive, Currency: "GBP"})
	if err != nil {
		t.Fatal(err)
	}
	p, err := desk.CreatePetition(ctx, who, petition.Petition{CampaignID: c.ID, Slug: unique("petition"),
		Title: "Check supply chains", Ask: "Pass a law.", Goal: 1000, Status: petition.StatusOpen})
	if err != nil {
		t.Fatal(err)
	}
	return fixture{Campaign: c, Petition: p}
}

func exec(t testing.TB, db *postgres.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.SQL().ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}
