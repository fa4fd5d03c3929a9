package site

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/storecache"
)

// A rendered release page is served again for pageTTL, then rendered anew;
// while one request renders it, the others keep serving the old one until
// it is pageStaleMax old. Rendering the page (chiefly its country list) cost
// about a millisecond of CPU; serving the cached bytes costs microseconds.
// The count a cached page shows was at most storecache.CountTTL old when it
// was rendered, so a visitor sees a count at most CountTTL + pageStaleMax
// old (plus one render): inside the contract's one second.
const (
	pageTTL      = 200 * time.Millisecond
	pageStaleMax = 300 * time.Millisecond
)

// pageCache holds rendered release pages (the plain GET, with an empty form)
// split around their CSRF token, which differs for every visitor. One
// request renders an expired page while the others keep serving the old one
// for a moment, so an expiry under load costs one render, not one per request
// in flight. Each page remembers the Version it was rendered at: one of an
// older version is never served, and a render begun before staff changed
// something is served to the request that made it but not kept.
type pageCache struct {
	placeholder string // stands for the CSRF token while a page is rendered
	version     func() uint64

	mu        sync.Mutex
	entries   map[string]*cachedPage
	rendering map[string]bool
}

type cachedPage struct {
	parts    [][]byte // the page, split where the CSRF token goes
	status   int
	rendered time.Time
	version  uint64
}

func newPageCache(version func() uint64) *pageCache {
	var b [32]byte
	_, _ = rand.Read(b[:])
	// The same alphabet and length as a real token, so it is escaped the
	// same way, and random, so no page text can contain it by chance.
	return &pageCache{placeholder: base64.RawURLEncoding.EncodeToString(b[:]), version: version,
		entries: map[string]*cachedPage{}, rendering: map[string]bool{}}
}

// lookup returns a page to serve for key, or nil when the caller should
// render it and then call store (or abandon).
func (pc *pageCache) lookup(key string, now time.Time) *cachedPage {
	pc.mu.Lock()
	defer pc.mu.Unlock()
	p := pc.entries[key]
	switch {
	case p != nil && p.version != pc.version():
		// Staff changed something since it was rendered.
		delete(pc.entries, key)
	case p != nil && now.Sub(p.rendered) < pageTTL:
		return p
	case p != nil && pc.rendering[key] && now.Sub(p.rendered) < pageStaleMax:
		// Someone is rendering a fresh one; this is still recent enough.
		return p
	}
	pc.rendering[key] = true
	return nil
}

// store keeps a page for key, rendered at the given time from what the
// stores held at version.
func (pc *pageCache) store(key string, status int, page []byte, rendered time.Time, version uint64) *cachedPage {
	p := &cachedPage{parts: bytes.Split(page, []byte(pc.placeholder)), status: status, rendered: rendered, version: version}
	pc.mu.Lock()
	defer pc.mu.Unlock()
	delete(pc.rendering, key)
	if version != pc.version() {
		return p // staff changed something while it rendered: it may be stale
	}
	if _, ok := pc.entries[key]; ok || len(pc.entries) < storecache.MaxEntries {
		pc.entries[key] = p
	}
	return p
}

// abandon marks a render for key as given up (it failed).
func (pc *pageCache) abandon(key string) {
	pc.mu.Lock()
	delete(pc.rendering, key)
	pc.mu.Unlock()
}

// writeCachedPage sends a cached page with this visitor's CSRF token in
// place.
func (s *Site) writeCachedPage(c *gin.Context, p *cachedPage) {
	token := ""
	if len(p.parts) > 1 {
		token = s.CSRFToken(c)
	}
	s.writePage(c, p, token)
}

// writePage sends a cached page with token in place of the placeholder.
func (s *Site) writePage(c *gin.Context, p *cachedPage, token string) {
	size := (len(p.parts) - 1) * len(token)
	for _, part := range p.parts {
		size += len(part)
	}
	h := c.Writer.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(size))
	h.Set("Cache-Control", "no-store")
	c.Status(p.status)
	for i, part := range p.parts {
		if i > 0 {
			_, _ = c.Writer.WriteString(token)
		}
		_, _ = c.Writer.Write(part)
	}
}
