// Hints and warnings about how the body was encoded: compressed (gzip,
// deflate, br, zstd) where DingTalk wants plain JSON, or written in a
// charset other than UTF-8 (GBK above all) where DingTalk reads UTF-8 only.
// Each is found by looking at the bytes, and a keyword the check missed is
// looked for again in the body decoded from the charset it was sent in.

package diagnose

import (
	"bytes"
	"fmt"
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// compression names how a body is compressed ("gzip", "zlib (deflate)",
// "zstd", or the Content-Encoding as sent) and how that was seen, or
// returns "" for a body that is not compressed.
func compression(contentEncoding string, body []byte) (name, seen string) {
	ce := strings.ToLower(strings.TrimSpace(contentEncoding))
	if ce != "" && ce != "identity" {
		return ce, "Content-Encoding: " + contentEncoding
	}
	switch {
	case bytes.HasPrefix(body, []byte{0x1f, 0x8b}):
		return "gzip", "the body starts with gzip's magic bytes 1F 8B"
	case bytes.HasPrefix(body, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return "zstd", "the body starts with zstd's magic bytes 28 B5 2F FD"
	case len(body) >= 2 && body[0] == 0x78 && (uint16(body[0])<<8|uint16(body[1]))%31 == 0:
		return "zlib (deflate)", fmt.Sprintf("the body starts with a zlib header %02X %02X", body[0], body[1])
	}
	return "", ""
}

// hintCompressed explains a rejection of a compressed body, or returns "".
func hintCompressed(req Request) string {
	name, seen := compression(req.ContentEncoding, req.Body)
	if name == "" {
		return ""
	}
	return fmt.Sprintf("The body is compressed with %s (%s); DingTalk does not decompress request bodies and wants plain UTF-8 JSON, so it cannot read the message (40035 missing parameter json). Turn off request compression in the HTTP client.", name, seen)
}

// declaredCharset returns the charset parameter of a Content-Type when it
// names something other than UTF-8, else "".
func declaredCharset(contentType string) string {
	if strings.IndexByte(contentType, ';') < 0 || dingtalk.IsUTF8JSONContentType(contentType) {
		return "" // no parameters or a UTF-8 charset: the common cases, without parsing
	}
	_, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return ""
	}
	cs := strings.TrimSpace(params["charset"])
	switch strings.ToLower(strings.ReplaceAll(cs, "-", "")) {
	case "", "utf8":
		return ""
	}
	return cs
}

// legacyText is a body that is not UTF-8 as read in the charset it was
// most likely written in.
type legacyText struct {
	charset string // "GBK", or the declared charset
	text    []byte // the body decoded to UTF-8
}

// notUTF8 reports on a body that is not in UTF-8: declared in another
// charset, or holding bytes that are not UTF-8. ok is false for a UTF-8
// body (or one in ASCII, the same in every charset DingTalk's clients use).
// When the body decodes cleanly from the declared charset or from GBK, lt
// holds the decoded text.
func notUTF8(contentType string, body []byte) (lt *legacyText, why string, ok bool) {
	cs := declaredCharset(contentType)
	valid := utf8.Valid(body)
	if valid && (cs == "" || isASCII(body)) {
		return nil, "", false
	}
	var tries []struct {
		name string
		enc  encoding.Encoding
	}
	if cs != "" {
		if enc, err := htmlindex.Get(cs); err == nil {
			tries = append(tries, struct {
				name string
				enc  encoding.Encoding
			}{cs, enc})
		}
	}
	if !valid {
		tries = append(tries, struct {
			name string
			enc  encoding.Encoding
		}{"GBK", simplifiedchinese.GBK})
	}
	for _, t := range tries {
		text, err := t.enc.NewDecoder().Bytes(body)
		if err == nil && utf8.Valid(text) && !bytes.ContainsRune(text, utf8.RuneError) && (hasHan(text) || t.name == cs) {
			lt = &legacyText{charset: t.name, text: text}
			break
		}
	}
	switch {
	case cs != "" && !valid:
		why = fmt.Sprintf("the body is in %s (Content-Type says charset=%s) and not valid UTF-8", cs, cs)
	case cs != "":
		why = fmt.Sprintf("the Content-Type says charset=%s", cs)
	case lt != nil:
		why = "the body is not valid UTF-8; it reads as GBK-encoded text"
	default:
		why = "the body has bytes that are not valid UTF-8"
	}
	return lt, why, true
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

func hasHan(b []byte) bool {
	for _, r := range string(b) {
		if unicode.Is(unicode.Han, r) {
			return true
		}
	}
	return false
}

// encodingNote is the sentence added to any hint for a body that is not
// UTF-8, or "".
func encodingNote(req Request) string {
	_, why, ok := notUTF8(req.ContentType, req.Body)
	if !ok {
		return ""
	}
	return " Also, " + why + ": DingTalk reads the body as UTF-8 only, so non-ASCII text arrives garbled; encode the JSON as UTF-8."
}

// encodingWarning is the warning for an accepted body that is not UTF-8.
func encodingWarning(contentType string, body []byte) string {
	if len(body) == 0 {
		return ""
	}
	_, why, ok := notUTF8(contentType, body)
	if !ok {
		return ""
	}
	if utf8.Valid(body) {
		return "The Content-Type declares a charset other than UTF-8; DingTalk reads the body as UTF-8 (this body is valid UTF-8, so it shows as sent, but a client that really encodes in that charset will show garbled text)."
	}
	return "DingTalk reads the body as UTF-8 only, but " + why + ": group members see replacement characters (�) where that text was; encode the JSON as UTF-8."
}
