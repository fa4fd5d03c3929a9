package kit

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"
)

// RequestIDKey is where the request id is kept in the gin context.
const RequestIDKey = "request_id"

// MaxBodyBytes caps public request bodies (64 KiB, as the contract says).
const MaxBodyBytes = 64 << 10

// RequestLog gives each request an id and logs one line for it when it ends:
// method, route, status, duration. Never the body, the query or the address.
func (k *Kit) RequestLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		var b [8]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		c.Set(RequestIDKey, id)
		c.Header("X-Request-Id", id)
		c.Next()
		route := Route(c)
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		k.Logger.LogAttrs(c.Request.Context(), level, "request",
			slog.String("request_id", id), slog.String("method", c.Request.Method), slog.String("route", route),
			slog.Int("status", c.Writer.Status()), slog.Duration("duration", time.Since(start)))
	}
}

// UnmatchedRoute is the route of a request that matched none.
const UnmatchedRoute = "unmatched"

// Route is the pattern of the route that served c ("/api/v1/petitions/:id"),
// or UnmatchedRoute: never the raw path, so logs and metrics keyed by it
// stay few, whatever clients ask for.
func Route(c *gin.Context) string {
	if route := c.FullPath(); route != "" {
		return route
	}
	return UnmatchedRoute
}

// RequestObserver is told of every answered request: its route (see
// Route), its method (see Method), its status and how long it took.
type RequestObserver func(route, method string, status int, took time.Duration)

// ObserveRequests tells observe of every request once it has been answered
// (for metrics). Put it first, so that it times the whole chain and sees
// the status RecoverPanic gives a panic.
func (k *Kit) ObserveRequests(observe RequestObserver) gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		observe(Route(c), Method(c), c.Writer.Status(), time.Since(start))
	}
}

// Method is the request's method when it is one of HTTP's own, else
// "other": a client cannot make up new label values.
func Method(c *gin.Context) string {
	switch m := c.Request.Method; m {
	case http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace:
		return m
	default:
		return "other"
	}
}

// RecoverPanic turns a panic into a 500 without leaking its text or stack.
func (k *Kit) RecoverPanic() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				k.Logger.ErrorContext(c.Request.Context(), "panic", "request_id", c.GetString(RequestIDKey), "panic", p)
				k.Fail(c, errors.New("internal error"))
			}
		}()
		c.Next()
	}
}

// contentSecurityPolicy allows only this origin's own scripts, styles and
// images, and forms that post here or to Stripe Checkout.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"connect-src 'self'; form-action 'self' https://checkout.stripe.com; frame-ancestors 'none'; " +
	"base-uri 'none'; object-src 'none'"

// hstsMaxAge is a year: browsers that have seen the site over https keep
// to https for that long.
const hstsMaxAge = "max-age=31536000; includeSubDomains"

// SecurityHeaders sets the headers every answer carries; over https (by
// BASE_URL), Strict-Transport-Security too.
func (k *Kit) SecurityHeaders() gin.HandlerFunc {
	https := k.Config.SecureCookies()
	return func(c *gin.Context) {
		h := c.Writer.Header()
		if https {
			h.Set("Strict-Transport-Security", hstsMaxAge)
		}
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		c.Next()
	}
}

// CrossOrigin refuses state-changing browser requests that another site
// started (Sec-Fetch-Site / Origin), before any handler runs. The form token
// in csrf.go is the second line, for browsers that send neither header.
// Bearer-token and webhook calls are not browser requests and carry neither.
//
// One route is let through: POST /unsubscribe/:token, which mail providers
// call from their own servers for a one-click unsubscribe (RFC 8058),
// possibly naming their own origin. Its token is its authority, and all it
// can do is withdraw its owner's consent to updates (site/unsubscribe.go).
func (k *Kit) CrossOrigin() gin.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	cop.AddInsecureBypassPattern("POST /unsubscribe/{token}")
	return func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			k.Fail(c, NewError(http.StatusForbidden, CodeForbidden,
				"This form was sent from another site. Please use the form on our page."))
			return
		}
		c.Next()
	}
}

// LimitBody refuses bodies over limit bytes with 413.
func (k *Kit) LimitBody(limit int64) gin.HandlerFunc {
	tooLarge := NewError(http.StatusRequestEntityTooLarge, CodeTooLarge,
		"The request body is larger than "+sizeText(limit)+".")
	return func(c *gin.Context) {
		if c.Request.ContentLength > limit {
			k.Fail(c, tooLarge)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, limit)
		c.Next()
	}
}

// sizeText writes a body limit for people: "64 KiB", "1 MiB".
func sizeText(limit int64) string {
	if limit >= 1<<20 && limit%(1<<20) == 0 {
		return strconv.FormatInt(limit>>20, 10) + " MiB"
	}
	return strconv.FormatInt(limit>>10, 10) + " KiB"
}

// RateLimiter allows each client address a number of actions per minute,
// with a burst of a quarter of that.
type RateLimiter struct {
	perMinute int
	mu        sync.Mutex
	clients   map[string]*rate.Limiter
	swept     time.Time
}

// NewRateLimiter allows perMinute actions a minute per address; 0 allows
// everything.
func NewRateLimiter(perMinute int) *RateLimiter {
	return &RateLimiter{perMinute: perMinute, clients: map[string]*rate.Limiter{}, swept: time.Now()}
}

// Allow reports whether addr may act now, and if not, how long to wait.
func (l *RateLimiter) Allow(addr string) (bool, time.Duration) {
	if l.perMinute <= 0 {
		return true, 0
	}
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if now.Sub(l.swept) > time.Minute {
		// Forget clients whose bucket has refilled: they are back to a fresh limiter.
		for k, lim := range l.clients {
			if lim.TokensAt(now) >= float64(lim.Burst()) {
				delete(l.clients, k)
			}
		}
		l.swept = now
	}
	lim, ok := l.clients[addr]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(float64(l.perMinute)/60), max(1, l.perMinute/4))
		l.clients[addr] = lim
	}
	r := lim.ReserveN(now, 1)
	if d := r.DelayFrom(now); d > 0 {
		r.CancelAt(now)
		return false, d
	}
	return true, 0
}

// Limit answers 429 with Retry-After, saying message, when the client has
// acted too often under l; it reports whether the request may go on.
func (k *Kit) Limit(c *gin.Context, l *RateLimiter, message string) bool {
	ok, wait := l.Allow(c.ClientIP())
	if ok {
		return true
	}
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	k.Fail(c, NewError(http.StatusTooManyRequests, CodeRateLimited, message))
	return false
}
