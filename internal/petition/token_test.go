package petition_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/advocacy/advocacy/internal/petition"
)

func tokens(t testing.TB, key string) *petition.Tokens {
	t.Helper()
	return petition.NewTokens(petition.StaticKey([]byte(key)))
}

func TestTokensRoundTrip(t *testing.T) {
	ctx := context.Background()
	tk := tokens(t, strings.Repeat("a", 32))
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	tok, err := tk.Issue(ctx, 42, at)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != 43 || strings.ContainsAny(tok, "+/=") {
		t.Errorf("token %q: want 43 URL-safe characters", tok)
	}
	id, issued, err := tk.Parse(ctx, tok)
	if err != nil || id != 42 || !issued.Equal(at) {
		t.Errorf("Parse = %d, %v, %v; want 42, %v", id, issued, err, at)
	}
	if again, _ := tk.Issue(ctx, 42, at.Add(time.Second)); again == tok {
		t.Error("a link sent again is the same token")
	}
}

func TestTokensRefuseWhatTheyDidNotMake(t *testing.T) {
	ctx := context.Background()
	tk := tokens(t, strings.Repeat("a", 32))
	tok, err := tk.Issue(ctx, 42, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	foreign, err := tokens(t, strings.Repeat("b", 32)).Issue(ctx, 42, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	bad := []string{"", "x", tok[:42], tok + "A", foreign, strings.Repeat("A", 43), tok[:42] + "!", strings.ToUpper(tok)}
	for i := range len(tok) {
		b := []byte(tok)
		if b[i] == 'B' {
			b[i] = 'C'
		} else {
			b[i] = 'B'
		}
		bad = append(bad, string(b))
	}
	for _, s := range bad {
		if s == tok {
			continue
		}
		if _, _, err := tk.Parse(ctx, s); !errors.Is(err, petition.ErrBadToken) {
			t.Errorf("Parse(%q) = %v, want ErrBadToken", s, err)
		}
	}
}

func TestTokensNeedAKey(t *testing.T) {
	ctx := context.Background()
	if _, err := tokens(t, "short").Issue(ctx, 1, time.Now()); err == nil {
		t.Error("a short key was accepted")
	}
	calls := 0
	tk := petition.NewTokens(func(context.Context) ([]byte, error) {
		calls++
		if calls == 1 {
			return nil, errors.New("database down")
		}
		return []byte(strings.Repeat("k", 32)), nil
	})
	if _, err := tk.Issue(ctx, 1, time.Now()); err == nil {
		t.Fatal("Issue without a key succeeded")
	}
	for range 3 {
		if _, err := tk.Issue(ctx, 1, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	if calls != 2 {
		t.Errorf("key loaded %d times, want 2 (once failing, then kept)", calls)
	}
}

// FuzzParseToken: whatever arrives in a link, Parse answers without
// panicking, and accepts only what Issue made.
func FuzzParseToken(f *testing.F) {
	tk := tokens(f, strings.Repeat("a", 32))
	good, err := tk.Issue(context.Background(), 7, time.Unix(1_800_000_000, 0))
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("")
	f.Add(strings.Repeat("_", 43))
	f.Fuzz(func(t *testing.T, s string) {
		id, _, err := tk.Parse(context.Background(), s)
		if err == nil && (s != good || id != 7) {
			t.Fatalf("Parse(%q) accepted id %d", s, id)
		}
	})
}

// Confirmation links already sent stay good: the token of a given
// signature, time and key is what it has always been.
func TestConfirmationTokenFormatIsStable(t *testing.T) {
	at := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	tok, err := tokens(t, strings.Repeat("a", 32)).Issue(context.Background(), 42, at)
	if err != nil {
		t.Fatal(err)
	}
	if want := "AAAAAAAAACoAAAAAaw1lQEmitNIqBazANQrFOelbSgc"; tok != want {
		t.Errorf("token %q, want %q (links already sent would stop working)", tok, want)
	}
}

// An unsubscribe link is never a confirmation link, nor the other way
// round, even were both signed with one key.
func TestTokensOfOnePurposeRefuseAnother(t *testing.T) {
	ctx := context.Background()
	key := petition.StaticKey([]byte(strings.Repeat("k", 32)))
	confirm := petition.NewTokens(key)
	unsubscribe := petition.NewTokensFor(petition.PurposeUnsubscribe, key)
	c, err := confirm.Issue(ctx, 7, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	u, err := unsubscribe.Issue(ctx, 7, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if id, _, err := unsubscribe.Parse(ctx, u); err != nil || id != 7 {
		t.Fatalf("unsubscribe token: %d, %v", id, err)
	}
	if _, _, err := unsubscribe.Parse(ctx, c); !errors.Is(err, petition.ErrBadToken) {
		t.Errorf("a confirmation token unsubscribes: %v", err)
	}
	if _, _, err := confirm.Parse(ctx, u); !errors.Is(err, petition.ErrBadToken) {
		t.Errorf("an unsubscribe token confirms: %v", err)
	}
}
