package api

import (
	_ "embed"
	"net/http"

	"github.com/gin-gonic/gin"
)

// openAPIDocument is the OpenAPI 3.1 document of every route under
// /api/v1, public and staff. It is written by hand; the tests keep it true:
// every answer a test receives through apptest is checked against it, and
// every route the router registers under /api/v1 must be in it (and only
// those).
//
//go:embed openapi.json
var openAPIDocument []byte

// OpenAPI returns the OpenAPI 3.1 document of /api/v1, as served at
// GET /api/v1/openapi.json. The caller must not change it.
func OpenAPI() []byte { return openAPIDocument }

// openAPI serves GET /api/v1/openapi.json. Its servers entry is relative
// ("/api/v1"), so the document names no host: clients resolve it against
// wherever they fetched it.
func (a *API) openAPI(c *gin.Context) {
	c.Data(http.StatusOK, "application/json", openAPIDocument)
}
