// Package mailpittest lets tests send email for real and read it back: it
// finds or starts Mailpit (an SMTP server that keeps every message and shows
// it through an HTTP API) and reads what arrived for an address.
//
// Several test packages may share one Mailpit (make test and CI start one),
// so a test looks only at messages to its own, unique recipient addresses
// (see Recipient) and never assumes an empty inbox.
package mailpittest

import (
	"bytes"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/tooling/gobin"
)

// Version is the Mailpit that make test installs; install it by hand with
// `go install github.com/axllent/mailpit@v1.33.1`.
const Version = "v1.33.1"

// ErrNoMailpit is returned by Launch when MAILPIT_URL is unset and no mailpit
// binary is found.
var ErrNoMailpit = errors.New("mailpit not found: set MAILPIT_URL and MAILPIT_SMTP, " +
	"or install it with go install github.com/axllent/mailpit@" + Version)

// waitLimit bounds every wait on Mailpit: for it to start, and for messages
// to arrive. Mailpit stores a message before it answers the sender, so a
// message handed over is there at once; the bound only turns a message that
// never comes into a clear failure instead of a hung test.
const waitLimit = 30 * time.Second

// pollEvery is how often a wait asks Mailpit again.
const pollEvery = 25 * time.Millisecond

// Mailpit is a running Mailpit.
type Mailpit struct {
	SMTPURL string // e.g. smtp://127.0.0.1:41025, for mail.Config.URL
	SMTP    string // the same as host:port
	APIURL  string // e.g. http://127.0.0.1:48025: the web UI, and the API under /api/v1

	client *http.Client
	cmd    *exec.Cmd     // nil for a Mailpit this package did not start
	exited chan struct{} // closed once cmd has exited
	log    *lockedBuffer // what cmd printed
}

// Message is one message as Mailpit received it.
type Message struct {
	ID        string // Mailpit's own ID, for its API
	MessageID string // the Message-ID header, without its angle brackets
	From      Address
	To        []Address
	Subject   string
	Date      time.Time // the Date header
	Text      string    // the text/plain part
	HTML      string    // the text/html part
	Username  string    // the SMTP AUTH user name, if the sender logged in
	Inline    int       // inline parts (images) beside the text and HTML
	Attached  int       // attachments
}

// Address is a display name and an email address, as in From or To.
type Address struct {
	Name    string
	Address string
}

// Start returns a Mailpit for tb: the one at MAILPIT_URL (its web address)
// and MAILPIT_SMTP (host:port) when those are set, else a mailpit process of
// its own on free 127.0.0.1 ports, stopped when tb ends. When there is
// neither it skips tb, or fails it in CI (see MissingIsFatal).
func Start(tb testing.TB) *Mailpit {
	tb.Helper()
	m, err := Launch()
	if errors.Is(err, ErrNoMailpit) && !MissingIsFatal() {
		tb.Skip(err)
	}
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(m.Close)
	return m
}

