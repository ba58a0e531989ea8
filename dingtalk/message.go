// The message bodies a client posts to /robot/send, how DingTalk decides a
// body is incomplete (the 4XXYYY "miss param" codes), and the text the
// keyword check scans.

package dingtalk

import (
	"bytes"
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Message types the webhook accepts.
const (
	MsgText       = "text"
	MsgLink       = "link"
	MsgMarkdown   = "markdown"
	MsgActionCard = "actionCard"
	MsgFeedCard   = "feedCard"
	// MsgImage is sent by popular libraries (DingtalkChatbot's send_image)
	// and reported to get through; the official doc does not list it.
	MsgImage = "image"
)

// Message is one robot message: {"msgtype":…, "<msgtype>":{…}, "at":{…}}.
// Unknown fields are ignored, as the real service ignores them; keys match
// case-insensitively.
type Message struct {
	MsgType    string      `json:"msgtype"`
	Text       *Text       `json:"text,omitempty"`
	Link       *Link       `json:"link,omitempty"`
	Markdown   *Markdown   `json:"markdown,omitempty"`
	ActionCard *ActionCard `json:"actionCard,omitempty"`
	FeedCard   *FeedCard   `json:"feedCard,omitempty"`
	Image      *Image      `json:"image,omitempty"`
	At         *At         `json:"at,omitempty"`
	// MsgUUID makes a retry idempotent: a repeated value is acknowledged
	// and not delivered twice.
	MsgUUID string `json:"msgUuid,omitempty"`

	ignored []string // see Ignored
}

// Ignored lists, in plain language, the values of the at object that
// ParseMessage had to ignore because no Java binder converts them (a
// string where a list of mobiles belongs, isAtAll "yes"). Such a body is
// still delivered, with fewer mentions than its sender meant. It is nil
// for a message built in Go or decoded from JSON by other means.
func (m *Message) Ignored() []string { return m.ignored }

// Text is a plain-text message.
type Text struct {
	Content string `json:"content"`
}

// Link is a link card. Note the camel case messageUrl/picUrl, unlike
// feedCard's messageURL/picURL.
type Link struct {
	Title      string `json:"title"`
	Text       string `json:"text"`
	MessageURL string `json:"messageUrl"`
	PicURL     string `json:"picUrl,omitempty"`
}

// Markdown is a markdown message; Title shows only in the chat list and
// notification.
type Markdown struct {
	Title string `json:"title"`
	Text  string `json:"text"`
}

// ActionCard is a card with one button (SingleTitle and SingleURL) or
// several (Btns). When SingleTitle or SingleURL is set, Btns is ignored.
type ActionCard struct {
	Title       string `json:"title"`
	Text        string `json:"text"`
	SingleTitle string `json:"singleTitle,omitempty"`
	SingleURL   string `json:"singleURL,omitempty"`
	Btns        []Btn  `json:"btns,omitempty"`
	// BtnOrientation is "0" (vertical, default) or "1" (horizontal).
	BtnOrientation FlexString `json:"btnOrientation,omitempty"`
	// HideAvatar is "0" (show the sender's avatar, default) or "1".
	HideAvatar FlexString `json:"hideAvatar,omitempty"`
}

// Btn is one button of an ActionCard.
type Btn struct {
	Title     string `json:"title"`
	ActionURL string `json:"actionURL"`
}

// FeedCard is a list of links.
type FeedCard struct {
	Links []FeedLink `json:"links"`
}

// FeedLink is one entry of a FeedCard.
type FeedLink struct {
	Title      string `json:"title"`
	MessageURL string `json:"messageURL"`
	PicURL     string `json:"picURL,omitempty"`
}

// Image is a picture message.
type Image struct {
	PicURL string `json:"picURL"`
}

// At says whom the message @-mentions. A mention is also written as
// "@<mobile>" or "@<userId>" in the text for DingTalk to highlight it.
type At struct {
	AtMobiles []string `json:"atMobiles,omitempty"`
	AtUserIds []string `json:"atUserIds,omitempty"`
	// AtDingtalkIds is sent by older libraries.
	AtDingtalkIds []string `json:"atDingtalkIds,omitempty"`
	IsAtAll       FlexBool `json:"isAtAll"`
}

// FlexBool is a boolean read as DingTalk's Java binder reads one: JSON
// true and false, the strings "true" and "false" in any letter case, and
// 1 and 0 (as numbers or strings). null and "" read as false.
type FlexBool bool

// errNotBool is FlexBool's answer to a value a Java binder cannot convert
// to a boolean ("yes", 2, an object); ParseMessage then reads the at object
// leniently and notes the value it ignored.
var errNotBool = errors.New("dingtalk: not a boolean")

// UnmarshalJSON reads the values listed on FlexBool and fails on others.
func (b *FlexBool) UnmarshalJSON(data []byte) error {
	v, ok := parseBool(data)
	if !ok {
		return errNotBool
	}
	*b = FlexBool(v)
	return nil
}

// parseBool converts a JSON value to a boolean as fastjson's castToBoolean
// does; ok is false for a value it would refuse.
func parseBool(data []byte) (v, ok bool) {
	data = bytes.TrimSpace(data)
	if len(data) >= 2 && data[0] == '"' && data[len(data)-1] == '"' {
		data = data[1 : len(data)-1]
	}
	switch {
	case len(data) == 0, string(data) == "null", string(data) == "0", bytes.EqualFold(data, []byte("false")):
		return false, true
	case string(data) == "1", bytes.EqualFold(data, []byte("true")):
		return true, true
	}
	return false, false
}

// FlexString is a string that also accepts a JSON number or boolean
// ("1" or 1), as clients send btnOrientation and hideAvatar both ways.
type FlexString string

// UnmarshalJSON accepts a string, a number or a boolean (read as its text);
// anything else reads as "". It never fails the body.
func (s *FlexString) UnmarshalJSON(data []byte) error {
	v, _ := scalarText(data)
	*s = FlexString(v)
	return nil
}

// scalarText is the text a Java binder reads into a String field from a
// JSON value: a string's value, a number as written (13800000000 is
// "13800000000"), true or false. ok is false for null, an object or an
// array, which give "".
func scalarText(data []byte) (string, bool) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 {
		return "", false
	}
	switch c := data[0]; {
	case c == '"':
		if plainASCII(data[1 : len(data)-1]) {
			return string(data[1 : len(data)-1]), true
		}
		var v string
		if json.Unmarshal(data, &v) != nil {
			return "", false
		}
		return v, true
	case c == 't' || c == 'f' || c == '-' || ('0' <= c && c <= '9'):
		return string(data), true
	}
	return "", false
}

