package http

import (
	"context"
	"errors"
	"time"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/valid"
)

// sign validates a supporter's input and stores it against petition p. The
// source release, when known, is given; otherwise in.Source is resolved to a
// published release slug or kept as a source code.
func (s *Server) sign(ctx context.Context, p petition.Petition, in petition.SignInput, sourceRelease *campaign.Release) (petition.SignResult, error) {
	// Refuse early when the petition is known to be closed, before asking the
	// supporter to correct fields they cannot use; the signer checks again
	// inside its transaction.
	if !p.OpenAt(time.Now()) {
		return petition.SignResult{}, petition.ErrClosed
	}
	sig, err := in.Validate()
	var fields valid.Errors
	if err != nil && !errors.As(err, &fields) {
		return petition.SignResult{}, err
	}
	if fields == nil {
		fields = valid.Errors{}
	}
	if sourceRelease != nil {
		sig.SourceReleaseID = &sourceRelease.ID
	} else if in.Source != "" {
		rel, found, err := s.sourceRelease(ctx, in.Source)
		switch {
		case err != nil:
			return petition.SignResult{}, err
		case found:
			sig.SourceReleaseID = &rel.ID
		case petition.ValidSourceCode(in.Source):
			sig.SourceCode = in.Source
		default:
			fields.Add("source", "Use a release slug or a code of up to 64 letters, digits, '-', '_' or '.'.")
		}
	}
	if err := fields.Err(); err != nil {
		return petition.SignResult{}, err
	}
	consent, err := s.currentConsent(ctx)
	if err != nil {
		return petition.SignResult{}, err
	}
	sig.PetitionID = p.ID
	sig.ConsentVersion = consent.Version
	res, err := s.Signer.Sign(ctx, sig)
	if err != nil {
		return petition.SignResult{}, err
	}
	s.Counts.Observe(p.ID, res.SignatureCount)
	return res, nil
}

// currentConsent is the consent wording shown with the form, cached briefly.
func (s *Server) currentConsent(ctx context.Context) (petition.Consent, error) {
	now := time.Now()
	if c, ok := s.consent.get(struct{}{}, now); ok {
		return c, nil
	}
	c, err := s.Petitions.CurrentConsent(ctx)
	if err != nil {
		return petition.Consent{}, err
	}
	s.consent.put(struct{}{}, c, now)
	return c, nil
}

func isNotFound(err error) bool {
	return errors.Is(err, campaign.ErrNotFound) || errors.Is(err, petition.ErrNotFound)
}
