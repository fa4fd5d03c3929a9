package desk

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/petition"
)

// homeData is what admin/home.html shows: the petitions and drafts of the
// desk, for those who run it.
type homeData struct {
	Petitions []petition.Petition
	Drafts    []campaign.Release
	// FailingWebhooks are the endpoints disabled for failing (admins only).
	FailingWebhooks []outbound.Endpoint
}

// homePage serves GET /admin.
func (d *Desk) homePage(c *gin.Context) {
	ctx := c.Request.Context()
	var data homeData
	if kit.CurrentStaff(c).CanEdit() {
		var err error
		if data.Petitions, err = d.Desk.AllPetitions(ctx); err != nil {
			d.Fail(c, err)
			return
		}
		releases, err := d.Desk.AllReleases(ctx)
		if err != nil {
			d.Fail(c, err)
			return
		}
		for _, r := range releases {
			if !r.Published() {
				data.Drafts = append(data.Drafts, r)
			}
		}
	}
	if kit.CurrentStaff(c).IsAdmin() && d.Webhooks != nil {
		var err error
		if data.FailingWebhooks, err = d.Webhooks.AutoDisabled(ctx); err != nil {
			d.Fail(c, err)
			return
		}
	}
	d.Render(c, http.StatusOK, "admin/home", kit.Page{Title: "Staff desk", Data: data})
}

// meAPI serves GET /api/v1/admin/me: who the token belongs to.
func (d *Desk) meAPI(c *gin.Context) {
	c.JSON(http.StatusOK, toMemberJSON(kit.CurrentStaff(c)))
}
