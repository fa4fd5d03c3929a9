package main

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/petition"
)

const privacyUsage = `usage: advocacy privacy retain [--dry-run]
  anonymise the signatures of petitions closed more than RETENTION_DAYS (180) days ago:
  names, emails and postcodes go; country, source, state and times stay, so counts,
  tallies and dashboards do not change; and erase donors' details (name, email, Gift Aid
  declaration's name and address) from donations made more than GIFTAID_RETENTION_YEARS (6)
  years ago, keeping the amounts. Says what it changed and what comes due next.
  --dry-run   say what it would change, and change nothing
`

// retain runs `advocacy privacy retain`: what the daily job does, now.
func retain(ctx context.Context, cfg config.Config, dryRun bool, stdout io.Writer) error {
	db, err := openMigrated(ctx, cfg)
	if err != nil {
		return err
	}
	defer db.Close()
	rep, err := petition.NewRetention(db.Retention(), cfg.Retention()).Run(ctx, dryRun)
	if err != nil {
		return err
	}
	printRetention(stdout, rep)
	drep, err := donation.NewRetention(db.Retention(), cfg.GiftAidRetention()).Run(ctx, dryRun)
	if err != nil {
		return err
	}
	printDonationRetention(stdout, drep)
	return nil
}

// printDonationRetention says how many donations lost their donor details
// (or would) and when the next comes due.
func printDonationRetention(w io.Writer, rep donation.RetentionReport) {
	verb := "erased"
	if rep.DryRun {
		verb = "would erase"
	}
	fmt.Fprintf(w, "donations: %d years; %s the donor details of %d donations made before %s\n",
		rep.Years, verb, rep.Erased, rep.Cutoff.UTC().Format("2006-01-02 15:04 MST"))
	if rep.NextAt.IsZero() {
		fmt.Fprintln(w, "next: no donation holds donor details")
		return
	}
	fmt.Fprintf(w, "next: the oldest donation holding donor details comes due on %s\n", rep.NextAt.UTC().Format("2006-01-02 15:04 MST"))
}

// printRetention says what a retention run changed (or would) and what
// comes due next.
func printRetention(w io.Writer, rep petition.RetentionReport) {
	day := func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 MST") }
	verb, mode := "anonymised", ""
	if rep.DryRun {
		verb, mode = "would anonymise", " (dry run: nothing changed)"
	}
	fmt.Fprintf(w, "retention: %d days; petitions closed before %s are due%s\n", rep.Days, day(rep.Cutoff), mode)
	for _, p := range rep.Petitions {
		fmt.Fprintf(w, "  %s %d signatures of petition %d (%s, closed %s)\n", verb, p.Signatures, p.PetitionID, p.Slug, day(p.ClosedAt))
	}
	fmt.Fprintf(w, "%s %d signatures of %d petition(s)\n", verb, rep.Anonymised(), len(rep.Petitions))
	if rep.Next == nil {
		fmt.Fprintln(w, "next: no petition holding signers' details is closed or due to close")
		return
	}
	fmt.Fprintf(w, "next: petition %d (%s, closing %s) passes the limit on %s, with %d signatures\n",
		rep.Next.PetitionID, rep.Next.Slug, day(rep.Next.ClosedAt), day(rep.NextAt), rep.Next.Signatures)
}
