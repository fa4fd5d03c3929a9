package benchsuite

import (
	"fmt"
	"os"
	"testing"

	"github.com/advocacy/advocacy/internal/testdb"
)

var testPkg *testdb.Package

func TestMain(m *testing.M) {
	pkg, err := testdb.Setup("benchsuite")
	if err != nil {
		fmt.Fprintln(os.Stderr, "test database:", err)
		os.Exit(1)
	}
	testPkg = pkg
	code := m.Run()
	pkg.Close()
	os.Exit(code)
}
