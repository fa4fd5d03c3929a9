// Package loadgen drives a running advocacy server with HTTP load: signatures
// through the JSON API, or page views. It talks only to loopback addresses,
// keeps connections alive, stops at a deadline or after a number of requests,
// whichever comes first, and reports throughput, latency percentiles and
// errors by status.
package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Modes of load.
const (
	// ModeSign posts signatures to /api/v1/petitions/{PetitionID}/signatures.
	ModeSign = "sign"
	// ModePage gets /releases/{Slug}.
	ModePage = "page"
	// ModeGet gets Path.
	ModeGet = "get"
	// ModePost posts an empty form to each of Paths once, in order, shared
	// by the workers (confirmation links, say); the run ends when every
	// path has been posted.
	ModePost = "post"
)

// Config describes one load run.
type Config struct {
	// Targets are base URLs (scheme and host, e.g. http://127.0.0.1:8080).
	// Workers are spread over them evenly, so two targets share the load.
	Targets []string
	Mode    string
	// PetitionID is the petition signed in ModeSign.
	PetitionID int64
	// Source, when set, is sent as the signature's source.
	Source string
	// Slug is the release viewed in ModePage.
	Slug string
	// Path is the path fetched in ModeGet.
	Path string
	// Paths are the paths posted in ModePost.
	Paths []string
	// WantStatus is the answer that counts as success: by default 201 for
	// signing, 303 for ModePost and 200 otherwise (202 when signing a
	// petition that verifies by email).
	WantStatus int
	// Workers is the number of requests in flight at once (default 1).
	Workers int
	// Duration bounds the run in time (required).
	Duration time.Duration
	// MaxRequests bounds the run in requests (0: only Duration bounds it).
	MaxRequests int64
	// RepeatShare is the share of signatures (0–1) that repeat an email this
	// run already had acknowledged; the server must answer them like new ones.
	RepeatShare float64
	// VariantShare is the share of repeats (0–1) sent with the email's case
	// changed or spaces around it, which must count as the same person.
	VariantShare float64
	// RunID makes this run's emails differ from every other run's.
	RunID string
	// Timeout bounds each request (default 10 s).
	Timeout time.Duration
	// ClientAddrs sends each signature with an X-Forwarded-For naming its
	// signer's client address (the server must trust loopback as a proxy,
	// TRUSTED_PROXIES): each person has an address of their own, spread
	// over the whole IPv4 space, as many honest supporters are.
	ClientAddrs bool
	// FloodShare is the share of people (0–1) who sign from one of
	// FloodAddrs instead, with an email at FloodDomain: a flood from a
	// handful of addresses. It needs ClientAddrs.
	FloodShare float64
	FloodAddrs []string
}

// FloodDomain is the email domain of the flood's signatures (FloodShare),
// so they can be told from the honest ones afterwards.
const FloodDomain = "flood.example"

// Result is what a run measured.
type Result struct {
	Mode     string   `json:"mode"`
	Targets  []string `json:"targets"`
	Workers  int      `json:"workers"`
	Seconds  float64  `json:"seconds"`
	Requests int64    `json:"requests"`
	// Succeeded counts answers with the expected status (Config.WantStatus).
	Succeeded int64 `json:"succeeded"`
	// Errors counts every other outcome by status ("503") or by kind ("transport", "timeout").
	Errors        map[string]int64 `json:"errors"`
	PerSecond     float64          `json:"per_second"`
	Latency       Summary          `json:"latency"`
	ResponseBytes int64            `json:"response_bytes"`
	// Signing only. NewAcknowledged is the number of distinct people whose
	// first signature got 201: each must be a row afterwards. NewUncertain is
	// the number of first signatures with no answer (a transport error, or
	// cut off by the end of the run), which may or may not have been stored;
	// in ModePost, the posts without an answer.
	NewAcknowledged int64 `json:"new_acknowledged,omitempty"`
	NewUncertain    int64 `json:"new_uncertain,omitempty"`
	RepeatsSent     int64 `json:"repeats_sent,omitempty"`
	VariantsSent    int64 `json:"variants_sent,omitempty"`
	// MaxCountSeen is the largest signature_count an answer reported.
	MaxCountSeen int64 `json:"max_count_seen,omitempty"`
	// FloodAcknowledged is how many of NewAcknowledged came from the flood
	// (Config.FloodShare).
	FloodAcknowledged int64 `json:"flood_acknowledged,omitempty"`
}

