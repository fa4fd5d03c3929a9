package desk

import (
	"strconv"
	"strings"

	"github.com/advocacy/advocacy/internal/http/kit"
)

// barChart is a bar chart drawn on the server as inline SVG: no script, no
// external library, no inline style (the Content-Security-Policy forbids
// it), only SVG attributes. Its figures are repeated in a table for screen
// readers and for anyone who wants the numbers.
type barChart struct {
	ID      string // unique on the page, for aria references
	Title   string // the accessible name and the caption
	Summary string // one sentence: the total and the busiest bar
	Unit    string // the table's first column heading, e.g. "Day"
	Width   int
	Height  int
	Bars    []chartBar
	YTicks  []chartTick
	XLabels []chartLabel
	// The plot area inside the view box, and where the axis labels go.
	Left, Right, Top, Bottom int
	TickX, LabelY            int
}

// chartBar is one bar: its box in view-box units, and what it stands for.
type chartBar struct {
	X, Y, W, H int
	Label      string // e.g. "27 Nov 2026"
	Value      int64
}

// chartTick is a horizontal grid line with its value.
type chartTick struct {
	Y, TextY int
	Label    string
}

// chartLabel is a label under the x axis.
type chartLabel struct {
	X    int
	Text string
}

// chartPoint is one value of a series to chart.
type chartPoint struct {
	Label string // the full label, for the tooltip and table
	Short string // the axis label; "" leaves that bar unlabelled
	Value int64
}

// newBarChart lays out points as bars in a 720×240 view box.
func newBarChart(id, title, unit string, points []chartPoint) barChart {
	ch := barChart{ID: id, Title: title, Unit: unit, Width: 720, Height: 240, Left: 48, Right: 712, Top: 12, Bottom: 212}
	ch.TickX, ch.LabelY = ch.Left-6, ch.Bottom+18
	var maxV, total int64
	busiest := -1
	for i, p := range points {
		total += p.Value
		if p.Value > maxV {
			maxV, busiest = p.Value, i
		}
	}
	top := niceCeil(maxV)
	plotH := ch.Bottom - ch.Top
	for _, v := range []int64{0, top / 2, top} {
		y := ch.Bottom - int(v*int64(plotH)/top)
		ch.YTicks = append(ch.YTicks, chartTick{Y: y, TextY: y + 4, Label: kit.FormatCount(v)})
	}
	if len(points) > 0 {
		step := (ch.Right - ch.Left) / len(points)
		gap := max(1, step/5)
		for i, p := range points {
			h := int(p.Value * int64(plotH) / top)
			if p.Value > 0 && h < 1 {
				h = 1 // a single signature still shows
			}
			x := ch.Left + i*step
			ch.Bars = append(ch.Bars, chartBar{X: x + gap/2, Y: ch.Bottom - h, W: step - gap, H: h, Label: p.Label, Value: p.Value})
			if p.Short != "" {
				ch.XLabels = append(ch.XLabels, chartLabel{X: x + step/2, Text: p.Short})
			}
		}
	}
	ch.Summary = kit.FormatCount(total) + " signatures in this period."
	if busiest >= 0 {
		ch.Summary += " The most in one " + strings.ToLower(unit) + ": " + kit.FormatCount(maxV) + " (" + points[busiest].Label + ")."
	}
	return ch
}

// niceCeil rounds n up to 1, 2 or 5 times a power of ten, so the axis reads
// in round numbers. It is at least 2, so the middle tick is whole.
func niceCeil(n int64) int64 {
	if n <= 2 {
		return 2
	}
	for p := int64(1); ; p *= 10 {
		for _, m := range []int64{1, 2, 5} {
			if m*p >= n && m*p >= 2 {
				return m * p
			}
		}
	}
}

// percent is part of whole as a whole percentage, for the tables.
func percent(part, whole int64) string {
	if whole <= 0 {
		return "0%"
	}
	return strconv.FormatInt((part*100+whole/2)/whole, 10) + "%"
}
