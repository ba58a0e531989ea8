// Hints about the request body and its headers: Content-Type, size, JSON
// syntax, msgtype, missing fields, bodies shaped for WeCom, Feishu or
// Slack, and the keyword check.

package diagnose

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"mime"
	"sort"
	"strconv"
	"strings"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

// supportedTypes lists the msgtypes the webhook delivers, for hints.
var supportedTypes = []string{dingtalk.MsgText, dingtalk.MsgLink, dingtalk.MsgMarkdown, dingtalk.MsgActionCard, dingtalk.MsgFeedCard, dingtalk.MsgImage}

const supportedText = "text, link, markdown, actionCard, feedCard (image is accepted too; names are case-sensitive)"

func hintContentType(req Request) string {
	ct := strings.TrimSpace(req.ContentType)
	if ct == "" {
		return "No Content-Type header was sent; DingTalk requires Content-Type: application/json (application/json;charset=utf-8 is fine)."
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		return fmt.Sprintf("The Content-Type %s cannot be parsed as a media type; send Content-Type: application/json.", quote(ct))
	}
	switch {
	case mt == "application/x-www-form-urlencoded":
		return fmt.Sprintf("The body was sent as a form (Content-Type %s: e.g. Python requests' data=dict, or curl -d without -H); send JSON with Content-Type: application/json (requests: json=...).", quote(ct))
	case mt == "multipart/form-data":
		return fmt.Sprintf("The body was sent as multipart form data (Content-Type %s); send the message as a JSON body with Content-Type: application/json.", quote(ct))
	case mt == "text/plain":
		return fmt.Sprintf("The Content-Type was %s (the default of many HTTP clients for a string body); set Content-Type: application/json.", quote(ct))
	case strings.Contains(mt, "json"):
		return fmt.Sprintf("The Content-Type was %s; DingTalk accepts only the media type application/json (any charset parameter is fine).", quote(ct))
	}
	return fmt.Sprintf("The Content-Type was %s; DingTalk requires application/json.", quote(ct))
}

func hintBodyTooLarge(req Request) string {
	n := len(req.Body)
	if n <= dingtalk.MaxBodyBytes {
		return fmt.Sprintf("The body is over DingTalk's %d-byte limit; shorten the message or split it into several.", dingtalk.MaxBodyBytes)
	}
	return fmt.Sprintf("The body is %d bytes, over DingTalk's limit of %d bytes for the whole JSON body (a Chinese character takes 3 bytes in UTF-8); shorten the message or split it into several.", n, dingtalk.MaxBodyBytes)
}

func hintBadJSON(req Request) string {
	body := req.Body
	trimmed := bytes.TrimSpace(body)
	switch {
	case len(trimmed) == 0:
		return "The body is empty; DingTalk wants a JSON object such as {\"msgtype\":\"text\",\"text\":{\"content\":\"...\"}}."
	case bytes.HasPrefix(body, []byte("\xef\xbb\xbf")):
		return "The body starts with a UTF-8 byte-order mark (EF BB BF); write the JSON without a BOM."
	}
	var v any
	err := json.Unmarshal(body, &v)
	if err == nil {
		switch x := v.(type) {
		case string:
			if strings.HasPrefix(strings.TrimSpace(x), "{") {
				return "The body is a JSON string that contains JSON: the message was encoded twice (e.g. json.dumps passed to requests' json=); send the object itself."
			}
			return "The body is a JSON string, not an object; DingTalk wants a JSON object with msgtype."
		case []any:
			return "The body is a JSON array; DingTalk wants one JSON object per request."
		}
		return "The body is JSON but not an object; DingTalk wants a JSON object with msgtype."
	}
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return "The body is not valid JSON; DingTalk answers 40035 (missing parameter json)."
	}
	if looksLikeForm(trimmed) {
		return "The body is form-encoded (name=value&...), not JSON; send a JSON object with Content-Type: application/json."
	}
	off := int(se.Offset)
	if strings.HasPrefix(se.Error(), "unexpected end") {
		return fmt.Sprintf("The body ends before its JSON is complete (after %d bytes; truncated, or a missing closing brace or quote); DingTalk answers 40035 (missing parameter json).", len(body))
	}
	at := off - 1
	if at < 0 || at >= len(body) {
		at = min(max(off, 0), len(body)-1)
	}
	c := body[at]
	escape := strings.Contains(se.Error(), "string escape code") && at > 0
	if escape {
		at-- // point at the backslash itself
	}
	ctx := snippet(string(body[max(0, at-20):min(len(body), at+10)]))
	var cause string
	switch {
	case escape:
		cause = fmt.Sprintf("an unescaped backslash: \\%c is not a JSON escape (a Windows path or regex in a template? write \\\\)", c)
	case c == '\n' || c == '\r':
		cause = "a raw line break inside a JSON string (a multi-line template value? write \\n)"
	case c == '\t' || c < 0x20:
		cause = "a raw control character inside a JSON string (escape it)"
	case c == '\'':
		cause = "a single quote where JSON needs a double quote (a Python dict printed with str() instead of json.dumps?)"
	case c == '}' || c == ']':
		cause = "a trailing comma or a missing value"
	case c == '"':
		cause = "an unescaped double quote inside a string, or a missing comma"
	default:
		cause = fmt.Sprintf("the character %q", c)
	}
	return fmt.Sprintf("The body is not valid JSON: at byte offset %d (near %s) there is %s; DingTalk answers 40035 (missing parameter json).", at, ctx, cause)
}

