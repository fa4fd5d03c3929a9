package kit

import (
	"bytes"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"github.com/go-json-experiment/json/jsontext"
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

// checkJSONText reads a JSON document's tokens and refuses strings that
// hold a NUL byte and objects that name a key twice. Go's decoder matches
// keys without regard to case, folding as strings.EqualFold does, so
// "email", "EMAIL" and "\u212aey"/"key" are each the same key. Syntax errors
// are left to the decoder, which describes them. The tokens are read with
// jsontext, the tokenizer of Go's JSON v2 (its Go-team prototype), which
// reads them without copying and refuses names repeated exactly by itself.
func checkJSONText(body []byte) error {
	r := jsonReaders.Get().(*jsonReader)
	defer jsonReaders.Put(r)
	r.body.Reset(body)
	r.dec.Reset(&r.body)
	dec := &r.dec
	// A NUL can only be written as the escape \u0000; only a body that has
	// one needs its strings decoded to find it.
	mayHoldNUL := bytes.Contains(body, []byte(`\u0000`))
	var names []map[string]bool // per open object; nil for an array
	for {
		tok, err := dec.ReadToken()
		if errors.Is(err, jsontext.ErrDuplicateName) {
			return errDuplicateKey
		}
		if err != nil {
			return nil
		}
		switch tok.Kind() {
		case '{':
			names = append(names, map[string]bool{})
		case '[':
			names = append(names, nil)
		case '}', ']':
			names = names[:len(names)-1]
		case '"':
			kind, n := dec.StackIndex(dec.StackDepth())
			isName := kind == '{' && n%2 == 1 // names come first in each pair
			if !isName && !mayHoldNUL {
				continue
			}
			s := tok.String()
			if mayHoldNUL && !Readable(s) {
				return errUnreadable
			}
			if isName {
				folded := foldKey(s)
				if seen := names[len(names)-1]; seen[folded] {
					return errDuplicateKey
				} else {
					seen[folded] = true
				}
			}
		}
	}
}

// jsonReader is a tokenizer kept between requests: each needs buffers that
// are the same every time.
type jsonReader struct {
	body bytes.Reader
	dec  jsontext.Decoder
}

var jsonReaders = sync.Pool{New: func() any { return new(jsonReader) }}

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
