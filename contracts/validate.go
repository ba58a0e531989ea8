// Checking one request or one response against the document, and turning
// kin-openapi's nested errors into a Mismatch a person can read.

package contracts

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// Mismatch is a request or a response that breaks the contract.
type Mismatch struct {
	// Operation is the operationId in openapi.yaml ("" when no operation
	// matched the method and path).
	Operation string
	Method    string
	Path      string
	// Response is false for a request, true for a response.
	Response bool
	// Status is the response's HTTP status (0 for a request).
	Status int
	// Problems lists every way the message breaks the contract.
	Problems []Problem
}

// Problem is one way a message breaks the contract.
type Problem struct {
	// Where is the part of the message: "body", `query parameter "sign"`,
	// `header "X-Mock-Fault"`, "status", "route", "security" or "content type".
	Where string
	// Pointer is the JSON pointer of the offending value in the body ("" for
	// the whole body or for problems outside it).
	Pointer string
	// Expected is what the contract asks for.
	Expected string
	// Got is what was sent ("" when the contract's words say it all).
	Got string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.Where)
	if p.Pointer != "" {
		b.WriteString(" ")
		b.WriteString(p.Pointer)
	}
	b.WriteString(": expected ")
	b.WriteString(p.Expected)
	if p.Got != "" {
		b.WriteString("; got ")
		b.WriteString(p.Got)
	}
	return b.String()
}

// Error renders the mismatch on several lines:
//
//	openapi.yaml: the response to SNSDingTalkTestConnection (POST /zstack/v1/…/test-connection) with status 200 breaks the contract:
//	  - body /connected: expected property "connected" (required); got no such property
func (m *Mismatch) Error() string {
	var b strings.Builder
	b.WriteString("openapi.yaml: the ")
	if m.Response {
		b.WriteString("response to ")
	} else {
		b.WriteString("request ")
	}
	if m.Operation != "" {
		b.WriteString(m.Operation)
		b.WriteString(" (")
		b.WriteString(m.Method)
		b.WriteString(" ")
		b.WriteString(m.Path)
		b.WriteString(")")
	} else {
		b.WriteString(m.Method)
		b.WriteString(" ")
		b.WriteString(m.Path)
	}
	if m.Response {
		fmt.Fprintf(&b, " with status %d", m.Status)
	}
	b.WriteString(" breaks the contract:")
	for _, p := range m.Problems {
		b.WriteString("\n  - ")
		b.WriteString(p.String())
	}
	return b.String()
}

// exchange is a request matched to its operation.
type exchange struct {
	req    *http.Request
	route  *routers.Route
	params map[string]string
	err    error // the routing error, when no operation matched
}

func (v *Validator) find(req *http.Request) exchange {
	route, params, err := v.router.FindRoute(req)
	return exchange{req: req, route: route, params: params, err: err}
}

func (x exchange) mismatch(response bool, status int) *Mismatch {
	m := &Mismatch{Method: x.req.Method, Path: x.req.URL.Path, Response: response, Status: status}
	if x.route != nil && x.route.Operation != nil {
		m.Operation = x.route.Operation.OperationID
	}
	return m
}

func (x exchange) routeMismatch() *Mismatch {
	m := x.mismatch(false, 0)
	expected := "an operation in openapi.yaml for this path"
	if errors.Is(x.err, routers.ErrMethodNotAllowed) {
		expected = "a method openapi.yaml documents for this path"
	}
	m.Problems = []Problem{{Where: "route", Expected: expected, Got: x.req.Method + " " + x.req.URL.Path}}
	return m
}

// ValidateRequest checks req against the operation its method and path
// select. The body is read and put back, so req can still be sent. It
// returns nil or a *Mismatch.
func (v *Validator) ValidateRequest(req *http.Request) error {
	var body []byte
	if req.Body != nil && req.Body != http.NoBody {
		var err error
		body, err = io.ReadAll(req.Body)
		req.Body.Close()
		req.Body = io.NopCloser(bytes.NewReader(body))
		if err != nil {
			return fmt.Errorf("contracts: read the request body: %w", err)
		}
	}
	x := v.find(req)
	if x.err != nil {
		return x.routeMismatch()
	}
	return v.validateRequest(req.Context(), x, body)
}

