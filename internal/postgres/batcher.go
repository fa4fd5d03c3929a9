package postgres

import (
	"context"
	"errors"
	"sync"
)

// errBatcherClosed is what enqueue answers once close has begun.
var errBatcherClosed = errors.New("shutting down")

// batcher is group commit, shared by the signer and the confirmer:
// concurrent callers queue requests, and workers hand them to commit in
// batches, one call per petition, each request in the order it arrived.
// One transaction per petition means each batch locks exactly one count
// row, so two batches can never wait on each other's count rows.
type batcher[R any] struct {
	queue    chan R
	maxBatch int
	petition func(R) int64
	commit   func(group []R)

	mu     sync.RWMutex // guards closed against sends on a closed queue
	closed bool
	wg     sync.WaitGroup
}

// newBatcher starts workers goroutines that gather up to maxBatch queued
// requests at a time and commit them, grouped by petition.
func newBatcher[R any](maxBatch, workers int, petition func(R) int64, commit func(group []R)) *batcher[R] {
	b := &batcher[R]{queue: make(chan R, maxBatch*workers), maxBatch: maxBatch, petition: petition, commit: commit}
	b.wg.Add(workers)
	for range workers {
		go b.work()
	}
	return b
}

// enqueue queues r, waiting for room while ctx allows. Returns
// errBatcherClosed once close has begun, or ctx's error. Once r is queued
// it is committed or refused: its caller must wait for which.
func (b *batcher[R]) enqueue(ctx context.Context, r R) error {
	b.mu.RLock()
	defer b.mu.RUnlock()
	if b.closed {
		return errBatcherClosed
	}
	select {
	case b.queue <- r:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// close stops taking requests, commits every one already queued, and waits
// for the workers to finish.
func (b *batcher[R]) close() {
	b.mu.Lock()
	if !b.closed {
		b.closed = true
		close(b.queue)
	}
	b.mu.Unlock()
	b.wg.Wait()
}

func (b *batcher[R]) work() {
	defer b.wg.Done()
	batch := make([]R, 0, b.maxBatch)
	for first := range b.queue {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < b.maxBatch {
			select {
			case r, ok := <-b.queue:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		for _, group := range byPetition(batch, b.petition) {
			b.commit(group)
		}
	}
}

// byPetition splits a batch into one group per petition, keeping each
// group's requests in arrival order. The common case, a flood on one
// petition, is a single group.
func byPetition[R any](batch []R, petition func(R) int64) [][]R {
	first := petition(batch[0])
	same := true
	for _, r := range batch[1:] {
		if petition(r) != first {
			same = false
			break
		}
	}
	if same {
		return [][]R{batch}
	}
	index := map[int64]int{}
	var groups [][]R
	for _, r := range batch {
		id := petition(r)
		i, ok := index[id]
		if !ok {
			i = len(groups)
			index[id] = i
			groups = append(groups, nil)
		}
		groups[i] = append(groups[i], r)
	}
	return groups
}