// Launch is Start for TestMain, which has no testing.TB: it returns
// ErrNoMailpit when there is no Mailpit to use, and the caller calls Close.
func Launch() (*Mailpit, error) {
	client := &http.Client{Timeout: 10 * time.Second}
	if api := os.Getenv("MAILPIT_URL"); api != "" {
		smtp := os.Getenv("MAILPIT_SMTP")
		if smtp == "" {
			return nil, errors.New("MAILPIT_URL is set but MAILPIT_SMTP is not: set it to Mailpit's SMTP host:port, e.g. 127.0.0.1:1025")
		}
		m := &Mailpit{SMTPURL: "smtp://" + smtp, SMTP: smtp, APIURL: strings.TrimRight(api, "/"), client: client}
		if err := m.answers(); err != nil {
			return nil, fmt.Errorf("mailpit at MAILPIT_URL %s and MAILPIT_SMTP %s: %w", api, smtp, err)
		}
		return m, nil
	}
	bin, err := findBinary()
	if err != nil {
		return nil, err
	}
	web, err := freeAddr()
	if err != nil {
		return nil, err
	}
	smtp, err := freeAddr()
	if err != nil {
		return nil, err
	}
	m := &Mailpit{
		SMTPURL: "smtp://" + smtp, SMTP: smtp, APIURL: "http://" + web, client: client,
		exited: make(chan struct{}), log: &lockedBuffer{},
	}
	// Any SMTP user name and password is accepted, over plain text too, so
	// that senders that log in can be tested; nothing is pruned while the
	// tests run (--max 0); messages live in a temporary database.
	m.cmd = exec.Command(bin, "--listen", web, "--smtp", smtp,
		"--smtp-auth-accept-any", "--smtp-auth-allow-insecure",
		"--max", "0", "--disable-version-check", "--smtp-disable-rdns", "--quiet")
	m.cmd.Stdout, m.cmd.Stderr = m.log, m.log
	if err := m.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start mailpit: %w", err)
	}
	go func() { _ = m.cmd.Wait(); close(m.exited) }()
	if err := m.waitUntilUp(); err != nil {
		m.Close()
		return nil, err
	}
	return m, nil
}

// Close stops a mailpit that Launch or Start started; a shared one is left
// running.
func (m *Mailpit) Close() {
	if m == nil || m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	<-m.exited
	m.cmd = nil
}

// waitUntilUp waits for a mailpit this package started to answer on both
// ports; it gives up when the process exits, or after waitLimit.
func (m *Mailpit) waitUntilUp() error {
	deadline := time.Now().Add(waitLimit)
	for {
		err := m.answers()
		if err == nil {
			return nil
		}
		select {
		case <-m.exited:
			return fmt.Errorf("mailpit exited before it listened; it said: %s", m.log)
		case <-time.After(pollEvery):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("mailpit did not answer within %s (%v); it said: %s", waitLimit, err, m.log)
		}
	}
}

// answers reports whether Mailpit's web server says it is ready and its
// SMTP port takes connections.
func (m *Mailpit) answers() error {
	resp, err := m.client.Get(m.APIURL + "/readyz")
	if err != nil {
		return err
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET /readyz: %s", resp.Status)
	}
	conn, err := net.DialTimeout("tcp", m.SMTP, 5*time.Second)
	if err != nil {
		return fmt.Errorf("SMTP: %w", err)
	}
	return conn.Close()
}

// Recipient returns an address no other test uses, for tests that share a
// Mailpit: name-random@example.org. (Not name+random: Mailpit would tag
// each message with the random part.)
func Recipient(name string) string {
	return name + "-" + strings.ToLower(rand.Text()) + "@example.org"
}

// Messages returns every message Mailpit holds addressed to to (in To),
// oldest first.
func (m *Mailpit) Messages(tb testing.TB, to string) []Message {
	tb.Helper()
	msgs, err := m.messages(to)
	if err != nil {
		tb.Fatal(err)
	}
	return msgs
}

// WaitFor waits until at least n messages to to have arrived and returns
// every message to to, oldest first. It fails tb, saying what did arrive,
// when they have not come within 30 seconds.
func (m *Mailpit) WaitFor(tb testing.TB, to string, n int) []Message {
	tb.Helper()
	deadline := time.Now().Add(waitLimit)
	for {
		msgs, err := m.messages(to)
		if err != nil {
			tb.Fatal(err)
		}
		if len(msgs) >= n {
			return msgs
		}
		if time.Now().After(deadline) {
			var got []string
			for _, msg := range msgs {
				got = append(got, fmt.Sprintf("%q at %s", msg.Subject, msg.Date.Format(time.RFC3339)))
			}
			tb.Fatalf("mailpit: %d of %d messages to %s arrived within %s: %v", len(msgs), n, to, waitLimit, got)
		}
		time.Sleep(pollEvery) // Mailpit has no way to wait for a message but asking again
	}
}

