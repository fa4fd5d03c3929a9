package apptest

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
)

// Client talks to a Server as a browser or script would: it keeps cookies
// and never follows redirects, so tests see each answer.
//
// Every request it sends under /api/v1 (but the OpenAPI document itself),
// and the answer to it, is checked against the OpenAPI document: an answer
// the document does not describe fails the test (see Contract.Check).
type Client struct {
	t        testing.TB
	base     string
	http     *http.Client
	bearer   string
	contract *Contract
}

// Client returns a new client with an empty cookie jar.
func (s *Server) Client(t testing.TB) *Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{
		Jar:           jar,
		Transport:     &http.Transport{MaxIdleConnsPerHost: 100},
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(c.CloseIdleConnections)
	return &Client{t: t, base: s.URL, http: c, contract: s.Contract}
}

// Response is a finished request: status, headers and the whole body.
type Response struct {
	Status int
	Header http.Header
	Body   string
}

// JSON decodes the body as one JSON object.
func (r Response) JSON(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Body), &m); err != nil {
		t.Fatalf("body is not a JSON object: %v\n%s", err, r.Body)
	}
	return m
}

// Bearer makes the client send token as a bearer token with every
// request, as an integration does; with "" it sends none. It returns c.
func (c *Client) Bearer(token string) *Client {
	c.bearer = token
	return c
}

