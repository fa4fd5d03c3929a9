package donation_test

import (
	"reflect"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/donation"
)

var t0 = time.Date(2026, 11, 5, 12, 0, 0, 0, time.UTC)

func at(minutes int) time.Time { return t0.Add(time.Duration(minutes) * time.Minute) }

func completed(paymentStatus string, min int) donation.Event {
	return donation.Event{ID: "evt_completed_" + paymentStatus, Kind: donation.EventCompleted, PaymentStatus: paymentStatus, Created: at(min)}
}

func ev(kind donation.EventKind, min int) donation.Event {
	return donation.Event{ID: "evt_" + string(kind), Kind: kind, Created: at(min)}
}

func refunded(amount int64, full bool, min int) donation.Event {
	return donation.Event{ID: "evt_refund", Kind: donation.EventRefunded, AmountRefunded: amount, FullyRefunded: full, Created: at(min)}
}

func disputed(amount int64, min int) donation.Event {
	return donation.Event{ID: "evt_dispute", Kind: donation.EventDisputed, AmountDisputed: amount, Created: at(min)}
}

func disputeClosed(won bool, min int) donation.Event {
	return donation.Event{ID: "evt_dispute_closed", Kind: donation.EventDisputeClosed, AmountDisputed: 1000, DisputeWon: won, Created: at(min)}
}

func run(amount int64, events ...donation.Event) donation.State {
	s := donation.State{Amount: amount, Status: donation.StatusPending}
	for _, e := range events {
		s = donation.Next(s, e)
	}
	return s
}

func TestNextStatus(t *testing.T) {
	tests := []struct {
		name     string
		events   []donation.Event
		want     donation.Status
		refunded int64
		disputed int64
		awaiting bool
	}{
		{"nothing yet", nil, donation.StatusPending, 0, 0, false},
		{"paid at once", []donation.Event{completed("paid", 1)}, donation.StatusPaid, 0, 0, false},
		{"completed, payment settling", []donation.Event{completed("unpaid", 1)}, donation.StatusPending, 0, 0, true},
		{"async success", []donation.Event{completed("unpaid", 1), ev(donation.EventAsyncSucceeded, 2)}, donation.StatusPaid, 0, 0, false},
		{"async failure", []donation.Event{completed("unpaid", 1), ev(donation.EventAsyncFailed, 2)}, donation.StatusFailed, 0, 0, false},
		{"async success before completion", []donation.Event{ev(donation.EventAsyncSucceeded, 2), completed("unpaid", 1)}, donation.StatusPaid, 0, 0, false},
		{"expired", []donation.Event{ev(donation.EventExpired, 30)}, donation.StatusExpired, 0, 0, false},
		{"checkout could not start", []donation.Event{ev(donation.EventCheckoutFailed, 0)}, donation.StatusFailed, 0, 0, false},
		{"failure outranks expiry", []donation.Event{ev(donation.EventAsyncFailed, 2), ev(donation.EventExpired, 30)}, donation.StatusFailed, 0, 0, false},
		{"paid outranks a stray expiry", []donation.Event{ev(donation.EventExpired, 30), completed("paid", 1)}, donation.StatusPaid, 0, 0, false},
		{"partial refund", []donation.Event{completed("paid", 1), refunded(300, false, 5)}, donation.StatusPartiallyRefunded, 300, 0, false},
		{"full refund", []donation.Event{completed("paid", 1), refunded(1000, true, 5)}, donation.StatusRefunded, 1000, 0, false},
		{"refunds add up to the amount", []donation.Event{completed("paid", 1), refunded(400, false, 5), refunded(1000, false, 6)}, donation.StatusRefunded, 1000, 0, false},
		{"an older, smaller refund total arriving late", []donation.Event{completed("paid", 1), refunded(1000, true, 6), refunded(400, false, 5)}, donation.StatusRefunded, 1000, 0, false},
		{"refund before completion", []donation.Event{refunded(1000, true, 5), completed("paid", 1)}, donation.StatusRefunded, 1000, 0, false},
		{"partial refund before completion", []donation.Event{refunded(250, false, 5), completed("paid", 1)}, donation.StatusPartiallyRefunded, 250, 0, false},
		{"dispute", []donation.Event{completed("paid", 1), disputed(1000, 9)}, donation.StatusDisputed, 0, 1000, false},
		{"dispute before completion", []donation.Event{disputed(1000, 9), completed("paid", 1)}, donation.StatusDisputed, 0, 1000, false},
		{"dispute after partial refund", []donation.Event{completed("paid", 1), refunded(200, false, 5), disputed(800, 9)}, donation.StatusDisputed, 200, 800, false},
		{"dispute won: paid again", []donation.Event{completed("paid", 1), disputed(1000, 9), disputeClosed(true, 20)}, donation.StatusPaid, 0, 1000, false},
		{"dispute lost: stays disputed", []donation.Event{completed("paid", 1), disputed(1000, 9), disputeClosed(false, 20)}, donation.StatusDisputed, 0, 1000, false},
		{"dispute won after a partial refund", []donation.Event{completed("paid", 1), refunded(200, false, 5), disputed(800, 9), disputeClosed(true, 20)}, donation.StatusPartiallyRefunded, 200, 1000, false},
		{"dispute closed before anything else arrived", []donation.Event{disputeClosed(true, 20), completed("paid", 1)}, donation.StatusPaid, 0, 1000, false},
		{"repeats change nothing", []donation.Event{completed("paid", 1), completed("paid", 1), refunded(300, false, 5), refunded(300, false, 5)}, donation.StatusPartiallyRefunded, 300, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := run(1000, tt.events...)
			if s.Status != tt.want {
				t.Errorf("status = %s, want %s", s.Status, tt.want)
			}
			if s.AmountRefunded != tt.refunded || s.AmountDisputed != tt.disputed {
				t.Errorf("refunded %d disputed %d, want %d and %d", s.AmountRefunded, s.AmountDisputed, tt.refunded, tt.disputed)
			}
			if s.Awaiting() != tt.awaiting {
				t.Errorf("Awaiting() = %v, want %v", s.Awaiting(), tt.awaiting)
			}
		})
	}
}