// ErrNotJSON is returned by ParseMessage for a body that is empty, not
// valid JSON, or not a JSON object: DingTalk answers 40035 缺少参数 json.
var ErrNotJSON = errors.New("dingtalk: body is not a JSON object")

// ParseMessage decodes a request body as DingTalk's Java binder reads it.
// A number or boolean where a string is expected reads as its text
// (atMobiles: [13800000000] is "13800000000", content: 12345 is "12345"),
// and "true" or 1 where a boolean is expected as true. A value that
// cannot be converted (an object where a string is expected, a markdown
// given as a string) is left empty rather than failing the whole body, so
// that Validate reports it as DingTalk does: missing, "或者参数格式不正确";
// in the optional at object such a value is ignored and noted (see
// Message.Ignored). A repeated key counts once, the last time it appears.
//
// Most bodies are well-formed, and for them one json.Unmarshal straight
// into a Message gives exactly that answer; ParseMessage uses it when the
// decode reports no type error and no member it reads is named twice
// (decoding twice into one field would merge, not replace). Every other
// body goes through a lenient decoder: one json.Unmarshal whose fields
// take each member, already checked, and decode it leniently.
func ParseMessage(body []byte) (*Message, error) {
	if m, ok := parseSimple(body); ok {
		return m, nil
	}
	return parseGeneral(body)
}

