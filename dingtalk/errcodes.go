// The one table of errcodes and errmsg texts the robot webhook answers with,
// per wording era, and the byte-exact encoding of those answers.

package dingtalk

import (
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Era selects which of DingTalk's wording generations the answers use. The
// real service has changed its texts over time; the newer two forms coexist.
type Era string

const (
	// EraDescription is the modern English-labelled form
	// ("description:…;solution:…"), seen 2022–2025. The default.
	EraDescription Era = "description"
	// EraChinese is the modern Chinese-labelled form ("错误描述:…;解决方案:…").
	EraChinese Era = "cn"
	// EraLegacy is the 2019–2021 English form ("sign not match, more: […]"),
	// with 300001 for an unknown token.
	EraLegacy Era = "legacy"
)

// Eras lists every era, default first.
var Eras = []Era{EraDescription, EraChinese, EraLegacy}

// ParseEra returns the era named s ("" means the default).
func ParseEra(s string) (Era, error) {
	switch e := Era(strings.ToLower(strings.TrimSpace(s))); e {
	case "":
		return EraDescription, nil
	case EraDescription, EraChinese, EraLegacy:
		return e, nil
	}
	return "", fmt.Errorf("dingtalk: unknown wording era %q (want description, cn or legacy)", s)
}

// Errcodes the robot webhook answers with. Codes marked "doc" come from the
// official error table with no real response seen; docs/dingtalk-behaviour.md
// gives the source of each.
const (
	CodeOK                 = 0
	CodeSystemBusy         = -1     // doc: 系统繁忙
	CodeUnknownPath        = 404    // 请求的URI地址不存在 (a path oapi.dingtalk.com does not serve)
	CodeMissingParameter   = 40035  // 缺少参数 access_token / json
	CodeNotPost            = 43002  // 需要POST请求
	CodeBadContentType     = 43004  // 无效的HTTP HEADER Content-Type
	CodeTooFastLegacy      = 130101 // send too fast, exceed 20 times per minute
	CodeTokenNotExistOld   = 300001 // token is not exist (2018–2021)
	CodeTokenNotExist      = 300005 // token is not exist (2024–)
	CodeSecurityCheck      = 310000 // sign, timestamp, keywords, IP
	CodeGroupDisbanded     = 400013 // doc: 群已被解散
	CodeRobotDisabled      = 400102 // doc: 机器人已停用
	CodeUnsupportedMsgType = 400105 // 不支持的消息类型
	CodeRateLimited        = 410100 // doc: 发送速度太快而限流
	CodeUnsafeURL          = 430101 // 含有不安全的外链
	CodeBodyTooLarge       = 460101 // message too long, exceed 20000 bytes
	CodeSystemError        = 500100 // 系统异常,请稍后再试
	CodeTooManyPerMinute   = 660026 // sending too many messages per minute (2026)
)

// RateLimitCodes are the errcodes DingTalk has been seen to answer a
// throttled robot with; Dialect.RateLimitCode picks one.
var RateLimitCodes = []int{CodeTooFastLegacy, CodeRateLimited, CodeTooManyPerMinute}

// MaxBodyBytes is the largest request body the webhook accepts.
const MaxBodyBytes = 20000

// IsUTF8JSONContentType reports the Content-Type values clients send most
// often, recognised without parsing: application/json alone or with a
// UTF-8 charset, as ZStack's and most Java clients write it. Any other
// value needs mime.ParseMediaType to judge; this only saves that work (its
// allocations) on every request that carries one of these.
func IsUTF8JSONContentType(ct string) bool {
	switch ct {
	case "application/json",
		"application/json;charset=utf-8", "application/json; charset=utf-8",
		"application/json;charset=UTF-8", "application/json; charset=UTF-8":
		return true
	}
	return false
}

// Reason names why the webhook answered as it did. It is what the fake
// records in its journal and what a Dialect turns into errcode and errmsg.
type Reason string

// Every reason the webhook answers for.
const (
	ReasonOK                 Reason = "ok"
	ReasonUnknownPath        Reason = "unknown_path"
	ReasonNotPost            Reason = "not_post"
	ReasonMissingToken       Reason = "missing_access_token"
	ReasonMissingJSON        Reason = "missing_json"
	ReasonBadContentType     Reason = "bad_content_type"
	ReasonTokenNotExist      Reason = "token_not_exist"
	ReasonRobotDisabled      Reason = "robot_disabled"
	ReasonBodyTooLarge       Reason = "body_too_large"
	ReasonUnsupportedMsgType Reason = "unsupported_msgtype"
	ReasonMissingParam       Reason = "missing_param"
	ReasonSignMismatch       Reason = "sign_mismatch"
	ReasonTimestampExpired   Reason = "timestamp_expired"
	ReasonKeywordMissing     Reason = "keyword_missing"
	ReasonIPNotAllowed       Reason = "ip_not_allowed"
	ReasonRateLimited        Reason = "rate_limited"
	ReasonSystemBusy         Reason = "system_busy"
	ReasonSystemError        Reason = "system_error"
)

// Rejection is a reason with the details its text needs. It is also an error.
type Rejection struct {
	Reason Reason
	// Param is the missing parameter for ReasonMissingParam, as DingTalk
	// names it: "markdown->title", or "markdown" for the whole object.
	Param string
	// Code is the errcode for ReasonMissingParam (the 4XXYYY family).
	Code int
	// MsgType is the msgtype as sent, for ReasonUnsupportedMsgType.
	MsgType string
	// IP is the sender's address, for ReasonIPNotAllowed.
	IP string
}

func (r *Rejection) Error() string {
	switch r.Reason {
	case ReasonMissingParam:
		return "missing parameter " + r.Param
	case ReasonUnsupportedMsgType:
		return fmt.Sprintf("unsupported msgtype %q", r.MsgType)
	case ReasonIPNotAllowed:
		return "ip " + r.IP + " not allowed"
	}
	return string(r.Reason)
}

// Reject returns a Rejection with no details, for reasons that need none.
func Reject(reason Reason) *Rejection { return &Rejection{Reason: reason} }

// Dialect is the server-wide choice of how answers are worded.
type Dialect struct {
	// Era picks the wording; "" is EraDescription.
	Era Era
	// RateLimitCode is the errcode for a throttled robot: 130101 (default),
	// 410100 or 660026.
	RateLimitCode int
	// UnknownTokenCode is the errcode for an unknown access_token: 0 means
	// 300005, or 300001 in the legacy era.
	UnknownTokenCode int
}

// Response is the webhook's answer body, {"errcode":N,"errmsg":"…"}.
type Response struct {
	ErrCode int    `json:"errcode"`
	ErrMsg  string `json:"errmsg"`
}

// OK is the answer to a delivered message.
var OK = Response{ErrCode: CodeOK, ErrMsg: "ok"}

// MarshalJSON encodes the answer byte for byte as DingTalk does: errcode
// first, no spaces, non-ASCII characters as UTF-8, and '<', '>' and '&'
// escaped as \u003C, \u003E and \u0026 (the real service writes
// "text-\u003Econtent").
func (r Response) MarshalJSON() ([]byte, error) {
	return r.AppendJSON(make([]byte, 0, 32+len(r.ErrMsg))), nil
}

// AppendJSON appends the answer's exact bytes (see MarshalJSON) to b.
func (r Response) AppendJSON(b []byte) []byte {
	b = append(b, `{"errcode":`...)
	b = strconv.AppendInt(b, int64(r.ErrCode), 10)
	b = append(b, `,"errmsg":"`...)
	b = appendEscaped(b, r.ErrMsg)
	return append(b, `"}`...)
}

func appendEscaped(b []byte, s string) []byte {
	const hex = "0123456789ABCDEF"
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xF])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(b, `\uFFFD`...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, `\u202`...)
			b = append(b, hex[r&0xF])
		default:
			b = append(b, s[i:i+size]...)
		}
		i += size
	}
	return b
}

