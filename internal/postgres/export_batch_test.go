package postgres

// InjectBeforeCommit sets the signer's failure-injection hook for the
// external tests; set it before the first Sign.
func InjectBeforeCommit(s *Signer, hook func(batchSize int) error) { s.beforeCommit = hook }
