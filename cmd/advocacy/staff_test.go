package main

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

// staffCLI runs `advocacy staff …` against its own database, as an operator
// would, without a TestMain of its own (the package's other tests may have one).
type staffCLI struct {
	t   *testing.T
	url string
}

func newStaffCLI(t *testing.T) staffCLI {
	t.Helper()
	pkg, err := testdb.Setup("cmd_staff")
	if err != nil {
		t.Fatalf("the staff command tests need PostgreSQL: %v", err)
	}
	t.Cleanup(pkg.Close)
	return staffCLI{t: t, url: pkg.URL}
}

func (c staffCLI) run(env map[string]string, stdin string, args ...string) (stdout string, err error) {
	c.t.Helper()
	getenv := func(k string) string {
		if k == "DATABASE_URL" {
			return c.url
		}
		return env[k]
	}
	var out, errOut bytes.Buffer
	err = run(context.Background(), append([]string{"staff"}, args...), getenv, strings.NewReader(stdin), &out, &errOut)
	return out.String(), err
}

func TestStaffCommands(t *testing.T) {
	cli := newStaffCLI(t)
	const pw = "a long enough passphrase"

	if _, err := cli.run(map[string]string{"ADVOCACY_PASSWORD": "too short"}, "", "add", "--email", "a@example.org", "--role", "admin"); err == nil ||
		!strings.Contains(err.Error(), "password") {
		t.Errorf("a short password: %v", err)
	}
	if _, err := cli.run(nil, "", "add", "--email", "a@example.org", "--role", "admin"); err == nil {
		t.Error("no password at all was accepted")
	}
	if _, err := cli.run(nil, pw+"\n", "add", "--email", "a@example.org", "--role", "boss"); err == nil ||
		!strings.Contains(err.Error(), `--role "boss" is not one of admin, campaigner or finance`) {
		t.Errorf("an unknown role: err = %v, want one naming the role", err)
	}
	out, err := cli.run(map[string]string{"ADVOCACY_PASSWORD": pw}, "", "add", "--email", "Admin@Example.org", "--role", "admin")
	if err != nil || !strings.Contains(out, "admin@example.org (admin)") {
		t.Fatalf("add from ADVOCACY_PASSWORD: %q, %v", out, err)
	}
	if _, err := cli.run(nil, pw+"\n", "add", "--email", "camp@example.org", "--role", "campaigner"); err != nil {
		t.Fatalf("add from stdin: %v", err)
	}
	if _, err := cli.run(nil, pw+"\n", "add", "--email", "camp@example.org", "--role", "finance"); err == nil {
		t.Error("a second account with one email was accepted")
	}

	if _, err := cli.run(nil, "", "token", "--email", "nobody@example.org"); err == nil ||
		err.Error() != "staff token: no staff account has the email nobody@example.org ('advocacy staff list' shows them)" {
		t.Errorf("a token for an unknown email: err = %v, want a plain 'no staff account' message", err)
	}
	out, err = cli.run(nil, "", "token", "--email", "camp@example.org", "--name", "CRM")
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	token := lines[len(lines)-1]
	db, err := postgres.Open(context.Background(), cli.url, postgres.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	auth, err := staff.NewAuth(db.Staff(), staff.AuthOptions{Passwords: staff.PasswordParams{Memory: 64, Iterations: 1, Threads: 1}})
	if err != nil {
		t.Fatal(err)
	}
	m, err := auth.TokenMember(context.Background(), token)
	if err != nil || m.Email != "camp@example.org" || m.Role != staff.RoleCampaigner {
		t.Fatalf("the printed token (%q) signs in as %+v, %v", token, m, err)
	}
	if _, err := auth.Login(context.Background(), "camp@example.org", pw, "192.0.2.1"); err != nil {
		t.Errorf("the stdin password does not log in: %v", err)
	}

	tokens, err := db.Staff().TokensOf(context.Background(), m.ID)
	if err != nil || len(tokens) != 1 {
		t.Fatalf("tokens: %v %v", tokens, err)
	}
	if _, err := cli.run(nil, "", "revoke-token", "--id", "0"); err == nil {
		t.Error("revoke-token without an id was accepted")
	}
	if _, err := cli.run(nil, "", "revoke-token", "--id", strconv.FormatInt(tokens[0].ID, 10)); err != nil {
		t.Fatal(err)
	}
	if _, err := auth.TokenMember(context.Background(), token); !errors.Is(err, staff.ErrUnauthenticated) {
		t.Errorf("the revoked token: %v", err)
	}

	out, err = cli.run(nil, "", "list")
	if err != nil || !strings.Contains(out, "admin@example.org") || !strings.Contains(out, "camp@example.org") {
		t.Errorf("list: %q, %v", out, err)
	}
	entries, err := db.Staff().Audit(context.Background(), staff.AuditFilter{})
	if err != nil {
		t.Fatal(err)
	}
	var actions []string
	for _, e := range entries {
		actions = append(actions, e.Action+" by "+e.ActorEmail)
	}
	want := "token.revoke by (command line),token.create by (command line),staff.create by (command line),staff.create by (command line)"
	if strings.Join(actions, ",") != want {
		t.Errorf("audit: %v", actions)
	}
}
