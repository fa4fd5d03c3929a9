package staff_test

import (
	"context"
	"fmt"
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
