package finance

import (
	"bytes"
	"encoding/json"
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/http/kit"
)

// eventRow is a Stripe event as the pages show it, its payload indented.
type eventRow struct {
	donation.StoredEvent
	PayloadText string
}

func toEventRows(events []donation.StoredEvent) []eventRow {
	out := make([]eventRow, len(events))
	for i, e := range events {
		var b bytes.Buffer
		if json.Indent(&b, e.Payload, "", "  ") != nil {
			b.Reset()
			b.Write(e.Payload)
		}
		out[i] = eventRow{StoredEvent: e, PayloadText: b.String()}
	}
	return out
}

// unmatchedPageSize is how many unmatched events are listed.
const unmatchedPageSize = 200

// GET stripe-events/unmatched: events that match no donation, newest first.
func (f *Finance) unmatched(c *gin.Context) {
	events, err := f.store.UnmatchedEvents(c.Request.Context(), unmatchedPageSize)
	if err != nil {
		f.Fail(c, err)
		return
	}
	if fromAPI(c) {
		c.Header("Cache-Control", "no-store")
		c.JSON(http.StatusOK, gin.H{"events": toEventsJSON(events)})
		return
	}
	f.Render(c, http.StatusOK, "admin/unmatched", kit.Page{Title: "Unmatched Stripe events", Data: toEventRows(events)})
}
