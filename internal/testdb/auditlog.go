package testdb

import (
	"context"
	"time"
)

// auditLogDDL is the audit_log table exactly as the staff migration creates
// it. Until that migration is on this branch, test packages that write to
// the audit log call EnsureAuditLog from TestMain.
//
// TEMPORARY: delete this file, and its calls, once the staff migration that
// creates audit_log is merged.
const auditLogDDL = `CREATE TABLE IF NOT EXISTS audit_log (
    id          bigserial   PRIMARY KEY,
    actor_id    bigint,
    actor_email text        NOT NULL DEFAULT '',
    action      text        NOT NULL,
    entity      text        NOT NULL,
    entity_id   bigint,
    before      jsonb,
    after       jsonb,
    created_at  timestamptz NOT NULL DEFAULT now()
)`

// EnsureAuditLog creates audit_log in the package's database when the
// migrations did not. Call it after Setup, before any Fresh copy.
func (p *Package) EnsureAuditLog() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return exec(ctx, p.URL, auditLogDDL)
}
