// Specs for ZStack's query parameters on endpoints and at-persons.

package sns_test

import (
	"net/http"
	"net/url"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/sns"
)

var _ = Describe("Queries", func() {
	var a *api
	var uuids []string

	BeforeEach(func() {
		clock := newClock()
		a = newAPI(sns.Config{Now: clock.Now}).login()
		uuids = nil
		for _, ep := range []map[string]any{
			{"name": "ding-ops", "url": "http://a.example/", "atAll": true},
			{"name": "Ding-Dev", "url": "http://b.example/", "atPersonPhoneNumbers": []string{"+86-13800000001"}},
			{"name": "pager", "url": "http://c.example/"},
		} {
			r := a.do(http.MethodPost, endpointURL, params(ep))
			Expect(r.Status).To(Equal(http.StatusOK), r.Raw)
			uuids = append(uuids, inventory(r)["uuid"].(string))
			clock.Advance(time.Minute)
		}
	})

	names := func(query string) []string {
		invs := inventories(a.do(http.MethodGet, endpointURL+"?"+query, nil))
		out := []string{}
		for _, inv := range invs {
			out = append(out, inv.(map[string]any)["name"].(string))
		}
		return out
	}
	q := func(cond string) string { return "q=" + url.QueryEscape(cond) }

	DescribeTable("conditions",
		func(query string, want []string) { Expect(names(query)).To(Equal(want)) },
		Entry("= (exact)", q("name=pager"), []string{"pager"}),
		Entry("!=", q("name!=pager"), []string{"ding-ops", "Ding-Dev"}),
		Entry("~= like with %, case-insensitive", q("name~=ding%"), []string{"ding-ops", "Ding-Dev"}),
		Entry("~= like with _", q("name~=pag_r"), []string{"pager"}),
		Entry("!~= not like", q("name!~=%ding%"), []string{"pager"}),
		Entry("?= in", q("name?=pager,ding-ops"), []string{"ding-ops", "pager"}),
		Entry("!?= not in", q("name!?=pager,ding-ops"), []string{"Ding-Dev"}),
		Entry("boolean field", q("atAll=true"), []string{"ding-ops"}),
		Entry("list field: any phone matches", q("atPersonPhoneNumbers=+86-13800000001"), []string{"Ding-Dev"}),
		Entry("is null", q("description is null"), []string{"ding-ops", "Ding-Dev", "pager"}),
		Entry("two conditions are ANDed", q("name~=%d%")+"&"+q("atAll=false"), []string{"Ding-Dev"}),
		Entry("date comparison", q("createDate>"+time.Date(2026, 3, 4, 15, 5, 0, 0, time.UTC).Format(time.RFC3339)), []string{"Ding-Dev", "pager"}),
		Entry("limit and start", "limit=1&start=1", []string{"Ding-Dev"}),
		Entry("sort descending", "sort=-name", []string{"pager", "ding-ops", "Ding-Dev"}),
	)

	It("counts with count=true and replyWithCount=true", func() {
		r := a.do(http.MethodGet, endpointURL+"?count=true&"+q("name~=%ding%"), nil)
		Expect(r.Raw).To(MatchJSON(`{"total":2}`))
		r = a.do(http.MethodGet, endpointURL+"?replyWithCount=true&limit=1", nil)
		Expect(r.JSON["total"]).To(BeNumerically("==", 3))
		Expect(r.JSON["inventories"]).To(HaveLen(1))
		r = a.do(http.MethodGet, "/zstack/v1/sns/application-endpoints?count=true", nil)
		Expect(r.Raw).To(MatchJSON(`{"total":3}`), "the generic endpoint query counts too")
	})

	It("returns only the asked fields", func() {
		invs := inventories(a.do(http.MethodGet, endpointURL+"?fields=uuid,name&"+q("name=pager"), nil))
		Expect(invs[0]).To(Equal(map[string]any{"uuid": uuids[2], "name": "pager"}))
	})

	It("queries at-persons by endpoint", func() {
		invs := inventories(a.do(http.MethodGet, atPersonURL+"?"+q("endpointUuid="+uuids[1]), nil))
		Expect(invs).To(HaveLen(1))
		Expect(invs[0]).To(HaveKeyWithValue("phoneNumber", "+86-13800000001"))
		Expect(inventories(a.do(http.MethodGet, atPersonURL+"?"+q("endpointUuid="+uuids[0]), nil))).To(BeEmpty())
	})

	DescribeTable("bad queries are HTTP 400 SYS.1007",
		func(query, details string) {
			expectError(a.do(http.MethodGet, endpointURL+"?"+query, nil), 400, "SYS.1007", details)
		},
		Entry("unknown field", q("colour=red"), "field[colour] is not a queryable field of SNSDingTalkEndpointInventory; queryable fields are atAll, atPersonPhoneNumbers, connectionStatus, createDate, description, lastOpDate, name, platformUuid, state, type, url, uuid"),
		Entry("secret is not queryable", q("secret=SECabc"), "field[secret] is not a queryable field of SNSDingTalkEndpointInventory; queryable fields are atAll, atPersonPhoneNumbers, connectionStatus, createDate, description, lastOpDate, name, platformUuid, state, type, url, uuid"),
		Entry("no operator", q("name"), "invalid query condition[name]: expected <field><operator><value>, e.g. name=ding"),
		Entry("unknown operator", q("name:x"), "invalid query condition[name:x]: unknown operator; use one of = != > < >= <= ?= !?= ~= !~= 'is null' 'not null'"),
		Entry("bad boolean", q("atAll=maybe"), `invalid query condition[atAll=maybe]: "maybe" is not true or false`),
		Entry("bad limit", "limit=-1", "invalid limit[-1]: a non-negative integer is expected"),
		Entry("bad count", "count=yes", "invalid count[yes]: true or false is expected"),
		Entry("bad sort", "sort=+secret", "invalid sort[ secret]: field[secret] is not a sortable field of SNSDingTalkEndpointInventory"),
		Entry("bad escape", "q=name~=%ding%", `the query string cannot be decoded: invalid URL escape "%di" (write % as %25)`),
	)
})
