package staff

import (
	"context"
	"time"

	"github.com/advocacy/advocacy/internal/campaign"
	"github.com/advocacy/advocacy/internal/petition"
	"github.com/advocacy/advocacy/internal/valid"
)

// Desk is the campaigner's desk: everything staff create, edit, publish and
// close, and the statistics and exports of petitions. Every change is
// written to the audit log in the same transaction, with actor as its author.
// Entities that fail their rules, or clash with another (a taken slug), are
// refused with a valid.Errors naming each field.
type Desk interface {
	// AllCampaigns returns every campaign, newest first.
	AllCampaigns(ctx context.Context) ([]campaign.Campaign, error)
	CreateCampaign(ctx context.Context, actor Actor, c campaign.Campaign) (campaign.Campaign, error)
	// UpdateCampaign returns campaign.ErrNotFound for an unknown c.ID.
	UpdateCampaign(ctx context.Context, actor Actor, c campaign.Campaign) (campaign.Campaign, error)

	// AllReleases returns every release, drafts included, newest first.
	AllReleases(ctx context.Context) ([]campaign.Release, error)
	// ReleaseByID returns the release whatever its status, or campaign.ErrNotFound.
	ReleaseByID(ctx context.Context, id int64) (campaign.Release, error)
	// CreateRelease stores a draft.
	CreateRelease(ctx context.Context, actor Actor, r campaign.Release) (campaign.Release, error)
	// UpdateRelease changes a release's words and links, not its status.
	UpdateRelease(ctx context.Context, actor Actor, r campaign.Release) (campaign.Release, error)
	// PublishRelease makes a release public; its published_at is set the
	// first time. Publishing a published release changes nothing.
	PublishRelease(ctx context.Context, actor Actor, id int64) (campaign.Release, error)
	// UnpublishRelease takes a release back to draft.
	UnpublishRelease(ctx context.Context, actor Actor, id int64) (campaign.Release, error)

	// AllPetitions returns every petition with its count, newest first.
	AllPetitions(ctx context.Context) ([]petition.Petition, error)
	CreatePetition(ctx context.Context, actor Actor, p petition.Petition) (petition.Petition, error)
	// UpdatePetition returns petition.ErrNotFound for an unknown p.ID.
	UpdatePetition(ctx context.Context, actor Actor, p petition.Petition) (petition.Petition, error)
	// ClosePetition stops a petition taking signatures; signing it then
	// fails with petition.ErrClosed. Closing a closed petition changes nothing.
	ClosePetition(ctx context.Context, actor Actor, id int64) (petition.Petition, error)
	// ReopenPetition lets a closed petition take signatures again.
	ReopenPetition(ctx context.Context, actor Actor, id int64) (petition.Petition, error)

	// PetitionStats returns the petition's dashboard at now, or petition.ErrNotFound.
	PetitionStats(ctx context.Context, id int64, now time.Time) (petition.Stats, error)
	// ExportSignatures notes the export in the audit log, then passes every
	// signature of the petition to page, oldest first, at most pageSize at
	// a time: memory stays bounded whatever the petition's size. The slice
	// is reused between calls. Returns petition.ErrNotFound for an unknown id.
	ExportSignatures(ctx context.Context, actor Actor, petitionID int64, pageSize int,
		page func([]petition.ExportRow) error) error
}

// BodyRenderer renders a release body written in Markdown to safe HTML. It
// returns an error for a body it will not render (one too complex to
// render in reasonable time).
type BodyRenderer func(body string) (string, error)

// RenderBodies returns a Desk that renders each release's body as it is
// saved, so that pages show the stored HTML and never render it again. A
// body the renderer refuses is a valid.Errors on "body".
func RenderBodies(d Desk, render BodyRenderer) Desk { return renderingDesk{Desk: d, render: render} }

type renderingDesk struct {
	Desk
	render BodyRenderer
}

func (d renderingDesk) withHTML(r campaign.Release) (campaign.Release, error) {
	html, err := d.render(r.Body)
	if err != nil {
		return r, valid.Errors{"body": "This body's formatting is too complex to show: " +
			"simplify deeply nested quotes or lists, and close every link's parentheses."}
	}
	r.BodyHTML = html
	return r, nil
}

func (d renderingDesk) CreateRelease(ctx context.Context, actor Actor, r campaign.Release) (campaign.Release, error) {
	r, err := d.withHTML(r)
	if err != nil {
		return campaign.Release{}, err
	}
	return d.Desk.CreateRelease(ctx, actor, r)
}

func (d renderingDesk) UpdateRelease(ctx context.Context, actor Actor, r campaign.Release) (campaign.Release, error) {
	r, err := d.withHTML(r)
	if err != nil {
		return campaign.Release{}, err
	}
	return d.Desk.UpdateRelease(ctx, actor, r)
}

// EmailVerification returns a Desk that refuses to set a petition's
// verification to email while email is off (emailOn false): its signatures
// would wait for a confirmation email that is never sent. The refusal is a
// valid.Errors on "verification".
func EmailVerification(d Desk, emailOn bool) Desk {
	if emailOn {
		return d
	}
	return noEmailDesk{Desk: d}
}

type noEmailDesk struct{ Desk }

// errNoEmail is the refusal of email verification while email is off.
var errNoEmail = valid.Errors{"verification": "Email verification needs email: " +
	"the server has no mail server configured (SMTP_URL), so no confirmation could be sent."}

func (d noEmailDesk) CreatePetition(ctx context.Context, actor Actor, p petition.Petition) (petition.Petition, error) {
	if p.Normalise().VerifiesEmail() {
		return petition.Petition{}, errNoEmail
	}
	return d.Desk.CreatePetition(ctx, actor, p)
}

func (d noEmailDesk) UpdatePetition(ctx context.Context, actor Actor, p petition.Petition) (petition.Petition, error) {
	if p.Normalise().VerifiesEmail() {
		return petition.Petition{}, errNoEmail
	}
	return d.Desk.UpdatePetition(ctx, actor, p)
}