// legacyMore is the suffix the 2019–2021 security-check texts carry.
const legacyMore = ", more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"

// wording is one row of the table: the errcode and the text in each era.
// Texts may hold one %s for the rejection's detail (param, msgtype or IP).
type wording struct {
	code                    int
	legacy, description, cn string
}

// same is a row whose text did not change between eras.
func same(code int, text string) wording { return wording{code, text, text, text} }

// table holds every text the webhook answers with. Sources and confidence
// for each are in docs/dingtalk-behaviour.md, which also lists the inferred
// ones (docs/choices.md: the switches).
var table = map[Reason]wording{
	ReasonOK:             same(CodeOK, "ok"),
	ReasonUnknownPath:    same(CodeUnknownPath, "请求的URI地址不存在"),
	ReasonNotPost:        same(CodeNotPost, "需要POST请求"),
	ReasonMissingToken:   same(CodeMissingParameter, "缺少参数 access_token"),
	ReasonMissingJSON:    same(CodeMissingParameter, "缺少参数 json"),
	ReasonBadContentType: same(CodeBadContentType, "无效的HTTP HEADER Content-Type"),
	ReasonTokenNotExist:  same(CodeTokenNotExist, "token is not exist"),
	ReasonRobotDisabled:  same(CodeRobotDisabled, "机器人已停用"),
	ReasonSystemBusy:     same(CodeSystemBusy, "系统繁忙"),
	ReasonBodyTooLarge: {CodeBodyTooLarge,
		"message too long, exceed 20000 bytes",
		"description: body 大小不合法;solution:请保持大小在 20000bytes 以内;",
		"错误描述: body 大小不合法;解决方案:请保持大小在 20000bytes 以内;"},
	ReasonUnsupportedMsgType: {CodeUnsupportedMsgType,
		"unsupported msgtype",
		"description: 不支持类型 msgType:%s ;solution:请使用支持的类型;link:请参考本接口对应文档查看支持的消息类型，或者在https://open.dingtalk.com/document/ 搜索对应文档;",
		"错误描述: 不支持类型 msgType:%s ;解决方案:请使用支持的类型;参考链接:请参考本接口对应文档查看支持的消息类型，或者在https://open.dingtalk.com/document/ 搜索对应文档;"},
	ReasonMissingParam: {0, // the code comes from the Rejection (4XXYYY)
		"miss param : %s",
		"description:参数 %s 缺失，或者参数格式不正确; solution:请填充上对应参数;link:请参考本接口对应文档查看参数获取方式，或者在https://open.dingtalk.com/document/  搜索对应文档;",
		"错误描述:参数 %s 缺失，或者参数格式不正确; 解决方案:请填充上对应参数;参考链接:请参考本接口对应文档查看参数获取方式，或者在https://open.dingtalk.com/document/  搜索对应文档;"},
	ReasonSignMismatch: {CodeSecurityCheck,
		"sign not match" + legacyMore,
		"description:机器人发送签名不匹配;solution:请确认签名和生成签名的时间戳必须都放在调用的网址中，请确认机器人的密钥加密和填写正确;link:请参考本接口对应文档获得具体要求，或者在https://open.dingtalk.com/document/  搜索相关文档;",
		"错误描述:机器人发送签名不匹配;解决方案:请确认签名和生成签名的时间戳必须都放在调用的网址中，请确认机器人的密钥加密和填写正确;参考链接:请参考本接口对应文档获得具体要求，或者在https://open.dingtalk.com/document/  搜索相关文档;"},
	ReasonTimestampExpired: {CodeSecurityCheck,
		"invalid timestamp" + legacyMore,
		"description:机器人发送签名过期;solution:签名生成时间和发送时间请保持在 timestampms 以内;",
		"错误描述:机器人发送签名过期;解决方案:签名生成时间和发送时间请保持在 timestampms 以内;"},
	ReasonKeywordMissing: {CodeSecurityCheck,
		"keywords not in content" + legacyMore,
		"description:关键词不匹配;solution:请联系群管理员查看此机器人的关键词，并在发送的信息中包含此关键词;",
		"错误描述:关键词不匹配;解决方案:请联系群管理员查看此机器人的关键词，并在发送的信息中包含此关键词;"},
	ReasonIPNotAllowed: {CodeSecurityCheck,
		"ip %s not in whitelist" + legacyMore,
		"description:ip 不在白名单中;solution:请联系对应群的管理员，设置机器人安全ip地址段",
		"错误描述:ip 不在白名单中;解决方案:请联系对应群的管理员,设置机器人安全ip地址段"},
	ReasonSystemError: {CodeSystemError,
		"系统异常,请稍后再试",
		"description:系统异常,请稍后再试;",
		"错误描述:系统异常,请稍后再试;"},
}

