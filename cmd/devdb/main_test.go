//go:build unix

package main

import (
	"bytes"
	"context"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

// The Makefile reads the URL from devdb's standard output: it must be the
// URL alone, with every message on standard error.
func TestRun(t *testing.T) {
	answering := testdb.ServerURL()
	u, err := url.Parse(answering)
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.User("advocacy_devdb_no_such_role")
	refused := u.String()

	tests := []struct {
		name       string
		args       []string
		env        map[string]string
		wantStdout string
		wantErr    string // "" for success
	}{
		{"DATABASE_URL answers", nil, map[string]string{"DATABASE_URL": answering}, answering + "\n", ""},
		{"-url wins over DATABASE_URL", []string{"-url", answering}, map[string]string{"DATABASE_URL": refused}, answering + "\n", ""},
		{"a refused login is reported as such", nil, map[string]string{"DATABASE_URL": refused}, "", "authentication failed at"},
		{"an unknown action", []string{"destroy"}, nil, "", `unknown action "destroy"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			args := append([]string{"-dir", filepath.Join(t.TempDir(), ".pgdata")}, tt.args...)
			err := run(context.Background(), args, func(k string) string { return tt.env[k] }, &stdout, &stderr)
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("run: %v\nstderr: %s", err, stderr.String())
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("run = %v, want an error saying %q", err, tt.wantErr)
			}
			if stdout.String() != tt.wantStdout {
				t.Errorf("stdout = %q, want %q", stdout.String(), tt.wantStdout)
			}
		})
	}
}
