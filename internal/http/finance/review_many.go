package finance

import (
	"net/http"
	"net/url"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/advocacy/advocacy/internal/http/kit"
	"github.com/advocacy/advocacy/internal/valid"
)

// reviewManyRequest is the API's body of POST donations/review.
type reviewManyRequest struct {
	IDs  []int64 `json:"ids"`
	Note *string `json:"note"`
}

// reviewManyJSON is the API's answer: the donations now reviewed.
type reviewManyJSON struct {
	ReviewedIDs []int64 `json:"reviewed_ids"`
}

// errBadID stands for a ticked box whose value is not an id; the service
// refuses it with the message every bad id gets.
const errBadID = -1

// reviewManyInput reads the ids and the note: the API posts JSON, the page
// its ticked boxes ("ids", repeated) and a "note" field (which RequireCSRF
// has already read).
func reviewManyInput(c *gin.Context) ([]int64, string, error) {
	if fromAPI(c) {
		var req reviewManyRequest
		if err := kit.DecodeJSON(c, &req); err != nil {
			return nil, "", err
		}
		return req.IDs, kit.Deref(req.Note), nil
	}
	var ids []int64
	for _, v := range c.PostFormArray("ids") {
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil {
			id = errBadID
		}
		ids = append(ids, id)
	}
	return ids, c.PostForm("note"), nil
}

// POST donations/review marks every donation named reviewed by the caller,
// with one note, all or none, an audit row for each. The API answers the
// ids reviewed; the page goes back to the list it was sent from, or shows
// that list again with why the review was refused.
func (f *Finance) reviewMany(c *gin.Context) {
	ids, note, err := reviewManyInput(c)
	if err != nil {
		f.Fail(c, err)
		return
	}
	reviewed, err := f.Donations.ReviewMany(c.Request.Context(), kit.Actor(c), ids, note)
	fields, invalid := kit.FieldErrors(err)
	switch {
	case invalid && !fromAPI(c):
		f.refusedReviewMany(c, note, fields)
	case err != nil:
		f.Fail(c, err)
	case fromAPI(c):
		c.JSON(http.StatusOK, reviewManyJSON{ReviewedIDs: reviewed})
	default:
		back := backQuery(c)
		back.Set("notice", "reviewed")
		c.Redirect(http.StatusSeeOther, "/admin/donations?"+back.Encode())
	}
}

// backQuery is the list's query the review form was sent from (its "back"
// field). Only a query is taken, never a path, so it cannot lead off the list.
func backQuery(c *gin.Context) url.Values {
	q, err := url.ParseQuery(c.PostForm("back"))
	if err != nil {
		return url.Values{}
	}
	return cloneQuery(q)
}

// refusedReviewMany shows the list the review came from again, as a 422,
// with why the review was refused and the note as typed.
func (f *Finance) refusedReviewMany(c *gin.Context, note string, fields valid.Errors) {
	c.Request.URL.RawQuery = backQuery(c).Encode()
	filter, err := f.filter(c)
	filterFields, _ := kit.FieldErrors(err)
	if err != nil && filterFields == nil {
		f.Fail(c, err)
		return
	}
	f.donationsPage(c, http.StatusUnprocessableEntity, filter,
		donationsPageData{Errors: filterFields, ReviewErrors: fields, ReviewNote: note})
}
