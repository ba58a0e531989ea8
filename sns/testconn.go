// SNSDingTalkTestConnection: validate as ZStack does, pick url, secret and
// @ settings (a stored endpoint wins over the request), build the markdown
// test message with DingTalk's real @ semantics, sign and send it, and
// report connected and webhookResp.

package sns

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/internal/flatjson"
	"github.com/dingtalk-mock/mockdingtalk/internal/redact"
	"github.com/dingtalk-mock/mockdingtalk/sns/store"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

// TestMessageTitle is the markdown title of every test message (ZStack's
// DingTalkMessage.DEFAULT_TITLE).
const TestMessageTitle = "test connected"

// TestConnectionParams is the "params" object of a test-connection call.
// Nil means the field was absent (or null).
type TestConnectionParams struct {
	TestMsg              *string  `json:"testMsg"`
	EndpointUUID         *string  `json:"endpointUuid"`
	URL                  *string  `json:"url"`
	AtAll                *bool    `json:"atAll"`
	AtPersonPhoneNumbers []string `json:"atPersonPhoneNumbers"`
	Secret               *string  `json:"secret"`
}

// testConnectionRequest is the test-connection body, with a decoder of
// its usual form.
type testConnectionRequest paramsRequest[TestConnectionParams]

// decodeFast decodes the usual test-connection body, {"params":{…}} whose
// members are testMsg, endpointUuid, url and secret as plain strings (see
// flatjson.Scanner) and atAll as a boolean, each at most once, into q as
// json.Unmarshal would, in two allocations: the body as one string the
// fields are cut from, and the params with their values. Anything else
// (phone numbers, tags, null, escapes, other keys, which encoding/json
// would match without regard to case) is left to encoding/json.
// FuzzTestConnectionBody compares the two.
func (q *testConnectionRequest) decodeFast(data []byte) bool {
	sc := flatjson.NewScanner(data)
	if !sc.Open() {
		return false
	}
	if key, ok := sc.Key(); !ok || string(key) != "params" || !sc.Open() {
		return false
	}
	var (
		text string // data as a string, made at the first string value
		// fields holds the params and the values they point to: one
		// allocation, as it outlives the call.
		fields struct {
			params                             TestConnectionParams
			testMsg, endpointUUID, url, secret string
			atAll                              bool
		}
	)
	p := &fields.params
	str := func(dst **string, v *string) bool {
		start, end, ok := sc.StringSpan()
		if !ok || *dst != nil {
			return false // not plain, or a second time
		}
		if text == "" {
			text = string(data)
		}
		*v, *dst = text[start:end], v
		return true
	}
	for more := !sc.Close(); more; {
		key, ok := sc.Key()
		if !ok {
			return false
		}
		switch string(key) {
		case "testMsg":
			ok = str(&p.TestMsg, &fields.testMsg)
		case "endpointUuid":
			ok = str(&p.EndpointUUID, &fields.endpointUUID)
		case "url":
			ok = str(&p.URL, &fields.url)
		case "secret":
			ok = str(&p.Secret, &fields.secret)
		case "atAll":
			fields.atAll, ok = sc.Bool()
			ok = ok && p.AtAll == nil
			p.AtAll = &fields.atAll
		default:
			return false
		}
		if !ok {
			return false
		}
		if more, ok = sc.Next(); !ok {
			return false
		}
	}
	if more, ok := sc.Next(); more || !ok || !sc.End() {
		return false // more members after params, or something after the body
	}
	*q = testConnectionRequest{Params: p}
	return true
}

// TestConnectionResult is a successful test-connection answer.
type TestConnectionResult struct {
	Success     bool           `json:"success"`
	Connected   bool           `json:"connected"`
	WebhookResp map[string]any `json:"webhookResp"`
}

// appendJSON writes r as encoding/json does (see jsonAppender): the
// webhook's answer, usually a flat object such as
// {"errcode":0,"errmsg":"ok"}, by flatjson, anything else by encoding/json.
func (r *TestConnectionResult) appendJSON(dst []byte) ([]byte, error) {
	dst = strconv.AppendBool(append(dst, `{"success":`...), r.Success)
	dst = strconv.AppendBool(append(dst, `,"connected":`...), r.Connected)
	dst = append(dst, `,"webhookResp":`...)
	if out, ok := flatjson.AppendObject(dst, r.WebhookResp); ok {
		dst = out
	} else {
		resp, err := encodeJSON(r.WebhookResp)
		if err != nil {
			return nil, err
		}
		dst = append(dst, resp...)
	}
	return append(dst, '}'), nil
}

