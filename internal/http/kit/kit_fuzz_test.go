package kit

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/config"
)

// fuzzBodyLimit caps the fuzzed bodies, as LimitBody caps real ones, but low
// enough that the fuzzer reaches the 413 answer too.
const fuzzBodyLimit = 4 << 10

// fuzzContext is a gin context for one request with body, read through a
// body limit as the routes read theirs.
func fuzzContext(contentType string, body []byte) *gin.Context {
	w := httptest.NewRecorder()
	c, _ := gin.CreateTestContext(w)
	req := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Body = http.MaxBytesReader(w, req.Body, fuzzBodyLimit)
	c.Request = req
	return c
}

// wantStatus fails unless err classifies to one of statuses.
func wantStatus(t *testing.T, err error, statuses ...int) {
	t.Helper()
	if status, detail := Classify(err); !slices.Contains(statuses, status) {
		t.Fatalf("error %v classifies to %d %s; want one of %v", err, status, detail.Code, statuses)
	}
}

// fuzzBody has a field of each kind the request bodies use. Source, like the
// signing body's, has an "s", which Unicode folds together with "ſ".
type fuzzBody struct {
	Name    string  `json:"name"`
	Email   *string `json:"email"`
	Source  *string `json:"source"`
	Consent bool    `json:"consent"`
	Count   int     `json:"count"`
}

// jsonNames are fuzzBody's keys.
var jsonNames = []string{"name", "email", "source", "consent", "count"}

// twiceNamed returns two keys of the top-level object of body that the
// decoder would both take as the same field of fuzzBody: it matches keys to
// fields by Unicode simple case folding (strings.EqualFold).
func twiceNamed(body []byte) (first, second string, found bool) {
	dec := json.NewDecoder(bytes.NewReader(body))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return "", "", false
	}
	seen := map[string]string{} // field name → the key that named it
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return "", "", false
		}
		key, _ := tok.(string)
		for _, name := range jsonNames {
			if !strings.EqualFold(key, name) {
				continue
			}
			if prev, ok := seen[name]; ok {
				return prev, key, true
			}
			seen[name] = key
		}
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return "", "", false
		}
	}
	return "", "", false
}

// FuzzDecodeJSON checks that a JSON body is refused with 400, 413 or 415 or
// else decoded into text the database can store, and that no field is named
// twice.
func FuzzDecodeJSON(f *testing.F) {
	gin.SetMode(gin.TestMode)
	const ct = "application/json"
	for _, seed := range []struct{ contentType, body string }{
		{ct, `{"name":"Ada Lovelace","email":"ada@example.org","source":"release-1","consent":true,"count":3}`},
		{ct + "; charset=utf-8", `{"name":"Ada"}`},
		// The inputs of the issue on bad input that reach a JSON body.
		{ct, `{"name":"Ada","email":"a@x.org","source":"\u0000"}`},
		{ct, "{\"name\":\"\xff\xfeA\",\"email\":\"a@x.org\"}"},
		{ct, `{"email":"a@x.org","email":"b@x.org","name":"Ada"}`},
		{ct, `{"email":"a@[127.0.0.1]","name":"Ada"}`},
		{ct, `{"email":"a@-x.org","name":"Ada"}`},
		{ct, `{"name":"\u001b[31m"}`},
		// Keys the decoder folds together: case, and Unicode's long s.
		{ct, `{"email":"a@x.org","EMAIL":"b@x.org"}`},
		{ct, "{\"source\":\"release-1\",\"\u017fource\":\"x\"}"},
		{ct, `{"name":{"name":1,"name":2}}`},
		{ct, `{"name":"a\u0000"}`},
		{ct, `{"n\u0000ame":"a"}`},
		{ct, `{"count":"3"}`},
		{ct, `{"count":1e400}`},
		{ct, `{"name":"\ud800"}`},
		{ct, `{} {}`},
		{ct, `{"a":1}}`},
		{ct, `null`},
		{ct, `[]`},
		{ct, ``},
		{ct, `{` + strings.Repeat(`"x":1,`, 1000) + `"y":2}`},
		{"text/plain", `{"name":"Ada"}`},
		{"", `{"name":"Ada"}`},
		{`application/json; charset="`, `{}`},
	} {
		f.Add(seed.contentType, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		var v fuzzBody
		err := DecodeJSON(fuzzContext(contentType, body), &v)
		if err != nil {
			wantStatus(t, err, http.StatusBadRequest, http.StatusRequestEntityTooLarge, http.StatusUnsupportedMediaType)
			return
		}
		for _, s := range []*string{&v.Name, v.Email, v.Source} {
			if s != nil && !Readable(*s) {
				t.Fatalf("decoded %q, which is not readable text", *s)
			}
		}
		if first, second, ok := twiceNamed(body); ok {
			t.Fatalf("keys %q and %q name one field, and the body was accepted", first, second)
		}
	})
}

