package http

import (
	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/staff"
)

// registerStaff adds the staff pages under /admin and the staff API under
// /api/v1/admin. Who may use each route is said here, next to the route, as
// in the contract's table; requireRole enforces it.
func (s *Server) registerStaff(r *gin.Engine) error {
	auth, err := staff.NewAuth(s.Staff, s.StaffAuth)
	if err != nil {
		return err
	}
	s.staffAuth = auth
	anyone := s.requireRole(staff.Roles()...)
	editors := s.requireRole(staff.EditorRoles()...)
	admins := s.requireRole(staff.AdminRoles()...)
	form := s.requireCSRF()

	pages := r.Group("/admin", s.limitStaffBody())
	pages.GET("/login", s.loginPage)
	pages.POST("/login", form, s.login)
	pages.POST("/logout", form, s.logout)
	pages.GET("", anyone, s.adminHome)

	pages.GET("/campaigns", editors, s.campaignsPage)
	pages.GET("/campaigns/new", editors, s.newCampaignPage)
	pages.POST("/campaigns", editors, form, s.createCampaignForm)
	pages.GET("/campaigns/:id/edit", editors, s.editCampaignPage)
	pages.POST("/campaigns/:id", editors, form, s.updateCampaignForm)

	pages.GET("/releases", editors, s.releasesPage)
	pages.GET("/releases/new", editors, s.newReleasePage)
	pages.POST("/releases", editors, form, s.createReleaseForm)
	pages.GET("/releases/:id/edit", editors, s.editReleasePage)
	pages.POST("/releases/:id", editors, form, s.updateReleaseForm)
	pages.GET("/releases/:id/preview", editors, s.previewReleasePage)
	pages.POST("/releases/:id/publish", editors, form, s.publishReleaseForm)
	pages.POST("/releases/:id/unpublish", editors, form, s.unpublishReleaseForm)

	pages.GET("/petitions", editors, s.petitionsPage)
	pages.GET("/petitions/new", editors, s.newPetitionPage)
	pages.POST("/petitions", editors, form, s.createPetitionForm)
	pages.GET("/petitions/:id", editors, s.petitionDashboardPage)
	pages.GET("/petitions/:id/edit", editors, s.editPetitionPage)
	pages.POST("/petitions/:id", editors, form, s.updatePetitionForm)
	pages.POST("/petitions/:id/close", editors, form, s.closePetitionForm)
	pages.POST("/petitions/:id/reopen", editors, form, s.reopenPetitionForm)
	pages.GET("/petitions/:id/signatures.csv", editors, s.exportSignatures)

	pages.GET("/staff", admins, s.staffPage)
	pages.POST("/staff", admins, form, s.createStaffForm)
	pages.GET("/staff/:id", admins, s.memberPage)
	pages.POST("/staff/:id", admins, form, s.updateMemberForm)
	pages.POST("/staff/:id/password", admins, form, s.setPasswordForm)
	pages.POST("/staff/:id/tokens", admins, form, s.issueTokenForm)
	pages.POST("/tokens/:id/revoke", admins, form, s.revokeTokenForm)
	pages.GET("/audit", admins, s.auditPage)

	api := r.Group("/api/v1/admin", s.limitStaffBody())
	api.GET("/me", anyone, s.apiMe)

	api.GET("/campaigns", editors, s.apiCampaigns)
	api.POST("/campaigns", editors, s.apiCreateCampaign)
	api.GET("/campaigns/:id", editors, s.apiAdminCampaign)
	api.PATCH("/campaigns/:id", editors, s.apiUpdateCampaign)

	api.GET("/releases", editors, s.apiAdminReleases)
	api.POST("/releases", editors, s.apiCreateRelease)
	api.GET("/releases/:id", editors, s.apiAdminRelease)
	api.PATCH("/releases/:id", editors, s.apiUpdateRelease)
	api.POST("/releases/:id/publish", editors, s.apiPublishRelease)
	api.POST("/releases/:id/unpublish", editors, s.apiUnpublishRelease)

	api.GET("/petitions", editors, s.apiAdminPetitions)
	api.POST("/petitions", editors, s.apiCreatePetition)
	api.GET("/petitions/:id", editors, s.apiAdminPetition)
	api.PATCH("/petitions/:id", editors, s.apiUpdatePetition)
	api.POST("/petitions/:id/close", editors, s.apiClosePetition)
	api.POST("/petitions/:id/reopen", editors, s.apiReopenPetition)
	api.GET("/petitions/:id/stats", editors, s.apiPetitionStats)
	api.GET("/petitions/:id/signatures.csv", editors, s.exportSignatures)

	api.GET("/staff", admins, s.apiStaff)
	api.POST("/staff", admins, s.apiCreateStaff)
	api.PATCH("/staff/:id", admins, s.apiUpdateMember)
	api.GET("/staff/:id/tokens", admins, s.apiTokens)
	api.POST("/staff/:id/tokens", admins, s.apiIssueToken)
	api.POST("/tokens/:id/revoke", admins, s.apiRevokeToken)
	api.GET("/audit", admins, s.apiAudit)

	if s.Donations != nil {
		s.registerFinance(pages, api, s.requireRole(staff.FinanceRoles()...), form)
	}
	return nil
}
