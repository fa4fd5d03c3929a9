package http

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/staff"
)

// POST /admin/staff/:id/tokens issues a token and shows its secret on the
// page this once; it is not stored and cannot be shown again.
func (s *Server) issueTokenForm(c *gin.Context) {
	id, err := idParam(c, staff.ErrNotFound)
	if err != nil {
		s.fail(c, err)
		return
	}
	secret, _, err := s.staffAuth.IssueToken(c.Request.Context(), actor(c), id, c.PostForm("name"))
	if fields, ok := fieldErrors(err); ok {
		s.renderMemberPage(c, http.StatusUnprocessableEntity, id, memberPageData{Errors: fields})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderMemberPage(c, http.StatusOK, id, memberPageData{NewToken: secret})
}

// POST /admin/tokens/:id/revoke
func (s *Server) revokeTokenForm(c *gin.Context) {
	id, err := idParam(c, staff.ErrNotFound)
	if err != nil {
		s.fail(c, err)
		return
	}
	t, err := s.Staff.RevokeToken(c.Request.Context(), actor(c), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	redirectWithNotice(c, memberPath(t.MemberID), "revoked")
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

// GET /api/v1/admin/staff/:id/tokens
func (s *Server) apiTokens(c *gin.Context) {
	ctx := c.Request.Context()
	id, err := idParam(c, staff.ErrNotFound)
	if err != nil {
		s.apiError(c, err)
		return
	}
	if _, err := s.Staff.MemberByID(ctx, id); err != nil {
		s.apiError(c, err)
		return
	}
	list, err := s.Staff.TokensOf(ctx, id)
	if err != nil {
		s.apiError(c, err)
		return
	}
	out := make([]tokenJSON, len(list))
	for i, t := range list {
		out[i] = toTokenJSON(t)
	}
	c.JSON(http.StatusOK, gin.H{"tokens": out})
}

// POST /api/v1/admin/staff/:id/tokens with {"name"}: 201 with the token's
// secret in "token", shown this once.
func (s *Server) apiIssueToken(c *gin.Context) {
	id, err := idParam(c, staff.ErrNotFound)
	if err != nil {
		s.apiError(c, err)
		return
	}
	var req struct {
		Name string `json:"name"`
	}
	if err := decodeStaffJSON(c, &req); err != nil {
		s.apiError(c, err)
		return
	}
	secret, t, err := s.staffAuth.IssueToken(c.Request.Context(), actor(c), id, req.Name)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusCreated, struct {
		tokenJSON
		Token string `json:"token"`
	}{toTokenJSON(t), secret})
}

// POST /api/v1/admin/tokens/:id/revoke
func (s *Server) apiRevokeToken(c *gin.Context) {
	id, err := idParam(c, staff.ErrNotFound)
	if err != nil {
		s.apiError(c, err)
		return
	}
	t, err := s.Staff.RevokeToken(c.Request.Context(), actor(c), id)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, toTokenJSON(t))
}
