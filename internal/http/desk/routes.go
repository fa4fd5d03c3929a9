package desk

import (
	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/staff"
)

// Routes registers the desk's pages on pages (/admin) and its API on api
// (/api/v1/admin). Who may use each route is said here, next to the route,
// as in the contract's table; the guard enforces it. The finance routes
// are registered on the same groups by package finance.
func (d *Desk) Routes(pages, api *gin.RouterGroup) {
	anyone := d.guard.Require(staff.Roles()...)
	editors := d.guard.Require(staff.EditorRoles()...)
	admins := d.guard.Require(staff.AdminRoles()...)
	form := d.RequireCSRF()

	pages.GET("/login", d.loginPage)
	pages.POST("/login", form, d.loginForm)
	pages.POST("/logout", form, d.logoutForm)
	pages.GET("", anyone, d.homePage)

	pages.GET("/campaigns", editors, d.campaignsPage)
	pages.GET("/campaigns/new", editors, d.newCampaignPage)
	pages.POST("/campaigns", editors, form, d.createCampaignForm)
	pages.GET("/campaigns/:id/edit", editors, d.editCampaignPage)
	pages.POST("/campaigns/:id", editors, form, d.updateCampaignForm)

	pages.GET("/releases", editors, d.releasesPage)
	pages.GET("/releases/new", editors, d.newReleasePage)
	pages.POST("/releases", editors, form, d.createReleaseForm)
	pages.GET("/releases/:id/edit", editors, d.editReleasePage)
	pages.POST("/releases/:id", editors, form, d.updateReleaseForm)
	pages.GET("/releases/:id/preview", editors, d.previewReleasePage)
	pages.POST("/releases/:id/publish", editors, form, d.publishRelease)
	pages.GET("/releases/:id/unpublish", editors, d.confirmUnpublishPage)
	pages.POST("/releases/:id/unpublish", editors, form, d.unpublishRelease)

	pages.GET("/petitions", editors, d.petitionsPage)
	pages.GET("/petitions/new", editors, d.newPetitionPage)
	pages.POST("/petitions", editors, form, d.createPetitionForm)
	pages.GET("/petitions/:id", editors, d.dashboardPage)
	pages.GET("/petitions/:id/edit", editors, d.editPetitionPage)
	pages.POST("/petitions/:id", editors, form, d.updatePetitionForm)
	pages.GET("/petitions/:id/stats", editors, d.statsAPI)
	pages.GET("/petitions/:id/close", editors, d.confirmClosePage)
	pages.POST("/petitions/:id/close", editors, form, d.closePetition)
	pages.POST("/petitions/:id/reopen", editors, form, d.reopenPetition)
	pages.GET("/petitions/:id/signatures.csv", editors, d.exportSignatures)
	pages.GET("/petitions/:id/trust", editors, d.trustReviewPage)
	pages.POST("/petitions/:id/trust/invalidate", editors, form, d.trustInvalidateForm)
	pages.POST("/petitions/:id/trust/count", editors, form, d.trustCountForm)

	pages.GET("/staff", admins, d.staffPage)
	pages.POST("/staff", admins, form, d.createMemberForm)
	pages.GET("/staff/:id", admins, d.memberPage)
	pages.POST("/staff/:id", admins, form, d.updateMemberForm)
	pages.POST("/staff/:id/password", admins, form, d.setPasswordForm)
	pages.POST("/staff/:id/tokens", admins, form, d.issueTokenForm)
	pages.POST("/tokens/:id/revoke", admins, form, d.revokeToken)
	pages.GET("/audit", admins, d.auditPage)
	pages.GET("/trust", admins, d.trustSettingsPage)
	pages.POST("/trust", admins, form, d.saveTrustSettingsForm)

	pages.GET("/webhooks", admins, d.webhooksPage)
	pages.POST("/webhooks", admins, form, d.createWebhookForm)
	pages.GET("/webhooks/:id", admins, d.webhookPage)
	pages.POST("/webhooks/:id/enable", admins, form, d.enableWebhookForm)
	pages.POST("/webhooks/:id/disable", admins, form, d.disableWebhookForm)
	pages.POST("/webhooks/:id/delete", admins, form, d.deleteWebhookForm)
	pages.POST("/webhooks/:id/deliveries/:delivery_id/redeliver", admins, form, d.redeliver)

	pages.GET("/privacy", admins, d.privacyPage)
	pages.POST("/privacy/subject", admins, form, d.subjectForm)
	pages.POST("/privacy/erase", admins, form, d.eraseForm)

	api.GET("/me", anyone, d.meAPI)

	api.GET("/campaigns", editors, d.campaignsAPI)
	api.POST("/campaigns", editors, d.createCampaignAPI)
	api.GET("/campaigns/:id", editors, d.campaignAPI)
	api.PATCH("/campaigns/:id", editors, d.updateCampaignAPI)

	api.GET("/releases", editors, d.releasesAPI)
	api.POST("/releases", editors, d.createReleaseAPI)
	api.GET("/releases/:id", editors, d.releaseAPI)
	api.PATCH("/releases/:id", editors, d.updateReleaseAPI)
	api.POST("/releases/:id/publish", editors, d.publishRelease)
	api.POST("/releases/:id/unpublish", editors, d.unpublishRelease)

	api.GET("/petitions", editors, d.petitionsAPI)
	api.POST("/petitions", editors, d.createPetitionAPI)
	api.GET("/petitions/:id", editors, d.petitionAPI)
	api.PATCH("/petitions/:id", editors, d.updatePetitionAPI)
	api.POST("/petitions/:id/close", editors, d.closePetition)
	api.POST("/petitions/:id/reopen", editors, d.reopenPetition)
	api.GET("/petitions/:id/stats", editors, d.statsAPI)
	api.GET("/petitions/:id/signatures.csv", editors, d.exportSignatures)
	api.GET("/petitions/:id/trust", editors, d.trustReviewAPI)
	api.POST("/petitions/:id/trust/invalidate", editors, d.trustInvalidateAPI)
	api.POST("/petitions/:id/trust/count", editors, d.trustCountAPI)

	api.GET("/staff", admins, d.staffAPI)
	api.POST("/staff", admins, d.createMemberAPI)
	api.PATCH("/staff/:id", admins, d.updateMemberAPI)
	api.GET("/staff/:id/tokens", admins, d.tokensAPI)
	api.POST("/staff/:id/tokens", admins, d.issueTokenAPI)
	api.POST("/tokens/:id/revoke", admins, d.revokeToken)
	api.GET("/audit", admins, d.auditAPI)
	api.GET("/trust/settings", admins, d.trustSettingsAPI)
	api.PUT("/trust/settings", admins, d.saveTrustSettingsAPI)

	api.GET("/webhooks", admins, d.webhooksAPI)
	api.POST("/webhooks", admins, d.createWebhookAPI)
	api.PATCH("/webhooks/:id", admins, d.updateWebhookAPI)
	api.DELETE("/webhooks/:id", admins, d.deleteWebhookAPI)
	api.GET("/webhooks/:id/deliveries", admins, d.deliveriesAPI)
	api.POST("/webhooks/:id/deliveries/:delivery_id/redeliver", admins, d.redeliver)

	api.GET("/privacy/subject", admins, d.subjectAPI)
	api.POST("/privacy/erase", admins, d.eraseAPI)
}
