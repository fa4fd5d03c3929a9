package main

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/valid"
)

const staffUsage = `usage:
  advocacy staff add --email E --role admin|campaigner|finance
                           create an account; the password comes from
                           ADVOCACY_PASSWORD, or else the first line of stdin
  advocacy staff password --email E
                           set a new password (same sources); ends its sessions
  advocacy staff token --email E [--name N]
                           issue an API token; it is printed as the last line
  advocacy staff revoke-token --id N
                           revoke an API token at once
  advocacy staff list      list accounts
`

// staffCommand runs `advocacy staff …`. Changes are written to the audit log
// as made from the command line.
func staffCommand(ctx context.Context, cfg config.Config, args []string, getenv func(string) string,
	stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, staffUsage)
		return errUsage
	}
	fs := flag.NewFlagSet("staff "+args[0], flag.ContinueOnError)
	fs.SetOutput(stderr)
	email := fs.String("email", "", "the account's email")
	role := fs.String("role", "", "admin, campaigner or finance")
	name := fs.String("name", "", "what the token is for")
	id := fs.String("id", "", "the token's id")
	if err := fs.Parse(args[1:]); err != nil {
		return fmt.Errorf("staff %s: %w", args[0], err)
	}
	if fs.NArg() > 0 {
		fmt.Fprint(stderr, staffUsage)
		return errUsage
	}
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	store := db.Staff()
	auth, err := staff.NewAuth(store, staff.AuthOptions{})
	if err != nil {
		return err
	}
	cli := staff.CommandLine()

	switch args[0] {
	case "add":
		if *email == "" || *role == "" {
			fmt.Fprint(stderr, staffUsage)
			return errors.New("staff add needs --email and --role")
		}
		r, err := staff.ParseRole(*role)
		if err != nil {
			return fmt.Errorf("staff add: --role %q is not one of admin, campaigner or finance", *role)
		}
		password, err := readPassword(getenv, stdin)
		if err != nil {
			return err
		}
		m, err := auth.CreateMember(ctx, cli, *email, r, password)
		if err != nil {
			return explain(err, "staff add")
		}
		fmt.Fprintf(stdout, "created staff account %d: %s (%s)\n", m.ID, m.Email, m.Role)
	case "password":
		m, err := memberByEmail(ctx, store, "staff password", *email)
		if err != nil {
			return err
		}
		password, err := readPassword(getenv, stdin)
		if err != nil {
			return err
		}
		if err := auth.SetPassword(ctx, cli, m.ID, password); err != nil {
			return explain(err, "staff password")
		}
		fmt.Fprintf(stdout, "password of %s changed; its sessions have ended\n", m.Email)
	case "token":
		m, err := memberByEmail(ctx, store, "staff token", *email)
		if err != nil {
			return err
		}
		secret, t, err := auth.IssueToken(ctx, cli, m.ID, *name)
		if err != nil {
			return explain(err, "staff token")
		}
		fmt.Fprintf(stdout, "API token %d for %s (%s). It is shown this once; send it as \"Authorization: Bearer <token>\":\n",
			t.ID, m.Email, m.Role)
		fmt.Fprintln(stdout, secret)
	case "revoke-token":
		n, err := strconv.ParseInt(*id, 10, 64)
		if err != nil || n <= 0 {
			fmt.Fprint(stderr, staffUsage)
			return errors.New("staff revoke-token needs --id N (see the staff pages or GET /api/v1/admin/staff/:id/tokens)")
		}
		t, err := store.RevokeToken(ctx, cli, n)
		if err != nil {
			return fmt.Errorf("staff revoke-token: %w", err)
		}
		fmt.Fprintf(stdout, "API token %d revoked\n", t.ID)
	case "list":
		members, err := store.Members(ctx)
		if err != nil {
			return err
		}
		for _, m := range members {
			state := "active"
			if !m.Active() {
				state = "disabled"
			}
			fmt.Fprintf(stdout, "%5d  %-40s %-10s %s\n", m.ID, m.Email, m.Role, state)
		}
	default:
		fmt.Fprint(stderr, staffUsage)
		return errUsage
	}
	return nil
}

// memberByEmail finds the account a command names, saying plainly when
// there is none.
func memberByEmail(ctx context.Context, store staff.Store, what, email string) (staff.Member, error) {
	if email == "" {
		return staff.Member{}, fmt.Errorf("%s needs --email", what)
	}
	m, err := store.MemberByEmail(ctx, email)
	if errors.Is(err, staff.ErrNotFound) {
		return staff.Member{}, fmt.Errorf("%s: no staff account has the email %s ('advocacy staff list' shows them)", what, email)
	}
	if err != nil {
		return staff.Member{}, fmt.Errorf("%s: %w", what, err)
	}
	return m, nil
}

// readPassword takes the password from ADVOCACY_PASSWORD, or else the first
// line of stdin, so that it never appears in the process list or history.
func readPassword(getenv func(string) string, stdin io.Reader) (string, error) {
	if p := getenv("ADVOCACY_PASSWORD"); p != "" {
		return p, nil
	}
	line, err := bufio.NewReader(stdin).ReadString('\n')
	if err != nil && !errors.Is(err, io.EOF) {
		return "", fmt.Errorf("read password from stdin: %w", err)
	}
	line = strings.TrimRight(line, "\r\n")
	if line == "" {
		return "", errors.New("no password: set ADVOCACY_PASSWORD or write it on stdin")
	}
	return line, nil
}

// explain turns field errors into a message for the terminal.
func explain(err error, what string) error {
	var fields valid.Errors
	if errors.As(err, &fields) {
		var b strings.Builder
		for _, f := range slices.Sorted(maps.Keys(fields)) {
			fmt.Fprintf(&b, "\n  %s: %s", f, fields[f])
		}
		return fmt.Errorf("%s:%s", what, b.String())
	}
	if err == nil {
		return errors.New(what)
	}
	return fmt.Errorf("%s: %w", what, err)
}
