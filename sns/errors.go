// ZStack's error envelope, its error codes and their fixed descriptions,
// and the helpers that decode request bodies and write JSON, plain-text
// and error answers.

package sns

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"strings"

	"github.com/dingtalk-mock/mockdingtalk/internal/jsonbody"
)

// Error codes used by the API (ZStack's SysErrors and IdentityErrors).
const (
	CodeInternal        = "SYS.1000"
	CodeNotFound        = "SYS.1003"
	CodeInvalidArgument = "SYS.1007"
	CodeAuthFailure     = "ID.1000"
	CodeInvalidSession  = "ID.1001"
	// CodeMaxSessions: the account has its maximum of live sessions
	// (ZStack's identity.session.maxConcurrent).
	CodeMaxSessions = "ID.1006"
	// CodeLoginLocked: logins are locked after failed attempts (ZStack's
	// login control); details end "retry after: N seconds …".
	CodeLoginLocked = "LOGIN_CONTROL.1002"
	// CodeOperationFailed is ZStack's operr (SYS.1006).
	CodeOperationFailed = "SYS.1006"
)

// descriptions are the fixed texts of ZStack's conf/errorCodes/*.xml.
var descriptions = map[string]string{
	CodeInternal:        "An internal error happened in system",
	CodeNotFound:        "A resource can not be found",
	CodeInvalidArgument: "One or more API argument is invalid",
	CodeAuthFailure:     "Unable to authenticate a user",
	CodeInvalidSession:  "The session is invalid, either wrong session id or the session has been expired",
	CodeMaxSessions:     "Login sessions hit limit of max allowed concurrent login sessions",
	CodeLoginLocked:     "Login is locked after too many failed attempts",
	CodeOperationFailed: "An operation failed",
}

// Description returns ZStack's fixed description of an error code, "" for
// a code the API does not use.
func Description(code string) string { return descriptions[code] }

// ErrorCode is ZStack's error object. Elaboration, Opaque and Cause are
// written as null when empty, as ZStack's SDK models them.
type ErrorCode struct {
	Code        string         `json:"code"`
	Description string         `json:"description"`
	Details     string         `json:"details"`
	Elaboration *string        `json:"elaboration"`
	Opaque      map[string]any `json:"opaque"`
	Cause       *ErrorCode     `json:"cause"`
}

// ErrorResponse is the body of every failed API call: {"error":{…}}.
type ErrorResponse struct {
	Error ErrorCode `json:"error"`
}

// apiError is a failure with the HTTP status it is answered with.
type apiError struct {
	status int
	code   ErrorCode
}

func (e *apiError) Error() string { return e.code.Code + ": " + e.code.Details }

func newErr(status int, code, format string, args ...any) *apiError {
	details := format
	if len(args) > 0 {
		details = fmt.Sprintf(format, args...)
	}
	return &apiError{status: status, code: ErrorCode{Code: code, Description: descriptions[code], Details: details}}
}

// argErr is ZStack's argerr: SYS.1007 from the API pipeline (HTTP 503).
func argErr(format string, args ...any) *apiError {
	return newErr(http.StatusServiceUnavailable, CodeInvalidArgument, format, args...)
}

// notFoundErr is SYS.1003 (HTTP 503).
func notFoundErr(format string, args ...any) *apiError {
	return newErr(http.StatusServiceUnavailable, CodeNotFound, format, args...)
}

// internalErr is SYS.1000 (HTTP 503), ZStack's inerr.
func internalErr(format string, args ...any) *apiError {
	return newErr(http.StatusServiceUnavailable, CodeInternal, format, args...)
}

// badRequest is a request that cannot be decoded: HTTP 400 with SYS.1007.
func badRequest(format string, args ...any) *apiError {
	return newErr(http.StatusBadRequest, CodeInvalidArgument, format, args...)
}

// sessionErr is ID.1001 (HTTP 503), details "Session expired" as ZStack.
func sessionErr() *apiError {
	return newErr(http.StatusServiceUnavailable, CodeInvalidSession, "Session expired")
}

