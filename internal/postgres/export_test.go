package postgres

import (
	"context"

	"github.com/advocacy/advocacy/internal/petition"
)

// SetBeforeCommit installs f to run inside every batch transaction after its
// statements and before COMMIT; an error from f aborts the batch. Call it
// before the first Sign.
func SetBeforeCommit(s *Signer, f func(batchSize int) error) { s.beforeCommit = f }

// CommitBatch commits sigs as one batch, exactly as a worker does with the
// requests it has gathered, and returns each signature's outcome.
func CommitBatch(s *Signer, sigs []petition.Signature) ([]petition.SignResult, []error) {
	batch := make([]*signRequest, len(sigs))
	for i, sig := range sigs {
		batch[i] = &signRequest{sig: sig, done: make(chan signOutcome, 1)}
	}
	s.commit(batch)
	results := make([]petition.SignResult, len(sigs))
	errs := make([]error, len(sigs))
	for i, req := range batch {
		select {
		case out := <-req.done:
			results[i], errs[i] = out.result, out.err
		default:
			panic("commit returned without answering every request")
		}
	}
	return results, errs
}

// Pending is a queued signature whose outcome may not be known yet.
type Pending struct{ req *signRequest }

// Enqueue queues sig as Sign does, but returns as soon as it is queued.
func Enqueue(s *Signer, sig petition.Signature) (Pending, bool) {
	req := &signRequest{sig: sig, done: make(chan signOutcome, 1)}
	if err := s.batches.enqueue(context.Background(), req); err != nil {
		return Pending{}, false
	}
	return Pending{req: req}, true
}

// Outcome returns the signature's outcome if it has been decided, without
// waiting; ok is false while it is still undecided.
func (p Pending) Outcome() (res petition.SignResult, err error, ok bool) {
	select {
	case out := <-p.req.done:
		return out.result, out.err, true
	default:
		return petition.SignResult{}, nil, false
	}
}