// mainlandPrefix is the "+86-" country prefix of ZStack's phone format.
const mainlandPrefix = "+86-"

// MentionNumber turns a stored phone number into the form DingTalk's
// at.atMobiles and "@…" text expect. ZStack stores "+86-13800000000";
// DingTalk identifies mainland China users by the bare "13800000000", so
// that prefix is dropped. Other country prefixes ("+852-…") are kept as
// DingTalk writes non-mainland numbers with them: dropping them would
// mention a different, mainland number. Other forms pass unchanged
// (trimmed).
func MentionNumber(phone string) string {
	return strings.TrimPrefix(strings.TrimSpace(phone), mainlandPrefix)
}

// BuildTestMessage builds the test message: markdown titled "test
// connected" whose text is testMsg, with DingTalk's @ semantics. With atAll,
// at.isAtAll is true and phones are ignored. Otherwise each phone (see
// MentionNumber; blanks and duplicates dropped) goes into at.atMobiles and
// is written as "@<number>" after a blank line, so DingTalk notifies and
// highlights it. ZStack's own code writes Feishu-style <at user_id="…">
// tags instead, which mention nobody on DingTalk.
func BuildTestMessage(testMsg string, atAll bool, phones []string) *dingtalk.Message {
	// The message and its parts in one allocation.
	parts := &struct {
		msg dingtalk.Message
		md  dingtalk.Markdown
		at  dingtalk.At
	}{md: dingtalk.Markdown{Title: TestMessageTitle, Text: testMsg}}
	msg := &parts.msg
	msg.MsgType, msg.Markdown, msg.At = dingtalk.MsgMarkdown, &parts.md, &parts.at
	if atAll {
		msg.At.IsAtAll = true
		return msg
	}
	var mobiles []string
	for _, p := range phones {
		if m := MentionNumber(p); m != "" && !slices.Contains(mobiles, m) {
			mobiles = append(mobiles, m)
		}
	}
	if len(mobiles) == 0 {
		return msg
	}
	mentions := make([]string, len(mobiles))
	for i, m := range mobiles {
		mentions[i] = "@" + m
	}
	msg.Markdown.Text = testMsg + "\n\n" + strings.Join(mentions, " ")
	msg.At.AtMobiles = mobiles
	return msg
}

// appendTestMessage writes msg, a message BuildTestMessage made, as
// json.Marshal writes it (webhook.Sender.Send does), without reflection:
// msgtype, markdown, at with atMobiles when there are any and isAtAll, and
// json.Marshal's HTML escaping of the text, which DingTalk and the
// webhook's journal have always seen. A spec and FuzzTestMessage compare it
// with json.Marshal.
func appendTestMessage(dst []byte, msg *dingtalk.Message) []byte {
	dst = flatjson.AppendString(append(dst, `{"msgtype":`...), msg.MsgType, true)
	dst = flatjson.AppendString(append(dst, `,"markdown":{"title":`...), msg.Markdown.Title, true)
	dst = flatjson.AppendString(append(dst, `,"text":`...), msg.Markdown.Text, true)
	dst = append(dst, `},"at":{`...)
	if len(msg.At.AtMobiles) > 0 {
		dst = append(dst, `"atMobiles":[`...)
		for i, m := range msg.At.AtMobiles {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = flatjson.AppendString(dst, m, true)
		}
		dst = append(dst, "],"...)
	}
	dst = strconv.AppendBool(append(dst, `"isAtAll":`...), bool(msg.At.IsAtAll))
	return append(dst, "}}"...)
}