// ErrNotLoopback is returned for a target that is not on this machine.
var ErrNotLoopback = errors.New("load may only target loopback addresses (127.0.0.0/8, ::1, localhost)")

// CheckLoopback returns ErrNotLoopback unless target is an http(s) URL whose
// host is localhost or a loopback IP address.
func CheckLoopback(target string) error {
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("target %q: not an http(s) base URL", target)
	}
	host := u.Hostname()
	if strings.EqualFold(host, "localhost") {
		return nil
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
		return nil
	}
	return fmt.Errorf("target %q: %w", target, ErrNotLoopback)
}

// loopbackDial refuses to connect anywhere but loopback, whatever a name
// resolved to, so a hosts-file entry cannot send load elsewhere.
func loopbackDial(d *net.Dialer) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		conn, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if tcp, ok := conn.RemoteAddr().(*net.TCPAddr); !ok || !tcp.IP.IsLoopback() {
			conn.Close()
			return nil, fmt.Errorf("connect to %s: %w", addr, ErrNotLoopback)
		}
		return conn, nil
	}
}

func (c *Config) validate() error {
	if len(c.Targets) == 0 {
		return errors.New("no target")
	}
	for i, t := range c.Targets {
		if err := CheckLoopback(t); err != nil {
			return err
		}
		c.Targets[i] = strings.TrimRight(t, "/")
	}
	switch c.Mode {
	case ModeSign:
		if c.PetitionID <= 0 {
			return errors.New("sign mode needs a petition id")
		}
	case ModePage:
		if c.Slug == "" {
			return errors.New("page mode needs a release slug")
		}
		c.Path = "/releases/" + url.PathEscape(c.Slug)
	case ModeGet:
		if !strings.HasPrefix(c.Path, "/") {
			return errors.New("get mode needs a path starting with /")
		}
	case ModePost:
		if len(c.Paths) == 0 {
			return errors.New("post mode needs paths")
		}
		if c.MaxRequests <= 0 || c.MaxRequests > int64(len(c.Paths)) {
			c.MaxRequests = int64(len(c.Paths))
		}
	default:
		return fmt.Errorf("unknown mode %q (want %s, %s, %s or %s)", c.Mode, ModeSign, ModePage, ModeGet, ModePost)
	}
	if c.WantStatus == 0 {
		switch c.Mode {
		case ModeSign:
			c.WantStatus = http.StatusCreated
		case ModePost:
			c.WantStatus = http.StatusSeeOther
		default:
			c.WantStatus = http.StatusOK
		}
	}
	if c.Duration <= 0 {
		return errors.New("a duration is required: every run is bounded in time")
	}
	if c.RepeatShare < 0 || c.RepeatShare > 1 || c.VariantShare < 0 || c.VariantShare > 1 {
		return errors.New("repeat and variant shares lie between 0 and 1")
	}
	if c.FloodShare < 0 || c.FloodShare > 1 || (c.FloodShare > 0 && (!c.ClientAddrs || len(c.FloodAddrs) == 0)) {
		return errors.New("a flood share lies between 0 and 1 and needs ClientAddrs and FloodAddrs")
	}
	if c.Workers <= 0 {
		c.Workers = 1
	}
	if c.Timeout <= 0 {
		c.Timeout = 10 * time.Second
	}
	if c.RunID == "" {
		c.RunID = strconv.FormatInt(time.Now().UnixNano(), 36)
	}
	return nil
}

