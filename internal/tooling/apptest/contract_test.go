package apptest_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

const (
	jsonType = "application/json; charset=utf-8"
	petition = `{"id":1,"slug":"ratify","title":"Ratify","ask":"Ratify the convention.","target":"UK Government",` +
		`"campaign":{"slug":"trafficking","title":"Trafficking"},"signature_count":3,"goal":1000,"current_goal":1000,"status":"open","closes_at":null,"verification":"none"`
	notFound = `{"error":{"code":"not_found","message":"Not found."}}`
)

// exchange is a request to target and its answer.
func exchange(t *testing.T, method, target string, reqBody string, status int, contentType, body string) apptest.Exchange {
	t.Helper()
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	ex := apptest.Exchange{Method: method, URL: u, RequestHeader: http.Header{}, RequestBodyKnown: true,
		Status: status, Header: http.Header{}, Body: []byte(body)}
	if reqBody != "" {
		ex.RequestBody = []byte(reqBody)
		ex.RequestHeader.Set("Content-Type", "application/json")
	}
	if contentType != "" {
		ex.Header.Set("Content-Type", contentType)
	}
	return ex
}

// TestContractBites checks that the contract refuses what the document
// does not describe, naming the route, the status and what is wrong, and
// accepts what it does, including the shapes of email verification.
func TestContractBites(t *testing.T) {
	t.Parallel()
	ct, err := apptest.APIContract()
	if err != nil {
		t.Fatal(err)
	}
	sign := `{"full_name":"Ada Lovelace","email":"ada@example.org","country":"GB","consent_updates":true}`
	withRetry := func(ex apptest.Exchange) apptest.Exchange {
		ex.Header.Set("Retry-After", "5")
		return ex
	}
	unread := func(ex apptest.Exchange) apptest.Exchange {
		ex.BodyUnread, ex.Body = true, nil
		ex.Header.Set("Content-Disposition", `attachment; filename="signatures.csv"`)
		return ex
	}
	stats := `{"petition":{"id":1,"campaign_id":1,"slug":"p","title":"P","ask":"A","target":"T","goal":10,"status":"open",` +
		`"closes_at":null,"signature_count":2,"created_at":"2026-01-01T00:00:00Z","updated_at":"2026-01-01T00:00:00Z"%s},` +
		`"total":2,"today":1,"goal":10,"progress_percent":20,"goal_percent":20,"last_hour":1,"rate_per_minute":0.2,` +
		`"rate_window_minutes":5,"yesterday_same_time":0,"opted_in":2,"per_day":[{"date":"2026-01-01","count":2}],` +
		`"per_hour":[],"per_source":[{"source":"direct","release":null,"code":null,"count":2}],` +
		`"per_country":[{"country":"GB","name":"United Kingdom","count":2}]%s}`
	tests := []struct {
		name string
		ex   apptest.Exchange
		// want are the texts the error must hold; none: no error.
		want []string
	}{
		{"a documented answer", exchange(t, "GET", "/api/v1/petitions/1", "", 200, jsonType, petition+"}"), nil},
		{"a required field missing",
			exchange(t, "GET", "/api/v1/petitions/1", "", 200, jsonType, strings.Replace(petition, `"slug":"ratify",`, "", 1)+"}"),
			[]string{"GET /api/v1/petitions/{id}", "answered 200", "slug"}},
		{"a field of the wrong type",
			exchange(t, "GET", "/api/v1/petitions/1", "", 200, jsonType, strings.Replace(petition, `"goal":1000`, `"goal":"1000"`, 1)+"}"),
			[]string{"GET /api/v1/petitions/{id}", "answered 200", "/goal"}},
		{"an undocumented field", exchange(t, "GET", "/api/v1/petitions/1", "", 200, jsonType, petition+`,"secret":1}`),
			[]string{"GET /api/v1/petitions/{id}", "answered 200", "secret"}},
		{"an undocumented status", exchange(t, "GET", "/api/v1/petitions/1", "", 409, jsonType,
			`{"error":{"code":"petition_closed","message":"Closed."}}`),
			[]string{"GET /api/v1/petitions/{id}", "answered 409", "status is not supported"}},
		{"an undocumented content type", exchange(t, "GET", "/api/v1/petitions/1", "", 200, "text/html; charset=utf-8", "<p>hi</p>"),
			[]string{"GET /api/v1/petitions/{id}", "answered 200", "text/html"}},
		{"an error in another shape", exchange(t, "GET", "/api/v1/petitions/1", "", 404, jsonType, `{"message":"Not found."}`),
			[]string{"GET /api/v1/petitions/{id}", "answered 404"}},
		{"an error with another status's code", exchange(t, "GET", "/api/v1/petitions/1", "", 404, jsonType,
			`{"error":{"code":"invalid","message":"Not found."}}`),
			[]string{"GET /api/v1/petitions/{id}", "answered 404", "code"}},
		{"a documented error", exchange(t, "GET", "/api/v1/petitions/1", "", 404, jsonType, notFound), nil},
		{"a 429 without Retry-After", exchange(t, "POST", "/api/v1/petitions/1/signatures", sign, 429, jsonType,
			`{"error":{"code":"rate_limited","message":"Slow down."}}`),
			[]string{"POST /api/v1/petitions/{id}/signatures", "answered 429", "Retry-After"}},
		{"a 429 with Retry-After", withRetry(exchange(t, "POST", "/api/v1/petitions/1/signatures", sign, 429, jsonType,
			`{"error":{"code":"rate_limited","message":"Slow down."}}`)), nil},
		{"a 422 without fields", exchange(t, "POST", "/api/v1/petitions/1/signatures", sign, 422, jsonType,
			`{"error":{"code":"invalid","message":"Some fields need attention."}}`),
			[]string{"answered 422", "fields"}},
		{"a route the document lacks, answered", exchange(t, "GET", "/api/v1/secret", "", 200, jsonType, `{}`),
			[]string{"GET /api/v1/secret answered 200", "no such operation"}},
		{"a route the document lacks, not found", exchange(t, "GET", "/api/v1/secret", "", 404, jsonType, notFound), nil},
		{"a method the route lacks", exchange(t, "DELETE", "/api/v1/petitions/1", "", 405, jsonType,
			`{"error":{"code":"method_not_allowed","message":"That method is not allowed here."}}`), nil},
		{"not found in another shape", exchange(t, "GET", "/api/v1/secret", "", 404, "text/html", "<h1>404</h1>"),
			[]string{"GET /api/v1/secret", "404", "JSON error shape"}},
		{"a request the document refuses, accepted", exchange(t, "POST", "/api/v1/petitions/1/signatures",
			`{"full_name":"Ada"}`, 201, jsonType, `{"status":"recorded","signature_count":1}`),
			[]string{"POST /api/v1/petitions/{id}/signatures", "answered 201", "request the OpenAPI document refuses"}},
		{"a request the document refuses, refused", exchange(t, "POST", "/api/v1/petitions/1/signatures",
			`{"full_name":"Ada"}`, 422, jsonType, `{"error":{"code":"invalid","message":"Fix it.","fields":{"email":"Enter it."}}}`), nil},
		{"a signature recorded", exchange(t, "POST", "/api/v1/petitions/1/signatures", sign, 201, jsonType,
			`{"status":"recorded","signature_count":4}`), nil},
		{"a signature pending confirmation", exchange(t, "POST", "/api/v1/petitions/1/signatures", sign, 202, jsonType,
			`{"status":"pending_confirmation","signature_count":4}`), nil},
		{"a 201 that says pending", exchange(t, "POST", "/api/v1/petitions/1/signatures", sign, 201, jsonType,
			`{"status":"pending_confirmation","signature_count":4}`),
			[]string{"answered 201", "/status"}},
		{"a petition with verification", exchange(t, "GET", "/api/v1/petitions/1", "", 200, jsonType, strings.Replace(petition, `"none"`, `"email"`, 1)+`}`), nil},
		{"a petition with an unknown verification", exchange(t, "GET", "/api/v1/petitions/1", "", 200, jsonType, strings.Replace(petition, `"none"`, `"sms"`, 1)+`}`),
			[]string{"answered 200", "/verification"}},
		{"stats without the verification figures", exchange(t, "GET", "/api/v1/admin/petitions/1/stats", "", 200, jsonType,
			fmt.Sprintf(stats, "", "")), []string{"/petition/verification"}},
		{"stats with verification", exchange(t, "GET", "/api/v1/admin/petitions/1/stats", "", 200, jsonType,
			fmt.Sprintf(stats, `,"verification":"email","pending_count":3`, `,"pending":3,"confirm_rate":0.4`)), nil},
		{"stats without verification", exchange(t, "GET", "/api/v1/admin/petitions/1/stats", "", 200, jsonType,
			fmt.Sprintf(stats, `,"verification":"none","pending_count":0`, `,"pending":0,"confirm_rate":null`)), nil},
		{"a confirm rate over 1", exchange(t, "GET", "/api/v1/admin/petitions/1/stats", "", 200, jsonType,
			fmt.Sprintf(stats, `,"verification":"email","pending_count":3`, `,"pending":0,"confirm_rate":1.5`)),
			[]string{"GET /api/v1/admin/petitions/{id}/stats", "/confirm_rate"}},
		{"a release without a petition", exchange(t, "GET", "/api/v1/releases", "", 200, jsonType,
			`{"releases":[{"slug":"r","title":"R","summary":"S","published_at":"2026-01-01T00:00:00Z",`+
				`"campaign":{"slug":"c","title":"C"},"petition":null}]}`), nil},
		{"a release with a petition", exchange(t, "GET", "/api/v1/releases", "", 200, jsonType,
			`{"releases":[{"slug":"r","title":"R","summary":"S","published_at":null,`+
				`"campaign":{"slug":"c","title":"C"},"petition":`+petition+`}}]}`), nil},
		{"a release list with a body", exchange(t, "GET", "/api/v1/releases", "", 200, jsonType,
			`{"releases":[{"slug":"r","title":"R","summary":"S","body":"B","published_at":null,`+
				`"campaign":{"slug":"c","title":"C"},"petition":null}]}`),
			[]string{"GET /api/v1/releases answered 200", "body"}},
		{"a streamed CSV", unread(exchange(t, "GET", "/api/v1/admin/petitions/1/signatures.csv", "", 200, "text/csv; charset=utf-8", "")), nil},
		{"a streamed export in JSON", unread(exchange(t, "GET", "/api/v1/admin/petitions/1/signatures.csv", "", 200, jsonType, "")),
			[]string{"GET /api/v1/admin/petitions/{id}/signatures.csv", "answered 200", "application/json"}},
		{"the document itself is not checked", exchange(t, "GET", "/api/v1/openapi.json", "", 418, "text/plain", "teapot"), nil},
		{"pages are not checked", exchange(t, "GET", "/admin/petitions/1", "", 200, "text/html", "<p>"), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := ct.Check(context.Background(), tt.ex)
			switch {
			case len(tt.want) == 0 && err != nil:
				t.Errorf("refused: %v", err)
			case len(tt.want) > 0 && err == nil:
				t.Errorf("accepted, want an error holding %q", tt.want)
			case err != nil:
				for _, w := range tt.want {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error lacks %q:\n%v", w, err)
					}
				}
			}
		})
	}
}

