// The robot's messages: POST /v1.0/robot/groupMessages/send and
// /v1.0/robot/oToMessages/batchSend, with their checks in order (token,
// body, robot, the robot's app, group and membership or recipients, msgKey,
// msgParam and its fields), each recorded in the journal.

package approbot

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/internal/redact"
)

// Paths of the message endpoints.
const (
	GroupSendPath = "/v1.0/robot/groupMessages/send"
	BatchSendPath = "/v1.0/robot/oToMessages/batchSend"
)

// Limits of a message request.
const (
	// MaxMsgParamBytes is DingTalk's documented bound on msgParam.
	MaxMsgParamBytes = 15000
	// MaxUserIDs is how many userIds one batchSend takes.
	MaxUserIDs = 20
	// maxTokenBody and maxSendBody bound the bytes read of a request body.
	maxTokenBody = 64 << 10
	maxSendBody  = 256 << 10
)

// MsgKeys lists the msgKeys the fake accepts and, for each, the msgParam
// fields it requires (the fake is lenient about the others).
var MsgKeys = map[string][]string{
	"sampleText":        {"content"},
	"sampleMarkdown":    {"title", "text"},
	"sampleImageMsg":    {"photoURL"},
	"sampleLink":        {"text", "title", "messageUrl"},
	"sampleActionCard":  {"title", "text", "singleTitle", "singleURL"},
	"sampleActionCard2": {"title", "text", "actionTitle1", "actionURL1", "actionTitle2", "actionURL2"},
	"sampleActionCard3": {"title", "text", "actionTitle1", "actionURL1", "actionTitle2", "actionURL2", "actionTitle3", "actionURL3"},
	"sampleActionCard4": {"title", "text", "actionTitle1", "actionURL1", "actionTitle2", "actionURL2", "actionTitle3", "actionURL3", "actionTitle4", "actionURL4"},
	"sampleActionCard5": {"title", "text", "actionTitle1", "actionURL1", "actionTitle2", "actionURL2", "actionTitle3", "actionURL3", "actionTitle4", "actionURL4", "actionTitle5", "actionURL5"},
	"sampleActionCard6": {"title", "text", "buttonTitle1", "buttonUrl1", "buttonTitle2", "buttonUrl2"},
	"sampleAudio":       {"mediaId", "duration"},
	"sampleFile":        {"mediaId", "fileName", "fileType"},
	"sampleVideo":       {"duration", "videoMediaId", "videoType", "picMediaId"},
}

// flexString reads a JSON string, or a number or boolean as its text, as
// DingTalk's Java binders do; null reads as "".
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	switch {
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
	case bytes.Equal(b, []byte("null")):
		*f = ""
	case len(b) > 0 && (b[0] == '{' || b[0] == '['):
		return fmt.Errorf("want a string, got %s", kind(b))
	default:
		*f = flexString(b)
	}
	return nil
}

func kind(b []byte) string {
	if b[0] == '{' {
		return "an object"
	}
	return "an array"
}

// readBody reads at most max bytes of the body; tooBig says there was more.
func readBody(r *http.Request, max int64) (body []byte, tooBig bool) {
	if r.Body == nil {
		return nil, false
	}
	body, _ = io.ReadAll(io.LimitReader(r.Body, max+1))
	if int64(len(body)) > max {
		_, _ = io.CopyN(io.Discard, r.Body, 4<<20)
		return body[:max], true
	}
	return body, false
}

// decodeObject reads a JSON object into v, unknown fields ignored.
func decodeObject(body []byte, v any) bool {
	t := bytes.TrimSpace(body)
	return len(t) > 0 && t[0] == '{' && json.Unmarshal(t, v) == nil
}

// sendInput is the body of both message endpoints.
type sendInput struct {
	RobotCode          flexString   `json:"robotCode"`
	OpenConversationID flexString   `json:"openConversationId"`
	UserIDs            []flexString `json:"userIds"`
	MsgKey             flexString   `json:"msgKey"`
	MsgParam           flexString   `json:"msgParam"`
	CoolAppCode        flexString   `json:"coolAppCode"`
}

// beginSend starts the exchange of a message request: it reads the body
// (at most maxSendBody bytes) and authorizes it into in; it answers and
// returns false on failure.
func (s *Service) beginSend(w http.ResponseWriter, r *http.Request, in *sendInput) (*exchange, App, bool) {
	body, tooBig := readBody(r, maxSendBody)
	x := s.begin(r, body)
	x.tooBig = tooBig
	app, ok := x.authorize(w, in)
	return x, app, ok
}