// rateLimitTexts are the texts for each rate-limit errcode; they did not
// change with the era.
var rateLimitTexts = map[int]string{
	CodeTooFastLegacy:    "send too fast, exceed 20 times per minute",
	CodeRateLimited:      "发送速度太快而限流",
	CodeTooManyPerMinute: "sending too many messages per minute",
}

// Validate reports whether the dialect's settings are ones DingTalk uses.
func (d Dialect) Validate() error {
	if _, err := ParseEra(string(d.Era)); err != nil {
		return err
	}
	if _, ok := rateLimitTexts[d.RateLimitCode]; d.RateLimitCode != 0 && !ok {
		return fmt.Errorf("dingtalk: rate-limit errcode %d is not one DingTalk uses (want 130101, 410100 or 660026)", d.RateLimitCode)
	}
	if c := d.UnknownTokenCode; c != 0 && c != CodeTokenNotExist && c != CodeTokenNotExistOld {
		return fmt.Errorf("dingtalk: unknown-token errcode %d is not one DingTalk uses (want 300001 or 300005)", c)
	}
	return nil
}

// Answer returns the errcode and errmsg DingTalk sends for rej in this
// dialect. A nil rej is the success answer.
func (d Dialect) Answer(rej *Rejection) Response {
	if rej == nil || rej.Reason == ReasonOK {
		return OK
	}
	switch rej.Reason {
	case ReasonRateLimited:
		code := d.RateLimitCode
		if _, ok := rateLimitTexts[code]; !ok {
			code = CodeTooFastLegacy
		}
		return Response{code, rateLimitTexts[code]}
	case ReasonTokenNotExist:
		code := d.UnknownTokenCode
		if code == 0 {
			code = CodeTokenNotExist
			if d.Era == EraLegacy {
				code = CodeTokenNotExistOld
			}
		}
		return Response{code, table[ReasonTokenNotExist].legacy}
	}
	w, ok := table[rej.Reason]
	if !ok {
		w = table[ReasonSystemError]
	}
	text := w.description
	switch d.Era {
	case EraLegacy:
		text = w.legacy
	case EraChinese:
		text = w.cn
	}
	code := w.code
	switch rej.Reason {
	case ReasonMissingParam:
		code = rej.Code
		param := rej.Param
		if d.Era != EraLegacy {
			// The modern texts name the path as "markdown --》 title".
			param = strings.ReplaceAll(param, "->", " --》 ")
		}
		text = fmt.Sprintf(text, param)
	case ReasonUnsupportedMsgType:
		if strings.Contains(text, "%s") {
			mt := rej.MsgType
			if mt == "" {
				mt = "null" // Java's string concatenation of a missing value
			}
			text = fmt.Sprintf(text, mt)
		}
	case ReasonIPNotAllowed:
		if strings.Contains(text, "%s") {
			text = fmt.Sprintf(text, rej.IP)
		}
	}
	return Response{code, text}
}