// TestClientChecksTheContract checks the hook itself: a Client reports an
// answer the document does not describe, from Try as an error and from
// Open before the test reads the body.
func TestClientChecksTheContract(t *testing.T) {
	t.Parallel()
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/petitions/1":
			w.Header().Set("Content-Type", jsonType)
			_, _ = w.Write([]byte(`{"id":1}`))
		case "/api/v1/admin/petitions/1/signatures.csv":
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte("a,b\n"))
		default:
			w.Header().Set("Content-Type", jsonType)
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(notFound))
		}
	}))
	t.Cleanup(ts.Close)
	ct, err := apptest.APIContract()
	if err != nil {
		t.Fatal(err)
	}
	c := (&apptest.Server{URL: ts.URL, Contract: ct}).Client(t)

	res, err := c.Try(http.MethodGet, "/api/v1/petitions/1", nil)
	if err == nil || !strings.Contains(err.Error(), "GET /api/v1/petitions/{id} answered 200") {
		t.Errorf("Try: %v, want the contract's error", err)
	}
	if res.Status != http.StatusOK || res.Body != `{"id":1}` {
		t.Errorf("Try returned %d %q with its error, want the answer", res.Status, res.Body)
	}
	if _, err := c.Open(http.MethodGet, "/api/v1/admin/petitions/1/signatures.csv", nil); err == nil ||
		!strings.Contains(err.Error(), `"text/plain"`) {
		t.Errorf("Open: %v, want the contract's error", err)
	}
	if res, err := c.Try(http.MethodGet, "/api/v1/nowhere", nil); err != nil || res.Status != http.StatusNotFound {
		t.Errorf("an unknown route answered 404 in the error shape: %d, %v", res.Status, err)
	}
}

// BenchmarkContractCheck measures what checking one exchange adds to a
// test's request: a petition read, a signature (answer and request), and
// an error.
func BenchmarkContractCheck(b *testing.B) {
	ct, err := apptest.APIContract()
	if err != nil {
		b.Fatal(err)
	}
	t := &testing.T{}
	sign := `{"full_name":"Ada Lovelace","email":"ada@example.org","country":"GB","consent_updates":true}`
	for _, bc := range []struct {
		name string
		ex   apptest.Exchange
	}{
		{"petition", exchange(t, "GET", "/api/v1/petitions/1", "", 200, jsonType, petition+"}")},
		{"sign", exchange(t, "POST", "/api/v1/petitions/1/signatures", sign, 201, jsonType, `{"status":"recorded","signature_count":4}`)},
		{"not_found", exchange(t, "GET", "/api/v1/petitions/1", "", 404, jsonType, notFound)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				if err := ct.Check(context.Background(), bc.ex); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
