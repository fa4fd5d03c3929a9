// Package demo holds the demonstration campaign that `advocacy seed demo`
// loads: the call on the UK Government to ratify the Council of Europe
// Convention on Action against Trafficking in Human Beings.
package demo

import (
	"time"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
)

// Slugs of the demo rows, for tests and links.
const (
	CampaignSlug = "ratify-trafficking-convention"
	PetitionSlug = "uk-ratify-trafficking-convention"
	ReleaseSlug  = "pentameter-2-victims-need-support"
)

// Campaign is the demo campaign.
func Campaign() campaign.Campaign {
	return campaign.Campaign{
		Slug:  CampaignSlug,
		Title: "Ratify the Council of Europe Convention on Action against Trafficking in Human Beings",
		Summary: "The UK signed the Council of Europe's anti-trafficking convention but has not ratified it. " +
			"Ratification would bind the Government to minimum standards for identifying, protecting and " +
			"supporting people who have been trafficked.",
		Target:   "UK Government",
		Status:   campaign.StatusActive,
		Currency: "GBP",
	}
}

// Petition is the demo petition.
func Petition() petition.Petition {
	return petition.Petition{
		Slug:  PetitionSlug,
		Title: "UK Government: ratify and implement the trafficking convention",
		Ask: "We call on the UK Government to ratify the Council of Europe Convention on Action against " +
			"Trafficking in Human Beings without delay, and to implement it to its highest standards: " +
			"proper identification and referral of victims, safe accommodation, and care that is funded " +
			"for as long as survivors need it.",
		Target: "UK Government",
		Goal:   10000,
		Status: petition.StatusOpen,
	}
}

// ReleasePublishedAt is the date of the demo release: the launch of
// Operation Pentameter 2.
var ReleasePublishedAt = time.Date(2007, 10, 3, 9, 0, 0, 0, time.UTC)

// Release is the demo press release. Its body is Markdown and is shown
// exactly as written.
func Release() campaign.Release {
	at := ReleasePublishedAt
	return campaign.Release{
		Slug:  ReleaseSlug,
		Title: "Pentameter 2: a welcome crackdown on trafficking, but victims must come first",
		Summary: "As the UK launches its second national police operation against sex trafficking, we ask " +
			"the Government to match enforcement with care for the people it finds.",
		Body: `*London, 3 October 2007.* Today the UK launched **Operation Pentameter 2**, the second
nationwide police operation against trafficking for sexual exploitation.

We welcome the Government's renewed determination to tackle this trade. But a crackdown is
only half a policy. Every raid that finds a trafficked woman must also find her a safe bed,
medical and legal help, and time to recover — and today that help is scarce.

## What is missing

- **Places to stay.** Specialist, government-funded accommodation for survivors can take only
  a few dozen women at a time, and it is already close to full.
- **Identification and referral.** Police, border and social services still lack a shared way
  to recognise victims and refer them to support.
- **Time to recover.** Survivors need a guaranteed period of rest and reflection before they
  are asked about immigration or criminal proceedings.

## The convention

Earlier this year the UK signed the *Council of Europe Convention on Action against
Trafficking in Human Beings*, which sets minimum standards for the protection of people
who have been trafficked. Signing is a promise; ratifying is keeping it.

> The best commitment the Government can make to survivors is to ratify the convention and
> implement it to its highest standards.

Add your name to the petition on this page and tell the Government to ratify now.`,
		Status:      campaign.ReleasePublished,
		PublishedAt: &at,
	}
}
