package desk

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
)

// confirmData is what admin/confirm.html shows: a question about a change
// that cannot be taken back in one click, a button that makes it (the
// form posts to Action) and a way back that changes nothing.
type confirmData struct {
	Question    string // the page's heading
	Subject     string // what is acted on, e.g. the petition's title
	Consequence string // what the change does, in a sentence
	Action      string // where the form posts
	Confirm     string // the button's label
	Cancel      string // where "Cancel" goes
}

// confirmClosePage serves GET /admin/petitions/:id/close: asks before
// closing. Nothing changes until the form it shows is posted.
func (d *Desk) confirmClosePage(c *gin.Context) {
	p, err := d.petitionParam(c)
	if err != nil {
		d.Fail(c, err)
		return
	}
	d.Render(c, http.StatusOK, "admin/confirm", kit.Page{Title: "Close the petition?", Data: confirmData{
		Question: "Close the petition?", Subject: p.Title,
		Consequence: "Once it is closed, nobody can sign it: the sign form answers that it is closed. " +
			"You can reopen it from its dashboard.",
		Action: petitionPath(p.ID) + "/close", Confirm: "Close the petition", Cancel: petitionPath(p.ID)}})
}

// confirmUnpublishPage serves GET /admin/releases/:id/unpublish: asks
// before taking a release off the site. Nothing changes until the form it
// shows is posted.
func (d *Desk) confirmUnpublishPage(c *gin.Context) {
	r, err := d.releaseParam(c)
	if err != nil {
		d.Fail(c, err)
		return
	}
	d.Render(c, http.StatusOK, "admin/confirm", kit.Page{Title: "Unpublish the release?", Data: confirmData{
		Question: "Unpublish the release?", Subject: r.Title,
		Consequence: "Its public page and its place in the newsroom go at once; links to it will find nothing. " +
			"It goes back to being a draft, which you can publish again.",
		Action: releasePath(r.ID) + "/unpublish", Confirm: "Unpublish", Cancel: releasePath(r.ID) + "/edit"}})
}