// A MessageReader is ParseMessage for a server that parses a message per
// request and keeps nothing of it: a plain message is read into the
// reader's own memory, so the *Message it returns (and its Text, Markdown,
// Link and At) is valid only until the next Read. The strings in it stay
// valid. The zero value is ready to use; a MessageReader is not safe for
// concurrent use.
type MessageReader struct {
	sm simpleMessage
}

// Read parses body as ParseMessage does.
func (r *MessageReader) Read(body []byte) (*Message, error) {
	r.sm = simpleMessage{}
	if m, ok := r.sm.parse(body); ok {
		return m, nil
	}
	return parseGeneral(body)
}

// parseGeneral is ParseMessage without the fast path of parseSimple.
func parseGeneral(body []byte) (*Message, error) {
	trimmed := bytes.TrimLeft(body, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, ErrNotJSON
	}
	m := new(Message)
	if json.Unmarshal(body, m) == nil && membersReadOnce(body) {
		return m, nil
	}
	return parseLenient(body)
}

// parseLenient is ParseMessage for any body: scalars are converted to the
// type expected, members of an unconvertible type are left empty and a
// repeated member replaces the earlier one.
func parseLenient(body []byte) (*Message, error) {
	var raw struct {
		MsgType    lenientString             `json:"msgtype"`
		Text       lenientObject[Text]       `json:"text"`
		Link       lenientObject[Link]       `json:"link"`
		Markdown   lenientObject[Markdown]   `json:"markdown"`
		ActionCard lenientObject[ActionCard] `json:"actionCard"`
		FeedCard   lenientObject[FeedCard]   `json:"feedCard"`
		Image      lenientObject[Image]      `json:"image"`
		At         lenientAt                 `json:"at"`
		MsgUUID    lenientString             `json:"msgUuid"`
	}
	// The fields never fail, so any error is a syntax error.
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, ErrNotJSON
	}
	return &Message{
		MsgType:    string(raw.MsgType),
		Text:       raw.Text.v,
		Link:       raw.Link.v,
		Markdown:   raw.Markdown.v,
		ActionCard: raw.ActionCard.v,
		FeedCard:   raw.FeedCard.v,
		Image:      raw.Image.v,
		At:         raw.At.v,
		MsgUUID:    string(raw.MsgUUID),
		ignored:    raw.At.ignored,
	}, nil
}

// messageMembers are the member names ParseMessage reads, in lower case
// (encoding/json matches names case-insensitively).
var messageMembers = [...]string{"msgtype", "text", "link", "markdown", "actioncard", "feedcard", "image", "at", "msguuid"}

// membersReadOnce reports whether no member of body's top-level object
// that ParseMessage reads appears twice. body must be valid JSON. A name
// with an escape or a non-ASCII byte might fold to any member, so it
// makes the answer false.
func membersReadOnce(body []byte) bool {
	var seen uint16 // bit i: messageMembers[i] was named
	depth := 0
	for i := 0; i < len(body); i++ {
		switch body[i] {
		case '{', '[':
			depth++
		case '}', ']':
			depth--
		case '"':
			start, plain := i+1, true
			for i++; body[i] != '"'; i++ {
				if body[i] == '\\' {
					plain = false
					i++ // the escaped byte cannot end the string
				} else if body[i] >= utf8.RuneSelf {
					plain = false
				}
			}
			if depth != 1 || !isName(body[i+1:]) {
				continue
			}
			if !plain {
				return false
			}
			for k, member := range messageMembers {
				if equalFoldASCII(body[start:i], member) {
					if seen&(1<<k) != 0 {
						return false
					}
					seen |= 1 << k
				}
			}
		}
	}
	return true
}

