package desk

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/privacy"
	"github.com/advocacy/advocacy/internal/valid"
)

// The pages take the address in a form post, never in a URL: URLs end up
// in browser history and in proxies' logs. The API takes it as the
// contract says, in the query; the request log names routes, not URLs.

// subjectJSON is a subject access answer.
type subjectJSON struct {
	Email string `json:"email"`
	// Subject is the address's keyed hash, as the audit log names it.
	Subject    string               `json:"subject"`
	ErasedAt   *time.Time           `json:"erased_at"`
	Signatures []subjectSignature   `json:"signatures"`
	Donations  []subjectDonation    `json:"donations"`
	Emails     []subjectEmail       `json:"emails"`
	Elsewhere  []string             `json:"elsewhere"`
	Consents   []subjectConsentJSON `json:"consents"`
}

type subjectPetition struct {
	ID    int64  `json:"id"`
	Slug  string `json:"slug"`
	Title string `json:"title"`
}

type subjectSignature struct {
	ID           int64           `json:"id"`
	Petition     subjectPetition `json:"petition"`
	FullName     string          `json:"full_name"`
	Email        string          `json:"email"`
	Postcode     string          `json:"postcode"`
	Country      string          `json:"country"`
	State        string          `json:"state"`
	Source       string          `json:"source"`
	SignedAt     time.Time       `json:"signed_at"`
	ConfirmedAt  *time.Time      `json:"confirmed_at"`
	AnonymisedAt *time.Time      `json:"anonymised_at"`
}

// subjectConsentJSON is a consent to updates given (or declined) with a
// signature, in the words the supporter saw, and its withdrawal.
type subjectConsentJSON struct {
	SignatureID int64      `json:"signature_id"`
	Given       bool       `json:"given"`
	Version     string     `json:"version"`
	Wording     string     `json:"wording"`
	GivenAt     time.Time  `json:"given_at"`
	WithdrawnAt *time.Time `json:"withdrawn_at"`
}

type subjectGiftAid struct {
	DeclaredAt     time.Time `json:"declared_at"`
	Title          string    `json:"title"`
	FirstName      string    `json:"first_name"`
	LastName       string    `json:"last_name"`
	House          string    `json:"house"`
	FullName       string    `json:"full_name"`
	HomeAddress    string    `json:"home_address"`
	Postcode       string    `json:"postcode"`
	WordingVersion string    `json:"wording_version"`
	Wording        string    `json:"wording"`
}

type subjectDonation struct {
	ID              int64           `json:"id"`
	CampaignID      int64           `json:"campaign_id"`
	SignatureID     *int64          `json:"signature_id"`
	Amount          int64           `json:"amount"`
	Currency        string          `json:"currency"`
	Status          string          `json:"status"`
	CreatedAt       time.Time       `json:"created_at"`
	PaidAt          *time.Time      `json:"paid_at"`
	DonorName       string          `json:"donor_name"`
	DonorEmail      string          `json:"donor_email"`
	GiftAid         *subjectGiftAid `json:"gift_aid"`
	DonorErasedAt   *time.Time      `json:"donor_erased_at"`
	DetailsErasedAt *time.Time      `json:"details_erased_at"`
}

type subjectEmail struct {
	SignatureID int64     `json:"signature_id"`
	Kind        string    `json:"kind"`
	Status      string    `json:"status"`
	At          time.Time `json:"at"`
}

// stripeElsewhere says where else a donor's details are: Stripe keeps its
// own records of their payments, which this service cannot erase.
const stripeElsewhere = "Stripe keeps its own record of each card payment (the donor's name, email and card " +
	"details). Those are Stripe's records: find them in the Stripe dashboard by the payment ids on each donation."