// Count returns how many messages Mailpit holds, for every recipient.
func (m *Mailpit) Count(tb testing.TB) int {
	tb.Helper()
	var list struct {
		Total int `json:"total"`
	}
	if err := m.get("/api/v1/messages?limit=1", &list); err != nil {
		tb.Fatal(err)
	}
	return list.Total
}

// Headers returns the headers of the message Mailpit knows by id (Message.ID).
func (m *Mailpit) Headers(tb testing.TB, id string) map[string][]string {
	tb.Helper()
	var h map[string][]string
	if err := m.get("/api/v1/message/"+url.PathEscape(id)+"/headers", &h); err != nil {
		tb.Fatal(err)
	}
	return h
}

// Raw returns the message Mailpit knows by id as it was received.
func (m *Mailpit) Raw(tb testing.TB, id string) string {
	tb.Helper()
	resp, err := m.client.Get(m.APIURL + "/api/v1/message/" + url.PathEscape(id) + "/raw")
	if err != nil {
		tb.Fatalf("mailpit: %v", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		tb.Fatalf("mailpit: raw message %s: %s %v", id, resp.Status, err)
	}
	return string(b)
}

// apiMessage is a message as Mailpit's API has it, in a search result or
// on its own.
type apiMessage struct {
	ID          string
	MessageID   string
	From        *Address
	To          []Address
	Subject     string
	Date        time.Time
	Text        string
	HTML        string
	Username    string
	Inline      []json.RawMessage
	Attachments json.RawMessage // a count in a search result, a list on its own
}

func (m *Mailpit) messages(to string) ([]Message, error) {
	// Mailpit's to: search matches parts of addresses too (ann@ in
	// joann@): what it finds is filtered to the exact address.
	var found struct {
		Messages []apiMessage `json:"messages"`
	}
	q := url.Values{"query": {`to:"` + to + `"`}, "limit": {"1000"}}
	if err := m.get("/api/v1/search?"+q.Encode(), &found); err != nil {
		return nil, err
	}
	var msgs []Message
	for _, s := range found.Messages {
		if !slices.ContainsFunc(s.To, func(a Address) bool { return strings.EqualFold(a.Address, to) }) {
			continue
		}
		var full apiMessage
		if err := m.get("/api/v1/message/"+url.PathEscape(s.ID), &full); err != nil {
			return nil, err
		}
		var attached []json.RawMessage
		_ = json.Unmarshal(full.Attachments, &attached)
		msg := Message{
			ID: full.ID, MessageID: full.MessageID, To: full.To, Subject: full.Subject, Date: full.Date,
			Text: full.Text, HTML: full.HTML, Username: full.Username,
			Inline: len(full.Inline), Attached: len(attached),
		}
		if full.From != nil {
			msg.From = *full.From
		}
		msgs = append(msgs, msg)
	}
	slices.Reverse(msgs) // Mailpit lists the newest first
	return msgs, nil
}

func (m *Mailpit) get(path string, into any) error {
	resp, err := m.client.Get(m.APIURL + path)
	if err != nil {
		return fmt.Errorf("mailpit: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
		return fmt.Errorf("mailpit: GET %s: %s: %s", path, resp.Status, bytes.TrimSpace(b))
	}
	if err := json.NewDecoder(resp.Body).Decode(into); err != nil {
		return fmt.Errorf("mailpit: GET %s: %w", path, err)
	}
	return nil
}

// MissingIsFatal reports whether a missing Mailpit must fail the tests
// rather than skip them: it must, in CI.
func MissingIsFatal() bool { return os.Getenv("CI") != "" }

func findBinary() (string, error) {
	p, err := gobin.Find("mailpit")
	if err != nil {
		return "", ErrNoMailpit
	}
	return p, nil
}

// freeAddr returns a 127.0.0.1 address with a port nothing listens on now.
// Mailpit does not say which port it took when given port 0, so one is
// chosen for it; another process could take it first, and mailpit would
// then exit, which Launch reports.
func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// lockedBuffer is mailpit's output, written by exec's copying goroutine and
// read when it fails.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(b.buf.String())
}
