package outbound

import (
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/advocacy/advocacy/internal/valid"
)

// MaxURLLen caps an endpoint's URL, as the schema does.
const MaxURLLen = 2000

// NewEndpoint is what an admin asks for.
type NewEndpoint struct {
	URL    string
	Events []string
}

// Normalise trims the URL and drops repeated events, keeping their order.
func (in NewEndpoint) Normalise() NewEndpoint {
	out := NewEndpoint{URL: strings.TrimSpace(in.URL)}
	for _, e := range in.Events {
		if e = strings.TrimSpace(e); !slices.Contains(out.Events, e) {
			out.Events = append(out.Events, e)
		}
	}
	return out
}

// Validate checks the endpoint: an absolute http(s) URL of at most
// MaxURLLen characters without credentials and, unless allowPrivate, not on
// a literal address that is not public nor on localhost (names are checked
// again when each delivery connects, see Guard); one known event at least.
func (in NewEndpoint) Validate(allowPrivate bool) error {
	errs := valid.Errors{}
	if msg := checkURL(in.URL, allowPrivate); msg != "" {
		errs.Add("url", msg)
	}
	if len(in.Events) == 0 {
		errs.Add("events", "Choose at least one event.")
	}
	for _, e := range in.Events {
		if !KnownEvent(e) {
			errs.Add("events", "Choose among "+strings.Join(Events(), ", ")+".")
		}
	}
	return errs.Err()
}

func checkURL(raw string, allowPrivate bool) string {
	const shape = "Enter an absolute http or https URL, like https://crm.example.org/hooks/advocacy."
	switch {
	case raw == "":
		return shape
	case !utf8.ValidString(raw) || strings.ContainsFunc(raw, func(r rune) bool { return r < 0x20 || r == 0x7f || r == ' ' }):
		return shape
	case utf8.RuneCountInString(raw) > MaxURLLen:
		return "Use a URL of at most 2,000 characters."
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return shape
	}
	if u.User != nil {
		return "Leave credentials out of the URL: every delivery is signed with the endpoint's secret instead."
	}
	host := strings.TrimSuffix(strings.ToLower(u.Hostname()), ".")
	if host == "" {
		return shape
	}
	if allowPrivate {
		return ""
	}
	if host == "localhost" || strings.HasSuffix(host, ".localhost") {
		return "Use a public address: deliveries to this machine are refused."
	}
	if ip, err := netip.ParseAddr(host); err == nil && !IsPublic(ip) {
		return "Use a public address: deliveries to loopback, private and link-local addresses are refused."
	}
	return ""
}
