package site

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
)

// privacyPageData is what privacy.html shows: who keeps supporters' data,
// how to reach them about it, and how long signatures keep their details.
type privacyPageData struct {
	Org           string
	Contact       string
	RetentionDays int
	// GiftAidYears is how long donors' details and Gift Aid declarations
	// are kept after the donation (at least HMRC's six years).
	GiftAidYears int
}

// GET /privacy is the privacy notice, linked from every form that asks for
// personal details. It is the same for everyone and changes only with the
// configuration.
func (s *Site) privacyPage(c *gin.Context) {
	d := privacyPageData{Org: s.Config.OrgName, Contact: s.Config.PrivacyContact,
		RetentionDays: s.Config.Retention(), GiftAidYears: s.Config.GiftAidRetention()}
	s.Render(c, http.StatusOK, "privacy", kit.Page{Title: "How we use your details",
		Description: "What " + d.Org + " keeps about the people who sign and give, for how long, and who can see it.", Data: d})
}
