package site

import (
	"net/url"
	"strings"

	"github.com/advocacy/advocacy/internal/petition"
)

// Every share link names its channel in the address it shares, as the
// source code "share-<channel>"; the release page keeps that code in its
// sign form, so the signature records the channel it came by.
const shareSourcePrefix = "share-"

// shareLink is one button that shares a page on one channel.
type shareLink struct {
	Channel string // e.g. "whatsapp"; the link's source code is "share-" + Channel
	Label   string
	Href    string
}

// shareView is what the share buttons show: a link per channel, and the
// addresses that the copy-link and the phone's own share sheet (app.js)
// share.
type shareView struct {
	Links     []shareLink
	Text      string
	CopyURL   string
	NativeURL string
}

// shareChannels are the channels with a link of their own, in the order
// shown.
var shareChannels = []struct{ channel, label string }{
	{"whatsapp", "WhatsApp"},
	{"facebook", "Facebook"},
	{"x", "X"},
	{"bluesky", "Bluesky"},
	{"email", "Email"},
}

// newShareView returns the share buttons for pageURL, an absolute address
// without a query, shared with text.
func newShareView(pageURL, text string) shareView {
	v := shareView{Text: text,
		CopyURL:   sharedURL(pageURL, "copy"),
		NativeURL: sharedURL(pageURL, "native")}
	for _, c := range shareChannels {
		u := sharedURL(pageURL, c.channel)
		var href string
		switch c.channel {
		case "whatsapp":
			href = "https://wa.me/?text=" + queryEscape(text+" "+u)
		case "facebook":
			href = "https://www.facebook.com/sharer/sharer.php?u=" + queryEscape(u)
		case "x":
			href = "https://x.com/intent/post?text=" + queryEscape(text) + "&url=" + queryEscape(u)
		case "bluesky":
			href = "https://bsky.app/intent/compose?text=" + queryEscape(text+" "+u)
		case "email":
			href = "mailto:?subject=" + queryEscape(text) + "&body=" + queryEscape(text+"\n\n"+u)
		}
		v.Links = append(v.Links, shareLink{Channel: c.channel, Label: c.label, Href: href})
	}
	return v
}

// sharedURL is pageURL as shared on channel.
func sharedURL(pageURL, channel string) string {
	return pageURL + "?source=" + url.QueryEscape(shareSourcePrefix+channel)
}

// queryEscape escapes s for a query value, spaces as %20, which mailto:
// links need and web addresses take as well.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// isShareCode reports whether code is one of the share buttons' codes.
func isShareCode(code string) bool {
	channel, ok := strings.CutPrefix(code, shareSourcePrefix)
	if !ok {
		return false
	}
	switch channel {
	case "copy", "native":
		return true
	}
	for _, c := range shareChannels {
		if c.channel == channel {
			return true
		}
	}
	return false
}

// sourceCode returns the source code a page was reached with (?source=),
// or "" when it is missing or not one a signature may carry.
func sourceCode(raw string) string {
	if !petition.ValidSourceCode(raw) {
		return ""
	}
	return raw
}
