package config

import (
	"strings"
	"testing"
)

func TestPprofAddrMustBeLoopback(t *testing.T) {
	cases := []struct {
		addr string
		ok   bool
	}{
		{"", true},
		{"127.0.0.1:6060", true},
		{"localhost:6060", true},
		{"[::1]:6060", true},
		{"0.0.0.0:6060", false},
		{":6060", false},
		{"10.1.2.3:6060", false},
		{"example.org:6060", false},
		{"127.0.0.1", false},
	}
	for _, tc := range cases {
		env := map[string]string{"PPROF_ADDR": tc.addr}
		cfg, err := Load(func(k string) string { return env[k] })
		switch {
		case tc.ok && err != nil:
			t.Errorf("PPROF_ADDR=%q: %v", tc.addr, err)
		case tc.ok && cfg.PprofAddr != tc.addr:
			t.Errorf("PPROF_ADDR=%q: got %q", tc.addr, cfg.PprofAddr)
		case !tc.ok && (err == nil || !strings.Contains(err.Error(), "PPROF_ADDR")):
			t.Errorf("PPROF_ADDR=%q: err = %v, want a PPROF_ADDR error", tc.addr, err)
		}
	}
}
