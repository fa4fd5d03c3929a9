// Package e2e drives the real server in headless Chromium: a supporter's
// path from the newsroom to a signature, as a browser shows it. It holds
// tests only.
package e2e
