package desk

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/staff"
)

// issueTokenForm serves POST /admin/staff/:id/tokens: it issues a token and
// shows its secret on the page this once; it is not stored and cannot be
// shown again.
func (d *Desk) issueTokenForm(c *gin.Context) {
	id, err := kit.IDParam(c, staff.ErrNotFound)
	if err != nil {
		d.Fail(c, err)
		return
	}
	secret, _, err := d.auth().IssueToken(c.Request.Context(), kit.Actor(c), id, c.PostForm("name"))
	if fields, ok := kit.FieldErrors(err); ok {
		d.renderMemberPage(c, http.StatusUnprocessableEntity, id, memberPageData{Errors: fields})
		return
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	d.renderMemberPage(c, http.StatusOK, id, memberPageData{NewToken: secret})
}

// revokeToken serves POST /admin/tokens/:id/revoke (303 to its owner's
// page) and POST /api/v1/admin/tokens/:id/revoke (the token). It stops
// working at once.
func (d *Desk) revokeToken(c *gin.Context) {
	id, err := kit.IDParam(c, staff.ErrNotFound)
	var t staff.Token
	if err == nil {
		t, err = d.Staff.RevokeToken(c.Request.Context(), kit.Actor(c), id)
	}
	switch {
	case err != nil:
		d.Fail(c, err)
	case kit.WantsJSON(c):
		c.JSON(http.StatusOK, toTokenJSON(t))
	default:
		kit.RedirectWithNotice(c, memberPath(t.MemberID), "revoked")
	}
}

// tokenJSON is an API token as the staff API lists it: never its secret.
type tokenJSON struct {
	ID         int64      `json:"id"`
	StaffID    int64      `json:"staff_id"`
	Name       string     `json:"name"`
	Active     bool       `json:"active"`
	CreatedAt  time.Time  `json:"created_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func toTokenJSON(t staff.Token) tokenJSON {
	return tokenJSON{ID: t.ID, StaffID: t.MemberID, Name: t.Name, Active: t.Active(), CreatedAt: t.CreatedAt,
		LastUsedAt: t.LastUsedAt, RevokedAt: t.RevokedAt}
}

// tokensAPI serves GET /api/v1/admin/staff/:id/tokens.
func (d *Desk) tokensAPI(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := kit.IDParam(c, staff.ErrNotFound)
	if err != nil {
		d.APIError(c, err)
		return
	}
	if _, err := d.Staff.MemberByID(ctx, id); err != nil {
		d.APIError(c, err)
		return
	}
	list, err := d.Staff.TokensOf(ctx, id)
	d.answerJSON(c, http.StatusOK, gin.H{"tokens": listJSON(list, toTokenJSON)}, err)
}

// issueTokenAPI serves POST /api/v1/admin/staff/:id/tokens with {"name"}:
// 201 with the token's secret in "token", shown this once.
func (d *Desk) issueTokenAPI(c *gin.Context) {
	id, err := kit.IDParam(c, staff.ErrNotFound)
	if err != nil {
		d.APIError(c, err)
		return
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := kit.DecodeJSON(c, &req); err != nil {
		d.APIError(c, err)
		return
	}
	secret, t, err := d.auth().IssueToken(c.Request.Context(), kit.Actor(c), id, req.Name)
	if err != nil {
		d.APIError(c, err)
		return
	}
	c.JSON(http.StatusCreated, struct {
		tokenJSON
		Token string `json:"token"`
	}{toTokenJSON(t), secret})
}
