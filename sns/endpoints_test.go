// Specs for DingTalk endpoint and at-person management: create, query,
// update, delete, ZStack's validation, and secrets masked in every answer.

package sns_test

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/sns"
)

const createClass = "org.zstack.sns.platform.dingtalk.APICreateSNSDingTalkEndpointMsg"

func inventory(r reply) map[string]any {
	inv, ok := r.JSON["inventory"].(map[string]any)
	ExpectWithOffset(1, ok).To(BeTrue(), r.Raw)
	return inv
}

func inventories(r reply) []any {
	ExpectWithOffset(1, r.Status).To(Equal(http.StatusOK), r.Raw)
	invs, ok := r.JSON["inventories"].([]any)
	ExpectWithOffset(1, ok).To(BeTrue(), r.Raw)
	return invs
}

var _ = Describe("Endpoints", func() {
	var a *api

	BeforeEach(func() { a = newAPI(sns.Config{Now: newClock().Now}).login() })

	create := func(p map[string]any) reply { return a.do(http.MethodPost, endpointURL, params(p)) }

	It("creates an endpoint with its at-persons, secret masked", func() {
		r := create(map[string]any{"name": "ops", "description": "on-call", "url": "https://oapi.dingtalk.com/robot/send?access_token=abc",
			"atAll": false, "secret": robotSecret,
			"atPersonPhoneNumbers": []string{"+86-13800000001", "+86-13800000001", "+86-13800000002"},
			"atPersonList":         map[string]string{"+86-13800000002": "jack", "+86-13800000003": "rose"}})
		Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
		inv := inventory(r)
		Expect(inv["uuid"]).To(MatchRegexp(`^[0-9a-f]{8}[0-9a-f]{4}[1-5][0-9a-f]{3}[89ab][0-9a-f]{3}[0-9a-f]{12}$`))
		Expect(inv).To(HaveKeyWithValue("name", "ops"))
		Expect(inv).To(HaveKeyWithValue("type", "DingTalk"))
		Expect(inv).To(HaveKeyWithValue("state", "Enabled"))
		Expect(inv).To(HaveKeyWithValue("platformUuid", sns.SystemPlatformUUID))
		Expect(inv).To(HaveKeyWithValue("secret", "SEC…(67 chars)"))
		Expect(inv).To(HaveKeyWithValue("createDate", "Mar 4, 2026 3:04:05 PM"))
		Expect(inv["atPersonPhoneNumbers"]).To(Equal([]any{"+86-13800000001", "+86-13800000002", "+86-13800000003"}))
		list := inv["atPersonList"].([]any)
		Expect(list).To(HaveLen(3))
		Expect(list[1]).To(HaveKeyWithValue("remark", "jack"))
		Expect(list[1]).To(HaveKeyWithValue("endpointUuid", inv["uuid"]))
		Expect(r.Raw).NotTo(ContainSubstring(robotSecret))
	})

	DescribeTable("create validation",
		func(p map[string]any, code, details string) {
			expectError(create(p), 503, code, details)
			Expect(inventories(a.do(http.MethodGet, endpointURL, nil))).To(BeEmpty())
		},
		Entry("SYS.1007 field[name] is mandatory", map[string]any{"url": "http://a.example/"},
			"SYS.1007", "field[name] of message["+createClass+"] is mandatory, can not be null"),
		Entry("SYS.1007 field[name] exceeds max length of string (255)", map[string]any{"name": strings.Repeat("n", 256), "url": "http://a.example/"},
			"SYS.1007", "field[name] of message["+createClass+"] exceeds max length of string. expected was <= 255, actual was 256"),
		Entry("SYS.1007 field[description] exceeds max length of string (2048)", map[string]any{"name": "n", "description": strings.Repeat("d", 2049), "url": "http://a.example/"},
			"SYS.1007", "field[description] of message["+createClass+"] exceeds max length of string. expected was <= 2048, actual was 2049"),
		Entry("SYS.1007 field[url] is mandatory", map[string]any{"name": "n"},
			"SYS.1007", "field[url] of message["+createClass+"] is mandatory, can not be null"),
		Entry("SYS.1007 field[secret] exceeds max length of string (128)", map[string]any{"name": "n", "url": "http://a.example/", "secret": strings.Repeat("s", 129)},
			"SYS.1007", "field[secret] of message["+createClass+"] exceeds max length of string. expected was <= 128, actual was 129"),
		Entry("SYS.1007 field[atPersonPhoneNumbers] must be a nonempty list", map[string]any{"name": "n", "url": "http://a.example/", "atPersonPhoneNumbers": []string{}},
			"SYS.1007", "field[atPersonPhoneNumbers] must be a nonempty list"),
		Entry("SYS.1007 invalid url[%s]", map[string]any{"name": "n", "url": "dingtalk"},
			"SYS.1007", "invalid url[dingtalk]"),
		Entry("SYS.1007 [%s] is not a legal ip", map[string]any{"name": "n", "url": "http://10.0.0.256/"},
			"SYS.1007", "[10.0.0.256] is not a legal ip"),
		Entry("SYS.1007 invalid phone number (atPersonPhoneNumbers)", map[string]any{"name": "n", "url": "http://a.example/", "atPersonPhoneNumbers": []string{"13800000000"}},
			"SYS.1007", "invalid phone number[13800000000], the DingDing phone number is like +86-12388889999"),
		Entry("SYS.1007 invalid phone number (atPersonList keys)", map[string]any{"name": "n", "url": "http://a.example/", "atPersonList": map[string]string{"+8613800000000": "x"}},
			"SYS.1007", "invalid phone number[+8613800000000], the DingDing phone number is like +86-12388889999"),
	)

	Describe("an existing endpoint", func() {
		var uuid string
		BeforeEach(func() {
			r := create(map[string]any{"name": "ops", "url": "https://oapi.dingtalk.com/robot/send?access_token=abc", "secret": robotSecret})
			Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
			uuid = inventory(r)["uuid"].(string)
		})

		update := func(u map[string]any) reply {
			return a.do(http.MethodPut, endpointURL+"/"+uuid+"/actions", map[string]any{"updateSNSDingTalkEndpoint": u})
		}

		It("is found by uuid and in the list, secret masked", func() {
			invs := inventories(a.do(http.MethodGet, endpointURL+"/"+uuid, nil))
			Expect(invs).To(HaveLen(1))
			Expect(invs[0]).To(HaveKeyWithValue("secret", "SEC…(67 chars)"))
			Expect(inventories(a.do(http.MethodGet, endpointURL, nil))).To(HaveLen(1))
			Expect(inventories(a.do(http.MethodGet, endpointURL+"/0123456789ab4def8123456789abcdef", nil))).To(BeEmpty())
		})

		It("updates only what is given; blank name and url are ignored; an empty secret clears it", func() {
			r := update(map[string]any{"name": " ", "description": "pager", "url": "https://oapi.dingtalk.com/robot/send?access_token=def", "atAll": true})
			Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
			inv := inventory(r)
			Expect(inv).To(HaveKeyWithValue("name", "ops"))
			Expect(inv).To(HaveKeyWithValue("description", "pager"))
			Expect(inv).To(HaveKeyWithValue("url", "https://oapi.dingtalk.com/robot/send?access_token=def"))
			Expect(inv).To(HaveKeyWithValue("atAll", true))
			Expect(inv).To(HaveKeyWithValue("secret", "SEC…(67 chars)"))
			inv = inventory(update(map[string]any{"secret": ""}))
			Expect(inv).NotTo(HaveKey("secret"))
		})

		DescribeTable("update validation",
			func(u map[string]any, code, details string) {
				expectError(update(u), 503, code, details)
			},
			Entry("SYS.1007 field[url] exceeds max length of string (256 on update)", map[string]any{"url": "http://a.example/" + strings.Repeat("u", 240)},
				"SYS.1007", "field[url] of message[org.zstack.sns.platform.dingtalk.APIUpdateSNSDingTalkEndpointMsg] exceeds max length of string. expected was <= 256, actual was 257"),
			Entry("SYS.1007 invalid url[%s]", map[string]any{"url": "mailto:ops@example.com"},
				"SYS.1007", "invalid url[mailto:ops@example.com]"),
		)

		It("answers SYS.1003 for an update of a missing endpoint", func() {
			r := a.do(http.MethodPut, endpointURL+"/0123456789ab4def8123456789abcdef/actions", map[string]any{"updateSNSDingTalkEndpoint": map[string]any{"name": "x"}})
			expectError(r, 503, "SYS.1003", "invalid field[uuid] for APIUpdateSNSDingTalkEndpointMsg, resource[uuid:0123456789ab4def8123456789abcdef, type:SNSDingTalkEndpointVO] not found")
		})

		It("changes state and name through the generic endpoint actions", func() {
			r := a.do(http.MethodPut, "/zstack/v1/sns/application-endpoints/"+uuid+"/actions", map[string]any{"changeSNSApplicationEndpointState": map[string]any{"stateEvent": "disable"}})
			Expect(inventory(r)).To(HaveKeyWithValue("state", "Disabled"))
			r = a.do(http.MethodPut, "/zstack/v1/sns/application-endpoints/"+uuid+"/actions", map[string]any{"changeSNSApplicationEndpointState": map[string]any{"stateEvent": "pause"}})
			expectError(r, 503, "SYS.1007", "valid value for field[stateEvent] of message[org.zstack.sns.APIChangeSNSApplicationEndpointStateMsg] are [enable, disable], but pause found")
			r = a.do(http.MethodPut, "/zstack/v1/sns/application-endpoints/"+uuid+"/actions", map[string]any{"updateSNSApplicationEndpoint": map[string]any{"name": "renamed"}})
			Expect(inventory(r)).To(HaveKeyWithValue("name", "renamed"))
			Expect(inventory(r)).NotTo(HaveKey("secret"))
			invs := inventories(a.do(http.MethodGet, "/zstack/v1/sns/application-endpoints", nil))
			Expect(invs).To(HaveLen(1))
			Expect(invs[0]).To(HaveKeyWithValue("state", "Disabled"))
		})

		Describe("at-persons", func() {
			add := func(p map[string]any) reply { return a.do(http.MethodPost, atPersonURL, params(p)) }

			It("adds, queries, updates and removes an at-person", func() {
				r := add(map[string]any{"phoneNumber": "+86-13800000009", "endpointUuid": uuid, "remark": "jack"})
				Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
				person := inventory(r)
				Expect(person).To(HaveKeyWithValue("phoneNumber", "+86-13800000009"))
				pu := person["uuid"].(string)

				Expect(inventories(a.do(http.MethodGet, atPersonURL+"/"+pu, nil))).To(HaveLen(1))
				ep := inventories(a.do(http.MethodGet, endpointURL+"/"+uuid, nil))[0].(map[string]any)
				Expect(ep["atPersonPhoneNumbers"]).To(Equal([]any{"+86-13800000009"}))

				r = a.do(http.MethodPut, atPersonURL+"/"+pu+"/actions", map[string]any{"updateAtPersonOfAtDingTalkEndpoint": map[string]any{
					"endpointUuid": uuid, "phoneNumber": "+86-13900000009", "remark": "rose"}})
				Expect(inventory(r)).To(HaveKeyWithValue("phoneNumber", "+86-13900000009"))
				Expect(inventory(r)).To(HaveKeyWithValue("remark", "rose"))

				r = a.do(http.MethodDelete, endpointURL+"/"+uuid+"/at-persons/+86-13900000009", nil)
				Expect(r.Status).To(Equal(http.StatusOK))
				Expect(inventories(a.do(http.MethodGet, atPersonURL, nil))).To(BeEmpty())
				Expect(a.do(http.MethodDelete, endpointURL+"/"+uuid+"/at-persons/+86-13900000009", nil).Status).To(Equal(http.StatusOK), "removing twice is fine")
			})

			DescribeTable("add validation",
				func(p func() map[string]any, code, details string) {
					expectError(add(p()), 503, code, details)
				},
				Entry("SYS.1007 field[phoneNumber] is mandatory", func() map[string]any { return map[string]any{"endpointUuid": uuid} },
					"SYS.1007", "field[phoneNumber] of message[org.zstack.sns.platform.dingtalk.APIAddSNSDingTalkAtPersonMsg] is mandatory, can not be null"),
				Entry("SYS.1007 field[remark] exceeds max length of string (128)", func() map[string]any {
					return map[string]any{"endpointUuid": uuid, "phoneNumber": "+86-13800000009", "remark": strings.Repeat("r", 129)}
				}, "SYS.1007", "field[remark] of message[org.zstack.sns.platform.dingtalk.APIAddSNSDingTalkAtPersonMsg] exceeds max length of string. expected was <= 128, actual was 129"),
				Entry("SYS.1003 endpoint not found", func() map[string]any {
					return map[string]any{"endpointUuid": "0123456789ab4def8123456789abcdef", "phoneNumber": "+86-13800000009"}
				}, "SYS.1003", "invalid field[endpointUuid] for APIAddSNSDingTalkAtPersonMsg, resource[uuid:0123456789ab4def8123456789abcdef, type:SNSDingTalkEndpointVO] not found"),
				Entry("SYS.1007 invalid phone number", func() map[string]any { return map[string]any{"endpointUuid": uuid, "phoneNumber": "+86 138"} },
					"SYS.1007", "invalid phone number[+86 138], the DingDing phone number is like +86-12388889999"),
			)

			It("rejects a duplicate phone number on the same endpoint", func() {
				Expect(add(map[string]any{"phoneNumber": "+86-13800000009", "endpointUuid": uuid}).Status).To(Equal(http.StatusOK))
				expectError(add(map[string]any{"phoneNumber": "+86-13800000009", "endpointUuid": uuid}), 503, "SYS.1007", "phone number[+86-13800000009] already exists")
			})
		})

		It("is deleted together with its at-persons; deleting again succeeds", func() {
			Expect(a.do(http.MethodPost, atPersonURL, params(map[string]any{"phoneNumber": "+86-13800000009", "endpointUuid": uuid})).Status).To(Equal(http.StatusOK))
			r := a.do(http.MethodDelete, "/zstack/v1/sns/application-endpoints/"+uuid, nil)
			Expect(r.Status).To(Equal(http.StatusOK))
			Expect(r.Raw).To(Equal("{}"))
			Expect(inventories(a.do(http.MethodGet, endpointURL, nil))).To(BeEmpty())
			Expect(inventories(a.do(http.MethodGet, atPersonURL, nil))).To(BeEmpty())
			Expect(a.do(http.MethodDelete, "/zstack/v1/sns/application-endpoints/"+uuid, nil).Status).To(Equal(http.StatusOK))
			expectError(a.do(http.MethodDelete, "/zstack/v1/sns/application-endpoints/bogus", nil), 503, "SYS.1003", "invalid value[bogus] of field[uuid]")
		})
	})

	It("masks secrets in every answer and keeps them out of the logs", func() {
		r := create(map[string]any{"name": "ops", "url": "https://oapi.dingtalk.com/robot/send?access_token=" + robotToken, "secret": robotSecret})
		uuid := inventory(r)["uuid"].(string)
		answers := []reply{r,
			a.do(http.MethodGet, endpointURL, nil),
			a.do(http.MethodGet, endpointURL+"/"+uuid, nil),
			a.do(http.MethodGet, "/zstack/v1/sns/application-endpoints", nil),
			a.do(http.MethodPut, endpointURL+"/"+uuid+"/actions", map[string]any{"updateSNSDingTalkEndpoint": map[string]any{"secret": robotSecret + "x"}}),
		}
		for _, ans := range answers {
			Expect(ans.Raw).NotTo(ContainSubstring(robotSecret[:12]))
		}
		Expect(string(a.logs.Contents())).NotTo(ContainSubstring(robotSecret[:12]))
		Expect(string(a.logs.Contents())).NotTo(ContainSubstring(robotToken))
	})
})
