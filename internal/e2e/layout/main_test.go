// Package layout opens every page of the site, public and staff, in
// headless Chromium at a laptop's width (1280 px) and a phone's (390 px),
// and checks what matters on each: nothing wider than the screen, and no
// violation of axe-core's WCAG 2.2 AA rules. It also checks the two things
// a supporter on a phone needs from a release: the count and a way to sign
// on the first screen, and the error summary focused after a failed sign.
// It holds only tests.
package layout_test

import (
	"errors"
	"flag"
	"fmt"
	"os"
	"testing"

	"github.com/advocacy/advocacy/internal/tooling/mailpittest"
	"github.com/advocacy/advocacy/internal/tooling/stripetest"
	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

// screenshots, when set, is the directory TestScreenshots writes the
// README's pictures to (make screenshots sets it to docs/screenshots).
var screenshots = flag.String("screenshots", "", "write the README's screenshots (PNG) to this directory")

var (
	pkgDB *testdb.Package
	// mock is stripe-mock, for donations; mail is Mailpit, for the links
	// that only arrive by email. Either is nil when missing outside CI,
	// and the tests then skip.
	mock *stripetest.Mock
	mail *mailpittest.Mailpit
)

func TestMain(m *testing.M) {
	flag.Parse()
	var err error
	if pkgDB, err = testdb.Setup("e2e_layout"); err != nil {
		fmt.Fprintln(os.Stderr, "layout tests need PostgreSQL:", err)
		os.Exit(1)
	}
	if mock, err = stripetest.StartMock(); err != nil && (!errors.Is(err, stripetest.ErrNoMock) || stripetest.MissingIsFatal()) {
		pkgDB.Close()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if mail, err = mailpittest.Launch(); err != nil && (!errors.Is(err, mailpittest.ErrNoMailpit) || mailpittest.MissingIsFatal()) {
		mock.Close()
		pkgDB.Close()
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := m.Run()
	mail.Close()
	mock.Close()
	pkgDB.Close()
	os.Exit(code)
}
