package postgres

import (
	"encoding/binary"
	"sync"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
)

// firstSightBits is the size of the first-sight filter: 2²³ bits (1 MiB).
// At 5,000 signatures a second, each with two new keys, a minute fills it
// with 600,000 keys, and about 1% of new keys are then taken for seen: they
// are counted in the database, as every key once was, which costs a write
// and loses nothing.
const firstSightBits = 1 << 23

// firstSight remembers, approximately, which rule keys this instance has
// seen in the current clock minute: a Bloom filter of three probes, cleared
// when the minute changes. The first signature of a key in a minute on an
// instance is not counted in the database. Most keys never come back (an
// honest supporter signs once), so most signatures write no counter at all,
// while a flood's keys are counted from their second signature on. The
// price: each instance lets one signature of each key a minute go
// uncounted, so with N instances a key may pass its limits by N a minute.
type firstSight struct {
	mu     sync.Mutex
	minute time.Time
	bits   []uint64
}

func newFirstSight() *firstSight { return &firstSight{bits: make([]uint64, firstSightBits/64)} }

// seen reports whether key (of rule kind) was seen in now's minute before,
// and notes it as seen. Callers hold f.mu.
func (f *firstSight) seen(kind byte, key petition.Hash) bool {
	// The keys are keyed hashes already: their bits are uniform.
	a := binary.LittleEndian.Uint64(key[0:8])
	b := binary.LittleEndian.Uint64(key[8:16]) ^ uint64(kind)*0x9e3779b97f4a7c15
	all := true
	for i := range uint64(3) {
		bit := (a + i*b) % firstSightBits
		w, m := bit/64, uint64(1)<<(bit%64)
		if f.bits[w]&m == 0 {
			all = false
			f.bits[w] |= m
		}
	}
	return all
}

// startMinute clears the filter when now is in another clock minute than
// the last batch. Callers hold f.mu.
func (f *firstSight) startMinute(now time.Time) {
	minute := now.Truncate(time.Minute)
	if minute.Equal(f.minute) {
		return
	}
	f.minute = minute
	clear(f.bits)
}
