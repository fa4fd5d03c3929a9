package kit

import (
	"net/http"
	"net/url"

	"github.com/gin-gonic/gin"
)

// notices are the messages a page shows after a redirect, keyed by the
// "notice" query parameter, so that no text from the URL reaches the page.
var noticeTexts = map[string]string{
	"created":     "Created.",
	"saved":       "Saved.",
	"published":   "Published: the release is public now.",
	"unpublished": "Unpublished: the release is a draft again and no longer public.",
	"closed":      "Closed: the petition no longer takes signatures.",
	"reopened":    "Reopened: the petition takes signatures again.",
	"password":    "Password changed. Every session of that account has ended.",
	"revoked":     "Token revoked. It stopped working at once.",
	"logged_out":  "You have logged out.",
	"reviewed":    "Review recorded.",
	"disabled":    "Disabled: the endpoint gets no deliveries until it is enabled again.",
	"enabled":     "Enabled: the endpoint gets deliveries again.",
	"deleted":     "Deleted.",
	"redelivered": "Queued again: the delivery will be sent with the same webhook-id.",
	"invalidated": "Invalidated: the signatures are out of the count and the tallies, which moved with them.",
	"counted":     "Counted: the signatures are in the count and the tallies, which moved with them.",
}

// Notice is the message to show for the request's "notice" parameter.
func Notice(c *gin.Context) string { return noticeTexts[c.Query("notice")] }

// RedirectWithNotice answers 303 to path with a notice to show there.
func RedirectWithNotice(c *gin.Context, path, key string) {
	c.Redirect(http.StatusSeeOther, path+"?notice="+url.QueryEscape(key))
}
