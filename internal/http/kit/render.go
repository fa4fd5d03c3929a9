package kit

import (
	"bytes"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/donation"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/web"
)

// templateFuncs are available to every template.
var templateFuncs = template.FuncMap{
	"date": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format("2 January 2006")
	},
	"isodate": func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	},
	"count": FormatCount,
	// money writes minor units of a currency for people: "£10.50".
	"money":      func(minor int64, currency string) string { return donation.Format(minor, currency, false) },
	"pathEscape": func(s string) string { return strings.ReplaceAll(template.URLQueryEscaper(s), "+", "%20") },
}

// FormatCount writes n with thousands separators: 12345 → "12,345".
func FormatCount(n int64) string {
	s := strconv.FormatInt(n, 10)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var b strings.Builder
	for i, r := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(r)
	}
	if neg {
		return "-" + b.String()
	}
	return b.String()
}

// parsePages parses every page under web/templates with the shared layout
// and partials. Files under partials/ define shared blocks; layout.html
// wraps pages.
// A page's name is its path below templates/ without .html ("release",
// "admin/login").
func parsePages() (map[string]*template.Template, error) {
	root, err := fs.Sub(web.FS, "templates")
	if err != nil {
		return nil, err
	}
	var partials, pages []string
	err = fs.WalkDir(root, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".html" {
			return err
		}
		base := path.Base(p)
		switch {
		case base == "layout.html":
		case strings.HasPrefix(p, "partials/"):
			partials = append(partials, p)
		default:
			pages = append(pages, p)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	out := make(map[string]*template.Template, len(pages))
	for _, p := range pages {
		files := append([]string{"layout.html"}, partials...)
		files = append(files, p)
		t, err := template.New("layout.html").Funcs(templateFuncs).ParseFS(root, files...)
		if err != nil {
			return nil, fmt.Errorf("page %s: %w", p, err)
		}
		out[strings.TrimSuffix(p, ".html")] = t
	}
	return out, nil
}

// StaticFS serves web/static, files only: a folder is not found rather
// than listed.
func StaticFS() http.FileSystem {
	sub, err := fs.Sub(web.FS, "static")
	if err != nil {
		panic(err) // the directory is embedded at build time
	}
	return filesOnly{http.FS(sub)}
}

// filesOnly is a file system whose folders cannot be opened.
type filesOnly struct{ http.FileSystem }

func (f filesOnly) Open(name string) (http.File, error) {
	file, err := f.FileSystem.Open(name)
	if err != nil {
		return nil, err
	}
	if info, err := file.Stat(); err != nil || info.IsDir() {
		_ = file.Close()
		return nil, fs.ErrNotExist
	}
	return file, nil
}

// Page is what every page template receives: its own data under .Data, plus
// what the layout needs.
type Page struct {
	Title       string
	Description string
	CSRFToken   string
	// Staff is the signed-in staff member on admin pages (nil elsewhere);
	// the layout shows them the staff navigation.
	Staff *staff.Member
	// StaffStyles loads the staff pages' stylesheet: every admin/ page,
	// the login form included, whoever is signed in.
	StaffStyles bool
	Data        any
}

// Render executes a page into a buffer first, so a template error becomes a
// clean 500 instead of half a page. Admin pages get the signed-in member.
func (k *Kit) Render(c *gin.Context, status int, name string, page Page) {
	if page.CSRFToken == "" {
		page.CSRFToken = k.CSRFToken(c)
	}
	if m, ok := StaffFrom(c); ok && page.Staff == nil && strings.HasPrefix(name, "admin/") {
		page.Staff = &m
	}
	page.StaffStyles = page.StaffStyles || strings.HasPrefix(name, "admin/")
	body, err := k.RenderBytes(name, page)
	if err != nil {
		k.Logger.ErrorContext(c.Request.Context(), "render", "template", name, "err", err)
		c.AbortWithStatus(http.StatusInternalServerError)
		return
	}
	c.Header("Cache-Control", "no-store")
	c.Data(status, "text/html; charset=utf-8", body)
}

// RenderBytes executes a page into memory.
func (k *Kit) RenderBytes(name string, page Page) ([]byte, error) {
	t, ok := k.pages[name]
	if !ok {
		return nil, fmt.Errorf("no such template %q", name)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, page); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// errorPage is the data of the friendly error page.
type errorPage struct {
	Status  int
	Heading string
	Message string
}

// Fail answers with err: the JSON error shape to API callers (see
// WantsJSON), the friendly error page to everyone else.
func (k *Kit) Fail(c *gin.Context, err error) {
	if WantsJSON(c) {
		k.APIError(c, err)
		return
	}
	status, detail := Classify(err)
	k.NoteError(c, status, err)
	suggestRetry(c, detail)
	heading := http.StatusText(status)
	if status == http.StatusNotFound {
		heading = "We can't find that page"
		detail.Message = "The page may have moved, or it isn't published yet. Try the newsroom for our latest releases."
	}
	k.Render(c, status, "error", Page{Title: heading, Data: errorPage{Status: status, Heading: heading, Message: detail.Message}})
	c.Abort()
}

// WantsJSON reports whether an error should be answered in the API's JSON
// shape: always under /api/ and /webhooks/ and for /healthz and /readyz, and on pages
// when the caller accepts application/json but not text/html (a script, not
// a browser navigating).
func WantsJSON(c *gin.Context) bool {
	p := c.Request.URL.Path
	if strings.HasPrefix(p, "/api/") || strings.HasPrefix(p, "/webhooks/") || p == "/healthz" || p == "/readyz" {
		return true
	}
	accept := c.GetHeader("Accept")
	return strings.Contains(accept, "application/json") && !strings.Contains(accept, "text/html")
}

// NotFound answers a route that does not exist.
func (k *Kit) NotFound(c *gin.Context) {
	k.Fail(c, NewError(http.StatusNotFound, CodeNotFound, "Not found."))
}

// MethodNotAllowed answers a route that exists for other methods.
func (k *Kit) MethodNotAllowed(c *gin.Context) {
	k.Fail(c, NewError(http.StatusMethodNotAllowed, CodeMethodNotAllowed, "That method is not allowed here."))
}