// isName reports whether the string that rest follows is a member name:
// the next byte that is not white space is ':'.
func isName(rest []byte) bool {
	rest = bytes.TrimLeft(rest, " \t\r\n")
	return len(rest) > 0 && rest[0] == ':'
}

// equalFoldASCII reports whether b equals lower (all lower case ASCII)
// ignoring ASCII case.
func equalFoldASCII(b []byte, lower string) bool {
	if len(b) != len(lower) {
		return false
	}
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// lenientObject holds a new T when the member is a JSON object and nil
// otherwise. Numbers and booleans inside it are read as strings (every
// scalar field of the message objects is a string); fields of a type that
// cannot be converted are left empty.
type lenientObject[T any] struct{ v *T }

// UnmarshalJSON never fails: it is only given valid JSON.
func (o *lenientObject[T]) UnmarshalJSON(data []byte) error {
	o.v = nil
	if len(data) == 0 || data[0] != '{' {
		return nil
	}
	o.v = new(T)
	_ = json.Unmarshal(quoteScalars(data), o.v) // only type errors are possible: data is valid JSON
	return nil
}

// quoteScalars returns valid JSON data with every number and boolean
// written as a JSON string of its text; null and strings are kept. It
// returns data itself when there is nothing to change.
func quoteScalars(data []byte) []byte {
	var out []byte
	last := 0 // data[:last] is already in out
	for i := 0; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			for i++; data[i] != '"'; i++ {
				if data[i] == '\\' {
					i++
				}
			}
		case c == 't' || c == 'f' || c == '-' || ('0' <= c && c <= '9'):
			j := i
			for j < len(data) && !isDelim(data[j]) {
				j++
			}
			out = append(out, data[last:i]...)
			out = append(out, '"')
			out = append(out, data[i:j]...)
			out = append(out, '"')
			last, i = j, j-1
		}
	}
	if out == nil {
		return data
	}
	return append(out, data[last:]...)
}

// isDelim reports whether c ends a JSON number or literal.
func isDelim(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\r', '\n':
		return true
	}
	return false
}

// lenientAt reads the at object as a Java binder with lenient settings
// would, noting each value it had to ignore.
type lenientAt struct {
	v       *At
	ignored []string
}

// UnmarshalJSON never fails: it is only given valid JSON.
func (a *lenientAt) UnmarshalJSON(data []byte) error {
	a.v, a.ignored = nil, nil
	if len(data) == 0 || string(data) == "null" {
		return nil
	}
	if data[0] != '{' {
		a.ignored = append(a.ignored, "at is "+jsonKind(data)+", not an object {atMobiles, atUserIds, isAtAll}, so it was ignored")
		return nil
	}
	var raw struct {
		AtMobiles     json.RawMessage `json:"atMobiles"`
		AtUserIds     json.RawMessage `json:"atUserIds"`
		AtDingtalkIds json.RawMessage `json:"atDingtalkIds"`
		IsAtAll       json.RawMessage `json:"isAtAll"`
	}
	_ = json.Unmarshal(data, &raw)
	a.v = &At{
		AtMobiles:     a.list(raw.AtMobiles, "atMobiles"),
		AtUserIds:     a.list(raw.AtUserIds, "atUserIds"),
		AtDingtalkIds: a.list(raw.AtDingtalkIds, "atDingtalkIds"),
	}
	if raw.IsAtAll != nil {
		v, ok := parseBool(raw.IsAtAll)
		if !ok {
			a.ignored = append(a.ignored, "at.isAtAll is "+jsonKind(raw.IsAtAll)+" ("+clip(raw.IsAtAll)+"), not a boolean a Java binder converts (true, false, \"true\", \"false\", 1 or 0), so it was read as false")
		}
		a.v.IsAtAll = FlexBool(v)
	}
	return nil
}

