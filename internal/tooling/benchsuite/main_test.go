package benchsuite

import (
	"testing"

	"github.com/advocacy/advocacy/internal/tooling/testdb"
)

var testPkg *testdb.Package

func TestMain(m *testing.M) { testdb.Main(m, "benchsuite", &testPkg) }
