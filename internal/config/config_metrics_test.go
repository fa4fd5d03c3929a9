package config

import (
	"strings"
	"testing"
)

func TestMetricsAddr(t *testing.T) {
	cases := []struct {
		addr string
		ok   bool
	}{
		{"", true}, // unset: metrics off
		{"127.0.0.1:9464", true},
		{"10.1.2.3:9464", true},
		{"[::1]:9464", true},
		{"metrics.internal:9464", true},
		{":9464", true},
		{"127.0.0.1", false},
		{"9464", false},
		{"127.0.0.1:", false},
		{"127.0.0.1:http", false},
		{"127.0.0.1:70000", false},
		{"http://127.0.0.1:9464", false},
		{"127.0.0.1:9464/metrics", false},
	}
	for _, tc := range cases {
		env := map[string]string{"METRICS_ADDR": tc.addr}
		cfg, err := Load(func(k string) string { return env[k] })
		switch {
		case tc.ok && err != nil:
			t.Errorf("METRICS_ADDR=%q: %v", tc.addr, err)
		case tc.ok && cfg.MetricsAddr != tc.addr:
			t.Errorf("METRICS_ADDR=%q: got %q", tc.addr, cfg.MetricsAddr)
		case !tc.ok && (err == nil || !strings.Contains(err.Error(), "METRICS_ADDR")):
			t.Errorf("METRICS_ADDR=%q: err = %v, want a METRICS_ADDR error", tc.addr, err)
		}
	}
}
