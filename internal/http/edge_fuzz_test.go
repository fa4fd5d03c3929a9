package http_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/advocacy/advocacy/internal/app"
	"github.com/advocacy/advocacy/internal/config"
	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
	"github.com/advocacy/advocacy/internal/tooling/stripetest"
)

// edgeMethods are the methods the fuzzer picks from for its free request.
var edgeMethods = []string{http.MethodGet, http.MethodPost, http.MethodHead, http.MethodPut,
	http.MethodDelete, http.MethodPatch, http.MethodOptions}

// edgeContentTypes are the content types the fuzzer picks from for bodies;
// the first, "", means each route's own (a form, or JSON for the API).
var edgeContentTypes = []string{"", "application/x-www-form-urlencoded", "application/json",
	"application/json; charset=utf-8", "text/plain", "none", "multipart/form-data; boundary=x",
	`application/json; charset="`}

// edge is one server for a whole fuzz run: a published campaign, petition
// and release, a form token, and an admin's API token.
type edge struct {
	client    *apptest.Client
	base      string
	slug      string // the release's
	petition  string // the petition's id
	formToken string
	bearer    string
	donations bool // false when no stripe-mock was found: donating answers 503 donations_disabled
}

func startEdge(f *testing.F) *edge {
	f.Helper()
	e := &edge{donations: true}
	mock, err := stripetest.StartMock()
	switch {
	case errors.Is(err, stripetest.ErrNoMock) && !stripetest.MissingIsFatal():
		e.donations = false
	case err != nil:
		f.Fatal(err)
	default:
		f.Cleanup(mock.Close)
	}
	// Failed logins must not lock the fuzzer out of the password check.
	authOpts := staff.AuthOptions{Passwords: apptest.CheapPasswords,
		Throttle: staff.ThrottlePolicy{MaxPerAccount: 1 << 30, MaxPerAddress: 1 << 30}}
	_, db := pkgDB.Fresh(f)
	srv := apptest.Start(f, db, apptest.Options{
		Config: func(c *config.Config) {
			if e.donations {
				c.StripeSecretKey, c.StripeAPIBase, c.StripeWebhookSecret = "sk_test_123", mock.URL, "whsec_test"
			}
		},
		App: app.Options{StaffAuth: authOpts},
	})
	fx := apptest.Seed(f, db, nil)
	auth, err := staff.NewAuth(db.Staff(), authOpts)
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	admin, err := auth.CreateMember(ctx, staff.CommandLine(), "fuzz-admin@example.org", staff.RoleAdmin,
		"correct horse battery staple")
	if err != nil {
		f.Fatal(err)
	}
	if e.bearer, _, err = auth.IssueToken(ctx, staff.CommandLine(), admin.ID, "fuzz"); err != nil {
		f.Fatal(err)
	}
	e.client, e.base = srv.Client(f), srv.URL
	e.slug, e.petition = fx.Release.Slug, strconv.FormatInt(fx.Petition.ID, 10)
	e.formToken = e.client.FormToken("/releases/" + e.slug)
	return e
}

// edgeRequest is one request of a fuzz input.
type edgeRequest struct {
	method, target string
	json           bool // a JSON route: its own content type is application/json
	form           bool // a form route: the body gets the form token first
	body           []byte
	bearer         bool
}

