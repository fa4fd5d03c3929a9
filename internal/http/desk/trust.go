package desk

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/trust"
	"github.com/advocacy/advocacy/internal/valid"
)

// rateJSON is one rule's limits.
type rateJSON struct {
	Burst     int `json:"burst"`
	Sustained int `json:"sustained"`
}

// trustSettingsJSON is the trust rules as the staff API shows and takes them.
type trustSettingsJSON struct {
	Address          rateJSON  `json:"address"`
	Network          rateJSON  `json:"network"`
	Domain           rateJSON  `json:"domain"`
	TrustedAddresses []string  `json:"trusted_addresses"`
	HeldAddresses    []string  `json:"held_addresses"`
	TrustedDomains   []string  `json:"trusted_domains"`
	HeldDomains      []string  `json:"held_domains"`
	UpdatedAt        time.Time `json:"updated_at"`
}

func toTrustSettingsJSON(s trust.Settings) trustSettingsJSON {
	return trustSettingsJSON{Address: rateJSON(s.Address), Network: rateJSON(s.Network), Domain: rateJSON(s.Domain),
		TrustedAddresses: nonNilList(s.TrustedAddresses), HeldAddresses: nonNilList(s.HeldAddresses),
		TrustedDomains: nonNilList(s.TrustedDomains), HeldDomains: nonNilList(s.HeldDomains), UpdatedAt: s.UpdatedAt}
}

func nonNilList(l []string) []string {
	if l == nil {
		return []string{}
	}
	return l
}

// trustSettingsAPI serves GET /api/v1/admin/trust/settings.
func (d *Desk) trustSettingsAPI(c *gin.Context) {
	s, err := d.Trust.Settings(c.Request.Context())
	d.answerJSON(c, http.StatusOK, toTrustSettingsJSON(s), err)
}

// saveTrustSettingsAPI serves PUT /api/v1/admin/trust/settings: the whole
// rules, replaced (an absent list is empty); 200 with them as stored.
func (d *Desk) saveTrustSettingsAPI(c *gin.Context) {
	var req struct {
		Address          *rateJSON `json:"address"`
		Network          *rateJSON `json:"network"`
		Domain           *rateJSON `json:"domain"`
		TrustedAddresses []string  `json:"trusted_addresses"`
		HeldAddresses    []string  `json:"held_addresses"`
		TrustedDomains   []string  `json:"trusted_domains"`
		HeldDomains      []string  `json:"held_domains"`
	}
	if err := kit.DecodeJSON(c, &req); err != nil {
		d.APIError(c, err)
		return
	}
	errs := valid.Errors{}
	for name, r := range map[string]*rateJSON{"address": req.Address, "network": req.Network, "domain": req.Domain} {
		if r == nil {
			errs.Add(name, "Give this rule's limits: {\"burst\": per minute, \"sustained\": per hour}, 0 for none.")
		}
	}
	if err := errs.Err(); err != nil {
		d.APIError(c, err)
		return
	}
	s, err := d.Trust.SaveSettings(c.Request.Context(), kit.Actor(c), trust.Settings{
		Address: trust.Rate(*req.Address), Network: trust.Rate(*req.Network), Domain: trust.Rate(*req.Domain),
		TrustedAddresses: req.TrustedAddresses, HeldAddresses: req.HeldAddresses,
		TrustedDomains: req.TrustedDomains, HeldDomains: req.HeldDomains})
	d.answerJSON(c, http.StatusOK, toTrustSettingsJSON(s), err)
}

// trustSettingsPageData is what admin/trust.html shows.
type trustSettingsPageData struct {
	Settings trustSettingsForm
	Errors   valid.Errors
	Notice   string
	// UpdatedAt is when the rules were last saved.
	UpdatedAt time.Time
}

// trustSettingsForm is the settings as the form holds them: the lists one
// entry a line, the numbers as typed.
type trustSettingsForm struct {
	AddressBurst, AddressSustained, NetworkBurst, NetworkSustained, DomainBurst, DomainSustained string
	TrustedAddresses, HeldAddresses, TrustedDomains, HeldDomains                                 string
}

func toTrustSettingsForm(s trust.Settings) trustSettingsForm {
	itoa := strconv.Itoa
	return trustSettingsForm{AddressBurst: itoa(s.Address.Burst), AddressSustained: itoa(s.Address.Sustained),
		NetworkBurst: itoa(s.Network.Burst), NetworkSustained: itoa(s.Network.Sustained),
		DomainBurst: itoa(s.Domain.Burst), DomainSustained: itoa(s.Domain.Sustained),
		TrustedAddresses: strings.Join(s.TrustedAddresses, "\n"), HeldAddresses: strings.Join(s.HeldAddresses, "\n"),
		TrustedDomains: strings.Join(s.TrustedDomains, "\n"), HeldDomains: strings.Join(s.HeldDomains, "\n")}
}

