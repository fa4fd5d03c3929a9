package site_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/demo"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

// TestHotPathCachesKeepTheContract runs a real server on a real database
// and checks what the sign path's and the release page's caches must not
// change: a closed petition refuses signatures at once, and every visitor
// of a cached page gets a form token of their own that the form accepts.
func TestHotPathCachesKeepTheContract(t *testing.T) {
	_, db := pkgDB.Fresh(t)
	ctx := context.Background()
	set, err := db.Seed(ctx, postgres.SeedSet{Campaign: demo.Campaign(), Petition: demo.Petition(), Release: demo.Release()})
	if err != nil {
		t.Fatal(err)
	}
	ts := apptest.Start(t, db, apptest.Options{})
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	signURL := ts.URL + "/api/v1/petitions/" + strconv.FormatInt(set.Petition.ID, 10) + "/signatures"
	sign := func(email string) (int, string) {
		t.Helper()
		body := `{"full_name":"Ada","email":"` + email + `","country":"GB","consent_updates":true,"source":"` + demo.ReleaseSlug + `"}`
		resp, err := client.Post(signURL, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	rows := func() (count, n int64) {
		t.Helper()
		if err := db.SQL().QueryRow(`SELECT (SELECT signature_count FROM petition_counts WHERE petition_id = $1), count(*)
			FROM signatures WHERE petition_id = $1`, set.Petition.ID).Scan(&count, &n); err != nil {
			t.Fatal(err)
		}
		return count, n
	}

	t.Run("a petition closed while cached refuses the next signature", func(t *testing.T) {
		if status, body := sign("first@example.org"); status != http.StatusCreated {
			t.Fatalf("sign: %d %s", status, body)
		}
		// The petition and the source release are now cached as open and published.
		if _, err := db.SQL().Exec(`UPDATE petitions SET status = 'closed' WHERE id = $1`, set.Petition.ID); err != nil {
			t.Fatal(err)
		}
		status, body := sign("second@example.org")
		if status != http.StatusConflict || !strings.Contains(body, `"code":"petition_closed"`) {
			t.Errorf("after closing: %d %s; want 409 petition_closed", status, body)
		}
		if count, n := rows(); count != 1 || n != 1 {
			t.Errorf("count %d, rows %d; want 1 and 1", count, n)
		}
		if _, err := db.SQL().Exec(`UPDATE petitions SET status = 'open' WHERE id = $1`, set.Petition.ID); err != nil {
			t.Fatal(err)
		}
	})

	t.Run("each visitor of the cached page gets their own working form token", func(t *testing.T) {
		field := regexp.MustCompile(`name="csrf_token" value="([A-Za-z0-9_-]{43})"`)
		visit := func() (token string, cookie *http.Cookie) {
			t.Helper()
			resp, err := client.Get(ts.URL + "/releases/" + demo.ReleaseSlug)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			m := field.FindSubmatch(b)
			if resp.StatusCode != http.StatusOK || m == nil {
				t.Fatalf("release page: %d, token found: %v", resp.StatusCode, m != nil)
			}
			for _, c := range resp.Cookies() {
				if c.Name == "advocacy_csrf" {
					cookie = c
				}
			}
			if cookie == nil || cookie.Value != string(m[1]) {
				t.Fatalf("form token %s, cookie %v", m[1], cookie)
			}
			return string(m[1]), cookie
		}
		tokenA, cookieA := visit()
		tokenB, _ := visit() // served from the cache rendered for A
		if tokenA == tokenB {
			t.Fatal("two visitors got the same form token")
		}
		form := url.Values{"csrf_token": {tokenA}, "full_name": {"Grace"}, "email": {"grace@example.org"},
			"country": {"GB"}, "consent_updates": {"yes"}}
		req, _ := http.NewRequest(http.MethodPost, ts.URL+"/releases/"+demo.ReleaseSlug+"/sign", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(cookieA)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther {
			t.Errorf("form post with the cached page's token: %d, want 303", resp.StatusCode)
		}
		if _, n := rows(); n != 2 {
			t.Errorf("rows %d after the form post, want 2", n)
		}
	})
}
