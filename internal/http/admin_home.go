package http

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
)

// adminHomeData is what admin/home.html shows: the petitions and drafts of
// the desk, for those who run it.
type adminHomeData struct {
	Petitions []petition.Petition
	Drafts    []campaign.Release
}

// GET /admin
func (s *Server) adminHome(c *gin.Context) {
	ctx := c.Request.Context()
	var d adminHomeData
	if currentStaff(c).CanEdit() {
		var err error
		if d.Petitions, err = s.Desk.AllPetitions(ctx); err != nil {
			s.fail(c, err)
			return
		}
		releases, err := s.Desk.AllReleases(ctx)
		if err != nil {
			s.fail(c, err)
			return
		}
		for _, r := range releases {
			if !r.Published() {
				d.Drafts = append(d.Drafts, r)
			}
		}
	}
	s.render(c, http.StatusOK, "admin/home", Page{Title: "Staff desk", Data: d})
}

// GET /api/v1/admin/me
func (s *Server) apiMe(c *gin.Context) {
	m := currentStaff(c)
	c.JSON(http.StatusOK, toMemberJSON(m))
}