// Cookie returns the value of the cookie name that the client sends with a
// request for path, or "" if it has none.
func (c *Client) Cookie(path, name string) string {
	u, err := url.Parse(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	for _, ck := range c.http.Jar.Cookies(u) {
		if ck.Name == name {
			return ck.Value
		}
	}
	return ""
}

// SetCookie puts ck in the jar as though the server had set it in its
// answer to a request for path.
func (c *Client) SetCookie(path string, ck *http.Cookie) {
	u, err := url.Parse(c.base + path)
	if err != nil {
		c.t.Fatal(err)
	}
	c.http.Jar.SetCookies(u, []*http.Cookie{ck})
}

// Do sends a request; header holds name, value pairs. An exchange under
// /api/v1 that the OpenAPI document does not describe fails the test.
func (c *Client) Do(method, path string, body io.Reader, header ...string) Response {
	c.t.Helper()
	res, err := c.Try(method, path, body, header...)
	if err != nil {
		c.t.Fatal(err)
	}
	return res
}

// Try is Do for other goroutines than the test's: it returns the error,
// and an answer the OpenAPI document does not describe is an error too
// (returned with the answer).
func (c *Client) Try(method, path string, body io.Reader, header ...string) (Response, error) {
	res, sent, err := c.send(method, path, body, header...)
	if err != nil {
		return Response{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return Response{}, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	out := Response{Status: res.StatusCode, Header: res.Header, Body: string(b)}
	return out, c.checkContract(res, sent, b, false)
}

// Open sends a request and returns the answer with its body unread, for a
// test that reads the body as it streams; the caller closes the body. Its
// status, headers and content type are checked against the OpenAPI
// document (not its body): when they do not match, Open closes the body
// and returns the error.
func (c *Client) Open(method, path string, body io.Reader, header ...string) (*http.Response, error) {
	res, sent, err := c.send(method, path, body, header...)
	if err != nil {
		return nil, err
	}
	if err := c.checkContract(res, sent, nil, true); err != nil {
		res.Body.Close()
		return nil, err
	}
	return res, nil
}

// send sends a request; the body it returns keeps a copy of what was sent
// (nil without a body).
func (c *Client) send(method, path string, body io.Reader, header ...string) (*http.Response, *capturedBody, error) {
	req, err := http.NewRequest(method, c.base+path, body)
	if err != nil {
		return nil, nil, err
	}
	if c.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.bearer)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	var sent *capturedBody
	if req.Body != nil && req.Body != http.NoBody {
		// The length and GetBody that NewRequest took from body stay as
		// they were, so the request goes out exactly as before.
		sent = &capturedBody{r: req.Body, length: req.ContentLength}
		req.Body = sent
	}
	res, err := c.http.Do(req)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return res, sent, nil
}

// checkContract returns an error for an exchange under /api/v1 that the
// OpenAPI document does not describe.
func (c *Client) checkContract(res *http.Response, sent *capturedBody, body []byte, unread bool) error {
	if c.contract == nil || !strings.HasPrefix(res.Request.URL.Path, APIPrefix) || refusedByHTTPServer(res, body) {
		return nil
	}
	ex := Exchange{Method: res.Request.Method, URL: res.Request.URL, RequestHeader: res.Request.Header,
		RequestBodyKnown: true, Status: res.StatusCode, Header: res.Header, Body: body, BodyUnread: unread}
	if sent != nil {
		ex.RequestBody, ex.RequestBodyKnown = sent.sent()
	}
	if err := c.contract.Check(context.Background(), ex); err != nil {
		return fmt.Errorf("OpenAPI contract: %w", err)
	}
	return nil
}

// refusedByHTTPServer reports net/http's own answer to a request it could
// not parse (a space or a control byte in the request line, headers too
// large): "400 Bad Request" in plain text on a closed connection, written
// before any route runs, so no route's document applies to it.
func refusedByHTTPServer(res *http.Response, body []byte) bool {
	return res.StatusCode >= 400 && res.StatusCode < 500 && res.Close &&
		res.Header.Get("Content-Type") == "text/plain; charset=utf-8" &&
		string(body) == strconv.Itoa(res.StatusCode)+" "+http.StatusText(res.StatusCode)
}

// Get sends a GET.
func (c *Client) Get(path string, header ...string) Response {
	c.t.Helper()
	return c.Do(http.MethodGet, path, nil, header...)
}

// PostJSON posts body (marshalled unless it is a string) as application/json.
func (c *Client) PostJSON(path string, body any, header ...string) Response {
	c.t.Helper()
	return c.SendJSON(http.MethodPost, path, body, header...)
}

// SendJSON sends body (marshalled unless it is a string) as
// application/json with method.
func (c *Client) SendJSON(method, path string, body any, header ...string) Response {
	c.t.Helper()
	raw, ok := body.(string)
	if !ok {
		b, err := json.Marshal(body)
		if err != nil {
			c.t.Fatal(err)
		}
		raw = string(b)
	}
	header = append([]string{"Content-Type", "application/json"}, header...)
	return c.Do(method, path, strings.NewReader(raw), header...)
}

// PostForm posts form as a browser form, with extra headers.
func (c *Client) PostForm(path string, form url.Values, header ...string) Response {
	c.t.Helper()
	header = append([]string{"Content-Type", "application/x-www-form-urlencoded"}, header...)
	return c.Do(http.MethodPost, path, strings.NewReader(form.Encode()), header...)
}

var csrfField = regexp.MustCompile(`name="csrf_token" value="([^"]+)"`)

// FormToken loads page, as a browser would before posting its form, and
// returns the form's CSRF token (the cookie lands in the jar).
func (c *Client) FormToken(page string) string {
	c.t.Helper()
	res := c.Get(page)
	if res.Status != http.StatusOK {
		c.t.Fatalf("GET %s: status %d", page, res.Status)
	}
	return res.FormToken(c.t)
}

// FormToken returns the CSRF token of the form on the page r holds.
func (r Response) FormToken(t testing.TB) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(r.Body)
	if m == nil {
		t.Fatalf("the page has no csrf_token field (status %d):\n%s", r.Status, r.Body)
	}
	return html.UnescapeString(m[1])
}

// seedN makes slugs unique across a package's tests.
var seedN atomic.Int64

// Fixture is a published campaign with a petition and a release.
type Fixture struct {
	Campaign campaign.Campaign
	Petition petition.Petition
	Release  campaign.Release
}

// Seed stores a published campaign, open petition and published release
// with unique slugs, after change (if any) has adjusted them.
func Seed(t testing.TB, db *postgres.DB, change func(*postgres.SeedSet)) Fixture {
	t.Helper()
	n := seedN.Add(1)
	published := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
	set := postgres.SeedSet{
		Campaign: campaign.Campaign{Slug: fmt.Sprintf("campaign-%d", n), Title: fmt.Sprintf("Campaign %d", n),
			Summary: "End forced labour in supply chains.", Target: "UK Government",
			Status: campaign.StatusActive, Currency: "GBP"},
		Petition: petition.Petition{Slug: fmt.Sprintf("petition-%d", n), Title: fmt.Sprintf("Petition %d", n),
			Ask: "Pass a law that makes companies check their supply chains.", Target: "Parliament",
			Goal: 1000, Status: petition.StatusOpen},
		Release: campaign.Release{Slug: fmt.Sprintf("release-%d", n), Title: fmt.Sprintf("Release %d", n),
			Summary: "A summary of the release.", Body: "First paragraph with **bold** words.\n\nWomen's rights are human rights.",
			Status: campaign.ReleasePublished, PublishedAt: &published},
	}
	if change != nil {
		change(&set)
	}
	out, err := db.Seed(context.Background(), set)
	if err != nil {
		t.Fatal(err)
	}
	return Fixture{Campaign: out.Campaign, Petition: out.Petition, Release: out.Release}
}

// PublishedAt makes Seed publish the release at at.
func PublishedAt(at time.Time) func(*postgres.SeedSet) {
	return func(s *postgres.SeedSet) { s.Release.PublishedAt = &at }
}

// Exec runs SQL against db, for state the stores cannot make (drafts,
// closed petitions).
func Exec(t testing.TB, db *postgres.DB, query string, args ...any) {
	t.Helper()
	if _, err := db.SQL().ExecContext(context.Background(), query, args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

// Stored returns the number of counted signature rows (pending ones await
// confirmation and are not counted) and the stored count of a petition.
func Stored(t testing.TB, db *postgres.DB, petitionID int64) (rows, count int64) {
	t.Helper()
	err := db.SQL().QueryRowContext(context.Background(), `
		SELECT (SELECT count(*) FROM signatures WHERE petition_id = $1 AND state = 'counted'),
		       (SELECT signature_count FROM petition_counts WHERE petition_id = $1)`, petitionID).Scan(&rows, &count)
	if err != nil {
		t.Fatal(err)
	}
	return rows, count
}

// AssertStored fails unless the petition has want rows and a count of want.
func AssertStored(t testing.TB, db *postgres.DB, petitionID, want int64) {
	t.Helper()
	rows, count := Stored(t, db, petitionID)
	if rows != want || count != want {
		t.Errorf("petition %d: %d rows, count %d; want %d of each", petitionID, rows, count, want)
	}
}

// leaks are texts that would show a database error or a panic reaching a
// client.
var leaks = []string{"SQLSTATE", "pq:", "pgx", "pgconn", "goroutine", ".go:", "gorm", "SELECT ", "INSERT ",
	"dial tcp", "failed to connect", "connection refused", "database is closed"}

// formTokenValue is a form token as a page carries it: random base64, which
// can spell a leak's name by chance ("bYpgxw…").
var formTokenValue = regexp.MustCompile(`name="(?:csrf_token|embed_token)" value="[^"]*"`)

// AssertNoLeak fails if body shows a database error or a stack. The random
// form tokens a page carries are not read.
func AssertNoLeak(t testing.TB, body string) {
	t.Helper()
	text := formTokenValue.ReplaceAllString(body, "")
	for _, l := range leaks {
		if strings.Contains(text, l) {
			t.Errorf("response leaks %q:\n%s", l, body)
		}
	}
}

// AssertAPIError checks the one error shape:
// {"error":{"code","message","fields"}}. wantFields, when given, are exactly
// the fields that must be named. It returns the error object.
func AssertAPIError(t testing.TB, res Response, status int, code string, wantFields ...string) map[string]any {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d; body %s", res.Status, status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type %q, want application/json", ct)
	}
	AssertNoLeak(t, res.Body)
	body := res.JSON(t)
	if len(body) != 1 {
		t.Errorf("error body has keys other than \"error\": %s", res.Body)
	}
	detail, ok := body["error"].(map[string]any)
	if !ok {
		t.Fatalf("no error object: %s", res.Body)
	}
	if detail["code"] != code {
		t.Errorf("code %v, want %q", detail["code"], code)
	}
	if msg, _ := detail["message"].(string); msg == "" {
		t.Errorf("no message: %s", res.Body)
	}
	for k := range detail {
		if k != "code" && k != "message" && k != "fields" {
			t.Errorf("unexpected key %q in error: %s", k, res.Body)
		}
	}
	fields, _ := detail["fields"].(map[string]any)
	if len(wantFields) > 0 || fields != nil {
		got := map[string]bool{}
		for f, msg := range fields {
			got[f] = true
			if s, _ := msg.(string); s == "" {
				t.Errorf("field %s has no message", f)
			}
		}
		want := map[string]bool{}
		for _, f := range wantFields {
			want[f] = true
		}
		if len(got) != len(want) {
			t.Errorf("fields %v, want %v", fields, wantFields)
		}
		for f := range want {
			if !got[f] {
				t.Errorf("fields %v, want %v", fields, wantFields)
			}
		}
	}
	return detail
}

// SignBody is a valid API signing body for email.
func SignBody(email string) map[string]any {
	return map[string]any{"full_name": "Ada Lovelace", "email": email, "postcode": "N1 9GU",
		"country": "GB", "consent_updates": true}
}

// SignForm is a valid browser sign form for email with token.
func SignForm(token, email string) url.Values {
	return url.Values{"csrf_token": {token}, "full_name": {"Grace Hopper"}, "email": {email},
		"postcode": {"SW1A 1AA"}, "country": {"GB"}, "consent_updates": {"yes"}}
}

// SignaturesPath is the API route that signs petition petitionID.
func SignaturesPath(petitionID int64) string {
	return fmt.Sprintf("/api/v1/petitions/%d/signatures", petitionID)
}

// AssertPage checks an HTML answer: its status, its content type, that it
// contains each of contains, and that it leaks nothing.
func AssertPage(t testing.TB, res Response, status int, contains ...string) {
	t.Helper()
	if res.Status != status {
		t.Fatalf("status %d, want %d\n%s", res.Status, status, res.Body)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("Content-Type %q, want text/html; charset=utf-8", ct)
	}
	for _, s := range contains {
		if !strings.Contains(res.Body, s) {
			t.Errorf("page lacks %q\n%s", s, res.Body)
		}
	}
	AssertNoLeak(t, res.Body)
}
