package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	"github.com/advocacy/advocacy/internal/http/api"
)

// APIPrefix is where the JSON API lives; every answer under it is checked
// against the OpenAPI document, except the document itself.
const APIPrefix = "/api/v1/"

// openAPIPath is the document itself, which is not checked against itself.
const openAPIPath = APIPrefix + "openapi.json"

// Contract is the OpenAPI document of /api/v1, ready to check exchanges
// against: the Client checks every request it sends under /api/v1 and the
// answer it gets, so the document cannot drift from the code.
type Contract struct {
	doc    *openapi3.T
	router routers.Router
}

// LoadContract parses raw as an OpenAPI 3.1 document and validates it.
func LoadContract(ctx context.Context, raw []byte) (*Contract, error) {
	loader := openapi3.NewLoader()
	loader.Context = ctx
	doc, err := loader.LoadFromData(raw)
	if err != nil {
		return nil, fmt.Errorf("load the OpenAPI document: %w", err)
	}
	if !doc.IsOpenAPI31OrLater() || !strings.HasPrefix(doc.OpenAPI, "3.1.") {
		return nil, fmt.Errorf("load the OpenAPI document: version %q, want 3.1.x", doc.OpenAPI)
	}
	if err := doc.Validate(ctx); err != nil {
		return nil, fmt.Errorf("validate the OpenAPI document: %w", err)
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("route the OpenAPI document: %w", err)
	}
	return &Contract{doc: doc, router: router}, nil
}

// apiContract is the document this build serves, loaded once: it never
// changes while the tests run.
var apiContract = sync.OnceValues(func() (*Contract, error) {
	return LoadContract(context.Background(), api.OpenAPI())
})

// APIContract returns the contract of the document this build serves at
// GET /api/v1/openapi.json.
func APIContract() (*Contract, error) { return apiContract() }

// Doc is the parsed document.
func (ct *Contract) Doc() *openapi3.T { return ct.doc }

// Exchange is one request under /api/v1 and the answer to it.
type Exchange struct {
	Method string
	// URL is the request's URL; only its path and query are read.
	URL           *url.URL
	RequestHeader http.Header
	// RequestBody is what was sent. RequestBodyKnown is false when the
	// body could not be captured whole (the server answered before reading
	// it), and the request is then not checked.
	RequestBody      []byte
	RequestBodyKnown bool

	Status int
	Header http.Header
	Body   []byte
	// BodyUnread marks an answer whose body the test streams itself: its
	// status, headers and content type are checked, not its body.
	BodyUnread bool
}

// Check returns nil when the exchange is one the document describes, or
// an error naming the route, the status and what does not match:
//
//   - the answer's status must be documented for the route (a path that
//     names no route may only be answered 404 or 405 in the error shape, or
//     redirected), its content type must be one documented for that status,
//     and its body must match that content's schema, as must its
//     documented headers;
//   - a request the document refuses (a missing field, a wrong type) must
//     not be answered with a success: tests send such requests on purpose
//     to check the 4xx they get, so only a 2xx to one is a mismatch.
func (ct *Contract) Check(ctx context.Context, ex Exchange) error {
	if !strings.HasPrefix(ex.URL.Path, APIPrefix) || ex.URL.Path == openAPIPath {
		return nil
	}
	req, err := ex.request(ctx, false)
	if err != nil {
		return err
	}
	route, params, err := ct.router.FindRoute(req)
	if errors.Is(err, routers.ErrPathNotFound) && strings.Contains(req.URL.Path, "//") {
		// gin binds an empty segment to a parameter (POST
		// /api/v1/petitions//signatures reaches the sign handler, with an
		// empty id); the document's router wants a value there.
		filled := req.Clone(ctx)
		filled.URL.Path = fillEmptySegments(req.URL.Path)
		filled.URL.RawPath = ""
		route, params, err = ct.router.FindRoute(filled)
	}
	switch {
	case errors.Is(err, routers.ErrPathNotFound), errors.Is(err, routers.ErrMethodNotAllowed):
		return ct.checkUnrouted(ex, err)
	case err != nil:
		return fmt.Errorf("%s %s: find the route in the OpenAPI document: %w", ex.Method, ex.URL.Path, err)
	}
	name := ex.Method + " " + strings.TrimSuffix(APIPrefix, "/") + route.Path
	opts := &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc,
		IncludeResponseStatus: true, ExcludeResponseBody: ex.BodyUnread}
	opts.WithCustomSchemaErrorFunc(schemaMessage)
	in := &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts}
	if ex.BodyUnread {
		if err := checkContentType(route.Operation, ex); err != nil {
			return fmt.Errorf("%s answered %d: %w", name, ex.Status, err)
		}
	}
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: ex.Status,
		Header: ex.Header, Options: opts}
	out.SetBodyBytes(ex.Body)
	if err := openapi3filter.ValidateResponse(ctx, out); err != nil {
		return fmt.Errorf("%s answered %d, which the OpenAPI document does not describe: %w\nbody: %s",
			name, ex.Status, err, excerpt(ex.Body, ex.BodyUnread))
	}
	if !ex.RequestBodyKnown || ex.Status < 200 || ex.Status > 299 {
		return nil
	}
	sent, err := ex.request(ctx, true)
	if err != nil {
		return err
	}
	check := &openapi3filter.RequestValidationInput{Request: sent, PathParams: params, Route: route, Options: opts}
	if err := openapi3filter.ValidateRequest(ctx, check); err != nil {
		return fmt.Errorf("%s answered %d to a request the OpenAPI document refuses: %w\nrequest body: %s",
			name, ex.Status, err, excerpt(ex.RequestBody, false))
	}
	return nil
}

