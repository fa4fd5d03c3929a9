package storecache

import (
	"sync"
	"time"
)

// MaxEntries bounds a cache's entries. Keys can come from requests (a source
// slug), so a flood of distinct keys must not grow a cache without limit.
const MaxEntries = 10000

type entry[V any] struct {
	value   V
	expires time.Time
}

// TTL is a small map cache whose entries expire. The web layer uses it too,
// for what it derives from the stores.
type TTL[K comparable, V any] struct {
	mu      sync.Mutex
	ttl     time.Duration
	entries map[K]entry[V]
}

// NewTTL returns an empty cache whose entries live for ttl.
func NewTTL[K comparable, V any](ttl time.Duration) *TTL[K, V] {
	return &TTL[K, V]{ttl: ttl, entries: map[K]entry[V]{}}
}

// Get returns k's value if it was put less than the cache's ttl before now.
func (c *TTL[K, V]) Get(k K, now time.Time) (V, bool) {
	c.mu.Lock()
	e, ok := c.entries[k]
	c.mu.Unlock()
	if !ok || now.After(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// Put keeps v for k. When the cache is full of live entries, v goes
// uncached.
func (c *TTL[K, V]) Put(k K, v V, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= MaxEntries {
		for key, e := range c.entries {
			if now.After(e.expires) {
				delete(c.entries, key)
			}
		}
		if _, ok := c.entries[k]; !ok && len(c.entries) >= MaxEntries {
			return
		}
	}
	c.entries[k] = entry[V]{value: v, expires: now.Add(c.ttl)}
}

// Clear forgets every entry.
func (c *TTL[K, V]) Clear() {
	c.mu.Lock()
	clear(c.entries)
	c.mu.Unlock()
}
