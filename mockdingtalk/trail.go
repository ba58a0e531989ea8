// The compact record of a send's checks that the journal keeps (a
// journal.Trail), and how it becomes the journal.Check list (and the
// parsed message) again when an entry is read. On the accepted path a
// trail costs no allocation: most details are rebuilt from the entry's
// own raw request, and only the ones that cannot be (a rejection's
// reason, an allowlist match) are kept as text.

package mockdingtalk

import (
	"net/http"
	"strconv"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// Steps: the checks, in the order they run (indexes into checkNames).
const (
	stepPath uint8 = iota
	stepMethod
	stepAccessToken
	stepToken
	stepEnabled
	stepContentType
	stepBodySize
	stepJSON
	stepIPAllowlist
	stepSign
	stepMessage
	stepKeywords
	stepMsgUUID
	stepRateLimit
)

var checkNames = [...]journal.CheckName{
	stepPath: journal.CheckPath, stepMethod: journal.CheckMethod, stepAccessToken: journal.CheckAccessToken, stepToken: journal.CheckToken,
	stepEnabled: journal.CheckEnabled, stepContentType: journal.CheckContentType, stepBodySize: journal.CheckBodySize,
	stepJSON: journal.CheckJSON, stepIPAllowlist: journal.CheckIPAllowlist, stepSign: journal.CheckSign,
	stepMessage: journal.CheckMessage, stepKeywords: journal.CheckKeywords, stepMsgUUID: journal.CheckMsgUUID,
	stepRateLimit: journal.CheckRateLimit,
}

// Forms of a step: which detail the check gave.
const (
	formPass   uint8 = iota // passed, with the check's usual detail
	formAlt                 // passed, with its second detail
	formStored              // passed, detail kept in Trail.Details
	formFailed              // failed, detail kept in Trail.Details
)

// expandEntry rebuilds e's Message and Checks from its Trail.
func expandEntry(e *journal.Entry) {
	t := &e.Trail
	if t.Parsed {
		e.Message, _ = dingtalk.ParseMessage(e.Body)
	}
	checks := make([]journal.Check, t.N)
	stored := t.Details
	for i, code := range t.Steps[:t.N] {
		step, form := code>>2, code&3
		c := &checks[i]
		c.Name, c.Passed = checkNames[step], form != formFailed
		if form >= formStored {
			if len(stored) > 0 {
				c.Detail, stored = stored[0], stored[1:]
			}
			continue
		}
		c.Detail = passDetail(e, step, form == formAlt)
	}
	e.Checks = checks
}

// passDetail is the detail of a passed check, rebuilt from the entry.
func passDetail(e *journal.Entry, step uint8, alt bool) string {
	t := &e.Trail
	switch step {
	case stepPath:
		if !alt {
			return SendPath
		}
		return strconv.Quote(e.Path) + " has repeated slashes; delivered as " + SendPath + " (the fake's choice: front ends merge slashes)"
	case stepMethod:
		return http.MethodPost
	case stepAccessToken:
		return "present"
	case stepToken:
		return "robot " + strconv.Quote(t.Name)
	case stepEnabled:
		return "enabled"
	case stepContentType:
		return e.Header.Get("Content-Type")
	case stepBodySize:
		return strconv.Itoa(len(e.Body)) + " bytes"
	case stepJSON:
		return "a JSON object"
	case stepIPAllowlist:
		return "no allowlist set"
	case stepSign:
		if !alt {
			return "signing is not enabled for this robot"
		}
		var q sendQuery
		q.parse(e.RawQuery)
		return signedDetail(q.timestamp)
	case stepMessage:
		if e.Message == nil {
			return ""
		}
		return "msgtype " + e.Message.MsgType
	case stepKeywords:
		if !alt {
			return "no keywords set"
		}
		return "a keyword appears in the message"
	case stepMsgUUID:
		if !alt || e.Message == nil {
			return "no msgUuid"
		}
		return "msgUuid " + strconv.Quote(e.Message.MsgUUID) + " is new"
	case stepRateLimit:
		if !alt {
			return "no rate limit"
		}
		return strconv.FormatInt(t.A, 10) + " of " + strconv.FormatInt(t.B, 10) + " in the last minute"
	}
	return ""
}

// signedDetail is the sign check's detail for a verified timestamp.
func signedDetail(ts string) string {
	return "timestamp " + ts + " is within ±1h and the sign matches"
}
