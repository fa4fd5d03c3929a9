package kit

import (
	"fmt"
	"html/template"
	"log/slog"

	"github.com/advocacy/advocacy/internal/config"
)

// Kit is what every handler of the web layer shares: the configuration,
// the logger and the parsed page templates.
type Kit struct {
	Config config.Config
	Logger *slog.Logger
	pages  map[string]*template.Template
}

// New parses the templates under web/templates.
func New(cfg config.Config, logger *slog.Logger) (*Kit, error) {
	if logger == nil {
		logger = slog.Default()
	}
	pages, err := parsePages()
	if err != nil {
		return nil, fmt.Errorf("parse templates: %w", err)
	}
	return &Kit{Config: cfg, Logger: logger, pages: pages}, nil
}