// requests are what one fuzz input sends: text in every slug, id and query
// value of the public and staff routes (percent-encoded, and also raw where
// Go's client can send it), body to each route that reads one, and the
// whole input as one request of the chosen method.
func (e *edge) requests(method byte, text, query string, body []byte) []edgeRequest {
	var reqs []edgeRequest
	// inPath sends target with text percent-encoded, then raw.
	inPath := func(r edgeRequest, format string) {
		encoded := fmt.Sprintf(format, url.PathEscape(text))
		raw := fmt.Sprintf(format, text)
		r.target = encoded
		reqs = append(reqs, r)
		if raw != encoded && e.sendable(raw) {
			r.target = raw
			reqs = append(reqs, r)
		}
	}
	inQuery := func(r edgeRequest, prefix string) {
		encoded := prefix + url.QueryEscape(query)
		raw := prefix + query
		r.target = encoded
		reqs = append(reqs, r)
		if raw != encoded && e.sendable(raw) {
			r.target = raw
			reqs = append(reqs, r)
		}
	}
	get := edgeRequest{method: http.MethodGet}
	inPath(get, "/releases/%s")
	inPath(get, "/campaigns/%s")
	inPath(get, "/releases/%s/thanks")
	inPath(get, "/api/v1/releases/%s")
	inPath(get, "/api/v1/campaigns/%s")
	inPath(get, "/api/v1/petitions/%s")
	form := edgeRequest{method: http.MethodPost, form: true, body: body}
	inPath(form, "/releases/%s/sign")
	inPath(form, "/releases/%s/donate")
	inPath(edgeRequest{method: http.MethodPost, json: true, body: body}, "/api/v1/petitions/%s/signatures")

	inQuery(get, "/donations/thanks?session_id=")
	staffGet := edgeRequest{method: http.MethodGet, bearer: true}
	inQuery(staffGet, "/api/v1/admin/donations?campaign=")
	inQuery(staffGet, "/api/v1/admin/audit?entity=")
	inQuery(staffGet, "/api/v1/admin/giftaid.csv?x=")

	// The body, to the real release, petition and login.
	reqs = append(reqs,
		edgeRequest{method: http.MethodPost, target: "/releases/" + e.slug + "/sign", form: true, body: body},
		edgeRequest{method: http.MethodPost, target: "/releases/" + e.slug + "/donate", form: true, body: body},
		edgeRequest{method: http.MethodPost, target: "/api/v1/petitions/" + e.petition + "/signatures", json: true, body: body},
		edgeRequest{method: http.MethodPost, target: "/admin/login", form: true, body: body})

	// Everything at once, with the chosen method, to whatever route it names.
	free := edgeRequest{method: edgeMethods[int(method)%len(edgeMethods)], form: true, body: body}
	segments := strings.Split(strings.TrimPrefix(text, "/"), "/")
	for i, s := range segments {
		segments[i] = url.PathEscape(s)
	}
	free.target = "/" + strings.Join(segments, "/") + "?" + url.QueryEscape(query) + "=" + url.QueryEscape(query)
	reqs = append(reqs, free)
	if raw := "/" + strings.TrimPrefix(text, "/") + "?" + query; e.sendable(raw) {
		free.target = raw
		reqs = append(reqs, free)
	}
	return reqs
}

// sendable reports whether Go's client takes target as it is: it refuses
// control characters and malformed percent escapes.
func (e *edge) sendable(target string) bool {
	_, err := url.Parse(e.base + target)
	return err == nil
}

// send sends r with body in contentType and returns the answer.
func (e *edge) send(t *testing.T, r edgeRequest, contentType byte) apptest.Response {
	t.Helper()
	body := r.body
	ct := edgeContentTypes[int(contentType)%len(edgeContentTypes)]
	if ct == "" {
		ct = "application/x-www-form-urlencoded"
		if r.json {
			ct = "application/json"
		}
	}
	if r.form {
		body = append([]byte("csrf_token="+url.QueryEscape(e.formToken)+"&"), body...)
	}
	var header []string
	if ct != "none" {
		header = append(header, "Content-Type", ct)
	}
	if r.bearer {
		header = append(header, "Authorization", "Bearer "+e.bearer)
	}
	res, err := e.client.Try(r.method, r.target, bytes.NewReader(body), header...)
	if err != nil && unparsableTarget(r.target) && (errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.EOF) ||
		errors.Is(err, io.ErrUnexpectedEOF)) {
		// net/http answers a request line it cannot parse with a plain 400
		// and closes the connection at once; with the body still unread
		// the close is a reset, which can reach the client before the 400.
		// Either way the server refused it at the edge.
		return apptest.Response{Status: http.StatusBadRequest}
	}
	if err != nil {
		t.Fatalf("%s %q: %v", r.method, r.target, err)
	}
	return res
}