// trustSettingsPage serves GET /admin/trust.
func (d *Desk) trustSettingsPage(c *gin.Context) {
	s, err := d.Trust.Settings(c.Request.Context())
	if err != nil {
		d.Fail(c, err)
		return
	}
	d.Render(c, http.StatusOK, "admin/trust", kit.Page{Title: "Trust rules", Data: trustSettingsPageData{
		Settings: toTrustSettingsForm(s), Notice: kit.Notice(c), UpdatedAt: s.UpdatedAt}})
}

// saveTrustSettingsForm serves POST /admin/trust.
func (d *Desk) saveTrustSettingsForm(c *gin.Context) {
	f := trustSettingsForm{AddressBurst: c.PostForm("address_burst"), AddressSustained: c.PostForm("address_sustained"),
		NetworkBurst: c.PostForm("network_burst"), NetworkSustained: c.PostForm("network_sustained"),
		DomainBurst: c.PostForm("domain_burst"), DomainSustained: c.PostForm("domain_sustained"),
		TrustedAddresses: c.PostForm("trusted_addresses"), HeldAddresses: c.PostForm("held_addresses"),
		TrustedDomains: c.PostForm("trusted_domains"), HeldDomains: c.PostForm("held_domains")}
	errs := valid.Errors{}
	num := func(field, v string) int {
		n, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil {
			errs.Add(field, "Give a whole number of signatures, 0 for no limit.")
		}
		return n
	}
	in := trust.Settings{
		Address:          trust.Rate{Burst: num("address.burst", f.AddressBurst), Sustained: num("address.sustained", f.AddressSustained)},
		Network:          trust.Rate{Burst: num("network.burst", f.NetworkBurst), Sustained: num("network.sustained", f.NetworkSustained)},
		Domain:           trust.Rate{Burst: num("domain.burst", f.DomainBurst), Sustained: num("domain.sustained", f.DomainSustained)},
		TrustedAddresses: lines(f.TrustedAddresses), HeldAddresses: lines(f.HeldAddresses),
		TrustedDomains: lines(f.TrustedDomains), HeldDomains: lines(f.HeldDomains)}
	err := errs.Err()
	if err == nil {
		_, err = d.Trust.SaveSettings(c.Request.Context(), kit.Actor(c), in)
	}
	if fields, ok := kit.FieldErrors(err); ok {
		d.Render(c, http.StatusUnprocessableEntity, "admin/trust", kit.Page{Title: "Trust rules",
			Data: trustSettingsPageData{Settings: f, Errors: fields}})
		return
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	kit.RedirectWithNotice(c, "/admin/trust", "saved")
}

// lines splits a textarea into its non-empty lines (commas separate too).
func lines(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == '\n' || r == '\r' || r == ',' })
}

// clusterJSON is one cluster of a review.
type clusterJSON struct {
	Key         string    `json:"key"`
	Total       int64     `json:"total"`
	Counted     int64     `json:"counted"`
	Suspect     int64     `json:"suspect"`
	Pending     int64     `json:"pending"`
	Invalidated int64     `json:"invalidated"`
	Confirmed   int64     `json:"confirmed"`
	FirstAt     time.Time `json:"first_at"`
	LastAt      time.Time `json:"last_at"`
}