// Run applies the load until the duration has passed, MaxRequests have been
// sent, or ctx ends, and reports what it measured. It refuses any target that
// is not a loopback address.
func Run(ctx context.Context, cfg Config) (Result, error) {
	if err := cfg.validate(); err != nil {
		return Result{}, fmt.Errorf("loadgen: %w", err)
	}
	dialer := &net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}
	transport := &http.Transport{
		DialContext:         loopbackDial(dialer),
		MaxIdleConns:        cfg.Workers * 2,
		MaxIdleConnsPerHost: cfg.Workers,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	defer transport.CloseIdleConnections()
	client := &http.Client{
		Transport: transport,
		Timeout:   cfg.Timeout,
		// A redirect is an answer to measure, not to follow.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	source := ""
	if cfg.Source != "" {
		source = strconv.Quote(cfg.Source) // the quoted form is valid JSON for printable text
	}

	ctx, cancel := context.WithTimeout(ctx, cfg.Duration)
	defer cancel()
	var sent atomic.Int64
	workers := make([]*worker, cfg.Workers)
	var wg sync.WaitGroup
	start := time.Now()
	for i := range workers {
		w := &worker{id: i, cfg: &cfg, client: client, target: cfg.Targets[i%len(cfg.Targets)],
			source: source, sent: &sent, errors: map[string]int64{},
			rng: rand.New(rand.NewPCG(uint64(i)+1, uint64(start.UnixNano())))}
		workers[i] = w
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.run(ctx)
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)

	res := Result{Mode: cfg.Mode, Targets: cfg.Targets, Workers: cfg.Workers, Seconds: elapsed.Seconds(),
		Errors: map[string]int64{}}
	var hist Histogram
	for _, w := range workers {
		hist.Merge(&w.hist)
		res.Requests += w.requests
		res.Succeeded += w.succeeded
		res.ResponseBytes += w.bytes
		res.NewAcknowledged += w.newAcked
		res.NewUncertain += w.newUncertain
		res.RepeatsSent += w.repeats
		res.VariantsSent += w.variants
		res.MaxCountSeen = max(res.MaxCountSeen, w.maxCount)
		res.FloodAcknowledged += w.floodAcked
		for k, n := range w.errors {
			res.Errors[k] += n
		}
	}
	res.Latency = hist.Summary()
	if elapsed > 0 {
		res.PerSecond = float64(res.Succeeded) / elapsed.Seconds()
	}
	return res, nil
}

// ErrorCount is the number of requests that did not get the expected answer.
func (r Result) ErrorCount() int64 {
	var n int64
	for _, v := range r.Errors {
		n += v
	}
	return n
}

type worker struct {
	id     int
	cfg    *Config
	client *http.Client
	target string
	source string
	sent   *atomic.Int64
	rng    *rand.Rand

	hist         Histogram
	requests     int64
	succeeded    int64
	bytes        int64
	errors       map[string]int64
	newAcked     int64
	newUncertain int64
	repeats      int64
	variants     int64
	maxCount     int64
	floodAcked   int64
	runHash      uint64
	// forwardedFor is the client address the next request names.
	forwardedFor string

	seq   int64
	acked []int64 // recent acknowledged email numbers, to repeat
	body  []byte
	resp  []byte
}

// ackedKept bounds the emails a worker remembers for repeats.
const ackedKept = 4096

func (w *worker) run(ctx context.Context) {
	for ctx.Err() == nil {
		n := w.sent.Add(1)
		if w.cfg.MaxRequests > 0 && n > w.cfg.MaxRequests {
			return
		}
		switch w.cfg.Mode {
		case ModeSign:
			w.sign(ctx)
		case ModePost:
			if _, _, err := w.do(ctx, http.MethodPost, w.cfg.Paths[n-1], []byte{}); err != nil {
				// Cut off or failed: the server may have acted on it.
				w.newUncertain++
			}
		default:
			w.get(ctx)
		}
	}
}

// email is the address of this worker's n-th person.
func (w *worker) email(n int64) string {
	domain := "@example.org"
	if w.flood(n) {
		domain = "@" + FloodDomain
	}
	return "bench-" + w.cfg.RunID + "-w" + strconv.Itoa(w.id) + "-" + strconv.FormatInt(n, 10) + domain
}

// mix is SplitMix64's finaliser: n's bits spread over all 64.
func mix(n uint64) uint64 {
	n ^= n >> 30
	n *= 0xbf58476d1ce4e5b9
	n ^= n >> 27
	n *= 0x94d049bb133111eb
	return n ^ n>>31
}

// person is a number unique to this run's worker's n-th person.
func (w *worker) person(n int64) uint64 {
	if w.runHash == 0 {
		for _, c := range w.cfg.RunID {
			w.runHash = mix(w.runHash + uint64(c))
		}
		w.runHash |= 1
	}
	return mix(w.runHash ^ uint64(w.id)<<40 ^ uint64(n))
}

// flood reports whether this worker's n-th person is one of the flood's.
func (w *worker) flood(n int64) bool {
	return w.cfg.FloodShare > 0 && float64(w.person(n)%10000) < w.cfg.FloodShare*10000
}

// clientAddr is the address this worker's n-th person signs from.
func (w *worker) clientAddr(n int64) string {
	p := w.person(n)
	if w.flood(n) {
		return w.cfg.FloodAddrs[(p>>20)%uint64(len(w.cfg.FloodAddrs))]
	}
	a := uint32(p >> 32)
	return strconv.Itoa(int(a>>24)) + "." + strconv.Itoa(int(a>>16&0xff)) + "." +
		strconv.Itoa(int(a>>8&0xff)) + "." + strconv.Itoa(int(a&0xff))
}

var countries = []string{"GB", "GB", "GB", "IE", "FR", "DE", "US", "NL"}

func (w *worker) sign(ctx context.Context) {
	var n int64
	repeat := len(w.acked) > 0 && w.rng.Float64() < w.cfg.RepeatShare
	if repeat {
		n = w.acked[w.rng.IntN(len(w.acked))]
		w.repeats++
	} else {
		w.seq++
		n = w.seq
	}
	email := w.email(n)
	if repeat && w.rng.Float64() < w.cfg.VariantShare {
		w.variants++
		switch w.rng.IntN(3) {
		case 0:
			email = strings.ToUpper(email)
		case 1:
			email = "  " + email + " "
		default:
			email = strings.ToUpper(email[:1]) + email[1:]
		}
	}
	b := w.body[:0]
	b = append(b, `{"full_name":"Bench Signer `...)
	b = strconv.AppendInt(b, n, 10)
	b = append(b, `","email":"`...)
	b = append(b, email...)
	b = append(b, `","postcode":"SW1A 1AA","country":"`...)
	b = append(b, countries[n%int64(len(countries))]...)
	b = append(b, `","consent_updates":`...)
	b = strconv.AppendBool(b, n%2 == 0)
	if w.source != "" {
		b = append(b, `,"source":`...)
		b = append(b, w.source...)
	}
	b = append(b, '}')
	w.body = b

	path := "/api/v1/petitions/" + strconv.FormatInt(w.cfg.PetitionID, 10) + "/signatures"
	w.forwardedFor = ""
	if w.cfg.ClientAddrs {
		w.forwardedFor = w.clientAddr(n)
	}
	status, body, err := w.do(ctx, http.MethodPost, path, b)
	switch {
	case err == nil && status == w.cfg.WantStatus:
		if !repeat {
			w.newAcked++
			if w.flood(n) {
				w.floodAcked++
			}
			if len(w.acked) < ackedKept {
				w.acked = append(w.acked, n)
			} else {
				w.acked[w.rng.IntN(ackedKept)] = n
			}
		}
		if c, ok := signatureCount(body); ok {
			w.maxCount = max(w.maxCount, c)
		}
	case !repeat:
		// No answer, or an unexpected one (possibly cut off by the end of
		// the run): the signature may or may not have been committed.
		w.newUncertain++
	}
}

// signatureCount reads "signature_count":N out of a sign answer without a
// full JSON decode, to keep the load generator's own cost low.
func signatureCount(body []byte) (int64, bool) {
	const key = `"signature_count":`
	i := bytes.Index(body, []byte(key))
	if i < 0 {
		return 0, false
	}
	rest := body[i+len(key):]
	j := 0
	for j < len(rest) && rest[j] >= '0' && rest[j] <= '9' {
		j++
	}
	n, err := strconv.ParseInt(string(rest[:j]), 10, 64)
	return n, err == nil
}

func (w *worker) get(ctx context.Context) {
	_, _, _ = w.do(ctx, http.MethodGet, w.cfg.Path, nil)
}

// do sends one request and records its latency and outcome. A request cut
// short because the run ended is not counted at all.
func (w *worker) do(ctx context.Context, method, path string, body []byte) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, w.target+path, rd)
	if err != nil {
		w.errors["request"]++
		return 0, nil, err
	}
	switch {
	case w.cfg.Mode == ModePost:
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case body != nil:
		req.Header.Set("Content-Type", "application/json")
	}
	if w.forwardedFor != "" {
		req.Header.Set("X-Forwarded-For", w.forwardedFor)
	}
	start := time.Now()
	resp, err := w.client.Do(req)
	if err == nil {
		w.resp, err = readAll(resp.Body, w.resp[:0])
		resp.Body.Close()
	}
	elapsed := time.Since(start)
	if err != nil && ctx.Err() != nil {
		// The deadline of the run, not a failure of the server.
		return 0, nil, err
	}
	w.requests++
	w.hist.Record(elapsed)
	if err != nil {
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			w.errors["timeout"]++
		} else {
			w.errors["transport"]++
		}
		return 0, nil, err
	}
	w.bytes += int64(len(w.resp))
	if resp.StatusCode == w.cfg.WantStatus {
		w.succeeded++
	} else {
		w.errors[strconv.Itoa(resp.StatusCode)]++
	}
	return resp.StatusCode, w.resp, nil
}

// readAll reads r to the end into buf, reusing its memory.
func readAll(r io.Reader, buf []byte) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}
