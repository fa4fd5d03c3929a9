package postgres

import (
	"context"
	"crypto/rand"
	"fmt"
)

// ServerKey returns the secret key named name, generating it (32 random
// bytes) the first time any instance asks. Concurrent first calls, on one
// instance or several, all get the one key that was stored.
func (db *DB) ServerKey(ctx context.Context, name string) ([]byte, error) {
	fresh := make([]byte, 32)
	if _, err := rand.Read(fresh); err != nil {
		return nil, fmt.Errorf("server key %q: %w", name, err)
	}
	var key []byte
	// The no-op update makes RETURNING give the stored row when another
	// instance got there first; a plain DO NOTHING would return no row.
	err := db.sql.QueryRowContext(ctx, `
		INSERT INTO server_keys (name, key) VALUES ($1, $2)
		ON CONFLICT (name) DO UPDATE SET name = EXCLUDED.name
		RETURNING key`, name, fresh).Scan(&key)
	if err != nil {
		return nil, fmt.Errorf("server key %q: %w", name, translate(err))
	}
	return key, nil
}