// suspectJSON is a suspect signature as a review shows it: no personal data.
type suspectJSON struct {
	ID          int64      `json:"id"`
	Domain      string     `json:"domain"`
	Source      string     `json:"source"`
	Address     string     `json:"address"`
	Network     string     `json:"network"`
	CreatedAt   time.Time  `json:"created_at"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
}

// reviewJSON is GET /api/v1/admin/petitions/:id/trust's answer.
type reviewJSON struct {
	PetitionID       int64                    `json:"petition_id"`
	Counted          int64                    `json:"counted"`
	Pending          int64                    `json:"pending"`
	Suspect          int64                    `json:"suspect"`
	Invalidated      int64                    `json:"invalidated"`
	SuspectConfirmed int64                    `json:"suspect_confirmed"`
	Clusters         map[string][]clusterJSON `json:"clusters"`
	Suspects         []suspectJSON            `json:"suspects"`
}

func toReviewJSON(r trust.Review) reviewJSON {
	out := reviewJSON{PetitionID: r.PetitionID, Counted: r.Counted, Pending: r.Pending, Suspect: r.Suspect,
		Invalidated: r.Invalidated, SuspectConfirmed: r.SuspectConfirmed, Clusters: map[string][]clusterJSON{},
		Suspects: listJSON(r.Suspects, func(s trust.Suspect) suspectJSON {
			return suspectJSON{ID: s.ID, Domain: s.Domain, Source: s.Source, Address: s.AddressHash,
				Network: s.NetworkHash, CreatedAt: s.CreatedAt, ConfirmedAt: s.ConfirmedAt}
		})}
	for _, dim := range trust.Dimensions() {
		out.Clusters[dim] = listJSON(r.Clusters[dim], func(c trust.Cluster) clusterJSON {
			return clusterJSON{Key: c.Key, Total: c.Total(), Counted: c.Counted, Suspect: c.Suspect, Pending: c.Pending,
				Invalidated: c.Invalidated, Confirmed: c.Confirmed, FirstAt: c.First, LastAt: c.Last}
		})
	}
	return out
}

// trustReviewAPI serves GET /api/v1/admin/petitions/:id/trust.
func (d *Desk) trustReviewAPI(c *gin.Context) {
	id, err := kit.IDParam(c, petition.ErrNotFound)
	var r trust.Review
	if err == nil {
		r, err = d.Trust.Review(c.Request.Context(), id)
	}
	d.answerJSON(c, http.StatusOK, toReviewJSON(r), err)
}

// outcomeJSON is what an action on a cluster did, or would do.
type outcomeJSON struct {
	Action         string `json:"action"`
	DryRun         bool   `json:"dry_run"`
	Changed        int64  `json:"changed"`
	SignatureCount int64  `json:"signature_count"`
}

// trustInvalidateAPI serves POST /api/v1/admin/petitions/:id/trust/invalidate.
func (d *Desk) trustInvalidateAPI(c *gin.Context) { d.trustActionAPI(c, trust.ActionInvalidate) }

// trustCountAPI serves POST /api/v1/admin/petitions/:id/trust/count.
func (d *Desk) trustCountAPI(c *gin.Context) { d.trustActionAPI(c, trust.ActionCount) }

// trustActionAPI takes a selector ({"address"…, "dry_run"}) and answers
// 200 with what the action did, or would do.
func (d *Desk) trustActionAPI(c *gin.Context, action string) {
	var req struct {
		Address string     `json:"address"`
		Network string     `json:"network"`
		Domain  string     `json:"domain"`
		Source  string     `json:"source"`
		Email   string     `json:"email"`
		From    *time.Time `json:"from"`
		To      *time.Time `json:"to"`
		DryRun  bool       `json:"dry_run"`
	}
	if err := kit.DecodeJSON(c, &req); err != nil {
		d.APIError(c, err)
		return
	}
	id, err := kit.IDParam(c, petition.ErrNotFound)
	if err != nil {
		d.APIError(c, err)
		return
	}
	out, err := d.Trust.Apply(c.Request.Context(), kit.Actor(c), id, action, trust.SelectorInput{Address: req.Address,
		Network: req.Network, Domain: req.Domain, Source: req.Source, Email: req.Email, From: req.From, To: req.To}, req.DryRun)
	d.answerJSON(c, http.StatusOK, outcomeJSON{Action: out.Action, DryRun: out.DryRun, Changed: out.Changed,
		SignatureCount: out.SignatureCount}, err)
}

// trustReviewPageData is what admin/trust_review.html shows.
type trustReviewPageData struct {
	Petition petition.Petition
	Review   trust.Review
	// Dimensions are the cluster tables, in order.
	Dimensions []clusterTable
	Notice     string
	// Preview is a dry run waiting for its confirmation, with its selector.
	Preview  *trustPreview
	Errors   valid.Errors
	Selector selectorForm
}

// clusterTable is one dimension's clusters.
type clusterTable struct {
	Name, Heading string
	Clusters      []clusterRow
}

// clusterRow is a cluster with the selector that picks it.
type clusterRow struct {
	trust.Cluster
	Selector selectorForm
}

// clusterSelector is the selector of a cluster of dimension dim.
func clusterSelector(dim string, c trust.Cluster) selectorForm {
	switch dim {
	case trust.ByAddress:
		return selectorForm{Address: c.Key}
	case trust.ByNetwork:
		return selectorForm{Network: c.Key}
	case trust.ByDomain:
		return selectorForm{Domain: c.Key}
	case trust.BySource:
		return selectorForm{Source: c.Key}
	default:
		minute := c.First.UTC().Truncate(time.Minute)
		return selectorForm{From: minute.Format(time.RFC3339), To: minute.Add(time.Minute).Format(time.RFC3339)}
	}
}

// selectorForm is a selector as a form holds it.
type selectorForm struct {
	Address, Network, Domain, Source, Email, From, To string
}

// trustPreview is a dry run shown before it is confirmed.
type trustPreview struct {
	Action   string
	Changed  int64
	Selector selectorForm
}

var clusterHeadings = map[string]string{
	trust.ByAddress: "By client address (hashed)", trust.ByNetwork: "By network (hashed)",
	trust.ByDomain: "By email domain", trust.BySource: "By source", trust.ByMinute: "By minute (UTC)",
}

// trustReviewPage serves GET /admin/petitions/:id/trust.
func (d *Desk) trustReviewPage(c *gin.Context) {
	d.renderTrustReview(c, http.StatusOK, trustReviewPageData{Notice: kit.Notice(c)})
}

func (d *Desk) renderTrustReview(c *gin.Context, status int, data trustReviewPageData) {
	ctx := c.Request.Context()
	id, err := kit.IDParam(c, petition.ErrNotFound)
	if err == nil {
		data.Petition, err = d.Petitions.PetitionByID(ctx, id)
	}
	if err == nil {
		data.Review, err = d.Trust.Review(ctx, id)
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	for _, dim := range trust.Dimensions() {
		table := clusterTable{Name: dim, Heading: clusterHeadings[dim]}
		for _, cl := range data.Review.Clusters[dim] {
			table.Clusters = append(table.Clusters, clusterRow{Cluster: cl, Selector: clusterSelector(dim, cl)})
		}
		data.Dimensions = append(data.Dimensions, table)
	}
	d.Render(c, status, "admin/trust_review", kit.Page{Title: "Trust review: " + data.Petition.Title, Data: data})
}

// trustInvalidateForm serves POST /admin/petitions/:id/trust/invalidate.
func (d *Desk) trustInvalidateForm(c *gin.Context) { d.trustActionForm(c, trust.ActionInvalidate) }

// trustCountForm serves POST /admin/petitions/:id/trust/count.
func (d *Desk) trustCountForm(c *gin.Context) { d.trustActionForm(c, trust.ActionCount) }

// trustActionForm runs an action from the review page: with dry_run set it
// shows how many signatures would change and asks to confirm; without, it
// acts and goes back to the review.
func (d *Desk) trustActionForm(c *gin.Context, action string) {
	f := selectorForm{Address: c.PostForm("address"), Network: c.PostForm("network"), Domain: c.PostForm("domain"),
		Source: c.PostForm("source"), Email: c.PostForm("email"), From: c.PostForm("from"), To: c.PostForm("to")}
	in := trust.SelectorInput{Address: f.Address, Network: f.Network, Domain: f.Domain, Source: f.Source, Email: f.Email}
	errs := valid.Errors{}
	in.From = formTime(errs, "from", f.From)
	in.To = formTime(errs, "to", f.To)
	dryRun := c.PostForm("dry_run") != ""
	id, err := kit.IDParam(c, petition.ErrNotFound)
	if err == nil {
		err = errs.Err()
	}
	var out trust.Outcome
	if err == nil {
		out, err = d.Trust.Apply(c.Request.Context(), kit.Actor(c), id, action, in, dryRun)
	}
	if fields, ok := kit.FieldErrors(err); ok {
		d.renderTrustReview(c, http.StatusUnprocessableEntity, trustReviewPageData{Errors: fields, Selector: f})
		return
	}
	switch {
	case err != nil:
		d.Fail(c, err)
	case dryRun:
		d.renderTrustReview(c, http.StatusOK, trustReviewPageData{Selector: f,
			Preview: &trustPreview{Action: action, Changed: out.Changed, Selector: f}})
	case action == trust.ActionInvalidate:
		kit.RedirectWithNotice(c, petitionPath(id)+"/trust", "invalidated")
	default:
		kit.RedirectWithNotice(c, petitionPath(id)+"/trust", "counted")
	}
}

// formTime reads a time from a form: RFC 3339, or a datetime-local value
// taken as UTC; empty is none.
func formTime(errs valid.Errors, field, v string) *time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04", "2006-01-02 15:04"} {
		if t, err := time.Parse(layout, v); err == nil {
			return &t
		}
	}
	errs.Add(field, "Give a time such as 2026-05-01T14:30 (UTC).")
	return nil
}