// list reads a list of strings: each number or boolean as its text, null
// as "". A value that is not a list, and elements that are objects or
// lists, are ignored and noted.
func (a *lenientAt) list(data json.RawMessage, name string) []string {
	if len(data) == 0 || string(data) == "null" {
		return nil
	}
	if data[0] != '[' {
		a.ignored = append(a.ignored, "at."+name+" is "+jsonKind(data)+" ("+clip(data)+"), not a list, so it was ignored and nobody in it is mentioned; write [\"...\"]")
		return nil
	}
	var elems []json.RawMessage
	_ = json.Unmarshal(data, &elems)
	out := make([]string, 0, len(elems))
	for i, el := range elems {
		if string(el) == "null" {
			out = append(out, "")
			continue
		}
		v, ok := scalarText(el)
		if !ok {
			a.ignored = append(a.ignored, "at."+name+"["+strconv.Itoa(i)+"] is "+jsonKind(el)+", not a string, so it was ignored")
			continue
		}
		out = append(out, v)
	}
	return out
}

// jsonKind names the JSON type of valid JSON data.
func jsonKind(data []byte) string {
	switch c := bytes.TrimSpace(data); {
	case len(c) == 0:
		return "empty"
	case c[0] == '"':
		return "a string"
	case c[0] == '{':
		return "an object"
	case c[0] == '[':
		return "a list"
	case c[0] == 't' || c[0] == 'f':
		return "a boolean"
	case c[0] == 'n':
		return "null"
	}
	return "a number"
}

