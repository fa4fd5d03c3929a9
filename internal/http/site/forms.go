package site

import (
	"slices"

	"github.com/advocacy/advocacy/internal/valid"
)

// errorTitlePrefix starts the title of a page that shows a form back with
// what is wrong, so a screen reader says so first.
const errorTitlePrefix = "Error: "

// errorLink is one line of a form's error summary: a field's message,
// linking to the control it concerns.
type errorLink struct {
	Anchor  string // the control's id
	Message string
}

// errorSummary lists errs for the summary above a form: the fields of order
// first, in that order (the form's), then any other field by name. Each
// links to the control whose id is the field's name, or anchors[field].
func errorSummary(errs valid.Errors, order []string, anchors map[string]string) []errorLink {
	if len(errs) == 0 {
		return nil
	}
	out := make([]errorLink, 0, len(errs))
	add := func(field string) {
		anchor := field
		if a, ok := anchors[field]; ok {
			anchor = a
		}
		out = append(out, errorLink{Anchor: anchor, Message: errs[field]})
	}
	for _, f := range order {
		if _, ok := errs[f]; ok {
			add(f)
		}
	}
	var rest []string
	for f := range errs {
		if !slices.Contains(order, f) {
			rest = append(rest, f)
		}
	}
	slices.Sort(rest)
	for _, f := range rest {
		add(f)
	}
	return out
}