// snippet shows a piece of the body, in backquotes when that is readable.
func snippet(s string) string {
	if strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return quote(s)
}

func looksLikeForm(b []byte) bool {
	i := bytes.IndexByte(b, '=')
	return i > 0 && !bytes.ContainsAny(b[:i], "{}[]\" :")
}

// tree decodes the body as a generic JSON object (nil when it is not one).
func tree(body []byte) map[string]any {
	var m map[string]any
	if json.Unmarshal(body, &m) != nil {
		return nil
	}
	return m
}

// field returns obj's value for key, matching the key case-insensitively
// as DingTalk's parser (and encoding/json) does.
func field(obj any, key string) (any, bool) {
	m, ok := obj.(map[string]any)
	if !ok {
		return nil, false
	}
	if v, ok := m[key]; ok {
		return v, true
	}
	for k, v := range m {
		if strings.EqualFold(k, key) {
			return v, true
		}
	}
	return nil, false
}

// otherShape recognises a body written for another chat platform and
// returns a hint for it, or "".
func otherShape(m map[string]any, msgtype string) string {
	if m == nil {
		return ""
	}
	if _, ok := m["msg_type"]; ok {
		return "This looks like a Feishu/Lark bot body (msg_type and content); DingTalk wants {\"msgtype\":\"text\",\"text\":{\"content\":\"...\"}} or another DingTalk type."
	}
	var found []string
	md, _ := field(m, "markdown")
	if _, ok := field(md, "content"); ok {
		found = append(found, "markdown.content")
	}
	txt, _ := field(m, "text")
	for _, k := range []string{"mentioned_list", "mentioned_mobile_list"} {
		if _, ok := field(txt, k); ok {
			found = append(found, "text."+k)
		}
	}
	for _, k := range []string{"news", "template_card", "markdown_v2", "mpnews", "voice"} {
		if _, ok := m[k]; ok {
			found = append(found, k)
		}
	}
	if len(found) == 0 {
		switch msgtype {
		case "news", "template_card", "markdown_v2", "mpnews", "voice":
			found = append(found, "msgtype "+quote(msgtype))
		}
	}
	if len(found) == 0 {
		return ""
	}
	return fmt.Sprintf("This looks like a WeCom (WeChat Work) robot body (it has %s); DingTalk's shapes differ: markdown is {\"title\":...,\"text\":...}, mentions go in at.atMobiles / at.atUserIds, and several links are a feedCard.", strings.Join(found, ", "))
}

func hintMsgType(req Request) string {
	m := tree(req.Body)
	mt := req.Rejection.MsgType
	if mt == "" && req.Message != nil {
		mt = req.Message.MsgType
	}
	if h := otherShape(m, mt); h != "" {
		return h
	}
	if mt == "" {
		for _, t := range supportedTypes {
			if v, ok := field(m, t); ok {
				if _, isObj := v.(map[string]any); isObj {
					return fmt.Sprintf("The msgtype field is missing; the body has a %s object, so add \"msgtype\":%q.", t, t)
				}
			}
		}
		if _, ok := m["text"].(string); ok {
			return "The body looks like a Slack-style {\"text\":\"...\"} message; DingTalk wants {\"msgtype\":\"text\",\"text\":{\"content\":\"...\"}}."
		}
		return "The msgtype field is missing; DingTalk needs msgtype, one of " + supportedText + "."
	}
	for _, t := range supportedTypes {
		if strings.EqualFold(mt, t) {
			return fmt.Sprintf("The msgtype %s is not %q: msgtype values are case-sensitive.", quote(mt), t)
		}
	}
	switch mt {
	case "post", "interactive", "share_chat":
		return fmt.Sprintf("The msgtype %s is a Feishu/Lark type; DingTalk's are %s.", quote(mt), supportedText)
	}
	return fmt.Sprintf("The msgtype %s is not one DingTalk supports; use one of %s.", quote(mt), supportedText)
}

// kind names the JSON type of v for a hint.
func kind(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case string:
		return "a string"
	case float64:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	}
	return "an object"
}

