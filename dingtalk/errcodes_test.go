// Specs for the errcode table: every reason's exact bytes in each era, as
// the real service has been seen to answer.

package dingtalk_test

import (
	"encoding/json"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
)

func answer(era dingtalk.Era, rej *dingtalk.Rejection) string {
	b, err := json.Marshal(dingtalk.Dialect{Era: era}.Answer(rej))
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

var _ = Describe("Answers", func() {
	It("acknowledges with errcode first, as every modern paste shows", func() {
		Expect(answer(dingtalk.EraDescription, nil)).To(Equal(`{"errcode":0,"errmsg":"ok"}`))
	})

	DescribeTable("are byte-for-byte what DingTalk sends",
		func(era dingtalk.Era, rej *dingtalk.Rejection, want string) {
			Expect(answer(era, rej)).To(Equal(want))
		},
		Entry("GET instead of POST (probe log)", dingtalk.EraDescription, dingtalk.Reject(dingtalk.ReasonNotPost),
			`{"errcode":43002,"errmsg":"需要POST请求"}`),
		Entry("missing access_token", dingtalk.EraDescription, dingtalk.Reject(dingtalk.ReasonMissingToken),
			`{"errcode":40035,"errmsg":"缺少参数 access_token"}`),
		Entry("invalid JSON (nightingale#2704)", dingtalk.EraChinese, dingtalk.Reject(dingtalk.ReasonMissingJSON),
			`{"errcode":40035,"errmsg":"缺少参数 json"}`),
		Entry("unknown token, 2024 onward (timonwong#226)", dingtalk.EraDescription, dingtalk.Reject(dingtalk.ReasonTokenNotExist),
			`{"errcode":300005,"errmsg":"token is not exist"}`),
		Entry("unknown token, legacy era (timonwong#91)", dingtalk.EraLegacy, dingtalk.Reject(dingtalk.ReasonTokenNotExist),
			`{"errcode":300001,"errmsg":"token is not exist"}`),
		Entry("sign not match, legacy (jenkinsci/dingtalk-plugin#88)", dingtalk.EraLegacy, dingtalk.Reject(dingtalk.ReasonSignMismatch),
			`{"errcode":310000,"errmsg":"sign not match, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}`),
		Entry("签名不匹配, description labels (easeprobe#202)", dingtalk.EraDescription, dingtalk.Reject(dingtalk.ReasonSignMismatch),
			`{"errcode":310000,"errmsg":"description:机器人发送签名不匹配;solution:请确认签名和生成签名的时间戳必须都放在调用的网址中，请确认机器人的密钥加密和填写正确;link:请参考本接口对应文档获得具体要求，或者在https://open.dingtalk.com/document/  搜索相关文档;"}`),
		Entry("invalid timestamp, legacy (crocodile#37)", dingtalk.EraLegacy, dingtalk.Reject(dingtalk.ReasonTimestampExpired),
			`{"errcode":310000,"errmsg":"invalid timestamp, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}`),
		Entry("签名过期 (air780e-forwarder#51)", dingtalk.EraDescription, dingtalk.Reject(dingtalk.ReasonTimestampExpired),
			`{"errcode":310000,"errmsg":"description:机器人发送签名过期;solution:签名生成时间和发送时间请保持在 timestampms 以内;"}`),
		Entry("keywords not in content, legacy (BilibiliTask#53)", dingtalk.EraLegacy, dingtalk.Reject(dingtalk.ReasonKeywordMissing),
			`{"errcode":310000,"errmsg":"keywords not in content, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}`),
		Entry("关键词不匹配, description labels (BiliBiliToolPro#271)", dingtalk.EraDescription, dingtalk.Reject(dingtalk.ReasonKeywordMissing),
			`{"errcode":310000,"errmsg":"description:关键词不匹配;solution:请联系群管理员查看此机器人的关键词，并在发送的信息中包含此关键词;"}`),
		Entry("关键词不匹配, Chinese labels (chatgpt-bot-dingding#2)", dingtalk.EraChinese, dingtalk.Reject(dingtalk.ReasonKeywordMissing),
			`{"errcode":310000,"errmsg":"错误描述:关键词不匹配;解决方案:请联系群管理员查看此机器人的关键词，并在发送的信息中包含此关键词;"}`),
		Entry("ip 不在白名单中, description labels (TrendRadar#70)", dingtalk.EraDescription, &dingtalk.Rejection{Reason: dingtalk.ReasonIPNotAllowed, IP: "1.2.3.4"},
			`{"errcode":310000,"errmsg":"description:ip 不在白名单中;solution:请联系对应群的管理员，设置机器人安全ip地址段"}`),
		Entry("ip not in whitelist, legacy doc form", dingtalk.EraLegacy, &dingtalk.Rejection{Reason: dingtalk.ReasonIPNotAllowed, IP: "1.2.3.4"},
			`{"errcode":310000,"errmsg":"ip 1.2.3.4 not in whitelist, more: [https://ding-doc.dingtalk.com/doc#/serverapi2/qf2nxq]"}`),
		Entry("text->content missing, legacy (prometheus-webhook-dingtalk#4)", dingtalk.EraLegacy,
			&dingtalk.Rejection{Reason: dingtalk.ReasonMissingParam, Param: "text->content", Code: 400202},
			`{"errcode":400202,"errmsg":"miss param : text-\u003Econtent"}`),
		Entry("markdown->title missing, description labels (blinkbean/dingtalk#4)", dingtalk.EraDescription,
			&dingtalk.Rejection{Reason: dingtalk.ReasonMissingParam, Param: "markdown->title", Code: 400402},
			`{"errcode":400402,"errmsg":"description:参数 markdown --》 title 缺失，或者参数格式不正确; solution:请填充上对应参数;link:请参考本接口对应文档查看参数获取方式，或者在https://open.dingtalk.com/document/  搜索对应文档;"}`),
		Entry("markdown->title missing, Chinese labels (n8n-nodes-dingtalk#10)", dingtalk.EraChinese,
			&dingtalk.Rejection{Reason: dingtalk.ReasonMissingParam, Param: "markdown->title", Code: 400402},
			`{"errcode":400402,"errmsg":"错误描述:参数 markdown --》 title 缺失，或者参数格式不正确; 解决方案:请填充上对应参数;参考链接:请参考本接口对应文档查看参数获取方式，或者在https://open.dingtalk.com/document/  搜索对应文档;"}`),
		Entry("body over 20000 bytes, legacy (timonwong#30)", dingtalk.EraLegacy, dingtalk.Reject(dingtalk.ReasonBodyTooLarge),
			`{"errcode":460101,"errmsg":"message too long, exceed 20000 bytes"}`),
		Entry("body over 20000 bytes (PrometheusAlert#318)", dingtalk.EraDescription, dingtalk.Reject(dingtalk.ReasonBodyTooLarge),
			`{"errcode":460101,"errmsg":"description: body 大小不合法;solution:请保持大小在 20000bytes 以内;"}`),
		Entry("unsupported msgtype, legacy (C# client comment)", dingtalk.EraLegacy, &dingtalk.Rejection{Reason: dingtalk.ReasonUnsupportedMsgType, MsgType: "video"},
			`{"errcode":400105,"errmsg":"unsupported msgtype"}`),
		Entry("unsupported msgtype, Chinese labels (shoutrrr mock)", dingtalk.EraChinese, &dingtalk.Rejection{Reason: dingtalk.ReasonUnsupportedMsgType, MsgType: "video"},
			`{"errcode":400105,"errmsg":"错误描述: 不支持类型 msgType:video ;解决方案:请使用支持的类型;参考链接:请参考本接口对应文档查看支持的消息类型，或者在https://open.dingtalk.com/document/ 搜索对应文档;"}`),
		Entry("rate limited (nightingale#369)", dingtalk.EraDescription, dingtalk.Reject(dingtalk.ReasonRateLimited),
			`{"errcode":130101,"errmsg":"send too fast, exceed 20 times per minute"}`),
	)

	It("escapes <, > and & the way DingTalk does and keeps other text intact", func() {
		b, _ := json.Marshal(dingtalk.Response{ErrCode: 1, ErrMsg: "a<b>&\"\\\n\u2028中\xff"})
		Expect(string(b)).To(Equal(`{"errcode":1,"errmsg":"a\u003Cb\u003E\u0026\"\\\n\u2028中\uFFFD"}`))
		var back dingtalk.Response
		Expect(json.Unmarshal(b, &back)).To(Succeed())
		Expect(back.ErrMsg).To(Equal("a<b>&\"\\\n\u2028中\uFFFD"))
	})

	DescribeTable("the rate-limit and unknown-token codes are selectable",
		func(d dingtalk.Dialect, reason dingtalk.Reason, want string) {
			Expect(d.Validate()).To(Succeed())
			b, _ := json.Marshal(d.Answer(dingtalk.Reject(reason)))
			Expect(string(b)).To(Equal(want))
		},
		Entry("410100 per the doc", dingtalk.Dialect{RateLimitCode: 410100}, dingtalk.ReasonRateLimited,
			`{"errcode":410100,"errmsg":"发送速度太快而限流"}`),
		Entry("660026 from the 2026 probe", dingtalk.Dialect{RateLimitCode: 660026}, dingtalk.ReasonRateLimited,
			`{"errcode":660026,"errmsg":"sending too many messages per minute"}`),
		Entry("300001 outside the legacy era", dingtalk.Dialect{UnknownTokenCode: 300001}, dingtalk.ReasonTokenNotExist,
			`{"errcode":300001,"errmsg":"token is not exist"}`),
	)

	It("refuses settings DingTalk never uses", func() {
		Expect(dingtalk.Dialect{Era: "klingon"}.Validate()).To(MatchError(ContainSubstring("unknown wording era")))
		Expect(dingtalk.Dialect{RateLimitCode: 42}.Validate()).To(MatchError(ContainSubstring("rate-limit errcode 42")))
		Expect(dingtalk.Dialect{UnknownTokenCode: 42}.Validate()).To(MatchError(ContainSubstring("unknown-token errcode 42")))
	})

	It("parses era names leniently and refuses unknown ones", func() {
		Expect(dingtalk.ParseEra("")).To(Equal(dingtalk.EraDescription))
		Expect(dingtalk.ParseEra(" CN ")).To(Equal(dingtalk.EraChinese))
		_, err := dingtalk.ParseEra("modern")
		Expect(err).To(HaveOccurred())
	})
})
