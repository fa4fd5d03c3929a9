package desk_test

import (
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/staff"
	"github.com/advocacy/advocacy/internal/tooling/apptest"
)

func withTrustRules(o *options) { o.trustRules = true }

// from names the client address a signer connects from.
func from(addr string) []string { return []string{"X-Forwarded-For", addr} }

// putRules replaces the trust rules through the API as an admin.
func (e *env) putRules(admin *client, rules map[string]any) map[string]any {
	e.t.Helper()
	body := map[string]any{"address": map[string]int{"burst": 0, "sustained": 0},
		"network": map[string]int{"burst": 0, "sustained": 0}, "domain": map[string]int{"burst": 0, "sustained": 0}}
	for k, v := range rules {
		body[k] = v
	}
	res := admin.SendJSON(http.MethodPut, "/api/v1/admin/trust/settings", body)
	if res.Status != http.StatusOK {
		e.t.Fatalf("put rules: %d %s", res.Status, res.Body)
	}
	return res.JSON(e.t)
}

// Admins read and replace the rules (audit-logged, normalised, validated);
// campaigners may not; the page saves them too.
func TestTrustSettings(t *testing.T) {
	e := start(t)
	admin := e.api(e.token(e.member(staff.RoleAdmin)))
	if got := admin.Get("/api/v1/admin/trust/settings"); got.Status != http.StatusOK {
		t.Fatalf("get: %d %s", got.Status, got.Body)
	}
	saved := e.putRules(admin, map[string]any{"address": map[string]int{"burst": 17, "sustained": 170},
		"trusted_addresses": []string{" 192.0.2.0/24 ", "2001:db8::1", "192.0.2.0/24"},
		"held_domains":      []string{"Mailinator.Example."}})
	if fmt.Sprint(saved["trusted_addresses"]) != "[192.0.2.0/24 2001:db8::1]" || fmt.Sprint(saved["held_domains"]) != "[mailinator.example]" {
		t.Errorf("saved: %v", saved)
	}
	if got := admin.Get("/api/v1/admin/trust/settings").JSON(t); fmt.Sprint(got["address"]) != "map[burst:17 sustained:170]" {
		t.Errorf("read back: %v", got)
	}
	if n := queryCount(t, e, `SELECT count(*) FROM audit_log WHERE action = 'trust.settings'
			AND after->>'address_burst' = '17' AND after->>'address_sustained' = '170' AND before IS NOT NULL`); n < 1 {
		t.Errorf("%d audit rows of the change", n)
	}
	bad := admin.SendJSON(http.MethodPut, "/api/v1/admin/trust/settings", map[string]any{
		"address": map[string]int{"burst": -1, "sustained": 0}, "network": map[string]int{"burst": 0, "sustained": 0},
		"domain": map[string]int{"burst": 0, "sustained": 0}, "held_addresses": []string{"not an address"}})
	apptest.AssertAPIError(t, bad, http.StatusUnprocessableEntity, "invalid", "address.burst", "held_addresses")
	missing := admin.SendJSON(http.MethodPut, "/api/v1/admin/trust/settings", map[string]any{})
	apptest.AssertAPIError(t, missing, http.StatusUnprocessableEntity, "invalid", "address", "network", "domain")

	campaigner := e.api(e.token(e.member(staff.RoleCampaigner)))
	if res := campaigner.Get("/api/v1/admin/trust/settings"); res.Status != http.StatusForbidden {
		t.Errorf("campaigner: %d", res.Status)
	}

	browser, _ := e.signedIn(staff.RoleAdmin)
	apptest.AssertPage(t, browser.Get("/admin/trust"), http.StatusOK, "Trust rules", "mailinator.example")
	form := url.Values{"address_burst": {"7"}, "address_sustained": {"70"}, "network_burst": {"0"},
		"network_sustained": {"0"}, "domain_burst": {"0"}, "domain_sustained": {"0"},
		"trusted_addresses": {"198.51.100.0/24\r\n203.0.113.9"}, "held_domains": {"held.example"}}
	if res := browser.submit("/admin/trust", form); res.Status != http.StatusSeeOther {
		t.Fatalf("save form: %d %s", res.Status, res.Body)
	}
	after := admin.Get("/api/v1/admin/trust/settings").JSON(t)
	if fmt.Sprint(after["address"]) != "map[burst:7 sustained:70]" || fmt.Sprint(after["trusted_addresses"]) != "[198.51.100.0/24 203.0.113.9]" {
		t.Errorf("after the form: %v", after)
	}
	form.Set("network_burst", "lots")
	apptest.AssertPage(t, browser.submit("/admin/trust", form), http.StatusUnprocessableEntity, "Give a whole number")
}

// inOneMinute runs try until a run starts and ends in one clock minute (the
// rules count per clock minute), at most three times; try makes its
// petition and keys its own by the attempt's number, and returns its
// checks, run once the minute is known to be one.
func inOneMinute(t *testing.T, try func(attempt int) (check func())) {
	t.Helper()
	for attempt := range 3 {
		start := time.Now().Truncate(time.Minute)
		check := try(attempt)
		if time.Now().Truncate(time.Minute).Equal(start) {
			check()
			return
		}
	}
	t.Fatal("three attempts each crossed the end of a minute")
}