// validateRequest checks a routed request whose body has been read.
func (v *Validator) validateRequest(ctx context.Context, x exchange, body []byte) error {
	// A shallow copy with its own body: kin-openapi reads and replaces it.
	r := x.req.WithContext(ctx)
	r.Body = io.NopCloser(bytes.NewReader(body))
	r.GetBody = nil
	r.ContentLength = int64(len(body))
	in := &openapi3filter.RequestValidationInput{Request: r, PathParams: x.params, Route: x.route, Options: v.options}
	err := openapi3filter.ValidateRequest(ctx, in)
	if err == nil {
		return nil
	}
	m := x.mismatch(false, 0)
	m.Problems = v.problems(err, "", m.Problems)
	return m
}

// ValidateResponse checks a response to req (status, header, body) against
// the operation req's method and path select. It returns nil or a
// *Mismatch.
func (v *Validator) ValidateResponse(req *http.Request, status int, header http.Header, body []byte) error {
	x := v.find(req)
	if x.err != nil {
		return x.routeMismatch()
	}
	return v.validateResponse(x, status, header, body)
}

func (v *Validator) validateResponse(x exchange, status int, header http.Header, body []byte) error {
	opts := v.options
	if isEventStream(header) {
		o := *v.options
		o.ExcludeResponseBody = true
		opts = &o
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: x.req, PathParams: x.params, Route: x.route, Options: opts,
		},
		Status:  status,
		Header:  header,
		Options: opts,
	}
	in.SetBodyBytes(body)
	err := openapi3filter.ValidateResponse(x.req.Context(), in)
	if err == nil {
		return nil
	}
	m := x.mismatch(true, status)
	m.Problems = v.problems(err, "", m.Problems)
	if len(m.Problems) > 0 && m.Problems[0].Where == "status" {
		m.Problems[0].Expected = "one of the statuses openapi.yaml documents: " + documentedStatuses(x.route.Operation)
	}
	return m
}

func isEventStream(h http.Header) bool {
	mt, _, _ := mime.ParseMediaType(h.Get("Content-Type"))
	return mt == "text/event-stream"
}

func documentedStatuses(op *openapi3.Operation) string {
	var codes []string
	for code := range op.Responses.Map() {
		codes = append(codes, code)
	}
	slices.Sort(codes)
	return strings.Join(codes, ", ")
}

