// Package gobin finds the programs tests run beside the server (stripe-mock,
// Mailpit) where `go install` puts them, whether or not that folder is on
// PATH.
package gobin

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
)

// ErrNotFound: the program is nowhere to be found.
var ErrNotFound = errors.New("not installed")

// Find returns the path of the program name: on PATH, else in GOBIN, each
// GOPATH's bin, or ~/go/bin.
func Find(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	var dirs []string
	if d := os.Getenv("GOBIN"); d != "" {
		dirs = append(dirs, d)
	}
	if gp := os.Getenv("GOPATH"); gp != "" {
		for _, p := range filepath.SplitList(gp) {
			dirs = append(dirs, filepath.Join(p, "bin"))
		}
	} else if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	for _, d := range dirs {
		p := filepath.Join(d, name)
		if fi, err := os.Stat(p); err == nil && !fi.IsDir() {
			return p, nil
		}
	}
	return "", ErrNotFound
}