// describe walks path from v and says where and how the field falls short:
// ("markdown.title", "missing"). Arrays are searched for the first element
// that falls short.
func describe(v any, path []string, where string) (string, string) {
	if len(path) == 0 {
		return where, ""
	}
	if arr, ok := v.([]any); ok {
		for i, el := range arr {
			if w, s := describe(el, path, fmt.Sprintf("%s[%d]", where, i)); s != "" {
				return w, s
			}
		}
		return where, ""
	}
	name := path[0]
	if where != "" {
		where += "."
	}
	where += name
	child, ok := field(v, name)
	switch {
	case !ok:
		return where, "missing"
	case child == nil:
		return where, "null"
	}
	if len(path) > 1 {
		if _, isArr := child.([]any); !isArr {
			if _, isObj := child.(map[string]any); !isObj {
				return where, kind(child) + ", not an object"
			}
		}
		return describe(child, path[1:], where)
	}
	want := "a string"
	switch {
	case where == name:
		want = "an object"
	case name == "links" || name == "btns":
		want = "an array"
	}
	if got := kind(child); got != want {
		if want == "an object" && got == "a string" {
			return where, "a string, not an object (JSON encoded twice?)"
		}
		return where, got + ", not " + want
	}
	switch c := child.(type) {
	case string:
		if c == "" {
			return where, "empty"
		}
	case []any:
		if len(c) == 0 {
			return where, "an empty array"
		}
	}
	return where, ""
}

func hintMissingParam(req Request) string {
	m := tree(req.Body)
	rej := req.Rejection
	mt := ""
	if req.Message != nil {
		mt = req.Message.MsgType
	}
	if h := otherShape(m, mt); h != "" {
		return h
	}
	path := strings.Split(clean(rej.Param), "->")
	where, state := describe(m, path, "")
	if state == "" {
		where, state = strings.Join(path, "."), "missing or of the wrong type"
	}
	switch rej.Param {
	case "markdown->title":
		return fmt.Sprintf("The markdown message has no title (markdown.title is %s): DingTalk requires markdown.title, shown in the chat list and the notification, as well as markdown.text.", state)
	case "actionCard->singleTitle", "actionCard->singleURL":
		return fmt.Sprintf("The actionCard has no complete button (%s is %s): give singleTitle and singleURL for one button, or a non-empty btns list of {title, actionURL} for several.", where, state)
	}
	if len(path) == 1 && state == "missing" {
		for _, t := range supportedTypes {
			if t == path[0] {
				continue
			}
			if v, ok := field(m, t); ok {
				if _, isObj := v.(map[string]any); isObj {
					return fmt.Sprintf("The msgtype is %q but the body has a %s object instead of a %s object; make msgtype and the object's key agree.", path[0], t, path[0])
				}
			}
		}
	}
	return fmt.Sprintf("The %s message's %s is %s; DingTalk requires it (errcode %d).", path[0], where, state, rej.Code)
}

func hintKeywords(req Request) string {
	var kws []string
	if req.Robot != nil {
		for _, k := range req.Robot.Keywords {
			if k != "" {
				kws = append(kws, k)
			}
		}
	}
	if len(kws) == 0 {
		return "The message contains none of the robot's keywords; add one of them to the message's visible text."
	}
	visible := ""
	if req.Message != nil {
		visible = req.Message.VisibleText()
	}
	// A body in GBK (or another declared charset) hides the keyword from a
	// UTF-8 reader: look again in the body decoded from that charset.
	if lt, why, ok := notUTF8(req.ContentType, req.Body); ok && lt != nil {
		if m, err := dingtalk.ParseMessage(lt.text); err == nil && !m.MissingKeywords(kws) {
			return fmt.Sprintf("The keyword is there, but %s: DingTalk reads the body as UTF-8 only, so the keyword check (and the group) sees garbled text. Read as %s the message does contain one of %s; encode the JSON as UTF-8 (e.g. requests: json=..., or .encode('utf-8')).", why, lt.charset, quoteList(kws))
		}
	}
	for _, k := range kws {
		if strings.Contains(strings.ToLower(visible), strings.ToLower(k)) {
			return fmt.Sprintf("The message contains the keyword %s only in another letter case; the keyword check is a case-sensitive substring match against %s.", quote(k), quoteList(kws))
		}
	}
	strs := map[string]string{}
	collectStrings(tree(req.Body), "", strs)
	paths := make([]string, 0, len(strs))
	for p := range strs {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, k := range kws {
		for _, p := range paths {
			if strings.Contains(strs[p], k) {
				return fmt.Sprintf("The keyword %s appears only in %s, which the keyword check does not scan; it must be in the visible text (content, a title or text, button or link titles). Keywords: %s.", quote(k), p, quoteList(kws))
			}
		}
	}
	return fmt.Sprintf("None of the robot's keywords (%s) appears in the message's visible text (content, titles, texts, button and link titles); add one, e.g. to the title or the first line.", quoteList(kws))
}

// collectStrings records every string in v by its dotted path.
func collectStrings(v any, where string, out map[string]string) {
	switch x := v.(type) {
	case string:
		out[where] = x
	case []any:
		for i, el := range x {
			collectStrings(el, fmt.Sprintf("%s[%d]", where, i), out)
		}
	case map[string]any:
		for k, el := range x {
			p := k
			if where != "" {
				p = where + "." + k
			}
			collectStrings(el, p, out)
		}
	}
}