func toSubjectJSON(s privacy.Subject) subjectJSON {
	out := subjectJSON{Email: s.Email, Subject: s.Hash, ErasedAt: s.ErasedAt, Signatures: []subjectSignature{},
		Donations: []subjectDonation{}, Emails: []subjectEmail{}, Elsewhere: []string{}, Consents: []subjectConsentJSON{}}
	for _, g := range s.Signatures {
		out.Signatures = append(out.Signatures, subjectSignature{ID: g.ID,
			Petition: subjectPetition{ID: g.PetitionID, Slug: g.PetitionSlug, Title: g.PetitionTitle},
			FullName: g.FullName, Email: g.Email, Postcode: g.Postcode, Country: g.Country, State: g.State,
			Source: g.Source, SignedAt: g.SignedAt, ConfirmedAt: g.ConfirmedAt, AnonymisedAt: g.AnonymisedAt})
		out.Consents = append(out.Consents, subjectConsentJSON{SignatureID: g.ID, Given: g.Consent.Given,
			Version: g.Consent.Version, Wording: g.Consent.Wording, GivenAt: g.SignedAt, WithdrawnAt: g.Consent.WithdrawnAt})
	}
	for _, d := range s.Donations {
		dj := subjectDonation{ID: d.ID, CampaignID: d.CampaignID, SignatureID: d.SignatureID, Amount: d.Amount,
			Currency: d.Currency, Status: d.Status, CreatedAt: d.CreatedAt, PaidAt: d.PaidAt, DonorName: d.DonorName,
			DonorEmail: d.DonorEmail, DonorErasedAt: d.DonorErasedAt, DetailsErasedAt: d.DetailsErasedAt}
		if g := d.GiftAid; g != nil {
			dj.GiftAid = &subjectGiftAid{DeclaredAt: g.DeclaredAt, Title: g.Title, FirstName: g.FirstName,
				LastName: g.LastName, House: g.House, FullName: g.FullName, HomeAddress: g.HomeAddress,
				Postcode: g.Postcode, WordingVersion: g.WordingVersion, Wording: g.Wording}
		}
		out.Donations = append(out.Donations, dj)
	}
	if len(s.Donations) > 0 {
		out.Elsewhere = append(out.Elsewhere, stripeElsewhere)
	}
	for _, e := range s.Emails {
		out.Emails = append(out.Emails, subjectEmail(e))
	}
	return out
}

// erasureJSON is an erasure's answer.
type erasureJSON struct {
	ErasedAt             time.Time  `json:"erased_at"`
	FirstErasedAt        time.Time  `json:"first_erased_at"`
	SignaturesAnonymised int64      `json:"signatures_anonymised"`
	DonationsErased      int64      `json:"donations_erased"`
	EmailsCancelled      int64      `json:"emails_cancelled"`
	ConsentsWithdrawn    int64      `json:"consents_withdrawn"`
	Kept                 []keptJSON `json:"kept"`
	Elsewhere            []string   `json:"elsewhere"`
}

type keptJSON struct {
	DonationID int64     `json:"donation_id"`
	Fields     []string  `json:"fields"`
	Reason     string    `json:"reason"`
	Until      time.Time `json:"until"`
}

func toErasureJSON(e privacy.Erasure) erasureJSON {
	out := erasureJSON{ErasedAt: e.ErasedAt, FirstErasedAt: e.FirstErasedAt, SignaturesAnonymised: e.SignaturesAnonymised,
		DonationsErased: e.DonationsErased, EmailsCancelled: e.EmailsCancelled, ConsentsWithdrawn: e.ConsentsWithdrawn,
		Kept: []keptJSON{}, Elsewhere: []string{}}
	for _, k := range e.Kept {
		out.Kept = append(out.Kept, keptJSON(k))
	}
	if e.DonationsErased > 0 {
		out.Elsewhere = append(out.Elsewhere, stripeElsewhere)
	}
	return out
}

// subjectAPI serves GET /api/v1/admin/privacy/subject?email=: everything
// held about the address; with download=1, as a file to send the person.
func (d *Desk) subjectAPI(c *gin.Context) {
	s, err := d.Privacy.Subject(c.Request.Context(), kit.Actor(c), c.Query("email"))
	if err != nil {
		d.APIError(c, err)
		return
	}
	if c.Query("download") == "1" {
		d.downloadSubject(c, s)
		return
	}
	c.JSON(http.StatusOK, toSubjectJSON(s))
}