// unparsableTarget reports a request target no HTTP/1.1 request line can
// carry: a space or a control character, sent raw.
func unparsableTarget(target string) bool {
	return strings.ContainsFunc(target, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

// leakProbe records whether AssertNoLeak would find something.
type leakProbe struct {
	testing.TB
	found bool
}

func (p *leakProbe) Helper()               {}
func (p *leakProbe) Error(...any)          { p.found = true }
func (p *leakProbe) Errorf(string, ...any) { p.found = true }
func (p *leakProbe) Fatal(...any)          { p.found = true }
func (p *leakProbe) Fatalf(string, ...any) { p.found = true }

// echoesLeakText reports whether an answer that shows the input back (a
// form kept as typed) could hold text that AssertNoLeak takes for a leaked
// database error or stack: the input holds such text, as sent or decoded.
func echoesLeakText(t *testing.T, inputs ...string) bool {
	probe := &leakProbe{TB: t}
	for _, s := range inputs {
		variants := []string{s, strings.Join(strings.Fields(s), " ")}
		if u, err := url.QueryUnescape(s); err == nil {
			variants = append(variants, u, strings.Join(strings.Fields(u), " "))
		}
		for _, v := range variants {
			apptest.AssertNoLeak(probe, v)
		}
	}
	return probe.found
}

// FuzzPublicEdge sends hostile text in every place a request carries it,
// to the routes the issue on bad input named, and checks that no answer is
// a 5xx and none shows a database error or a stack.
//
// The input: a method for the free request (an index into edgeMethods),
// text for slugs, ids and paths, text for query values, a body, and its
// content type (an index into edgeContentTypes; 0: each route's own).
func FuzzPublicEdge(f *testing.F) {
	const (
		get  = 0
		post = 1
		own  = 0 // each route's own content type
	)
	signJSON := func(fields string) []byte {
		return []byte(`{"full_name":"Ada Lovelace","email":"ada@example.org","country":"GB","consent_updates":true` +
			fields + `}`)
	}
	for _, seed := range []struct {
		method      byte
		text, query string
		body        []byte
		contentType byte
	}{
		// Friendly input, so the fuzzer learns the routes' happy paths.
		{get, "release-1", "1", []byte("full_name=Grace+Hopper&email=grace%40example.org&country=GB&consent_updates=yes"), own},
		{post, "api/v1/releases", "page", signJSON(`,"postcode":"N1 9GU","source":"release-1"`), own},
		{get, "", "", []byte("amount=10&gift_aid=yes&gift_aid_first_name=Grace&gift_aid_last_name=Hopper&gift_aid_house=1" +
			"&gift_aid_address=1+High+Street&gift_aid_postcode=SW1A+1AA&gift_aid_confirm=yes"), own},
		// Every request of the issue on bad input. A text goes into every
		// slug and id route: sent raw, "%00" is GET /releases/%00 as the
		// issue wrote it, and /api/v1/releases/%00, /campaigns/%00,
		// /releases/%00/thanks, POST /releases/%00/sign and /donate; "\x00"
		// is sent percent-encoded as the same bytes. A query goes into
		// /donations/thanks?session_id= and the staff API's ?campaign=,
		// ?entity= and giftaid.csv?x=. A body goes to the real release's
		// sign and donate forms, the petition's API and the staff login.
		{get, "%00", "%00", nil, own},
		{get, "\x00", "\x00", nil, own},
		{get, "%ff", "%ff", nil, own},       // /api/v1/campaigns/%ff
		{get, "%c0%af", "%c0%af", nil, own}, // /releases/%c0%af
		{get, "\xc0\xaf", "\xff", nil, own}, // the same, as bytes
		{get, "", "", signJSON(`,"source":"\u0000"`), own},
		{post, "admin/login", "", []byte("email=a%00%40b.org&password=correct+horse+battery+staple"), own},
		{get, "", "", []byte("amount=%zz"), own},
		{get, "", "", []byte("{\"full_name\":\"\xff\xfeA\",\"email\":\"a@x.org\",\"country\":\"GB\",\"consent_updates\":true}"), own},
		{get, "", "", []byte(`{"email":"a@x.org","email":"b@x.org","full_name":"Ada","country":"GB","consent_updates":true}`), own},
		{get, "", "", []byte(`{"full_name":"Ada","email":"a@[127.0.0.1]","country":"GB","consent_updates":true}`), own},
		{get, "", "", []byte(`{"full_name":"Ada","email":"a@-x.org","country":"GB","consent_updates":true}`), own},
		{get, "", "", []byte("full_name=Ada&email=a%40%5B127.0.0.1%5D&country=GB&consent_updates=yes"), own},
		{get, "", "", []byte("full_name=Ada&email=a%40-x.org&country=GB&consent_updates=yes"), own},
		{get, "", "", []byte("amount=10&gift_aid=yes&gift_aid_first_name=%1B%5B31m&gift_aid_last_name=Hopper" +
			"&gift_aid_house=1&gift_aid_address=1+High+Street&gift_aid_postcode=SW1A+1AA&gift_aid_confirm=yes"), own},
		// Beyond the issue: keys the JSON decoder folds together, a C1
		// control in an email, the wrong content types.
		{get, "", "", signJSON(`,"source":"release-1","\u017fource":"x"`), own},
		{get, "", "", []byte("full_name=Ada&email=a%C2%85b%40x.org&country=GB&consent_updates=yes"), own},
		{get, "", "", signJSON(""), 1},
		{get, "", "", signJSON(""), 7},
		{4, "releases", "a=1;b=2", []byte("a=%"), 6}, // DELETE, a malformed query, form and content type
	} {
		f.Add(seed.method, seed.text, seed.query, seed.body, seed.contentType)
	}
	e := startEdge(f)
	f.Fuzz(func(t *testing.T, method byte, text, query string, body []byte, contentType byte) {
		checkLeaks := !echoesLeakText(t, text, query, string(body))
		for _, r := range e.requests(method, text, query, body) {
			res := e.send(t, r, contentType)
			disabled := !e.donations && res.Status == http.StatusServiceUnavailable &&
				(strings.Contains(res.Body, "donations_disabled") || strings.Contains(res.Body, "Donations are not available"))
			if res.Status >= 500 && !disabled {
				t.Errorf("%s %q (%d-byte body): status %d\n%s", r.method, r.target, len(body), res.Status, res.Body)
			}
			if checkLeaks {
				apptest.AssertNoLeak(t, res.Body)
			}
		}
	})
}
