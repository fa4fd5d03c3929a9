package loadgen

import (
	"math/bits"
	"time"
)

// Histogram records latencies in fixed memory, HDR style: values below
// linearLimit microseconds get a bucket each; above that, every power of two
// is split into subBuckets equal buckets, so a recorded value is known to
// within 1/subBuckets (1.6 %) whatever its size. The zero value is ready to use.
// A Histogram is not safe for concurrent use: give each worker its own and
// Merge them at the end.
type Histogram struct {
	counts [histogramBuckets]uint64
	total  uint64
	sum    time.Duration
	min    time.Duration
	max    time.Duration
}

const (
	subBuckets       = 64
	linearLimit      = 2 * subBuckets // values below are exact (µs)
	maxExponent      = 40             // 2^40 µs ≈ 12.7 days: anything longer is clamped
	histogramBuckets = linearLimit + (maxExponent-7+1)*subBuckets
)

// bucketOf returns the bucket index of a value in microseconds.
func bucketOf(us uint64) int {
	if us < linearLimit {
		return int(us)
	}
	// shift so that us>>shift lies in [subBuckets, 2*subBuckets).
	shift := bits.Len64(us) - 7
	if shift > maxExponent-6 {
		return histogramBuckets - 1
	}
	return linearLimit + (shift-1)*subBuckets + int(us>>shift) - subBuckets
}

// bucketHigh is the largest value (µs) that falls into bucket i.
func bucketHigh(i int) uint64 {
	if i < linearLimit {
		return uint64(i)
	}
	shift := (i-linearLimit)/subBuckets + 1
	mantissa := uint64((i-linearLimit)%subBuckets + subBuckets)
	return (mantissa+1)<<shift - 1
}

// Record adds one latency.
func (h *Histogram) Record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d/time.Microsecond))]++
	if h.total == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.total++
	h.sum += d
}

// Merge adds every value recorded in o.
func (h *Histogram) Merge(o *Histogram) {
	if o.total == 0 {
		return
	}
	for i, n := range o.counts {
		h.counts[i] += n
	}
	if h.total == 0 || o.min < h.min {
		h.min = o.min
	}
	if o.max > h.max {
		h.max = o.max
	}
	h.total += o.total
	h.sum += o.sum
}

// Count is the number of values recorded.
func (h *Histogram) Count() uint64 { return h.total }

// Quantile returns the value at quantile q (0 < q ≤ 1): the smallest bucket
// bound that at least q of the values do not exceed, capped at the largest
// value recorded. It returns 0 when nothing was recorded.
func (h *Histogram) Quantile(q float64) time.Duration {
	if h.total == 0 {
		return 0
	}
	rank := uint64(q*float64(h.total) + 0.5)
	if rank < 1 {
		rank = 1
	}
	if rank > h.total {
		rank = h.total
	}
	var seen uint64
	for i, n := range h.counts {
		seen += n
		if seen >= rank {
			v := time.Duration(bucketHigh(i)) * time.Microsecond
			return min(max(v, h.min), h.max)
		}
	}
	return h.max
}

// Summary is a histogram's headline figures.
type Summary struct {
	Count uint64  `json:"count"`
	MinMs float64 `json:"min_ms"`
	Mean  float64 `json:"mean_ms"`
	P50Ms float64 `json:"p50_ms"`
	P95Ms float64 `json:"p95_ms"`
	P99Ms float64 `json:"p99_ms"`
	MaxMs float64 `json:"max_ms"`
}

// Summary returns the count, mean, min, max and p50/p95/p99 in milliseconds.
func (h *Histogram) Summary() Summary {
	s := Summary{Count: h.total, MinMs: ms(h.min), P50Ms: ms(h.Quantile(0.50)),
		P95Ms: ms(h.Quantile(0.95)), P99Ms: ms(h.Quantile(0.99)), MaxMs: ms(h.max)}
	if h.total > 0 {
		s.Mean = ms(h.sum / time.Duration(h.total))
	}
	return s
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }
