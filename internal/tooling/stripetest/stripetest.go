// Package stripetest helps tests talk to Stripe for real: it runs
// stripe-mock (Stripe's own mock of its API, driven by the OpenAPI spec) and
// builds webhook payloads signed exactly as Stripe signs them.
package stripetest

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stripe/stripe-go/v76/webhook"

	"github.com/advocacy/advocacy/internal/tooling/gobin"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

// ErrNoMock is returned by StartMock when no stripe-mock binary is found and
// STRIPE_MOCK_URL is unset. Install it with
// `go install github.com/stripe/stripe-mock@v0.203.0`.
var ErrNoMock = errors.New("stripe-mock not found: set STRIPE_MOCK_URL or install github.com/stripe/stripe-mock")

// Mock is a running stripe-mock.
type Mock struct {
	URL string // e.g. http://127.0.0.1:41234
	cmd *exec.Cmd
}

// StartMock returns the stripe-mock at STRIPE_MOCK_URL when set; otherwise it
// starts the stripe-mock binary (on PATH, or in GOBIN or GOPATH/bin) on a
// free 127.0.0.1 port and waits until it listens. Close it when done.
func StartMock() (*Mock, error) {
	if u := os.Getenv("STRIPE_MOCK_URL"); u != "" {
		return &Mock{URL: strings.TrimRight(u, "/")}, nil
	}
	bin, err := findBinary()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start stripe-mock: %w", err)
	}
	// It prints "Listening for HTTP at address: 127.0.0.1:PORT" once ready.
	const ready = "Listening for HTTP at address: "
	lines := bufio.NewScanner(out)
	var seen []string
	for lines.Scan() {
		line := lines.Text()
		if addr, ok := strings.CutPrefix(line, ready); ok {
			go func() { _, _ = io.Copy(io.Discard, out) }()
			return &Mock{URL: "http://" + strings.TrimSpace(addr), cmd: cmd}, nil
		}
		seen = append(seen, line)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	return nil, fmt.Errorf("stripe-mock exited before listening: %s", strings.Join(seen, " | "))
}

// Close stops a stripe-mock that StartMock started.
func (m *Mock) Close() {
	if m == nil || m.cmd == nil {
		return
	}
	_ = m.cmd.Process.Kill()
	_ = m.cmd.Wait()
}

func findBinary() (string, error) {
	p, err := gobin.Find("stripe-mock")
	if err != nil {
		return "", ErrNoMock
	}
	return p, nil
}

// MissingIsFatal reports whether a missing stripe-mock must fail the tests
// rather than skip them: it must, in CI.
func MissingIsFatal() bool { return os.Getenv("CI") != "" }

// Event builds a webhook payload as Stripe sends it: an event of type typ
// whose data.object is object.
func Event(id, typ string, created time.Time, object map[string]any) []byte {
	b, err := json.Marshal(map[string]any{
		"id": id, "object": "event", "type": typ, "created": created.Unix(), "livemode": false,
		"api_version": "2023-10-16", "pending_webhooks": 1,
		"data": map[string]any{"object": object},
	})
	if err != nil {
		panic(err) // maps of plain values always marshal
	}
	return b
}

// Sign returns the Stripe-Signature header for payload, signed with secret
// at time at.
func Sign(payload []byte, secret string, at time.Time) string {
	return webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{Payload: payload, Secret: secret, Timestamp: at}).Header
}

// CheckoutSession is a checkout.session object for Event.
func CheckoutSession(id, paymentIntent, paymentStatus string, metadata map[string]string) map[string]any {
	s := map[string]any{"id": id, "object": "checkout.session", "mode": "payment", "payment_status": paymentStatus,
		"metadata": metadata, "client_reference_id": metadata["donation_id"],
		"customer_details": map[string]any{"email": "donor@example.org", "name": "Dee Donor"}}
	if paymentIntent != "" {
		s["payment_intent"] = paymentIntent
	}
	return s
}

// Charge is a charge object for Event, with amountRefunded refunded so far.
func Charge(id, paymentIntent string, amount, amountRefunded int64, metadata map[string]string) map[string]any {
	return map[string]any{"id": id, "object": "charge", "amount": amount, "amount_refunded": amountRefunded,
		"refunded": amountRefunded >= amount, "payment_intent": paymentIntent, "metadata": metadata, "currency": "gbp"}
}

// Dispute is a dispute object for Event.
func Dispute(id, charge, paymentIntent string, amount int64) map[string]any {
	return map[string]any{"id": id, "object": "dispute", "amount": amount, "charge": charge,
		"payment_intent": paymentIntent, "status": "needs_response", "currency": "gbp", "metadata": map[string]string{}}
}

// Payout is a payout object for Event, paid into the bank at arrival.
func Payout(id string, amount int64, currency string, arrival time.Time) map[string]any {
	return map[string]any{"id": id, "object": "payout", "amount": amount, "currency": currency, "status": "paid",
		"arrival_date": arrival.Unix(), "created": arrival.Add(-48 * time.Hour).Unix(), "livemode": false,
		"type": "bank_account", "method": "standard"}
}

// Main is the whole TestMain of a package whose tests need a database and
// stripe-mock: it sets up the package's database into *db and starts
// stripe-mock into *mock (nil when it is missing outside CI, for the tests
// to skip), runs the tests, stops both and exits with the tests' status.
func Main(m *testing.M, pkg string, db **testdb.Package, mock **Mock) {
	p, err := testdb.Setup(pkg)
	if err != nil {
		fmt.Fprintf(os.Stderr, "%s tests need PostgreSQL: %v\n", pkg, err)
		os.Exit(1)
	}
	mk, err := StartMock()
	if err != nil && (!errors.Is(err, ErrNoMock) || MissingIsFatal()) {
		p.Close()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	*db, *mock = p, mk
	code := m.Run()
	mk.Close()
	p.Close()
	os.Exit(code)
}
