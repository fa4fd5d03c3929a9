// Package e2estaff drives the staff desk in a real browser (headless
// Chromium through chromedp) against the real server and database.
// It holds only tests.
package e2estaff
