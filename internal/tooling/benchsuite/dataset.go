package benchsuite

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/postgres"
)

// DatasetSpec describes a petition to fill with generated signatures.
type DatasetSpec struct {
	CampaignSlug string // created when missing
	PetitionSlug string // created when missing; it must have no signatures yet
	Signatures   int64
	// ChunkSize is the rows inserted per transaction (default 1,000,000).
	ChunkSize int64
	// Progress, when set, gets a line per committed chunk.
	Progress io.Writer
}

// Dataset is a generated petition.
type Dataset struct {
	PetitionID int64         `json:"petition_id"`
	Signatures int64         `json:"signatures"`
	Took       time.Duration `json:"took_ns"`
}

// GenerateDataset creates a petition (and its campaign when missing) in a
// migrated advocacy database and fills it with spec.Signatures generated
// signatures. Both go through internal/postgres, the seed and
// GenerateSignatures, so the data is kept exactly as the server keeps it.
func GenerateDataset(ctx context.Context, db *postgres.DB, spec DatasetSpec) (Dataset, error) {
	if spec.Signatures < 0 {
		return Dataset{}, errors.New("dataset: the number of signatures cannot be negative")
	}
	start := time.Now()
	// Seeding needs a release; a draft one stays off every public page.
	set, err := db.Seed(ctx, postgres.SeedSet{
		Campaign: campaign.Campaign{Slug: spec.CampaignSlug, Title: "Benchmark campaign", Summary: "Generated for benchmarks.",
			Target: "Nobody", Status: campaign.StatusActive, Currency: "GBP"},
		Petition: petition.Petition{Slug: spec.PetitionSlug, Title: "Benchmark petition", Ask: "Generated for benchmarks.",
			Target: "Nobody", Goal: max(spec.Signatures, 1), Status: petition.StatusOpen},
		Release: campaign.Release{Slug: spec.PetitionSlug, Title: "Benchmark petition", Status: campaign.ReleaseDraft},
	})
	if err != nil {
		return Dataset{}, fmt.Errorf("dataset: petition %q: %w", spec.PetitionSlug, err)
	}
	opts := postgres.GenerateOptions{ChunkSize: spec.ChunkSize}
	if spec.Progress != nil {
		opts.Progress = func(done int64) {
			fmt.Fprintf(spec.Progress, "  dataset %s: %d of %d rows (%.0f s)\n", spec.PetitionSlug, done, spec.Signatures,
				time.Since(start).Seconds())
		}
	}
	if err := db.GenerateSignatures(ctx, set.Petition.ID, spec.Signatures, opts); err != nil {
		return Dataset{}, fmt.Errorf("dataset %q: %w", spec.PetitionSlug, err)
	}
	return Dataset{PetitionID: set.Petition.ID, Signatures: spec.Signatures, Took: time.Since(start)}, nil
}
