// Package e2eembed drives the embeddable sign form in a real browser
// (headless Chromium through chromedp): a partner's page on another site
// puts the form on itself with embed.js, with third-party cookies blocked,
// against the real server and database. It holds only tests.
package e2eembed
