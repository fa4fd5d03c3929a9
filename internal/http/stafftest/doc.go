// Package stafftest tests the staff pages under /admin and the staff API
// under /api/v1/admin end to end: the real router over the real stores and
// signer, in a freshly migrated PostgreSQL database, through real HTTP.
// It holds only tests.
package stafftest
