package campaign

import (
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/advocacy/advocacy/internal/valid"
)

// Text limits for what staff write. Titles are capped by the schema too.
const (
	MaxTitleLen    = 300
	MaxSummaryLen  = 2000
	MaxTargetLen   = 300
	MaxBodyLen     = 200_000
	MaxImageURLLen = 2000
)

var currencyPattern = regexp.MustCompile(`^[A-Z]{3}$`)

// Normalise trims the spaces around the campaign's one-line fields.
func (c Campaign) Normalise() Campaign {
	c.Slug = strings.TrimSpace(c.Slug)
	c.Title = strings.TrimSpace(c.Title)
	c.Summary = strings.TrimSpace(c.Summary)
	c.Target = strings.TrimSpace(c.Target)
	c.Status = strings.TrimSpace(c.Status)
	c.Currency = strings.ToUpper(strings.TrimSpace(c.Currency))
	c.ImageURL = strings.TrimSpace(c.ImageURL)
	return c
}

// Validate checks a campaign as staff create or edit it. A failure is a
// valid.Errors naming each field.
func (c Campaign) Validate() error {
	errs := valid.Errors{}
	checkSlug(errs, c.Slug)
	checkText(errs, "title", c.Title, 1, MaxTitleLen)
	checkText(errs, "summary", c.Summary, 0, MaxSummaryLen)
	checkText(errs, "target", c.Target, 0, MaxTargetLen)
	checkImageURL(errs, c.ImageURL)
	switch c.Status {
	case StatusActive, StatusWon, StatusClosed:
	default:
		errs.Add("status", "Choose a status: active, won or closed.")
	}
	if !currencyPattern.MatchString(c.Currency) {
		errs.Add("currency", "Use a three-letter ISO 4217 currency code, like GBP.")
	}
	return errs.Err()
}

// Normalise trims the spaces around the release's one-line fields. The body
// is kept exactly as written.
func (r Release) Normalise() Release {
	r.Slug = strings.TrimSpace(r.Slug)
	r.Title = strings.TrimSpace(r.Title)
	r.Summary = strings.TrimSpace(r.Summary)
	r.ImageURL = strings.TrimSpace(r.ImageURL)
	return r
}

// Validate checks a release as staff create or edit it (its status is
// changed by publishing, not here). A failure is a valid.Errors.
func (r Release) Validate() error {
	errs := valid.Errors{}
	if r.CampaignID <= 0 {
		errs.Add("campaign_id", "Choose the campaign this release belongs to.")
	}
	if r.PetitionID != nil && *r.PetitionID <= 0 {
		errs.Add("petition_id", "Choose one of the campaign's petitions.")
	}
	checkSlug(errs, r.Slug)
	checkText(errs, "title", r.Title, 1, MaxTitleLen)
	checkText(errs, "summary", r.Summary, 0, MaxSummaryLen)
	checkText(errs, "body", r.Body, 0, MaxBodyLen)
	checkImageURL(errs, r.ImageURL)
	return errs.Err()
}

func checkSlug(errs valid.Errors, slug string) {
	if slug == "" {
		errs.Add("slug", "Enter a slug: the name of the page in its address.")
	} else if !valid.Slug(slug) {
		errs.Add("slug", valid.SlugMessage)
	}
}

// checkImageURL checks that s is empty or an absolute http(s) address,
// which is what link previews fetch.
func checkImageURL(errs valid.Errors, s string) {
	if s == "" {
		return
	}
	u, err := url.Parse(s)
	switch {
	case len(s) > MaxImageURLLen:
		errs.Add("image_url", "Shorten this address to "+strconv.Itoa(MaxImageURLLen)+" characters or fewer.")
	case err != nil || !valid.Readable(s) || strings.ContainsAny(s, " \t\n") ||
		(u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil:
		errs.Add("image_url", "Use the full address of an image, like https://example.org/picture.jpg.")
	}
}

// checkText checks that s is readable and between min and max characters.
func checkText(errs valid.Errors, field, s string, min, max int) {
	n := utf8.RuneCountInString(s)
	switch {
	case !valid.Readable(s):
		errs.Add(field, "This contains characters we cannot read.")
	case n < min && min == 1:
		errs.Add(field, "This cannot be empty.")
	case n < min:
		errs.Add(field, "This is too short.")
	case n > max:
		errs.Add(field, "Shorten this to "+strconv.Itoa(max)+" characters or fewer.")
	}
}