// authorize runs the token checks and reads the body; it answers and
// returns false on failure.
func (x *exchange) authorize(w http.ResponseWriter, in *sendInput) (App, bool) {
	token := x.r.Header.Get(TokenHeader)
	if token == "" {
		x.reject(w, ErrMissingToken, x.fail("access_token", "the header %s is missing or empty; get a token from POST %s and send it in that header (not as a query parameter)", TokenHeader, AccessTokenPath))
		return App{}, false
	}
	x.pass("access_token", "")
	app, exp, err := x.s.tokenApp(token, x.now)
	switch err {
	case errTokenUnknown:
		x.reject(w, ErrInvalidToken, x.fail("token", "no access token %q was issued by this fake (tokens are %d hex characters from POST %s; a webhook robot's access_token is not one)", redact.Short(token), 32, AccessTokenPath))
		return App{}, false
	case errTokenExpired:
		x.reject(w, ErrInvalidToken, x.fail("token", "the access token expired at %s (fake clock; now %s); tokens live %s: cache them and ask again before expireIn runs out", exp.UTC().Format(time.RFC3339), x.now.UTC().Format(time.RFC3339), TokenLifetime))
		return App{}, false
	}
	x.entry.AppKey = app.AppKey
	x.pass("token", "app %q", app.AppKey)
	if !x.throttle(w, app) {
		return App{}, false
	}
	if x.tooBig {
		x.reject(w, ErrParamInvalid, x.fail("json", "the body is over %d bytes; msgParam may hold at most %d", maxSendBody, MaxMsgParamBytes))
		return App{}, false
	}
	if !decodeObject(x.body, in) {
		var probe map[string]json.RawMessage
		if json.Unmarshal(bytes.TrimSpace(x.body), &probe) == nil && probe != nil {
			x.reject(w, ErrParamInvalid, x.fail("json", "%s", wrongType(probe)))
			return App{}, false
		}
		x.reject(w, ErrMissingBody, x.fail("json", "the body is not a JSON object (Content-Type %q); send JSON", x.r.Header.Get("Content-Type")))
		return App{}, false
	}
	x.pass("json", "")
	return app, true
}

// wrongType names the field of a JSON object body that does not bind.
func wrongType(probe map[string]json.RawMessage) string {
	for _, f := range []string{"robotCode", "openConversationId", "msgKey", "msgParam", "coolAppCode"} {
		var v flexString
		if raw, ok := probe[f]; ok && v.UnmarshalJSON(raw) != nil {
			if f == "msgParam" {
				return "msgParam is a JSON object or array; DingTalk wants it as a string holding JSON (encode it a second time)"
			}
			return f + " is " + kind(raw) + "; it must be a string"
		}
	}
	return "userIds must be an array of strings (userIds: [\"manager4220\"])"
}

// checkRobot checks robotCode names the token's app's robot.
func (x *exchange) checkRobot(w http.ResponseWriter, app App, code string) bool {
	if code == "" {
		x.reject(w, ErrRobotCodeMissing, x.fail("robot_code", "robotCode is missing or empty; app %q's robot is %q", app.AppKey, app.RobotCode))
		return false
	}
	x.s.mu.RLock()
	owner, ok := x.s.byRobot[code]
	x.s.mu.RUnlock()
	switch {
	case !ok:
		x.reject(w, ErrRobotNotExist, x.fail("robot_code", "no robot has robotCode %q; app %q's robot is %q", code, app.AppKey, app.RobotCode))
		return false
	case owner != app.AppKey:
		x.reject(w, ErrRobotAuth, x.fail("robot_code", "robot %q belongs to app %q, but the token is app %q's; get the token with the robot's own app's appKey and appSecret", code, owner, app.AppKey))
		return false
	}
	x.pass("robot_code", "%q", code)
	return true
}

