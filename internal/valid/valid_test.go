package valid_test

import (
	"errors"
	"testing"

	"github.com/advocacy/advocacy/internal/valid"
)

func TestErrors(t *testing.T) {
	errs := valid.Errors{}
	if err := errs.Err(); err != nil {
		t.Fatalf("empty Errors.Err() = %v, want nil", err)
	}

	errs.Add("email", "first")
	errs.Add("email", "second") // the first failure is the one reported
	errs.Add("country", "pick one")
	if errs["email"] != "first" {
		t.Errorf("email = %q, want the first message", errs["email"])
	}

	err := errs.Err()
	if err == nil {
		t.Fatal("Err() = nil with two failing fields")
	}
	var got valid.Errors
	if !errors.As(err, &got) || len(got) != 2 {
		t.Fatalf("errors.As(%v) = %v, want the two fields", err, got)
	}
	// Fields appear in a stable, sorted order whatever the map does.
	want := "invalid input: country: pick one; email: first;"
	for range 20 {
		if s := err.Error(); s != want {
			t.Fatalf("Error() = %q, want %q", s, want)
		}
	}

	wrapped := errors.Join(errors.New("sign"), err)
	if !errors.As(wrapped, &got) || got["country"] != "pick one" {
		t.Errorf("valid.Errors lost when wrapped: %v", wrapped)
	}
}

func TestReadable(t *testing.T) {
	for _, tc := range []struct {
		s    string
		want bool
	}{
		{"Women's rights are human rights", true},
		{"Two lines\nand a tab\there\r\n", true},
		{"Siobhán Ñúñez — “quoted”", true},
		{"", true},
		{"NUL\x00byte", false},
		{"\x1b[31mred", false},
		{"bell\a", false},
		{"next line\u0085", false},
		{"\xff\xfeA", false},
	} {
		if got := valid.Readable(tc.s); got != tc.want {
			t.Errorf("Readable(%q) = %v, want %v", tc.s, got, tc.want)
		}
	}
}
