package desk

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
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

func (d *Desk) renderStaffPage(c *gin.Context, status int, data staffPageData) {
	var err error
	if data.Members, err = d.Staff.Members(c.Request.Context()); err != nil {
		d.Fail(c, err)
		return
	}
	data.Roles = staff.Roles()
	d.Render(c, status, "admin/staff", kit.Page{Title: "Staff accounts", Data: data})
}

// staffPage serves GET /admin/staff.
func (d *Desk) staffPage(c *gin.Context) {
	data := staffPageData{Notice: kit.Notice(c)}
	data.New.Role = staff.RoleCampaigner
	d.renderStaffPage(c, http.StatusOK, data)
}

// createMemberForm serves POST /admin/staff.
func (d *Desk) createMemberForm(c *gin.Context) {
	role := staff.Role(c.PostForm("role"))
	m, err := d.auth().CreateMember(c.Request.Context(), kit.Actor(c), c.PostForm("email"), role, c.PostForm("password"))
	if fields, ok := kit.FieldErrors(err); ok {
		data := staffPageData{Errors: fields}
		data.New.Email, data.New.Role = c.PostForm("email"), role
		d.renderStaffPage(c, http.StatusUnprocessableEntity, data)
		return
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	kit.RedirectWithNotice(c, memberPath(m.ID), "created")
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

func (d *Desk) renderMemberPage(c *gin.Context, status int, id int64, data memberPageData) {
	ctx := c.Request.Context()
	var err error
	if data.Member, err = d.Staff.MemberByID(ctx, id); err != nil {
		d.Fail(c, err)
		return
	}
	if data.Tokens, err = d.Staff.TokensOf(ctx, id); err != nil {
		d.Fail(c, err)
		return
	}
	data.Self = data.Member.ID == kit.CurrentStaff(c).ID
	data.Roles = staff.Roles()
	d.Render(c, status, "admin/member", kit.Page{Title: "Staff account " + data.Member.Email, Data: data})
}

// memberPage serves GET /admin/staff/:id.
func (d *Desk) memberPage(c *gin.Context) {
	id, err := kit.IDParam(c, staff.ErrNotFound)
	if err != nil {
		d.Fail(c, err)
		return
	}
	d.renderMemberPage(c, http.StatusOK, id, memberPageData{Notice: kit.Notice(c)})
}

// updateMember changes an account's role and state. Admins cannot demote or
// disable themselves, so the organisation is never left without one by accident.
func (d *Desk) updateMember(ctx context.Context, c *gin.Context, id int64, role *staff.Role, disabled *bool) (staff.Member, error) {
	m, err := d.Staff.MemberByID(ctx, id)
	if err != nil {
		return staff.Member{}, err
	}
	newRole, newDisabled := m.Role, !m.Active()
	kit.SetIf(&newRole, role)
	kit.SetIf(&newDisabled, disabled)
	if !newRole.Valid() {
		return staff.Member{}, valid.Errors{"role": "Choose a role: admin, campaigner or finance."}
	}
	if id == kit.CurrentStaff(c).ID && (newRole != m.Role || newDisabled) {
		return staff.Member{}, valid.Errors{"role": "You cannot change your own role or disable your own account; ask another admin."}
	}
	return d.Staff.UpdateMember(ctx, kit.Actor(c), id, newRole, newDisabled)
}

// updateMemberForm serves POST /admin/staff/:id.
func (d *Desk) updateMemberForm(c *gin.Context) {
	id, err := kit.IDParam(c, staff.ErrNotFound)
	if err != nil {
		d.Fail(c, err)
		return
	}
	role := staff.Role(c.PostForm("role"))
	disabled := c.PostForm("disabled") == "yes"
	_, err = d.updateMember(c.Request.Context(), c, id, &role, &disabled)
	if fields, ok := kit.FieldErrors(err); ok {
		d.renderMemberPage(c, http.StatusUnprocessableEntity, id, memberPageData{Errors: fields})
		return
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	kit.RedirectWithNotice(c, memberPath(id), "saved")
}

// setPasswordForm serves POST /admin/staff/:id/password. The account's
// sessions end with its old password.
func (d *Desk) setPasswordForm(c *gin.Context) {
	id, err := kit.IDParam(c, staff.ErrNotFound)
	if err != nil {
		d.Fail(c, err)
		return
	}
	err = d.auth().SetPassword(c.Request.Context(), kit.Actor(c), id, c.PostForm("password"))
	if fields, ok := kit.FieldErrors(err); ok {
		d.renderMemberPage(c, http.StatusUnprocessableEntity, id, memberPageData{Errors: fields})
		return
	}
	if err != nil {
		d.Fail(c, err)
		return
	}
	if id == kit.CurrentStaff(c).ID {
		// Changing one's own password ends every session, this one too.
		d.ClearSessionCookie(c)
		kit.RedirectWithNotice(c, kit.LoginPath, "password")
		return
	}
	kit.RedirectWithNotice(c, memberPath(id), "password")
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

// staffAPI serves GET /api/v1/admin/staff.
func (d *Desk) staffAPI(c *gin.Context) {
	list, err := d.Staff.Members(c.Request.Context())
	d.answerJSON(c, http.StatusOK, gin.H{"staff": listJSON(list, toMemberJSON)}, err)
}

// createMemberAPI serves POST /api/v1/admin/staff with
// {"email","role","password"}.
func (d *Desk) createMemberAPI(c *gin.Context) {
	var req struct {
		Email    string `json:"email"`
		Role     string `json:"role"`
		Password string `json:"password"`
	}
	if err := kit.DecodeJSON(c, &req); err != nil {
		d.APIError(c, err)
		return
	}
	m, err := d.auth().CreateMember(c.Request.Context(), kit.Actor(c), req.Email, staff.Role(req.Role), req.Password)
	d.answerJSON(c, http.StatusCreated, toMemberJSON(m), err)
}

// updateMemberAPI serves PATCH /api/v1/admin/staff/:id with
// {"role","disabled"}.
func (d *Desk) updateMemberAPI(c *gin.Context) {
	id, err := kit.IDParam(c, staff.ErrNotFound)
	if err != nil {
		d.APIError(c, err)
		return
	}
	var req struct {
		Role     *staff.Role `json:"role"`
		Disabled *bool       `json:"disabled"`
	}
	if err := kit.DecodeJSON(c, &req); err != nil {
		d.APIError(c, err)
		return
	}
	m, err := d.updateMember(c.Request.Context(), c, id, req.Role, req.Disabled)
	d.answerJSON(c, http.StatusOK, toMemberJSON(m), err)
}
