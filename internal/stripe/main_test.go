package stripe_test

import (
	"errors"
	"fmt"
	"os"
	"testing"

	"github.com/advocacy/advocacy/internal/tooling/stripetest"
)

// mock is the stripe-mock these tests call; nil when it is not installed
// outside CI (the tests that need it then skip).
var mock *stripetest.Mock

func TestMain(m *testing.M) {
	var err error
	mock, err = stripetest.StartMock()
	if err != nil && (!errors.Is(err, stripetest.ErrNoMock) || stripetest.MissingIsFatal()) {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	mock.Close()
	os.Exit(code)
}

func needMock(t *testing.T) *stripetest.Mock {
	t.Helper()
	if mock == nil {
		t.Skip(stripetest.ErrNoMock)
	}
	return mock
}