// The paid time is the earliest event that proves payment, whatever order
// the events came in: a refund seen first does not date the payment.
func TestPaidAtIsTheCompletionEvenWhenItCameLast(t *testing.T) {
	s := run(1000, refunded(1000, true, 50), disputed(1000, 60), completed("paid", 1))
	if s.PaidAt == nil || !s.PaidAt.Equal(at(1)) {
		t.Fatalf("PaidAt = %v, want %v", s.PaidAt, at(1))
	}
}

func TestNextIsPure(t *testing.T) {
	paid := at(1)
	before := donation.State{Amount: 1000, Status: donation.StatusPaid, PaidAt: &paid}
	copyBefore := before
	e := refunded(1000, true, 5)
	after := donation.Next(before, e)
	if !reflect.DeepEqual(before, copyBefore) || !before.PaidAt.Equal(at(1)) {
		t.Errorf("Next changed its argument: %+v", before)
	}
	if again := donation.Next(before, e); !reflect.DeepEqual(after, again) {
		t.Errorf("same inputs, different outputs: %+v vs %+v", after, again)
	}
}

// Every ordering of each set of events, each event possibly delivered twice,
// ends in the same state.
func TestAnyOrderAnyRepeatSameState(t *testing.T) {
	sets := [][]donation.Event{
		{completed("paid", 1), refunded(300, false, 5), refunded(1000, true, 7), disputed(1000, 9)},
		{completed("unpaid", 1), ev(donation.EventAsyncSucceeded, 3), refunded(500, false, 8)},
		{completed("unpaid", 1), ev(donation.EventAsyncFailed, 3), ev(donation.EventExpired, 40)},
		{ev(donation.EventExpired, 30), completed("paid", 1), refunded(1000, true, 50)},
		{completed("paid", 1), disputed(1000, 9), disputeClosed(true, 20), refunded(300, false, 30)},
	}
	for i, set := range sets {
		want := run(1000, set...)
		permute(set, func(order []donation.Event) {
			if got := run(1000, order...); !reflect.DeepEqual(got, want) {
				t.Errorf("set %d in order %v: %+v, want %+v", i, kinds(order), got, want)
			}
			doubled := append(append([]donation.Event{}, order...), order...)
			if got := run(1000, doubled...); !reflect.DeepEqual(got, want) {
				t.Errorf("set %d delivered twice in order %v: %+v, want %+v", i, kinds(order), got, want)
			}
		})
	}
}

func permute(events []donation.Event, visit func([]donation.Event)) {
	a := append([]donation.Event{}, events...)
	var rec func(k int)
	rec = func(k int) {
		if k == len(a) {
			visit(a)
			return
		}
		for i := k; i < len(a); i++ {
			a[k], a[i] = a[i], a[k]
			rec(k + 1)
			a[k], a[i] = a[i], a[k]
		}
	}
	rec(0)
}

func kinds(events []donation.Event) []donation.EventKind {
	out := make([]donation.EventKind, len(events))
	for i, e := range events {
		out[i] = e.Kind
	}
	return out
}
