package outbound

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// Defaults of DelivererConfig.
const (
	// DefaultTimeout bounds one attempt: connecting, sending and the answer.
	DefaultTimeout = 10 * time.Second
	// DefaultDisableAfter is how long an endpoint may fail, without one
	// success, before it is disabled.
	DefaultDisableAfter = 72 * time.Hour
)

// DelivererConfig is what a Deliverer needs.
type DelivererConfig struct {
	Store AttemptStore
	// Timeout bounds one attempt (default DefaultTimeout).
	Timeout time.Duration
	// AllowPrivate lets deliveries reach loopback and private addresses
	// (WEBHOOK_ALLOW_PRIVATE; tests).
	AllowPrivate bool
	// DisableAfter is how long an endpoint may fail before it is disabled
	// (default DefaultDisableAfter).
	DisableAfter time.Duration
	Logger       *slog.Logger
}

// Deliverer makes the attempts at deliveries.
type Deliverer struct {
	store        AttemptStore
	client       *http.Client
	timeout      time.Duration
	disableAfter time.Duration
	logger       *slog.Logger
}

// NewDeliverer returns a deliverer whose HTTP client connects only to
// public addresses (unless cfg.AllowPrivate), uses no proxy (a proxy would
// make the connection on our behalf, unguarded) and follows no redirect (a
// 3xx is an answer outside 2xx: a failure).
func NewDeliverer(cfg DelivererConfig) *Deliverer {
	if cfg.Timeout <= 0 {
		cfg.Timeout = DefaultTimeout
	}
	if cfg.DisableAfter <= 0 {
		cfg.DisableAfter = DefaultDisableAfter
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	dialer := &net.Dialer{Timeout: cfg.Timeout, KeepAlive: 30 * time.Second, Control: Guard(cfg.AllowPrivate)}
	transport := &http.Transport{
		Proxy:                 nil,
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   20,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   cfg.Timeout,
		ResponseHeaderTimeout: cfg.Timeout,
	}
	client := &http.Client{Transport: transport, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	return &Deliverer{store: cfg.Store, client: client, timeout: cfg.Timeout, disableAfter: cfg.DisableAfter, logger: cfg.Logger}
}

// Timeout is the bound on one attempt.
func (d *Deliverer) Timeout() time.Duration { return d.timeout }

// ErrAttemptFailed wraps the reason an attempt did not succeed; the job
// is tried again later (or, after its last attempt, the delivery is failed).
var ErrAttemptFailed = errors.New("webhook attempt failed")

// Deliver makes one attempt at a delivery and records it; last says
// whether it is the last attempt (a failure then fails the delivery). It
// returns the attempt, and an error wrapping ErrAttemptFailed when it did
// not succeed. It returns ErrNotFound if the delivery or its endpoint was
// deleted and ErrDisabled if the endpoint is disabled (the delivery is then
// cancelled): both mean there is nothing to try again.
func (d *Deliverer) Deliver(ctx context.Context, deliveryID int64, last bool) (Attempt, Outcome, error) {
	t, err := d.store.Target(ctx, deliveryID)
	if err != nil {
		return Attempt{}, Outcome{}, fmt.Errorf("deliver webhook %d: %w", deliveryID, err)
	}
	if !t.Enabled {
		if err := d.store.CancelDelivery(ctx, deliveryID); err != nil {
			return Attempt{}, Outcome{}, fmt.Errorf("deliver webhook %d: %w", deliveryID, err)
		}
		return Attempt{}, Outcome{}, fmt.Errorf("deliver webhook %d: %w", deliveryID, ErrDisabled)
	}
	a := d.attempt(ctx, t)
	status := DeliveryPending
	switch {
	case a.Result == ResultSucceeded:
		status = DeliverySucceeded
	case last:
		status = DeliveryFailed
	}
	// Recorded even when ctx was cancelled mid-attempt (the service is
	// stopping): every attempt is logged.
	out, err := d.store.RecordAttempt(context.WithoutCancel(ctx), deliveryID, a, status, d.disableAfter)
	d.logger.LogAttrs(ctx, slog.LevelInfo, "webhook attempt", slog.Int64("delivery_id", deliveryID),
		slog.Int64("endpoint_id", t.Delivery.EndpointID), slog.String("event", t.Delivery.EventType),
		slog.String("result", a.Result), slog.Int("status", a.StatusCode), slog.Duration("duration", a.Duration),
		slog.Bool("last", last), slog.Bool("endpoint_disabled", out.Disabled))
	if err != nil {
		return a, out, fmt.Errorf("deliver webhook %d: record attempt: %w", deliveryID, err)
	}
	if a.Result != ResultSucceeded {
		reason := a.Error
		if a.StatusCode != 0 {
			reason = "status " + strconv.Itoa(a.StatusCode)
		}
		return a, out, fmt.Errorf("deliver webhook %d: %w: %s", deliveryID, ErrAttemptFailed, reason)
	}
	return a, out, nil
}

// attempt sends the delivery once and says what happened.
func (d *Deliverer) attempt(ctx context.Context, t Target) Attempt {
	started := time.Now()
	a := Attempt{AttemptedAt: started.UTC()}
	body := []byte(t.Delivery.Payload)
	sig, err := Sign(t.Secret, t.Delivery.MessageID, started.Unix(), body)
	if err != nil {
		a.Result, a.Error = ResultError, err.Error()
		return a
	}
	actx, cancel := context.WithTimeout(ctx, d.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, t.URL, bytes.NewReader(body))
	if err != nil {
		a.Result, a.Error = ResultError, "bad URL"
		return a
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "advocacy-webhooks/1")
	req.Header.Set("webhook-id", t.Delivery.MessageID)
	req.Header.Set("webhook-timestamp", strconv.FormatInt(started.Unix(), 10))
	req.Header.Set("webhook-signature", sig)
	res, err := d.client.Do(req)
	if err == nil {
		head, _ := io.ReadAll(io.LimitReader(res.Body, MaxResponseBody))
		// Read a little more so the connection can be reused, no more.
		_, _ = io.CopyN(io.Discard, res.Body, 64<<10)
		res.Body.Close()
		a.StatusCode, a.ResponseBody = res.StatusCode, cleanText(string(head), MaxResponseBody)
		a.Result = ResultFailed
		if res.StatusCode >= 200 && res.StatusCode < 300 {
			a.Result = ResultSucceeded
		}
	}
	a.Duration = time.Since(started)
	var refused *ErrNotPublic
	switch {
	case err == nil:
	case errors.As(err, &refused):
		a.Result, a.Error = ResultRefused, refused.Error()
	case ctx.Err() != nil:
		a.Result, a.Error = ResultError, "interrupted: the service was stopping"
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		a.Result, a.Error = ResultTimeout, "no answer within "+d.timeout.String()
	default:
		a.Result, a.Error = ResultError, cleanText(err.Error(), 500)
	}
	return a
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// cleanText makes s storable and bounded: valid UTF-8, no NUL, at most max
// bytes, cut between characters.
func cleanText(s string, max int) string {
	s = strings.ReplaceAll(strings.ToValidUTF8(s, ""), "\x00", "")
	if len(s) <= max {
		return s
	}
	s = s[:max]
	for !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}
