package api_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/api"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// ginParam is a gin path parameter, :id or *path.
var ginParam = regexp.MustCompile(`[:*]([A-Za-z0-9_]+)`)

// TestOpenAPIDocument fetches the document, checks that it is a valid
// OpenAPI 3.1 document naming no host, and that it describes exactly the
// routes the router registers under /api/v1: a route added without its
// documentation fails here, and so does documentation of a route that is
// gone.
func TestOpenAPIDocument(t *testing.T) {
	t.Parallel()
	e := start(t)
	res := e.Get("/api/v1/openapi.json")
	if res.Status != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Content-Type %q", res.Status, res.Header.Get("Content-Type"))
	}
	if res.Body != string(api.OpenAPI()) {
		t.Error("the served document is not the embedded one")
	}
	contract, err := apptest.LoadContract(context.Background(), []byte(res.Body))
	if err != nil {
		t.Fatal(err)
	}
	doc := contract.Doc()
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", doc.OpenAPI)
	}
	for _, s := range doc.Servers {
		if u, err := url.Parse(s.URL); err != nil || u.Host != "" || u.Path != "/api/v1" {
			t.Errorf("server %q: want the relative /api/v1, which names no host", s.URL)
		}
	}

	engine, ok := e.server.App.Handler.(*gin.Engine)
	if !ok {
		t.Fatalf("the app's handler is a %T, not the gin engine", e.server.App.Handler)
	}
	var registered []string
	for _, r := range engine.Routes() {
		if path, ok := strings.CutPrefix(r.Path, "/api/v1/"); ok {
			registered = append(registered, r.Method+" /"+ginParam.ReplaceAllString(path, "{$1}"))
		}
	}
	var documented []string
	for path, item := range doc.Paths.Map() {
		for method := range item.Operations() {
			documented = append(documented, method+" "+path)
		}
	}
	slices.Sort(registered)
	slices.Sort(documented)
	for _, r := range registered {
		if !slices.Contains(documented, r) {
			t.Errorf("%s is registered but not in the OpenAPI document", r)
		}
	}
	for _, d := range documented {
		if !slices.Contains(registered, d) {
			t.Errorf("%s is in the OpenAPI document but not registered", d)
		}
	}
	if len(registered) < 30 {
		t.Errorf("only %d routes under /api/v1: %v", len(registered), registered)
	}
}

// TestOpenAPIOperations checks what every operation must say: staff
// operations take the bearer token and answer 401 and 403, public ones
// need no sign-in, and every error answer is the one error shape.
func TestOpenAPIOperations(t *testing.T) {
	t.Parallel()
	contract, err := apptest.APIContract()
	if err != nil {
		t.Fatal(err)
	}
	doc := contract.Doc()
	if s := doc.Components.SecuritySchemes["bearerAuth"]; s == nil || s.Value.Type != "http" || s.Value.Scheme != "bearer" {
		t.Error("no bearerAuth scheme (http, bearer)")
	}
	if s := doc.Components.SecuritySchemes["sessionCookie"]; s == nil || s.Value.Type != "apiKey" || s.Value.In != "cookie" {
		t.Error("no sessionCookie scheme (apiKey in a cookie)")
	}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			staff := strings.HasPrefix(path, "/admin/")
			if op.Security == nil {
				t.Errorf("%s: no security requirement; public operations say [] ", name)
			} else if staff != (len(*op.Security) == 1 && (*op.Security)[0]["bearerAuth"] != nil) {
				t.Errorf("%s: security %v", name, *op.Security)
			}
			for status, res := range op.Responses.Map() {
				if status[0] != '4' && status[0] != '5' {
					continue
				}
				media := res.Value.Content.Get("application/json")
				if media == nil || media.Schema == nil || len(media.Schema.Value.AllOf) == 0 ||
					media.Schema.Value.AllOf[0].Ref != "#/components/schemas/Error" {
					t.Errorf("%s: %s is not the Error schema", name, status)
				}
			}
			want := []string{"400"}
			if path != "/openapi.json" { // the one answer that needs nothing but memory
				want = append(want, "500", "503")
			}
			if staff {
				want = append(want, "401", "403")
			}
			if strings.Contains(path, "{") {
				want = append(want, "404")
			}
			if op.RequestBody != nil {
				want = append(want, "413", "415", "422")
			}
			for _, status := range want {
				if op.Responses.Value(status) == nil {
					t.Errorf("%s: does not document %s", name, status)
				}
			}
		}
	}
}
