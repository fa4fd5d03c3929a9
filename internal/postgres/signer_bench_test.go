package postgres_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	"github.com/advocacy/advocacy/internal/outbound"
	"github.com/advocacy/advocacy/internal/postgres"
	"github.com/advocacy/advocacy/internal/staff"
)

// benchmarkSign signs b.N distinct people, 64 at a time per core, spread
// round-robin over the given number of petitions and over two signers with
// pools of their own, as two server processes would.
func benchmarkSign(b *testing.B, petitions int) {
	ctx := context.Background()
	other, err := postgres.Open(ctx, sharedURL, postgres.Options{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { other.Close() })
	signers := []*postgres.Signer{newSigner(b, shared, postgres.SignerOptions{}), newSigner(b, other, postgres.SignerOptions{})}
	c := newCampaign(b, shared, unique("bench"))
	ids := make([]int64, petitions)
	for i := range ids {
		ids[i] = newPetition(b, shared, c, unique("bench"), "open", nil)
	}
	var next atomic.Int64
	b.SetParallelism(64)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			n := next.Add(1)
			sig := signature(b, ids[n%int64(petitions)], "Supporter", fmt.Sprintf("bench%d@example.org", n))
			if _, err := signers[n%2].Sign(ctx, sig); err != nil {
				b.Error(err)
				return
			}
		}
	})
	b.StopTimer()
	for _, id := range ids {
		assertExact(b, shared, id)
	}
}

func BenchmarkSignOnePetition(b *testing.B)  { benchmarkSign(b, 1) }
func BenchmarkSignSixPetitions(b *testing.B) { benchmarkSign(b, 6) }

// BenchmarkSignOnePetitionWithWebhook is BenchmarkSignOnePetition with an
// endpoint subscribed to signature.counted: each new signature also queues
// its delivery and job in the batch's statement.
func BenchmarkSignOnePetitionWithWebhook(b *testing.B) {
	e, _, err := shared.Webhooks().CreateEndpoint(context.Background(), staff.CommandLine(),
		outbound.NewEndpoint{URL: "https://crm.example.org/bench", Events: []string{outbound.EventSignatureCounted}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		if err := shared.Webhooks().DeleteEndpoint(context.Background(), staff.CommandLine(), e.ID); err != nil {
			b.Error(err)
		}
	})
	benchmarkSign(b, 1)
}