// FuzzParseForm checks that a form body is refused with 400 or 413, or else
// read into text the database can store.
func FuzzParseForm(f *testing.F) {
	gin.SetMode(gin.TestMode)
	for _, seed := range []string{
		"full_name=Grace+Hopper&email=grace%40example.org&postcode=SW1A+1AA&country=GB&consent_updates=yes",
		// The inputs of the issue on bad input that reach a form body.
		"email=a%00%40b.org&password=correct+horse",
		"amount=%zz",
		"amount=10&gift_aid=yes&gift_aid_first_name=%1B%5B31m&gift_aid_address=1+High+St&gift_aid_postcode=SW1A1AA",
		"email=a%40%5B127.0.0.1%5D",
		"email=a%40-x.org",
		"full_name=%FF%FEA",
		"%00=x",
		"x=%c0%af",
		"a=1;b=2",
		"a=%",
		"&&==&",
		strings.Repeat("a=b&", 2000),
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		c := fuzzContext("application/x-www-form-urlencoded", body)
		if err := ParseForm(c); err != nil {
			wantStatus(t, err, http.StatusBadRequest, http.StatusRequestEntityTooLarge)
			return
		}
		for key, values := range c.Request.PostForm {
			if !Readable(key) {
				t.Fatalf("form key %q is not readable text", key)
			}
			for _, s := range values {
				if !Readable(s) {
					t.Fatalf("form value %s=%q is not readable text", key, s)
				}
			}
		}
	})
}

// FuzzRejectUnreadable checks that a request whose path or query holds a
// NUL byte or bytes that are not UTF-8 is refused, with 404 or 400, before
// any handler runs, and that nothing in the path or query makes a 5xx.
func FuzzRejectUnreadable(f *testing.F) {
	gin.SetMode(gin.TestMode)
	k, err := New(config.Config{}, slog.New(slog.DiscardHandler))
	if err != nil {
		f.Fatal(err)
	}
	r := gin.New()
	r.Use(k.RejectUnreadable())
	r.Any("/*path", func(c *gin.Context) { c.String(http.StatusOK, "ok") })
	for _, seed := range []struct{ path, query string }{
		{"/releases/release-1", ""},
		{"/api/v1/releases", "page=2"},
		// The paths and queries of the issue on bad input.
		{"/releases/%00", ""},
		{"/api/v1/releases/%00", ""},
		{"/api/v1/campaigns/%ff", ""},
		{"/releases/%c0%af", ""},
		{"/campaigns/%00", ""},
		{"/releases/%00/thanks", ""},
		{"/releases/%00/sign", ""},
		{"/releases/%00/donate", ""},
		{"/donations/thanks", "session_id=%00"},
		{"/api/v1/admin/donations", "campaign=%00"},
		{"/api/v1/admin/audit", "entity=%00"},
		{"/api/v1/admin/giftaid.csv", "x=%00"},
		{"/releases/\xff", ""},
		{"/", "%00=x"},
		{"/", "x=%ff&y=1"},
		{"/", "x=%zz&y=%00"},
		{"/", "a=1;b=%00"},
		{"", ""},
		{"", "\xc7"},
	} {
		f.Add(seed.path, seed.query)
	}
	f.Fuzz(func(t *testing.T, rawPath, rawQuery string) {
		path, err := url.PathUnescape(rawPath)
		if err != nil {
			return // net/http answers 400 itself and never hands such a request on
		}
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.URL.Path, req.URL.RawPath, req.URL.RawQuery = path, rawPath, rawQuery
		w := httptest.NewRecorder()
		r.ServeHTTP(w, req)
		if w.Code >= 500 {
			t.Fatalf("path %q, query %q: status %d", rawPath, rawQuery, w.Code)
		}
		if !strings.HasPrefix(path, "/") {
			// Only an absolute-form target ("GET http://host?q") gets here
			// without a leading slash, with an empty path; gin redirects it
			// to "/" before any middleware or handler runs.
			return
		}
		values, _ := url.ParseQuery(rawQuery)
		if (!Readable(path) || !readableValues(values)) && w.Code != http.StatusNotFound && w.Code != http.StatusBadRequest {
			t.Fatalf("path %q, query %q: status %d; want 404 or 400 for unreadable text", rawPath, rawQuery, w.Code)
		}
	})
}