// problems flattens a kin-openapi error into Problems. where is the part of
// the message the error is about, when the caller already knows it.
func (v *Validator) problems(err error, where string, out []Problem) []Problem {
	var (
		reqErr    *openapi3filter.RequestError
		respErr   *openapi3filter.ResponseError
		secErr    *openapi3filter.SecurityRequirementsError
		schemaErr *openapi3.SchemaError
		parseErr  *openapi3filter.ParseError
		multi     openapi3.MultiError
	)
	switch {
	case errors.As(err, &multi) && isMulti(err):
		for _, e := range multi {
			out = v.problems(e, where, out)
		}
		return out
	case asDirect(err, &reqErr):
		w := where
		switch {
		case reqErr.Parameter != nil:
			w = fmt.Sprintf("%s parameter %q", reqErr.Parameter.In, reqErr.Parameter.Name)
		case reqErr.RequestBody != nil:
			w = "body"
		}
		switch {
		case reqErr.RequestBody != nil && strings.Contains(reqErr.Reason, "Content-Type"):
			return append(out, Problem{Where: "content type", Expected: contentTypes(reqErr.RequestBody.Content), Got: quoteOrNothing(reqErr.Input.Request.Header.Get("Content-Type"))})
		case reqErr.Err == nil:
			return append(out, Problem{Where: orDefault(w, "request"), Expected: reqErr.Reason})
		case errors.Is(reqErr.Err, openapi3filter.ErrInvalidRequired):
			return append(out, Problem{Where: orDefault(w, "request"), Expected: "a value (it is required)", Got: "nothing"})
		case errors.Is(reqErr.Err, openapi3filter.ErrInvalidEmptyValue):
			return append(out, Problem{Where: orDefault(w, "request"), Expected: "a non-empty value", Got: "an empty one"})
		case reqErr.Parameter != nil && reqErr.Parameter.Schema != nil && asDirect(reqErr.Err, &parseErr):
			return append(out, Problem{Where: w, Expected: "a value of type " + strings.Join(reqErr.Parameter.Schema.Value.Type.Slice(), " or "), Got: parseErrValue(parseErr)})
		}
		return v.problems(reqErr.Err, orDefault(w, "request"), out)
	case asDirect(err, &respErr):
		switch {
		case respErr.Reason == "status is not supported":
			return append(out, Problem{Where: "status", Expected: "a documented status", Got: strconv.Itoa(respErr.Input.Status)})
		case strings.Contains(respErr.Reason, invalidContentType):
			// Before the header case: kin-openapi words it "response header
			// Content-Type has unexpected value: …".
			return append(out, Problem{Where: "content type", Expected: responseContentTypes(respErr.Input), Got: quoteOrNothing(respErr.Input.Header.Get("Content-Type"))})
		case strings.HasPrefix(respErr.Reason, "response header "):
			name := headerName(respErr.Reason)
			if strings.HasSuffix(respErr.Reason, " missing") {
				return append(out, Problem{Where: fmt.Sprintf("header %q", name), Expected: "the header (it is required)", Got: "nothing"})
			}
			if respErr.Err != nil {
				return v.problems(respErr.Err, fmt.Sprintf("header %q", name), out)
			}
		case strings.Contains(respErr.Reason, "content type"):
			return append(out, Problem{Where: "content type", Expected: responseContentTypes(respErr.Input), Got: quoteOrNothing(respErr.Input.Header.Get("Content-Type"))})
		case respErr.Err != nil:
			return v.problems(respErr.Err, "body", out)
		}
		return append(out, Problem{Where: orDefault(where, "response"), Expected: respErr.Reason})
	case asDirect(err, &secErr):
		for _, e := range secErr.Errors {
			out = append(out, Problem{Where: "security", Expected: securityExpectation(e)})
		}
		return out
	case asDirect(err, &schemaErr):
		return v.schemaProblems(schemaErr, orDefault(where, "body"), out)
	case asDirect(err, &parseErr):
		return append(out, Problem{Where: orDefault(where, "body"), Expected: "a value that can be decoded", Got: parseErr.Error()})
	}
	return append(out, Problem{Where: orDefault(where, "message"), Expected: "no error", Got: err.Error()})
}

// invalidContentType is how kin-openapi's reason for a Content-Type no
// response documents begins (after "response ").
const invalidContentType = "header Content-Type has unexpected value"

// isMulti reports whether err itself (not something it wraps) is a
// MultiError.
func isMulti(err error) bool {
	_, ok := err.(openapi3.MultiError)
	return ok
}

// asDirect is errors.As limited to err itself, so a wrapper is handled
// before what it wraps.
func asDirect[T error](err error, target *T) bool {
	t, ok := err.(T)
	if ok {
		*target = t
	}
	return ok
}

func securityExpectation(err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, "header ") {
		// "header Authorization is missing; expected …" reads better turned round.
		if before, after, ok := strings.Cut(msg, "; expected "); ok {
			return after + " (" + before + ")"
		}
	}
	return msg
}

func headerName(reason string) string {
	if _, rest, ok := strings.Cut(reason, `"`); ok {
		if name, _, ok := strings.Cut(rest, `"`); ok {
			return name
		}
	}
	return reason
}

func contentTypes(c openapi3.Content) string {
	var types []string
	for t := range c {
		types = append(types, t)
	}
	slices.Sort(types)
	return "Content-Type " + strings.Join(types, " or ")
}

func responseContentTypes(in *openapi3filter.ResponseValidationInput) string {
	resp := in.RequestValidationInput.Route.Operation.Responses.Status(in.Status)
	if resp == nil {
		resp = in.RequestValidationInput.Route.Operation.Responses.Default()
	}
	if resp == nil || resp.Value == nil {
		return "a documented Content-Type"
	}
	return contentTypes(resp.Value.Content)
}

// parseErrValue quotes the value a parameter failed to decode from.
func parseErrValue(e *openapi3filter.ParseError) string {
	if s, ok := e.Value.(string); ok {
		return strconv.Quote(s)
	}
	if e.Value != nil {
		return fmt.Sprint(e.Value)
	}
	return e.Error()
}

func quoteOrNothing(s string) string {
	if s == "" {
		return "nothing"
	}
	return strconv.Quote(s)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
