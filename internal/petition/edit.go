package petition

import (
	"strings"
	"unicode/utf8"

	"github.com/advocacy/advocacy/internal/valid"
)

// Limits for what staff write on a petition.
const (
	MaxTitleLen  = 300
	MaxAskLen    = 5000
	MaxTargetLen = 300
)

// Normalise trims the spaces around the petition's one-line fields.
func (p Petition) Normalise() Petition {
	p.Slug = strings.TrimSpace(p.Slug)
	p.Title = strings.TrimSpace(p.Title)
	p.Ask = strings.TrimSpace(p.Ask)
	p.Target = strings.TrimSpace(p.Target)
	p.Status = strings.TrimSpace(p.Status)
	p.Verification = strings.TrimSpace(p.Verification)
	if p.Verification == "" {
		p.Verification = VerifyNone
	}
	return p
}

// Validate checks a petition as staff create or edit it. A failure is a
// valid.Errors naming each field.
func (p Petition) Validate() error {
	errs := valid.Errors{}
	if p.CampaignID <= 0 {
		errs.Add("campaign_id", "Choose the campaign this petition belongs to.")
	}
	switch {
	case p.Slug == "":
		errs.Add("slug", "Enter a slug: the name of the petition in addresses.")
	case !valid.Slug(p.Slug):
		errs.Add("slug", valid.SlugMessage)
	}
	text := func(field, s string, required bool, max int) {
		n := utf8.RuneCountInString(s)
		switch {
		case !valid.Readable(s):
			errs.Add(field, "This contains characters we cannot read.")
		case required && n == 0:
			errs.Add(field, "This cannot be empty.")
		case n > max:
			errs.Add(field, "This is too long.")
		}
	}
	text("title", p.Title, true, MaxTitleLen)
	text("ask", p.Ask, true, MaxAskLen)
	text("target", p.Target, false, MaxTargetLen)
	if p.Goal <= 0 {
		errs.Add("goal", "Set a goal of at least one signature.")
	}
	switch p.Status {
	case StatusOpen, StatusClosed:
	default:
		errs.Add("status", "Choose a status: open or closed.")
	}
	switch p.Verification {
	case VerifyNone, VerifyEmail:
	default:
		errs.Add("verification", "Choose how signatures are verified: none or email.")
	}
	return errs.Err()
}