// downloadSubject answers with the subject's data as a JSON file.
func (d *Desk) downloadSubject(c *gin.Context, s privacy.Subject) {
	body, err := json.MarshalIndent(toSubjectJSON(s), "", "  ")
	if err != nil {
		d.Fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="subject-access-`+time.Now().UTC().Format("2006-01-02")+`.json"`)
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "application/json; charset=utf-8", body)
}

// eraseAPI serves POST /api/v1/admin/privacy/erase with {"email"}.
func (d *Desk) eraseAPI(c *gin.Context) {
	var req struct {
		Email string `json:"email"`
	}
	if err := kit.DecodeJSON(c, &req); err != nil {
		d.APIError(c, err)
		return
	}
	e, err := d.Privacy.Erase(c.Request.Context(), kit.Actor(c), req.Email)
	d.answerJSON(c, http.StatusOK, toErasureJSON(e), err)
}

// privacyPageData is what the privacy pages show.
type privacyPageData struct {
	Email   string
	Errors  valid.Errors
	Subject *subjectJSON
	// Confirm: the page asks before erasing.
	Confirm bool
	Erasure *erasureJSON
}

// privacyPage serves GET /admin/privacy: the lookup form.
func (d *Desk) privacyPage(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	d.Render(c, http.StatusOK, "admin/privacy", kit.Page{Title: "Personal data requests", Data: privacyPageData{}})
}

// subjectForm serves POST /admin/privacy/subject: the subject's data on a
// page, or as a file with download=1.
func (d *Desk) subjectForm(c *gin.Context) {
	email := c.PostForm("email")
	s, err := d.Privacy.Subject(c.Request.Context(), kit.Actor(c), email)
	if d.privacyFormFailed(c, email, err) {
		return
	}
	if c.PostForm("download") == "1" {
		d.downloadSubject(c, s)
		return
	}
	sj := toSubjectJSON(s)
	d.renderPrivacy(c, http.StatusOK, privacyPageData{Email: s.Email, Subject: &sj})
}

// eraseForm serves POST /admin/privacy/erase: without confirm=yes it shows
// what would be erased and asks; with it, it erases and says what it did.
func (d *Desk) eraseForm(c *gin.Context) {
	email := c.PostForm("email")
	if c.PostForm("confirm") != "yes" {
		s, err := d.Privacy.Subject(c.Request.Context(), kit.Actor(c), email)
		if d.privacyFormFailed(c, email, err) {
			return
		}
		sj := toSubjectJSON(s)
		d.renderPrivacy(c, http.StatusOK, privacyPageData{Email: s.Email, Subject: &sj, Confirm: true})
		return
	}
	e, err := d.Privacy.Erase(c.Request.Context(), kit.Actor(c), email)
	if d.privacyFormFailed(c, email, err) {
		return
	}
	ej := toErasureJSON(e)
	d.renderPrivacy(c, http.StatusOK, privacyPageData{Erasure: &ej})
}

// privacyFormFailed renders the lookup form again for a malformed address,
// or the error page for any other failure, and reports whether it did.
func (d *Desk) privacyFormFailed(c *gin.Context, email string, err error) bool {
	if err == nil {
		return false
	}
	if fields, ok := kit.FieldErrors(err); ok {
		d.renderPrivacy(c, http.StatusUnprocessableEntity, privacyPageData{Email: email, Errors: fields})
		return true
	}
	d.Fail(c, err)
	return true
}

func (d *Desk) renderPrivacy(c *gin.Context, status int, data privacyPageData) {
	c.Header("Cache-Control", "no-store")
	d.Render(c, status, "admin/privacy", kit.Page{Title: "Personal data requests", Data: data})
}
