package valid

import "regexp"

// MaxSlugLen caps a slug, as the schema does.
const MaxSlugLen = 100

var slugPattern = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)

// Slug reports whether s can name a page in a URL: lower-case letters and
// digits in words joined by single hyphens, at most MaxSlugLen long.
func Slug(s string) bool {
	return len(s) <= MaxSlugLen && slugPattern.MatchString(s)
}

// SlugMessage is what to tell someone whose slug is refused.
const SlugMessage = "Use lower-case letters, digits and single hyphens, like ratify-the-convention (at most 100 characters)."