func (s *Server) handleTestConnection(w http.ResponseWriter, r *http.Request) {
	p := decodeWrapped(w, r, "params", func(q *testConnectionRequest) *TestConnectionParams { return q.Params })
	if p == nil {
		return
	}
	if s.cfg.Async {
		token, _ := sessionToken(r) // the header's form was checked by authed
		s.startJob(w, r, func() (int, any) {
			if _, ok := s.sessions.valid(token); !ok {
				e := sessionErr()
				return e.status, ErrorResponse{Error: e.code}
			}
			res, e := s.testConnection(s.ctx, p)
			if e != nil {
				return e.status, ErrorResponse{Error: e.code}
			}
			return http.StatusOK, res
		})
		return
	}
	res, e := s.testConnection(r.Context(), p)
	if e != nil {
		writeError(w, e)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

// testConnection runs the API: validation (ZStack's order and texts), the
// choice of url/secret/@ settings, the send, and the result.
func (s *Server) testConnection(ctx context.Context, p *TestConnectionParams) (*TestConnectionResult, *apiError) {
	trimPtr(p.TestMsg, p.EndpointUUID, p.URL, p.Secret)
	const m = msgTestConnection
	if e := firstErr(mandatory(m, "testMsg", p.TestMsg != nil), maxLength(m, "url", p.URL, 2048)); e != nil {
		return nil, e
	}
	var ep *store.Endpoint
	if p.EndpointUUID != nil {
		loaded, e := s.loadEndpoint("endpointUuid", m, *p.EndpointUUID)
		if e != nil {
			return nil, e
		}
		ep = &loaded
	}
	if isBlank(p.URL) && isBlank(p.TestMsg) && isBlank(p.Secret) && isBlank(p.EndpointUUID) {
		return nil, argErr("cannot test connection, Because all parameters is null")
	}
	if !isBlank(p.URL) {
		if e := validateURL(*p.URL); e != nil {
			return nil, e
		}
	}

	var target, secret string
	var atAll bool
	phones := p.AtPersonPhoneNumbers
	assign(&target, p.URL)
	assign(&secret, p.Secret)
	assign(&atAll, p.AtAll)
	if ep != nil { // ZStack's rule: the stored endpoint wins
		target, secret, atAll = ep.URL, ep.Secret, ep.AtAll
		persons, err := s.personsOf(ep.UUID)
		if err != nil {
			return nil, s.storeErr("read at-persons", err)
		}
		phones = make([]string, len(persons))
		for i, q := range persons {
			phones[i] = q.PhoneNumber
		}
	}
	if strings.TrimSpace(target) == "" {
		return nil, argErr("cannot test connection: there is no webhook url to test; give params.url, or params.endpointUuid of an endpoint")
	}

	body := appendTestMessage(make([]byte, 0, 256), BuildTestMessage(*p.TestMsg, atAll, phones))
	res, err := s.sender.SendRaw(ctx, target, secret, body)
	if ep != nil {
		s.recordConnection(ep.UUID, err == nil && res.Connected)
	}
	if err != nil {
		var we *webhook.Error
		if !errors.As(err, &we) {
			return nil, internalErr("%v", err)
		}
		s.log.Warn("sns: test-connection failed", "url", redact.URL(target), "signed", secret != "", "kind", string(we.Kind), "detail", we.Detail)
		switch we.Kind {
		case webhook.KindBlocked, webhook.KindInvalidURL:
			return nil, argErr("%s", we.Detail)
		}
		return nil, internalErr("%s", we.Detail)
	}
	s.logResult(ctx, target, secret != "", res, p.EndpointUUID)
	return &TestConnectionResult{Success: true, Connected: res.Connected, WebhookResp: res.Resp}, nil
}

// logResult logs a test-connection the webhook answered: at Debug when it
// delivered (connected, errcode 0), as the fake logs a delivered send, and
// at Info otherwise, so the log at its default level shows what went wrong
// and stays quiet under load.
func (s *Server) logResult(ctx context.Context, target string, signed bool, res *webhook.Result, endpointUUID *string) {
	code := res.ErrCode()
	level := slog.LevelInfo
	if res.Connected && code == 0 {
		level = slog.LevelDebug
	}
	if !s.log.Enabled(ctx, level) {
		return
	}
	s.log.LogAttrs(ctx, level, "sns: test-connection", slog.String("url", redact.URL(target)), slog.Bool("signed", signed),
		slog.Int("status", res.Status), slog.Bool("connected", res.Connected), slog.Int64("errcode", code),
		slog.String("endpointUuid", ptrOr(endpointUUID)))
}

// recordConnection keeps the endpoint's connectionStatus in step with its
// last test: UP when connected, DOWN otherwise.
func (s *Server) recordConnection(uuid string, up bool) {
	status := ConnectionDown
	if up {
		status = ConnectionUp
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	ep, err := s.store.Endpoint(uuid)
	if err != nil || ep.ConnectionStatus == status {
		return
	}
	ep.ConnectionStatus = status
	if err := s.store.PutEndpoint(ep); err != nil {
		s.log.Error("sns: cannot record the connection status", "uuid", uuid, "err", err)
	}
}

func ptrOr(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