// encodeJSON marshals v without HTML escaping (ZStack's Gson does not
// escape <, > and &). A jsonAppender writes itself.
func encodeJSON(v any) ([]byte, error) {
	if a, ok := v.(jsonAppender); ok {
		return a.appendJSON(make([]byte, 0, 256))
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(buf.Bytes(), "\n"), nil
}

// jsonAppender is an answer on a hot path that writes its JSON without
// reflection, byte for byte what encoding/json writes for it in
// encodeJSON (a spec compares them).
type jsonAppender interface {
	appendJSON(dst []byte) ([]byte, error)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	data, err := encodeJSON(v)
	if err != nil {
		status = http.StatusServiceUnavailable
		data, _ = encodeJSON(ErrorResponse{Error: internalErr("cannot encode the answer: %v", err).code})
	}
	writeRaw(w, status, data)
}

// writeInventory answers 200 {"inventory":inv}, ZStack's reply to a
// login, a create or an update.
func writeInventory(w http.ResponseWriter, inv any) {
	writeJSON(w, http.StatusOK, map[string]any{"inventory": inv})
}

// jsonContentType is the Content-Type of every JSON answer, one slice
// shared by all answers (net/http only reads it) instead of one per answer.
var jsonContentType = []string{"application/json; charset=utf-8"}

func writeRaw(w http.ResponseWriter, status int, data []byte) {
	w.Header()["Content-Type"] = jsonContentType
	w.WriteHeader(status)
	_, _ = w.Write(data)
}

func writeError(w http.ResponseWriter, e *apiError) {
	writeJSON(w, e.status, ErrorResponse{Error: e.code})
}

func writeText(w http.ResponseWriter, status int, text string) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, text)
}

// decodeBody reads a JSON object from r into v. Anything that cannot be
// decoded (empty, malformed, wrong JSON types, over MaxBodyBytes, trailing
// data) is an HTTP 400 SYS.1007 error saying what is wrong.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) *apiError {
	o := jsonbody.Options{Limit: MaxBodyBytes}
	if f, ok := v.(fastDecoder); ok {
		o.Fast = f.decodeFast
	}
	if e := jsonbody.Decode(w, r, v, o); e != nil {
		return badRequest("%s", bodyWording.Describe(e))
	}
	return nil
}

// fastDecoder is a request body on a hot path that decodes its usual form
// without reflection (jsonbody.Options.Fast).
type fastDecoder interface {
	decodeFast(data []byte) bool
}

// decodeWrapped decodes a request body into a T and returns the object
// ZStack wraps an API's fields in ("params", or the action's name for a
// PUT …/actions), which wrapper picks out of the T. When the body cannot
// be decoded or that object is absent, it answers the HTTP 400 SYS.1007
// envelope itself and returns nil.
func decodeWrapped[T, P any](w http.ResponseWriter, r *http.Request, key string, wrapper func(*T) *P) *P {
	var req T
	if e := decodeBody(w, r, &req); e != nil {
		writeError(w, e)
		return nil
	}
	p := wrapper(&req)
	if p == nil {
		writeError(w, badRequest("the body has no '%s' object", key))
	}
	return p
}

// paramsRequest is the body of a create or test API: its fields wrapped in
// "params", plus ZStack's tag lists (decoded, so their types are checked,
// and otherwise unused). The tag lists are spelled out in every request
// type rather than embedded: encoding/json would name an embedded struct
// in its error paths ("field[tagLists.systemTags]").
type paramsRequest[P any] struct {
	Params     *P       `json:"params"`
	SystemTags []string `json:"systemTags"`
	UserTags   []string `json:"userTags"`
}

// decodeParams is decodeWrapped for a paramsRequest.
func decodeParams[P any](w http.ResponseWriter, r *http.Request) *P {
	return decodeWrapped(w, r, "params", func(q *paramsRequest[P]) *P { return q.Params })
}

// bodyWording words what is wrong with a JSON body as ZStack's SYS.1007
// details do.
var bodyWording = jsonbody.Wording{
	TooLarge:   "the request body is larger than %d bytes",
	Unreadable: "cannot read the request body: %v",
	Empty:      "the request body is empty; a JSON object is expected",
	Syntax:     "the request body is not valid JSON: %[2]v (at byte %[1]d)",
	NotObject:  "the request body must be a JSON object, not %s",
	WrongField: "field[%s] must be %s, not %s",
	Truncated:  "the request body is not valid JSON: it ends too early",
	Trailing:   "the request body has data after its JSON object",
	Invalid:    func(err error) string { return "the request body is not valid JSON: " + err.Error() },
	Want:       expectedKind,
	Got:        jsonKind,
}

// jsonKind names the JSON type found in a body (jsonbody.Error.Value).
func jsonKind(v string) string {
	switch {
	case v == "string":
		return "a string"
	case v == "number" || strings.HasPrefix(v, "number"):
		return "a number"
	case v == "bool":
		return "a boolean"
	case v == "array":
		return "an array"
	case v == "object":
		return "an object"
	}
	return v
}

// expectedKind names the JSON a Go field type takes. It goes by the type's
// kind, not its name: a named struct such as createEndpointParams must read
// "an object", whatever words its name contains.
func expectedKind(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "a boolean"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.String {
			return "an array of strings"
		}
		return "an array"
	case reflect.Map:
		return "an object of strings"
	}
	return "an object"
}
