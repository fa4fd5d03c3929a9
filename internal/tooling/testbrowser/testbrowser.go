// Package testbrowser finds and configures the headless Chromium that the
// browser tests drive with chromedp, so every such test starts it alike.
package testbrowser

import (
	"errors"
	"os"
	"os/exec"
	"testing"

	"github.com/chromedp/chromedp"
)

// ErrNoChromium is returned by Path when no browser binary can be found.
var ErrNoChromium = errors.New("no Chromium found: install it (Debian: apt-get install chromium) or set CHROME_BIN")

// Path finds Chromium: $CHROME_BIN, else the usual names on PATH.
func Path() (string, error) {
	if p := os.Getenv("CHROME_BIN"); p != "" {
		return p, nil
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless_shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", ErrNoChromium
}

// Require returns Chromium's path for t. Without one it skips t on a
// developer's machine, but fails it in CI (CI set), where browser tests
// must run.
func Require(t testing.TB) string {
	t.Helper()
	p, err := Path()
	if err == nil {
		return p
	}
	if os.Getenv("CI") != "" {
		t.Fatal(err)
	}
	t.Skip(err)
	return ""
}

// Options are the allocator options of every browser test: the binary at
// path, headless, and quiet on the network (the test machine's network is
// closed, and Chromium's background requests would only fail). The sandbox
// is off because tests may run as root, where it cannot start. userDataDir
// gives the profile a directory; empty lets chromedp make a temporary one.
func Options(path, userDataDir string) []chromedp.ExecAllocatorOption {
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
	)
	if userDataDir != "" {
		opts = append(opts, chromedp.UserDataDir(userDataDir))
	}
	return opts
}