// checkMessage checks msgKey and msgParam.
func (x *exchange) checkMessage(w http.ResponseWriter, in *sendInput) bool {
	key := string(in.MsgKey)
	if key == "" {
		x.reject(w, ErrMsgKeyEmpty, x.fail("msg_key", "msgKey is missing or empty; use one of %s", keyList()))
		return false
	}
	required, ok := MsgKeys[key]
	if !ok {
		x.reject(w, ErrMsgKeyInvalid, x.fail("msg_key", "msgKey %q is not a message type (msgKeys are case-sensitive: %s)", key, keyList()))
		return false
	}
	x.pass("msg_key", "%q", key)
	param := string(in.MsgParam)
	if len(param) > MaxMsgParamBytes {
		x.reject(w, ErrParamInvalid, x.fail("msg_param", "msgParam is %d bytes; at most %d are allowed", len(param), MaxMsgParamBytes))
		return false
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(param), &fields); err != nil || fields == nil {
		hint := "msgParam must be a string holding a JSON object, such as \"{\\\"content\\\":\\\"hello\\\"}\""
		if param == "" {
			hint = "msgParam is missing or empty; " + hint
		}
		x.reject(w, ErrMsgParamInvalid, x.fail("msg_param", "%s", hint))
		return false
	}
	var missing []string
	for _, f := range required {
		v, ok := fields[f]
		if !ok || string(v) == "null" || string(v) == `""` {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		x.reject(w, ErrParamInvalid, x.fail("msg_param", "msgParam of %s lacks %s (it needs %s; field names are case-sensitive)", key, strings.Join(missing, ", "), strings.Join(required, ", ")))
		return false
	}
	x.pass("msg_param", "%d bytes", len(param))
	x.entry.Message = AsMessage(key, param)
	return true
}

func keyList() string {
	keys := make([]string, 0, len(MsgKeys))
	for k := range MsgKeys {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}

// handleGroupSend serves POST /v1.0/robot/groupMessages/send.
func (s *Service) handleGroupSend(w http.ResponseWriter, r *http.Request) {
	var in sendInput
	x, app, ok := s.beginSend(w, r, &in)
	if !ok {
		return
	}
	cid := string(in.OpenConversationID)
	x.entry.Conversation = cid
	if !x.checkRobot(w, app, string(in.RobotCode)) {
		return
	}
	g, found := s.Group(cid)
	if !found {
		hint := fmt.Sprintf("no group has openConversationId %q (groups are created in the config, with Server.AppRobots().AddGroup or POST /_mock/groups)", cid)
		if cid == "" {
			hint = "openConversationId is missing or empty"
		}
		x.reject(w, ErrConversation, x.fail("conversation", "%s", hint))
		return
	}
	x.pass("conversation", "%q", g.Title)
	if !contains(g.RobotCodes, string(in.RobotCode)) {
		x.reject(w, ErrRobotNotExist, x.fail("membership", "robot %q is not in group %q (%s); add it to the group's robotCodes", in.RobotCode, cid, g.Title))
		return
	}
	x.pass("membership", "")
	if !x.checkMessage(w, &in) {
		return
	}
	x.ok(w, apiContentType, struct {
		ProcessQueryKey string `json:"processQueryKey"`
	}{processQueryKey()}, true)
}

// handleBatchSend serves POST /v1.0/robot/oToMessages/batchSend.
func (s *Service) handleBatchSend(w http.ResponseWriter, r *http.Request) {
	var in sendInput
	x, app, ok := s.beginSend(w, r, &in)
	if !ok {
		return
	}
	if !x.checkRobot(w, app, string(in.RobotCode)) {
		return
	}
	switch n := len(in.UserIDs); {
	case n == 0:
		x.reject(w, ErrUserIdsEmpty, x.fail("user_ids", "userIds is missing or empty; list the recipients' userIds (staffIds)"))
		return
	case n > MaxUserIDs:
		x.reject(w, ErrUserIdsOverMax, x.fail("user_ids", "userIds has %d entries; at most %d per request", n, MaxUserIDs))
		return
	}
	if !x.checkMessage(w, &in) {
		return
	}
	invalid := []string{}
	valid := 0
	s.mu.RLock()
	for _, u := range in.UserIDs {
		if s.staff[string(u)] == 0 {
			invalid = append(invalid, string(u))
		} else {
			valid++
		}
	}
	s.mu.RUnlock()
	if len(invalid) > 0 {
		x.entry.Warnings = []string{fmt.Sprintf("%d of %d userIds are not members of any group, so not staff of the organization: %s", len(invalid), len(in.UserIDs), strings.Join(invalid, ", "))}
	}
	x.pass("user_ids", "%d recipients, %d unknown", valid, len(invalid))
	x.ok(w, apiContentType, struct {
		ProcessQueryKey           string   `json:"processQueryKey"`
		InvalidStaffIDList        []string `json:"invalidStaffIdList"`
		FlowControlledStaffIDList []string `json:"flowControlledStaffIdList"`
	}{processQueryKey(), invalid, []string{}}, valid > 0)
}

// Recipients returns the userIds of a oToMessages/batchSend body (numbers
// read as their text, as the endpoint reads them), or nil when the body is
// not one.
func Recipients(body []byte) []string {
	var in sendInput
	if !decodeObject(body, &in) {
		return nil
	}
	out := make([]string, 0, len(in.UserIDs))
	for _, u := range in.UserIDs {
		if u != "" {
			out = append(out, string(u))
		}
	}
	return out
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// processQueryKey is a fresh message key in DingTalk's shape (base64 of
// 32 random bytes).
func processQueryKey() string {
	var b [32]byte
	_, _ = rand.Read(b[:])
	return base64.StdEncoding.EncodeToString(b[:])
}