// clip shortens a JSON value for a note, on one line.
func clip(data []byte) string {
	const max = 40
	s := strings.Join(strings.Fields(string(data)), " ") // JSON white space only: strings hold no raw control bytes
	if len(s) <= max {
		return s
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return s[:cut] + "…"
}

// lenientString is the member's value read into a Java String: a string's
// value, a number or boolean as its text, else "".
type lenientString string

// UnmarshalJSON never fails: it is only given valid JSON.
func (s *lenientString) UnmarshalJSON(data []byte) error {
	v, _ := scalarText(data)
	*s = lenientString(v)
	return nil
}

// plainASCII reports whether b is printable ASCII without '"' or '\\', so
// that a JSON string holding exactly b decodes to b unchanged.
func plainASCII(b []byte) bool {
	for _, c := range b {
		if c < 0x20 || c >= 0x7f || c == '"' || c == '\\' {
			return false
		}
	}
	return true
}

// Supported reports whether msgtype is one the webhook delivers.
func Supported(msgtype string) bool {
	switch msgtype {
	case MsgText, MsgLink, MsgMarkdown, MsgActionCard, MsgFeedCard, MsgImage:
		return true
	}
	return false
}

// missing returns the 4XXYYY rejection for a parameter: 4, the message
// type's two-digit index, the field's two-digit index (01 is the object
// itself). Seen for real: 400202 text->content, 400401 markdown,
// 400402 markdown->title, 400403 markdown->text, 400602 feedCard->links.
// The other indexes follow the official doc's field order (inferred).
func missing(typeIndex, fieldIndex int, param string) *Rejection {
	return &Rejection{Reason: ReasonMissingParam, Param: param, Code: 400000 + typeIndex*100 + fieldIndex}
}

// Validate reports what DingTalk would reject in the message's schema: an
// absent or unsupported msgtype (400105), or the first missing required
// field of its type (empty strings count as missing, as for 400403).
func (m *Message) Validate() *Rejection {
	switch m.MsgType {
	case MsgText:
		switch {
		case m.Text == nil:
			return missing(2, 1, "text")
		case m.Text.Content == "":
			return missing(2, 2, "text->content")
		}
	case MsgLink:
		switch {
		case m.Link == nil:
			return missing(3, 1, "link")
		case m.Link.Title == "":
			return missing(3, 2, "link->title")
		case m.Link.Text == "":
			return missing(3, 3, "link->text")
		case m.Link.MessageURL == "":
			return missing(3, 4, "link->messageUrl")
		}
	case MsgMarkdown:
		switch {
		case m.Markdown == nil:
			return missing(4, 1, "markdown")
		case m.Markdown.Title == "":
			return missing(4, 2, "markdown->title")
		case m.Markdown.Text == "":
			return missing(4, 3, "markdown->text")
		}
	case MsgActionCard:
		return m.ActionCard.validate()
	case MsgFeedCard:
		switch {
		case m.FeedCard == nil:
			return missing(6, 1, "feedCard")
		case len(m.FeedCard.Links) == 0:
			return missing(6, 2, "feedCard->links")
		}
		for _, l := range m.FeedCard.Links {
			switch {
			case l.Title == "":
				return missing(6, 3, "feedCard->links->title")
			case l.MessageURL == "":
				return missing(6, 4, "feedCard->links->messageURL")
			}
		}
	case MsgImage:
		switch {
		case m.Image == nil:
			return missing(7, 1, "image")
		case m.Image.PicURL == "":
			return missing(7, 2, "image->picURL")
		}
	default:
		return &Rejection{Reason: ReasonUnsupportedMsgType, MsgType: m.MsgType}
	}
	return nil
}

func (c *ActionCard) validate() *Rejection {
	switch {
	case c == nil:
		return missing(5, 1, "actionCard")
	case c.Title == "":
		return missing(5, 2, "actionCard->title")
	case c.Text == "":
		return missing(5, 3, "actionCard->text")
	}
	if c.SingleTitle == "" && c.SingleURL == "" && len(c.Btns) > 0 {
		for _, b := range c.Btns {
			switch {
			case b.Title == "":
				return missing(5, 7, "actionCard->btns->title")
			case b.ActionURL == "":
				return missing(5, 8, "actionCard->btns->actionURL")
			}
		}
		return nil
	}
	switch {
	case c.SingleTitle == "":
		return missing(5, 4, "actionCard->singleTitle")
	case c.SingleURL == "":
		return missing(5, 5, "actionCard->singleURL")
	}
	return nil
}

// VisibleText returns the text a group member sees in the message, the
// text the keyword check scans: content, titles, texts, button titles and
// link titles, one per line.
func (m *Message) VisibleText() string {
	var parts []string
	add := func(s ...string) {
		for _, p := range s {
			if p != "" {
				parts = append(parts, p)
			}
		}
	}
	if m.Text != nil {
		add(m.Text.Content)
	}
	if m.Link != nil {
		add(m.Link.Title, m.Link.Text)
	}
	if m.Markdown != nil {
		add(m.Markdown.Title, m.Markdown.Text)
	}
	if c := m.ActionCard; c != nil {
		add(c.Title, c.Text, c.SingleTitle)
		for _, b := range c.Btns {
			add(b.Title)
		}
	}
	if m.FeedCard != nil {
		for _, l := range m.FeedCard.Links {
			add(l.Title)
		}
	}
	return strings.Join(parts, "\n")
}

// MissingKeywords reports whether none of keywords appears in the
// message's visible text (a plain substring match). A message with no
// keywords configured, or an image (which carries no text), always passes.
func (m *Message) MissingKeywords(keywords []string) bool {
	if len(keywords) == 0 || m.MsgType == MsgImage {
		return false
	}
	text := m.VisibleText()
	for _, k := range keywords {
		if k != "" && strings.Contains(text, k) {
			return false
		}
	}
	return true
}

// Body returns the message's main text: text.content, markdown.text,
// link.text or actionCard.text; "" for the others.
func (m *Message) Body() string {
	switch {
	case m.Text != nil && m.MsgType == MsgText:
		return m.Text.Content
	case m.Markdown != nil && m.MsgType == MsgMarkdown:
		return m.Markdown.Text
	case m.Link != nil && m.MsgType == MsgLink:
		return m.Link.Text
	case m.ActionCard != nil && m.MsgType == MsgActionCard:
		return m.ActionCard.Text
	}
	return ""
}
