package http

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

const requestIDKey = "request_id"

// maxBodyBytes caps every request body (64 KiB, as the contract says).
const maxBodyBytes = 64 << 10

// requestLog gives each request an id and logs one line for it when it ends:
// method, route, status, duration. Never the body, the query or the address.
func (s *Server) requestLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		var b [8]byte
		_, _ = rand.Read(b[:])
		id := hex.EncodeToString(b[:])
		c.Set(requestIDKey, id)
		c.Header("X-Request-Id", id)
		c.Next()
		route := c.FullPath()
		if route == "" {
			route = "(unmatched)"
		}
		level := slog.LevelInfo
		if c.Writer.Status() >= 500 {
			level = slog.LevelError
		}
		s.Logger.LogAttrs(c.Request.Context(), level, "request",
			slog.String("request_id", id), slog.String("method", c.Request.Method), slog.String("route", route),
			slog.Int("status", c.Writer.Status()), slog.Duration("duration", time.Since(start)))
	}
}

// recoverPanic turns a panic into a 500 without leaking its text or stack.
func (s *Server) recoverPanic() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				s.Logger.ErrorContext(c.Request.Context(), "panic", "request_id", c.GetString(requestIDKey), "panic", p)
				s.fail(c, errors.New("internal error"))
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

func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		c.Next()
	}
}

// crossOrigin refuses state-changing browser requests that another site
// started (Sec-Fetch-Site / Origin), before any handler runs. The form token
// in csrf.go is the second line, for browsers that send neither header.
// Bearer-token and webhook calls are not browser requests and carry neither.
func (s *Server) crossOrigin() gin.HandlerFunc {
	cop := http.NewCrossOriginProtection()
	return func(c *gin.Context) {
		if err := cop.Check(c.Request); err != nil {
			s.fail(c, newAPIError(http.StatusForbidden, CodeForbidden,
				"This form was sent from another site. Please use the form on our page."))
			return
		}
		c.Next()
	}
}

// limitBody refuses bodies over maxBodyBytes with 413.
func (s *Server) limitBody() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.ContentLength > maxBodyBytes {
			s.fail(c, errTooLarge)
			return
		}
		c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, maxBodyBytes)
		c.Next()
	}
}

var errTooLarge = newAPIError(http.StatusRequestEntityTooLarge, CodeTooLarge, "The request body is larger than 64 KiB.")

// rateLimiter allows each client address a number of actions per minute,
// with a burst of a quarter of that.
type rateLimiter struct {
	perMinute int
	mu        sync.Mutex
	clients   map[string]*rate.Limiter
	swept     time.Time
}

func newRateLimiter(perMinute int) *rateLimiter {
	return &rateLimiter{perMinute: perMinute, clients: map[string]*rate.Limiter{}, swept: time.Now()}
}

// allow reports whether addr may act now, and if not, how long to wait.
func (l *rateLimiter) allow(addr string) (bool, time.Duration) {
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

// limitSigning answers 429 with Retry-After when a client signs too often.
func (s *Server) limitSigning(c *gin.Context) bool {
	ok, wait := s.signLimit.allow(c.ClientIP())
	if ok {
		return true
	}
	c.Header("Retry-After", strconv.Itoa(int(math.Ceil(wait.Seconds()))))
	s.fail(c, newAPIError(http.StatusTooManyRequests, CodeRateLimited,
		"Too many signatures from your connection. Please wait a moment and try again."))
	return false
}
