package benchsuite

import "syscall"

// childProcAttr makes a server die with the suite, so an interrupted run
// leaves no process behind.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
