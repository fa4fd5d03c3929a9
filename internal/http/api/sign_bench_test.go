package api

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
)

// BenchmarkDecodeAndValidateSignRequest is the sign path up to the signer:
// content type, JSON decode, normalisation and validation of every field.
func BenchmarkDecodeAndValidateSignRequest(b *testing.B) {
	body := []byte(`{"full_name":"  Ada   Lovelace ","email":" Ada.Lovelace@Example.ORG ","postcode":"sw1a 1aa",` +
		`"country":"gb","consent_updates":true,"source":"pentameter-2-victims-need-support"}`)
	gin.SetMode(gin.ReleaseMode)
	engine := gin.New()
	rec := httptest.NewRecorder()
	for b.Loop() {
		c := gin.CreateTestContextOnly(rec, engine)
		c.Request = httptest.NewRequest("POST", "/api/v1/petitions/1/signatures", bytes.NewReader(body))
		c.Request.Header.Set("Content-Type", "application/json")
		var req signRequest
		if err := kit.DecodeJSON(c, &req); err != nil {
			b.Fatal(err)
		}
		sig, err := req.input().Validate()
		if err != nil || sig.Email != "ada.lovelace@example.org" {
			b.Fatalf("validate: %+v, %v", sig, err)
		}
	}
}
