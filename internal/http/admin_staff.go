package http

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/valid"
)

// staffPageData is what admin/staff.html shows: every account and the form
// to add one.
type staffPageData struct {
	Members []staff.Member
	Roles   []staff.Role
	New     struct {
		Email string
		Role  staff.Role
	}
	Errors valid.Errors
	Notice string
}

func (s *Server) renderStaffPage(c *gin.Context, status int, d staffPageData) {
	var err error
	if d.Members, err = s.Staff.Members(c.Request.Context()); err != nil {
		s.fail(c, err)
		return
	}
	d.Roles = staff.Roles()
	s.render(c, status, "admin/staff", Page{Title: "Staff accounts", Data: d})
}

// GET /admin/staff
func (s *Server) staffPage(c *gin.Context) {
	d := staffPageData{Notice: notice(c)}
	d.New.Role = staff.RoleCampaigner
	s.renderStaffPage(c, http.StatusOK, d)
}

// POST /admin/staff
func (s *Server) createStaffForm(c *gin.Context) {
	role := staff.Role(c.PostForm("role"))
	m, err := s.staffAuth.CreateMember(c.Request.Context(), actor(c), c.PostForm("email"), role, c.PostForm("password"))
	if fields, ok := fieldErrors(err); ok {
		d := staffPageData{Errors: fields}
		d.New.Email, d.New.Role = c.PostForm("email"), role
		s.renderStaffPage(c, http.StatusUnprocessableEntity, d)
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	redirectWithNotice(c, memberPath(m.ID), "created")
}

func memberPath(id int64) string { return "/admin/staff/" + strconv.FormatInt(id, 10) }

// memberPageData is what admin/member.html shows: one account, its tokens,
// and a new token's secret the one time it is shown.
type memberPageData struct {
	Member   staff.Member
	Self     bool
	Roles    []staff.Role
	Tokens   []staff.Token
	NewToken string
	Errors   valid.Errors
	Notice   string
}

func (s *Server) renderMemberPage(c *gin.Context, status int, id int64, d memberPageData) {
	ctx := c.Request.Context()
	var err error
	if d.Member, err = s.Staff.MemberByID(ctx, id); err != nil {
		s.fail(c, err)
		return
	}
	if d.Tokens, err = s.Staff.TokensOf(ctx, id); err != nil {
		s.fail(c, err)
		return
	}
	d.Self = d.Member.ID == currentStaff(c).ID
	d.Roles = staff.Roles()
	s.render(c, status, "admin/member", Page{Title: "Staff account " + d.Member.Email, Data: d})
}

// GET /admin/staff/:id
func (s *Server) memberPage(c *gin.Context) {
	id, err := idParam(c, staff.ErrNotFound)
	if err != nil {
		s.fail(c, err)
		return
	}
	s.renderMemberPage(c, http.StatusOK, id, memberPageData{Notice: notice(c)})
}

// updateMember changes an account's role and state. Admins cannot demote or
// disable themselves, so the organisation is never left without one by accident.
func (s *Server) updateMember(ctx context.Context, c *gin.Context, id int64, role *staff.Role, disabled *bool) (staff.Member, error) {
	m, err := s.Staff.MemberByID(ctx, id)
	if err != nil {
		return staff.Member{}, err
	}
	newRole, newDisabled := m.Role, !m.Active()
	setIf(&newRole, role)
	setIf(&newDisabled, disabled)
	if !newRole.Valid() {
		return staff.Member{}, valid.Errors{"role": "Choose a role: admin, campaigner or finance."}
	}
	if id == currentStaff(c).ID && (newRole != m.Role || newDisabled) {
		return staff.Member{}, valid.Errors{"role": "You cannot change your own role or disable your own account; ask another admin."}
	}
	return s.Staff.UpdateMember(ctx, actor(c), id, newRole, newDisabled)
}

// POST /admin/staff/:id
func (s *Server) updateMemberForm(c *gin.Context) {
	id, err := idParam(c, staff.ErrNotFound)
	if err != nil {
		s.fail(c, err)
		return
	}
	role := staff.Role(c.PostForm("role"))
	disabled := c.PostForm("disabled") == "yes"
	_, err = s.updateMember(c.Request.Context(), c, id, &role, &disabled)
	if fields, ok := fieldErrors(err); ok {
		s.renderMemberPage(c, http.StatusUnprocessableEntity, id, memberPageData{Errors: fields})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	redirectWithNotice(c, memberPath(id), "saved")
}

// POST /admin/staff/:id/password
func (s *Server) setPasswordForm(c *gin.Context) {
	id, err := idParam(c, staff.ErrNotFound)
	if err != nil {
		s.fail(c, err)
		return
	}
	err = s.staffAuth.SetPassword(c.Request.Context(), actor(c), id, c.PostForm("password"))
	if fields, ok := fieldErrors(err); ok {
		s.renderMemberPage(c, http.StatusUnprocessableEntity, id, memberPageData{Errors: fields})
		return
	}
	if err != nil {
		s.fail(c, err)
		return
	}
	if id == currentStaff(c).ID {
		// Changing one's own password ends every session, this one too.
		s.clearSessionCookie(c)
		redirectWithNotice(c, loginPath, "password")
		return
	}
	redirectWithNotice(c, memberPath(id), "password")
}

// memberJSON is a staff account as the staff API shows it.
type memberJSON struct {
	ID          int64      `json:"id"`
	Email       string     `json:"email"`
	Role        staff.Role `json:"role"`
	Disabled    bool       `json:"disabled"`
	DisabledAt  *time.Time `json:"disabled_at"`
	LastLoginAt *time.Time `json:"last_login_at"`
	CreatedAt   time.Time  `json:"created_at"`
}

func toMemberJSON(m staff.Member) memberJSON {
	return memberJSON{ID: m.ID, Email: m.Email, Role: m.Role, Disabled: !m.Active(), DisabledAt: m.DisabledAt,
		LastLoginAt: m.LastLoginAt, CreatedAt: m.CreatedAt}
}

// GET /api/v1/admin/staff
func (s *Server) apiStaff(c *gin.Context) {
	list, err := s.Staff.Members(c.Request.Context())
	if err != nil {
		s.apiError(c, err)
		return
	}
	out := make([]memberJSON, len(list))
	for i, m := range list {
		out[i] = toMemberJSON(m)
	}
	c.JSON(http.StatusOK, gin.H{"staff": out})
}

// POST /api/v1/admin/staff with {"email","role","password"}
func (s *Server) apiCreateStaff(c *gin.Context) {
	var req struct {
		Email    string `json:"email"`
		Role     string `json:"role"`
		Password string `json:"password"`
	}
	if err := decodeStaffJSON(c, &req); err != nil {
		s.apiError(c, err)
		return
	}
	m, err := s.staffAuth.CreateMember(c.Request.Context(), actor(c), req.Email, staff.Role(req.Role), req.Password)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusCreated, toMemberJSON(m))
}

// PATCH /api/v1/admin/staff/:id with {"role","disabled"}
func (s *Server) apiUpdateMember(c *gin.Context) {
	id, err := idParam(c, staff.ErrNotFound)
	if err != nil {
		s.apiError(c, err)
		return
	}
	var req struct {
		Role     *staff.Role `json:"role"`
		Disabled *bool       `json:"disabled"`
	}
	if err := decodeStaffJSON(c, &req); err != nil {
		s.apiError(c, err)
		return
	}
	m, err := s.updateMember(c.Request.Context(), c, id, req.Role, req.Disabled)
	if err != nil {
		s.apiError(c, err)
		return
	}
	c.JSON(http.StatusOK, toMemberJSON(m))
}
