// A fast path for ParseMessage: the plain bodies nearly every client sends
// (text, markdown and link messages whose members are strings of the
// right type, an optional at object and msgUuid, each member once, no
// \u escapes) are read in one pass without reflection, into one
// allocation. Anything else — another message type, a number or null
// where a string belongs, an unknown or repeated member, invalid UTF-8 —
// is left to the general decoder. FuzzParseSimpleMatchesParseMessage
// checks that both read every body the fast path accepts identically.

package dingtalk

import "unicode/utf8"

// simpleMessage holds a message and every part the fast path can fill, so
// that one allocation serves them all.
type simpleMessage struct {
	m    Message
	text Text
	md   Markdown
	link Link
	at   At
}

// simpleParser reads a body; s is the body as a string, so that a value
// without escapes is a substring of it rather than a new allocation.
type simpleParser struct {
	s string
	i int
}

// parseSimple reads body when it is a plain message; ok is false when the
// general decoder must read it instead.
func parseSimple(body []byte) (m *Message, ok bool) {
	return new(simpleMessage).parse(body)
}

// parse is parseSimple into sm, which must be zero.
func (sm *simpleMessage) parse(body []byte) (m *Message, ok bool) {
	if len(body) == 0 || len(body) > MaxBodyBytes {
		return nil, false
	}
	p := simpleParser{s: string(body)}
	var seen uint8
	ok = p.object(func(key string) bool {
		var bit uint8
		switch key {
		case "msgtype":
			bit = 1
			sm.m.MsgType, ok = p.str()
		case "msgUuid":
			bit = 2
			sm.m.MsgUUID, ok = p.str()
		case "text":
			bit = 4
			sm.m.Text = &sm.text
			ok = p.fields(func(k string) (*string, bool) {
				return &sm.text.Content, k == "content"
			})
		case "markdown":
			bit = 8
			sm.m.Markdown = &sm.md
			ok = p.fields(func(k string) (*string, bool) {
				switch k {
				case "title":
					return &sm.md.Title, true
				case "text":
					return &sm.md.Text, true
				}
				return nil, false
			})
		case "link":
			bit = 16
			sm.m.Link = &sm.link
			ok = p.fields(func(k string) (*string, bool) {
				switch k {
				case "title":
					return &sm.link.Title, true
				case "text":
					return &sm.link.Text, true
				case "messageUrl":
					return &sm.link.MessageURL, true
				case "picUrl":
					return &sm.link.PicURL, true
				}
				return nil, false
			})
		case "at":
			bit = 32
			sm.m.At = &sm.at
			ok = p.at(&sm.at)
		default:
			return false
		}
		if seen&bit != 0 {
			return false
		}
		seen |= bit
		return ok
	})
	p.space()
	if !ok || p.i != len(p.s) {
		return nil, false
	}
	return &sm.m, true
}

func (p *simpleParser) space() {
	for p.i < len(p.s) {
		switch p.s[p.i] {
		case ' ', '\t', '\r', '\n':
			p.i++
		default:
			return
		}
	}
}

// next skips white space and consumes c if it comes next.
func (p *simpleParser) next(c byte) bool {
	p.space()
	if p.i < len(p.s) && p.s[p.i] == c {
		p.i++
		return true
	}
	return false
}

// object reads {"key": value, …}, calling member for each key with the
// parser at its value.
func (p *simpleParser) object(member func(key string) bool) bool {
	if !p.next('{') {
		return false
	}
	if p.next('}') {
		return true
	}
	for {
		p.space()
		key, ok := p.str()
		if !ok || !p.next(':') {
			return false
		}
		p.space()
		if !member(key) {
			return false
		}
		if p.next(',') {
			continue
		}
		return p.next('}')
	}
}

// fields reads an object of string members, each named at most once;
// field gives where a key's value goes.
func (p *simpleParser) fields(field func(key string) (*string, bool)) bool {
	var seen []*string
	var seenArr [4]*string
	seen = seenArr[:0]
	return p.object(func(key string) bool {
		dst, ok := field(key)
		if !ok {
			return false
		}
		for _, d := range seen {
			if d == dst {
				return false
			}
		}
		seen = append(seen, dst)
		*dst, ok = p.str()
		return ok
	})
}

// at reads an at object: lists of strings and an isAtAll of true or false.
func (p *simpleParser) at(at *At) bool {
	var seen uint8
	return p.object(func(key string) bool {
		var bit uint8
		ok := false
		switch key {
		case "atMobiles":
			bit = 1
			at.AtMobiles, ok = p.strings()
		case "atUserIds":
			bit = 2
			at.AtUserIds, ok = p.strings()
		case "atDingtalkIds":
			bit = 4
			at.AtDingtalkIds, ok = p.strings()
		case "isAtAll":
			bit = 8
			switch {
			case len(p.s)-p.i >= 4 && p.s[p.i:p.i+4] == "true":
				at.IsAtAll, ok = true, true
				p.i += 4
			case len(p.s)-p.i >= 5 && p.s[p.i:p.i+5] == "false":
				at.IsAtAll, ok = false, true
				p.i += 5
			}
		}
		if !ok || seen&bit != 0 {
			return false
		}
		seen |= bit
		return true
	})
}

// strings reads a list of strings.
func (p *simpleParser) strings() ([]string, bool) {
	if !p.next('[') {
		return nil, false
	}
	out := make([]string, 0)
	if p.next(']') {
		return out, true
	}
	for {
		p.space()
		v, ok := p.str()
		if !ok {
			return nil, false
		}
		out = append(out, v)
		if p.next(',') {
			continue
		}
		return out, p.next(']')
	}
}

// str reads a JSON string whose value is valid UTF-8 and has no \u
// escape (those go to the general decoder, which knows surrogates).
func (p *simpleParser) str() (string, bool) {
	if p.i >= len(p.s) || p.s[p.i] != '"' {
		return "", false
	}
	start := p.i + 1
	ascii := true
	for i := start; i < len(p.s); i++ {
		switch c := p.s[i]; {
		case c == '"':
			v := p.s[start:i]
			if !ascii && !utf8.ValidString(v) {
				return "", false
			}
			p.i = i + 1
			return v, true
		case c == '\\':
			return p.escaped(start)
		case c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

// escaped reads a string with escapes, from its first byte at start.
func (p *simpleParser) escaped(start int) (string, bool) {
	buf := make([]byte, 0, 64)
	for i := start; i < len(p.s); i++ {
		c := p.s[i]
		switch {
		case c == '"':
			if !utf8.Valid(buf) {
				return "", false
			}
			p.i = i + 1
			return string(buf), true
		case c < 0x20:
			return "", false
		case c != '\\':
			buf = append(buf, c)
			continue
		}
		if i++; i == len(p.s) {
			return "", false
		}
		switch p.s[i] {
		case '"', '\\', '/':
			buf = append(buf, p.s[i])
		case 'b':
			buf = append(buf, '\b')
		case 'f':
			buf = append(buf, '\f')
		case 'n':
			buf = append(buf, '\n')
		case 'r':
			buf = append(buf, '\r')
		case 't':
			buf = append(buf, '\t')
		default: // \u and invalid escapes
			return "", false
		}
	}
	return "", false
}
