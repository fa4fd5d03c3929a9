package postgres_test

import (
	"fmt"
	"os"
	"testing"

	"github.com/advocacy/advocacy/internal/testdb"
)

// pkg is this package's migrated test database.
var pkg *testdb.Package

func TestMain(m *testing.M) {
	var err error
	pkg, err = testdb.Setup("postgres")
	if err != nil {
		fmt.Fprintln(os.Stderr, "test database:", err)
		os.Exit(1)
	}
	// TEMPORARY until the staff migration (audit_log) is merged.
	if err := pkg.EnsureAuditLog(); err != nil {
		pkg.Close()
		fmt.Fprintln(os.Stderr, "audit_log:", err)
		os.Exit(1)
	}
	code := m.Run()
	pkg.Close()
	os.Exit(code)
}