// checkUnrouted checks the answer to a path or method the document has no
// operation for: the router's 404 or 405 in the error shape, the edge's
// refusals that come before any route (400 for a path, query or body it
// cannot read, 413 for a body over the limit), also in the error shape, or
// a redirect (gin's to the path without its trailing slash).
func (ct *Contract) checkUnrouted(ex Exchange, why error) error {
	switch ex.Status {
	case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return nil
	case http.StatusNotFound, http.StatusMethodNotAllowed, http.StatusBadRequest, http.StatusRequestEntityTooLarge:
	default:
		return fmt.Errorf("%s %s answered %d, but the OpenAPI document has no such operation (%v): document it",
			ex.Method, ex.URL.Path, ex.Status, why)
	}
	if ex.BodyUnread || ex.Method == http.MethodHead { // an answer to HEAD has no body
		return nil
	}
	if mt := ex.Header.Get("Content-Type"); !strings.HasPrefix(mt, "application/json") {
		return fmt.Errorf("%s %s answered %d with Content-Type %q, want the JSON error shape", ex.Method, ex.URL.Path, ex.Status, mt)
	}
	schema := ct.doc.Components.Schemas["Error"]
	if schema == nil || schema.Value == nil {
		return errors.New("the OpenAPI document has no Error schema")
	}
	var body any
	if err := json.Unmarshal(ex.Body, &body); err != nil {
		return fmt.Errorf("%s %s answered %d with a body that is not JSON: %w", ex.Method, ex.URL.Path, ex.Status, err)
	}
	if err := schema.Value.VisitJSON(body, openapi3.EnableJSONSchema2020(), openapi3.VisitAsResponse(),
		openapi3.SetSchemaErrorMessageCustomizer(schemaMessage)); err != nil {
		return fmt.Errorf("%s %s answered %d with a body that is not the Error schema: %w\nbody: %s",
			ex.Method, ex.URL.Path, ex.Status, err, excerpt(ex.Body, false))
	}
	return nil
}

// fillEmptySegments puts "-" in each empty segment of path but the last.
func fillEmptySegments(path string) string {
	segments := strings.Split(path, "/")
	for i := 1; i < len(segments)-1; i++ {
		if segments[i] == "" {
			segments[i] = "-"
		}
	}
	return strings.Join(segments, "/")
}

// schemaMessage says where in the body a schema failed and why, without
// the validator's dump of the whole schema (the failure shows the body).
func schemaMessage(err *openapi3.SchemaError) string {
	reason := err.Reason
	if reason == "" {
		reason = "does not match the schema's " + strconv.Quote(err.SchemaField)
	}
	if p := err.JSONPointer(); len(p) > 0 {
		return "at /" + strings.Join(p, "/") + ": " + reason
	}
	return reason
}

// checkContentType checks, for an answer whose body is not read here, that
// its status is documented with its content type.
func checkContentType(op *openapi3.Operation, ex Exchange) error {
	res := op.Responses.Status(ex.Status)
	if res == nil || res.Value == nil {
		return errors.New("status not documented for this operation")
	}
	if len(res.Value.Content) == 0 {
		return nil
	}
	if ct := ex.Header.Get("Content-Type"); res.Value.Content.Get(ct) == nil {
		return fmt.Errorf("Content-Type %q is not documented for this status", ct)
	}
	return nil
}

// request rebuilds the request for the validator, with its body when
// withBody is set.
func (ex Exchange) request(ctx context.Context, withBody bool) (*http.Request, error) {
	var body io.Reader
	if withBody && len(ex.RequestBody) > 0 {
		body = bytes.NewReader(ex.RequestBody)
	}
	u := *ex.URL
	u.Scheme, u.Host = "http", "api.test"
	req, err := http.NewRequestWithContext(ctx, ex.Method, u.String(), body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: rebuild the request: %w", ex.Method, ex.URL.Path, err)
	}
	req.Header = ex.RequestHeader.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	return req, nil
}

// excerpt shows up to 2,000 bytes of a body in a failure message.
func excerpt(b []byte, unread bool) string {
	const most = 2000
	switch {
	case unread:
		return "(streamed; not read here)"
	case len(b) > most:
		return string(b[:most]) + "…"
	default:
		return string(b)
	}
}

// capturedBody is a request body that keeps a copy of what the transport
// read, for the contract to check once the answer is in. The transport
// reads it on its own goroutine, so the copy is guarded.
type capturedBody struct {
	r      io.ReadCloser
	length int64 // the request's ContentLength: -1 unknown

	mu  sync.Mutex
	buf bytes.Buffer
	eof bool
}

func (b *capturedBody) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	b.mu.Lock()
	b.buf.Write(p[:n])
	if err == io.EOF {
		b.eof = true
	}
	b.mu.Unlock()
	return n, err
}

func (b *capturedBody) Close() error { return b.r.Close() }

// sent returns what was read, and whether it is the whole body.
func (b *capturedBody) sent() ([]byte, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	whole := b.eof || (b.length >= 0 && int64(b.buf.Len()) == b.length)
	return bytes.Clone(b.buf.Bytes()), whole
}
