// The app robot API's answers: the error table (HTTP status, DingTalk's
// code and message), the request id, and the journal record every request
// leaves. Sources and confidence of each row: docs/dingtalk-behaviour.md.

package approbot

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// APIError is one of the app robot API's error answers: an HTTP status and
// the body {"code", "requestid", "message"}.
type APIError struct {
	Status  int
	Code    string
	Message string
	// Reason is the journal's name for it.
	Reason dingtalk.Reason
}

// The errors of api.dingtalk.com the fake gives, in the order its checks
// run.
var (
	ErrMissingToken     = APIError{400, "AuthenticationFailed.MissingParameter", "缺少参数：x-acs-dingtalk-access-token", "missing_access_token"}
	ErrInvalidToken     = APIError{400, "InvalidAuthentication", "不合法的access_token", "invalid_access_token"}
	ErrMissingBody      = APIError{400, "Missingbody", "body is mandatory for this action.", "missing_body"}
	ErrBadCredentials   = APIError{400, "invalidClientIdOrSecret", "无效的clientId或者clientSecret", "invalid_client_id_or_secret"}
	ErrParamInvalid     = APIError{400, "invalidParameter.param.invalid", "参数不合法", "param_invalid"}
	ErrRobotCodeMissing = APIError{400, "invalidParameter.robotCode.missing", "缺少robotCode", "robot_code_missing"}
	ErrRobotNotExist    = APIError{400, "invalidParameter.robotCode.notExsit", "机器人不存在", "robot_not_exist"}
	ErrRobotAuth        = APIError{400, "invalidParameter.robotCode.auth", "This app’s appkey does not match the bot’s robotCode. Use the appkey of the bot’s app.", "robot_code_auth"}
	ErrConversation     = APIError{400, "invalid.openConversationId", "无效的openConversationId", "invalid_open_conversation_id"}
	ErrUserIdsEmpty     = APIError{400, "invalidParameter.userIds.empty", "The user userId list is empty.", "user_ids_empty"}
	ErrUserIdsOverMax   = APIError{400, "invalidParameter.userIds.overMax", "The user userId list exceeds the maximum limit.", "user_ids_over_max"}
	ErrMsgKeyEmpty      = APIError{400, "invalidParameter.msgKey.empty", "The msgKey is missing.", "msg_key_empty"}
	ErrMsgKeyInvalid    = APIError{400, "invalidParameter.msgKey.invalid", "The msgKey is invalid.", "msg_key_invalid"}
	ErrMsgParamInvalid  = APIError{400, "invalidParameter.msgParam.invalid", "The msgParam must be in JSON format.", "msg_param_invalid"}
	ErrNoAPI            = APIError{404, "InvalidAction.NotFound", "Specified api is not found, please check your url and method.", "unknown_path"}
)

// Legacy (oapi.dingtalk.com) answers of GET /gettoken, with HTTP 200.
const (
	ErrcodeBadCredentials = 40089
	ErrmsgBadCredentials  = "不合法的corpId或corpSecret"
)

// Header names of the app robot API.
const (
	TokenHeader     = "x-acs-dingtalk-access-token"
	RequestIDHeader = "x-acs-request-id"
	hintHeader      = "X-Mock-Hint"
	maxHintHeader   = 2048
	apiContentType  = "application/json;charset=utf-8"
	oapiContentType = "application/json"
)

// exchange is one request to the app robot API as it goes through the
// checks, and what is recorded of it.
type exchange struct {
	s      *Service
	r      *http.Request
	now    time.Time
	body   []byte
	tooBig bool // the body was longer than the endpoint reads
	entry  journal.Entry
	checks []journal.Check
}

func (s *Service) begin(r *http.Request, body []byte) *exchange {
	now := s.now()
	return &exchange{s: s, r: r, now: now, body: body, entry: journal.Entry{
		Time: now, Method: r.Method, Path: r.URL.Path, RawQuery: r.URL.RawQuery,
		Header: r.Header.Clone(), Body: body, RemoteAddr: r.RemoteAddr,
	}}
}

func (x *exchange) pass(name journal.CheckName, detail string, args ...any) {
	x.checks = append(x.checks, journal.Check{Name: name, Passed: true, Detail: fmt.Sprintf(detail, args...)})
}

// fail records a failed check; the hint names the client's mistake.
func (x *exchange) fail(name journal.CheckName, hint string, args ...any) string {
	hint = fmt.Sprintf(hint, args...)
	x.checks = append(x.checks, journal.Check{Name: name, Passed: false, Detail: hint})
	return hint
}

// reject answers e with hint and records it.
func (x *exchange) reject(w http.ResponseWriter, e APIError, hint string) {
	body, _ := json.Marshal(struct {
		Code      string `json:"code"`
		RequestID string `json:"requestid"`
		Message   string `json:"message"`
	}{e.Code, x.requestID(w), e.Message})
	x.entry.Reason, x.entry.Hint = e.Reason, hint
	x.entry.Response.ErrMsg = e.Code
	setHint(w, hint)
	x.write(w, e.Status, apiContentType, body)
}

// ok answers v with 200 and records the exchange as accepted (and
// delivered, for a message).
func (x *exchange) ok(w http.ResponseWriter, contentType string, v any, delivered bool) {
	x.entry.Reason, x.entry.Accepted, x.entry.Delivered = dingtalk.ReasonOK, true, delivered
	x.respond(w, contentType, v)
}

// respond answers v with 200 and records the exchange as it stands.
func (x *exchange) respond(w http.ResponseWriter, contentType string, v any) {
	body, _ := json.Marshal(v)
	if contentType == apiContentType {
		x.requestID(w)
	}
	x.write(w, http.StatusOK, contentType, body)
}

func (x *exchange) requestID(w http.ResponseWriter) string {
	if id := w.Header().Get(RequestIDHeader); id != "" {
		return id
	}
	var b [16]byte
	_, _ = rand.Read(b[:])
	id := strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16]))
	w.Header().Set(RequestIDHeader, id)
	return id
}

func (x *exchange) write(w http.ResponseWriter, status int, contentType string, body []byte) {
	w.Header().Set("Content-Type", contentType)
	w.WriteHeader(status)
	_, _ = w.Write(body)
	x.entry.Checks = x.checks
	x.entry.Response.Status, x.entry.Response.Body = status, body
	if x.entry.Delivered {
		x.s.messages.Add(1)
	}
	if x.s.journal != nil {
		x.s.journal.Append(x.entry)
	}
}

func setHint(w http.ResponseWriter, hint string) {
	if hint == "" {
		return
	}
	if len(hint) > maxHintHeader {
		hint = hint[:maxHintHeader]
	}
	// Header values cannot carry newlines; hints are one line anyway.
	w.Header().Set(hintHeader, strings.ReplaceAll(hint, "\n", " "))
}
