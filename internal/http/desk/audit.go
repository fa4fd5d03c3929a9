package desk

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/staff"
)

// auditPageSize is how many entries a page of the audit log shows.
const auditPageSize = 50

// auditFilter reads ?entity=&entity_id=&before= .
func auditFilter(c *gin.Context) staff.AuditFilter {
	f := staff.AuditFilter{Entity: c.Query("entity"), Limit: auditPageSize}
	f.EntityID, _ = strconv.ParseInt(c.Query("entity_id"), 10, 64)
	f.BeforeID, _ = strconv.ParseInt(c.Query("before"), 10, 64)
	if n, err := strconv.Atoi(c.Query("limit")); err == nil && n > 0 {
		f.Limit = min(n, 500)
	}
	return f
}

// auditRow is an entry as the page shows it: the fields that changed.
type auditRow struct {
	staff.AuditEntry
	Changes []auditChange
}

// auditChange is one field's value before and after.
type auditChange struct {
	Field  string
	Before string
	After  string
}

// auditPageData is what admin/audit.html shows.
type auditPageData struct {
	Filter  staff.AuditFilter
	Rows    []auditRow
	NextURL string // the next (older) page, "" at the end
}

// auditPage serves GET /admin/audit[?entity=&entity_id=&before=]: newest
// first, a page at a time.
func (d *Desk) auditPage(c *gin.Context) {
	f := auditFilter(c)
	entries, err := d.Staff.Audit(c.Request.Context(), f)
	if err != nil {
		d.Fail(c, err)
		return
	}
	data := auditPageData{Filter: f}
	for _, e := range entries {
		data.Rows = append(data.Rows, auditRow{AuditEntry: e, Changes: auditChanges(e.Before, e.After)})
	}
	if len(entries) == f.Limit {
		q := url.Values{"before": {strconv.FormatInt(entries[len(entries)-1].ID, 10)}}
		if f.Entity != "" {
			q.Set("entity", f.Entity)
		}
		if f.EntityID != 0 {
			q.Set("entity_id", strconv.FormatInt(f.EntityID, 10))
		}
		data.NextURL = "/admin/audit?" + q.Encode()
	}
	d.Render(c, http.StatusOK, "admin/audit", kit.Page{Title: "Audit log", Data: data})
}

// auditChanges lists the fields whose values differ between two snapshots;
// for a creation (no before), every field of the new entity.
func auditChanges(before, after json.RawMessage) []auditChange {
	var b, a map[string]json.RawMessage
	_ = json.Unmarshal(before, &b)
	_ = json.Unmarshal(after, &a)
	keys := map[string]bool{}
	for k := range b {
		keys[k] = true
	}
	for k := range a {
		keys[k] = true
	}
	var out []auditChange
	for k := range keys {
		if bytes.Equal(b[k], a[k]) {
			continue
		}
		out = append(out, auditChange{Field: k, Before: auditValue(b[k]), After: auditValue(a[k])})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// auditValue shows a JSON value briefly: long texts are cut.
func auditValue(raw json.RawMessage) string {
	if len(raw) == 0 {
		return "—"
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		return string(raw)
	}
	if n := utf8.RuneCountInString(s); n > 120 {
		r := []rune(s)
		return string(r[:100]) + "… (" + strconv.Itoa(n) + " characters)"
	}
	return strconv.Quote(s)
}

// auditEntryJSON is an audit entry as the staff API shows it.
type auditEntryJSON struct {
	ID         int64           `json:"id"`
	ActorID    *int64          `json:"actor_id"`
	ActorEmail string          `json:"actor_email"`
	Action     string          `json:"action"`
	Entity     string          `json:"entity"`
	EntityID   *int64          `json:"entity_id"`
	Before     json.RawMessage `json:"before"`
	After      json.RawMessage `json:"after"`
	CreatedAt  time.Time       `json:"created_at"`
}

// auditAPI serves GET /api/v1/admin/audit?entity=&entity_id=&before=&limit=;
// next_before names the next (older) page, null at the end.
func (d *Desk) auditAPI(c *gin.Context) {
	f := auditFilter(c)
	entries, err := d.Staff.Audit(c.Request.Context(), f)
	if err != nil {
		d.APIError(c, err)
		return
	}
	out := make([]auditEntryJSON, len(entries))
	null := json.RawMessage("null")
	for i, e := range entries {
		out[i] = auditEntryJSON{ID: e.ID, ActorID: e.ActorID, ActorEmail: e.ActorEmail, Action: e.Action,
			Entity: e.Entity, EntityID: e.EntityID, Before: e.Before, After: e.After, CreatedAt: e.CreatedAt}
		if out[i].Before == nil {
			out[i].Before = null
		}
		if out[i].After == nil {
			out[i].After = null
		}
	}
	var next *int64
	if len(entries) == f.Limit {
		next = &entries[len(entries)-1].ID
	}
	c.JSON(http.StatusOK, gin.H{"entries": out, "next_before": next})
}