func queryCount(t *testing.T, e *env, q string, args ...any) int64 {
	t.Helper()
	var n int64
	if err := e.db.SQL().QueryRowContext(t.Context(), q, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A signature the rules hold gets, byte for byte, the answer a counted one
// gets: same status, same headers, same body.
func TestSuspectAnswerIsByteIdentical(t *testing.T) {
	e := start(t, withTrustRules)
	admin := e.api(e.token(e.member(staff.RoleAdmin)))
	e.putRules(admin, map[string]any{"held_domains": []string{"held.example"}})
	counted, held := e.world().Petition, e.world().Petition
	a := e.browser().PostJSON(apptest.SignaturesPath(counted.ID), apptest.SignBody("ada@example.org"), from("198.51.100.1")...)
	b := e.browser().PostJSON(apptest.SignaturesPath(held.ID), apptest.SignBody("ada@held.example"), from("198.51.100.2")...)
	if a.Status != http.StatusCreated || a.Body != b.Body || a.Status != b.Status {
		t.Fatalf("counted: %d %s; held: %d %s", a.Status, a.Body, b.Status, b.Body)
	}
	for _, h := range []http.Header{a.Header, b.Header} {
		h.Del("Date")
		h.Del("X-Request-Id")
	}
	if fmt.Sprint(a.Header) != fmt.Sprint(b.Header) {
		t.Errorf("headers differ:\n%v\n%v", a.Header, b.Header)
	}
	if n := queryCount(t, e, `SELECT count(*) FROM signatures WHERE petition_id = $1 AND state = 'suspect'`, held.ID); n != 1 {
		t.Errorf("%d suspect signatures on the held petition, want 1", n)
	}
	apptest.AssertStored(t, e.db, counted.ID, 1)
	apptest.AssertStored(t, e.db, held.ID, 0)
}

// A flood from one address is held over its burst; the review shows the
// cluster; a dry run changes nothing; invalidating takes the cluster out of
// the count exactly and counting puts it back; campaigners may, finance not.
func TestReviewAndActOnACluster(t *testing.T) {
	e := start(t, withTrustRules)
	admin := e.api(e.token(e.member(staff.RoleAdmin)))
	e.putRules(admin, map[string]any{"address": map[string]int{"burst": 2, "sustained": 0}})
	// The first signature of an address in a minute is not counted on an
	// instance; then the burst's 2; then held: 3 of the flood's 5 counted.
	var p int64
	var flood string
	inOneMinute(t, func(attempt int) func() {
		// An address of its own: the counters outlive the test's server.
		p, flood = e.world().Petition.ID, fmt.Sprintf("198.51.%d.%d", rand.IntN(256), 1+rand.IntN(254))
		for i := range 5 {
			res := e.browser().PostJSON(apptest.SignaturesPath(p), apptest.SignBody(fmt.Sprintf("bot%d@example.org", i)), from(flood)...)
			if res.Status != http.StatusCreated {
				t.Fatalf("flood %d: %d %s", i, res.Status, res.Body)
			}
		}
		e.browser().PostJSON(apptest.SignaturesPath(p), apptest.SignBody("honest@example.org"), from("203.0.113.1")...)
		return func() { apptest.AssertStored(t, e.db, p, 4) }
	})

	campaigner := e.api(e.token(e.member(staff.RoleCampaigner)))
	review := campaigner.Get(fmt.Sprintf("/api/v1/admin/petitions/%d/trust", p))
	if review.Status != http.StatusOK {
		t.Fatalf("review: %d %s", review.Status, review.Body)
	}
	r := review.JSON(t)
	clusters := r["clusters"].(map[string]any)["address"].([]any)
	top := clusters[0].(map[string]any)
	if r["suspect"] != 2.0 || r["counted"] != 4.0 || top["counted"] != 3.0 || top["suspect"] != 2.0 || len(r["suspects"].([]any)) != 2 {
		t.Fatalf("review: %s", review.Body)
	}
	path := fmt.Sprintf("/api/v1/admin/petitions/%d/trust/", p)
	dry := campaigner.PostJSON(path+"invalidate", map[string]any{"address": flood, "dry_run": true}).JSON(t)
	if dry["changed"] != 5.0 || dry["dry_run"] != true || dry["signature_count"] != 4.0 {
		t.Errorf("dry run: %v", dry)
	}
	apptest.AssertStored(t, e.db, p, 4)
	done := campaigner.PostJSON(path+"invalidate", map[string]any{"address": top["key"]}).JSON(t)
	if done["changed"] != 5.0 || done["signature_count"] != 1.0 {
		t.Errorf("invalidate: %v", done)
	}
	apptest.AssertStored(t, e.db, p, 1)
	if got := e.browser().Get(fmt.Sprintf("/api/v1/petitions/%d", p)).JSON(t)["signature_count"]; got != 1.0 {
		t.Errorf("public count after invalidating: %v", got)
	}
	network := netip.PrefixFrom(netip.MustParseAddr(flood), 24).Masked().String()
	back := admin.PostJSON(path+"count", map[string]any{"network": network}).JSON(t)
	if back["changed"] != 5.0 || back["signature_count"] != 6.0 {
		t.Errorf("count again: %v", back)
	}
	apptest.AssertStored(t, e.db, p, 6)
	if n := queryCount(t, e, `SELECT count(*) FROM audit_log WHERE entity = 'petition' AND entity_id = $1
			AND action IN ('trust.invalidate', 'trust.count')`, p); n != 2 {
		t.Errorf("%d audit rows of the actions, want 2", n)
	}

	finance := e.api(e.token(e.member(staff.RoleFinance)))
	if res := finance.PostJSON(path+"invalidate", map[string]any{"source": "direct"}); res.Status != http.StatusForbidden {
		t.Errorf("finance: %d", res.Status)
	}
	apptest.AssertAPIError(t, admin.PostJSON(path+"invalidate", map[string]any{}), http.StatusUnprocessableEntity, "invalid", "selector")
	apptest.AssertAPIError(t, admin.PostJSON(path+"invalidate", map[string]any{"address": "nowhere"}),
		http.StatusUnprocessableEntity, "invalid", "address")
	apptest.AssertAPIError(t, admin.PostJSON("/api/v1/admin/petitions/999999/trust/count", map[string]any{"source": "direct"}),
		http.StatusNotFound, "not_found")

	// The page: review, preview, confirm.
	browser, _ := e.signedIn(staff.RoleCampaigner)
	apptest.AssertPage(t, browser.Get(fmt.Sprintf("/admin/petitions/%d/trust", p)), http.StatusOK, "Trust review", "By client address")
	preview := browser.submit(fmt.Sprintf("/admin/petitions/%d/trust/invalidate", p), url.Values{"domain": {"example.org"}, "dry_run": {"1"}})
	apptest.AssertPage(t, preview, http.StatusOK, "Invalidate 6 signatures?")
	apptest.AssertStored(t, e.db, p, 6)
	if res := browser.submit(fmt.Sprintf("/admin/petitions/%d/trust/invalidate", p), url.Values{"domain": {"example.org"}}); res.Status != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", res.Status, res.Body)
	}
	apptest.AssertStored(t, e.db, p, 0)
}

// A signer's address is never kept: not in any row of any table (as text
// or as its bytes), not in the logs, not in the export.
func TestAddressNeverKept(t *testing.T) {
	e := start(t, withTrustRules)
	admin := e.api(e.token(e.member(staff.RoleAdmin)))
	e.putRules(admin, map[string]any{"address": map[string]int{"burst": 1, "sustained": 0}})
	p := e.world().Petition.ID
	addrs := []string{"198.51.100.77", "2001:db8:77::77"}
	for i, addr := range addrs {
		for j := range 3 { // the third is over the burst: held
			res := e.browser().PostJSON(apptest.SignaturesPath(p), apptest.SignBody(fmt.Sprintf("s%d-%d@example.org", i, j)), from(addr)...)
			if res.Status != http.StatusCreated {
				t.Fatalf("sign: %d %s", res.Status, res.Body)
			}
		}
	}
	admin.PostJSON(fmt.Sprintf("/api/v1/admin/petitions/%d/trust/invalidate", p), map[string]any{"address": addrs[0]})
	csv := admin.Get(fmt.Sprintf("/api/v1/admin/petitions/%d/signatures.csv", p))
	if csv.Status != http.StatusOK || strings.Count(csv.Body, "@example.org") != 6 {
		t.Fatalf("export: %d %s", csv.Status, csv.Body)
	}
	var tables []string
	rows, err := e.db.SQL().QueryContext(t.Context(), `SELECT quote_ident(table_name) FROM information_schema.tables
		WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var name string
		if err := rows.Scan(&name); err != nil {
			t.Fatal(err)
		}
		tables = append(tables, name)
	}
	rows.Close()
	if len(tables) < 10 {
		t.Fatalf("only %d tables: %v", len(tables), tables)
	}
	for _, addr := range addrs {
		a := netip.MustParseAddr(addr)
		raw := a.AsSlice()
		b16 := a.As16()
		needles := []string{addr, a.StringExpanded(), hex.EncodeToString(raw), hex.EncodeToString(b16[:])}
		for _, table := range tables {
			for _, needle := range needles {
				if n := queryCount(t, e, `SELECT count(*) FROM `+table+` t WHERE strpos(lower(t::text), $1) > 0`, needle); n != 0 {
					t.Errorf("table %s: %d rows hold %q", table, n, needle)
				}
			}
		}
		for name, text := range map[string]string{"logs": e.server.Logs.String(), "export": csv.Body} {
			for _, needle := range needles {
				if strings.Contains(strings.ToLower(text), needle) {
					t.Errorf("the %s hold %q", name, needle)
				}
			}
		}
	}
	if n := queryCount(t, e, `SELECT count(*) FROM signatures WHERE petition_id = $1 AND address_hash IS NOT NULL
			AND network_hash IS NOT NULL`, p); n != 6 {
		t.Errorf("%d signatures with both hashes, want 6", n)
	}
}
