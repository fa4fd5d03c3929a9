package petition

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/advocacy/advocacy/internal/valid"
)

// Sources resolves a signature's source to a published release.
type Sources interface {
	// PublishedReleaseID returns the id of the published release with that
	// slug; found is false when there is none (the source is then a code).
	PublishedReleaseID(ctx context.Context, slug string) (id int64, found bool, err error)
}

// Service runs what happens when a supporter signs. Pages, the JSON API and
// background jobs all sign through it, so each gets the same checks in the
// same order.
type Service struct {
	store   Store
	signer  Signer
	sources Sources
	marker  Marker
	now     func() time.Time
}

// NewService returns a Service over its stores. marker marks each signature
// for the trust rules; nil marks none (every signature is then rated on
// its email's domain alone, with no address).
func NewService(store Store, signer Signer, sources Sources, marker Marker) *Service {
	return &Service{store: store, signer: signer, sources: sources, marker: marker, now: time.Now}
}

// SignRequest is one supporter's signature on one petition.
type SignRequest struct {
	PetitionID int64
	Input      SignInput
	// SourceReleaseID, when set, is the release the form was on; it wins
	// over Input.Source as the release, and a valid source code in
	// Input.Source (the channel a shared link came by, e.g.
	// "share-whatsapp") is kept beside it. Any other Input.Source is
	// ignored then.
	SourceReleaseID *int64
	// ClientAddr is the signer's client address as the web layer saw it;
	// it is hashed for the trust rules and never stored.
	ClientAddr string
}

// Sign validates a supporter's input and stores it: it checks the petition
// is open, validates every field, resolves the source to a published release
// or keeps it as a source code, stamps the current consent wording,
// marks it for the trust rules (see Marker), and commits the signature.
// The result's count already includes it; a signature the rules hold
// back is answered as if it had been counted.
//
// Returns ErrNotFound for an unknown petition, ErrClosed for a closed one
// (before asking the supporter to correct fields they cannot use; the signer
// checks again inside its transaction), and a valid.Errors naming each bad
// field. A repeat signature returns the same result as a new one, with New
// false.
func (s *Service) Sign(ctx context.Context, req SignRequest) (SignResult, error) {
	p, err := s.store.PetitionByID(ctx, req.PetitionID)
	if err != nil {
		return SignResult{}, fmt.Errorf("sign petition %d: %w", req.PetitionID, err)
	}
	if !p.OpenAt(s.now()) {
		return SignResult{}, ErrClosed
	}
	sig, err := req.Input.Validate()
	var fields valid.Errors
	if err != nil && !errors.As(err, &fields) {
		return SignResult{}, err
	}
	if fields == nil {
		fields = valid.Errors{}
	}
	switch source := req.Input.Source; {
	case req.SourceReleaseID != nil:
		sig.SourceReleaseID = req.SourceReleaseID
		if ValidSourceCode(source) {
			sig.SourceCode = source
		}
	case source != "":
		id, found, err := s.sources.PublishedReleaseID(ctx, source)
		switch {
		case err != nil:
			return SignResult{}, fmt.Errorf("sign petition %d: resolve source: %w", p.ID, err)
		case found:
			sig.SourceReleaseID = &id
		case ValidSourceCode(source):
			sig.SourceCode = source
		default:
			fields.Add("source", "Use a release slug or a code of up to 64 letters, digits, '-', '_' or '.'.")
		}
	}
	if err := fields.Err(); err != nil {
		return SignResult{}, err
	}
	consent, err := s.store.CurrentConsent(ctx)
	if err != nil {
		return SignResult{}, fmt.Errorf("sign petition %d: consent wording: %w", p.ID, err)
	}
	sig.PetitionID = p.ID
	sig.ConsentVersion = consent.Version
	if s.marker != nil {
		if sig.Marking, err = s.marker.Mark(ctx, req.ClientAddr, sig.Email); err != nil {
			return SignResult{}, fmt.Errorf("sign petition %d: trust marking: %w", p.ID, err)
		}
	}
	res, err := s.signer.Sign(ctx, sig)
	if err != nil {
		return SignResult{}, err
	}
	// A held signature is answered exactly as a counted one would be: the
	// count as if it had joined it. Its signer cannot tell it was held.
	if res.Held && res.New && !res.Pending {
		res.SignatureCount++
	}
	return res, nil
}
