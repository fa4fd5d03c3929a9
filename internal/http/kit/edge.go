package kit

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
)

// Input that holds a NUL byte or bytes that are not UTF-8 can name nothing
// and mean nothing here, and the database refuses to store it. It is refused
// at the edge, in one place for each way a request carries text: the path
// (404, since no slug or id can be spelled that way), the query string
// (400), form bodies (ParseForm: 400) and JSON bodies (DecodeJSON: 400).
var errUnreadable = NewError(http.StatusBadRequest, CodeBadRequest,
	"The request holds characters we cannot read: a NUL byte, or text that is not UTF-8.")

// Readable reports whether s is UTF-8 without NUL bytes.
func Readable(s string) bool {
	return utf8.ValidString(s) && strings.IndexByte(s, 0) < 0
}

// readableValues reports whether every key and value of v is Readable.
func readableValues(v url.Values) bool {
	for key, values := range v {
		if !Readable(key) {
			return false
		}
		for _, s := range values {
			if !Readable(s) {
				return false
			}
		}
	}
	return true
}

// RejectUnreadable refuses a request whose path or query holds a NUL byte
// or bytes that are not UTF-8, before any handler runs.
func (k *Kit) RejectUnreadable() gin.HandlerFunc {
	return func(c *gin.Context) {
		if !Readable(c.Request.URL.Path) {
			k.NotFound(c)
			return
		}
		if raw := c.Request.URL.RawQuery; raw != "" {
			// Malformed pairs are dropped by ParseQuery, as by every
			// handler's own reading of the query; what remains is checked.
			values, _ := url.ParseQuery(raw)
			if !readableValues(values) {
				k.Fail(c, errUnreadable)
				return
			}
		}
		c.Next()
	}
}

// errDuplicateKey refuses a JSON object that names a field twice: which of
// the two a reader takes is a guess, so neither is.
var errDuplicateKey = NewError(http.StatusBadRequest, CodeBadRequest,
	"The body names a field more than once.")

// checkJSONText walks a JSON document's tokens and refuses strings that hold
// a NUL byte and objects that name a key twice (Go's decoder matches keys
// without regard to case, folding as bytes.EqualFold does, so "email",
// "EMAIL" and "Key"/"key" are each the same key). Syntax
// errors are left to the decoder, which describes them.
func checkJSONText(body []byte) error {
	type frame struct {
		object  bool
		wantKey bool
		keys    map[string]bool
	}
	var stack []*frame
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			continue
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		if top != nil && top.object && top.wantKey {
			key, _ := tok.(string)
			folded := foldKey(key)
			if !Readable(key) {
				return errUnreadable
			}
			if top.keys[folded] {
				return errDuplicateKey
			}
			top.keys[folded] = true
			top.wantKey = false
			continue
		}
		if top != nil && top.object {
			top.wantKey = true // this token is the value; a key comes next
		}
		switch v := tok.(type) {
		case json.Delim:
			stack = append(stack, &frame{object: v == '{', wantKey: v == '{', keys: map[string]bool{}})
		case string:
			if !Readable(v) {
				return errUnreadable
			}
		}
	}
}

// foldKey maps key to one spelling shared by every key that Unicode simple
// case folding (the decoder's matching) equates with it: each rune becomes
// the smallest rune of its folding orbit.
func foldKey(key string) string {
	return strings.Map(func(r rune) rune {
		least := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			least = min(least, f)
		}
		return least
	}, key)
}
