// Specs of openapi.yaml itself: it validates, its servers are relative,
// every operation has an id and examples, and every example is valid
// against its own schema.

package contracts_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	root "github.com/dingtalk-mock/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/contracts"
)

// example is one example value in the document and the schema it must
// match.
type example struct {
	where    string // e.g. "POST /robot/send response 200 application/json examples.ok"
	schema   *openapi3.SchemaRef
	value    any
	response bool
}

// operations lists every operation in a stable order.
func operations(doc *openapi3.T) []struct {
	Method, Path string
	Op           *openapi3.Operation
} {
	var out []struct {
		Method, Path string
		Op           *openapi3.Operation
	}
	paths := doc.Paths.InMatchingOrder()
	slices.Sort(paths)
	for _, p := range paths {
		ops := doc.Paths.Value(p).Operations()
		methods := make([]string, 0, len(ops))
		for m := range ops {
			methods = append(methods, m)
		}
		slices.Sort(methods)
		for _, m := range methods {
			out = append(out, struct {
				Method, Path string
				Op           *openapi3.Operation
			}{m, p, ops[m]})
		}
	}
	return out
}

func mediaExamples(where string, mt *openapi3.MediaType, response bool) []example {
	var out []example
	if mt.Schema == nil {
		return nil
	}
	if mt.Example != nil {
		out = append(out, example{where + " example", mt.Schema, mt.Example, response})
	}
	names := make([]string, 0, len(mt.Examples))
	for n := range mt.Examples {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, n := range names {
		out = append(out, example{where + " examples." + n, mt.Schema, mt.Examples[n].Value.Value, response})
	}
	return out
}

func paramExamples(where string, p *openapi3.Parameter) []example {
	var out []example
	if p.Example != nil {
		out = append(out, example{where + " example", p.Schema, p.Example, false})
	}
	for n, ex := range p.Examples {
		out = append(out, example{where + " examples." + n, p.Schema, ex.Value.Value, false})
	}
	return out
}

// allExamples walks paths → operations → parameters, request bodies and
// responses, collecting every example with its schema.
func allExamples(doc *openapi3.T) []example {
	var out []example
	for _, o := range operations(doc) {
		at := o.Method + " " + o.Path
		params := append(openapi3.Parameters{}, doc.Paths.Value(o.Path).Parameters...)
		params = append(params, o.Op.Parameters...)
		for _, p := range params {
			out = append(out, paramExamples(fmt.Sprintf("%s %s parameter %q", at, p.Value.In, p.Value.Name), p.Value)...)
		}
		if rb := o.Op.RequestBody; rb != nil {
			for ct, mt := range rb.Value.Content {
				out = append(out, mediaExamples(at+" request "+ct, mt, false)...)
			}
		}
		for status, r := range o.Op.Responses.Map() {
			for ct, mt := range r.Value.Content {
				out = append(out, mediaExamples(at+" response "+status+" "+ct, mt, true)...)
			}
		}
	}
	return out
}

var _ = Describe("openapi.yaml", func() {
	var doc *openapi3.T

	BeforeEach(func() {
		doc = contracts.Default().Doc()
	})

	It("is OpenAPI 3.0.x and validates", func() {
		Expect(doc.OpenAPI).To(HavePrefix("3.0."))
		Expect(doc.Validate(context.Background())).To(Succeed())
	})

	It("has only relative servers, so path-only requests to any host match", func() {
		Expect(doc.Servers).NotTo(BeEmpty())
		for _, s := range doc.Servers {
			u, err := url.Parse(s.URL)
			Expect(err).NotTo(HaveOccurred())
			Expect(u.Host).To(BeEmpty(), "server %q", s.URL)
		}
	})

	It("gives every operation a unique operationId, a summary, and examples for every body", func() {
		seen := map[string]string{}
		for _, o := range operations(doc) {
			at := o.Method + " " + o.Path
			Expect(o.Op.OperationID).NotTo(BeEmpty(), at)
			Expect(seen).NotTo(HaveKey(o.Op.OperationID), "%s reuses the operationId of %s", at, seen[o.Op.OperationID])
			seen[o.Op.OperationID] = at
			Expect(o.Op.Summary).NotTo(BeEmpty(), at)
			if rb := o.Op.RequestBody; rb != nil {
				for ct, mt := range rb.Value.Content {
					Expect(mediaExamples(at, mt, false)).NotTo(BeEmpty(), "%s request %s has no example", at, ct)
				}
			}
			for status, r := range o.Op.Responses.Map() {
				for ct, mt := range r.Value.Content {
					if mt.Schema != nil {
						Expect(mediaExamples(at, mt, true)).NotTo(BeEmpty(), "%s response %s %s has no example", at, status, ct)
					}
				}
			}
		}
	})

	It("documents every API family of the agreed shapes", func() {
		for _, id := range []string{
			"robotSend", "mockHealth", "mockListRobots", "mockCreateRobot", "mockGetRobot", "mockUpdateRobot",
			"mockDeleteRobot", "mockListMessages", "mockWaitMessages", "mockClearMessages", "mockListFaults",
			"mockAddFault", "mockClearFaults", "mockGetFault", "mockDeleteFault", "mockGetClock", "mockSetClock", "mockReset",
			"inboxPage", "inboxEntries", "inboxRobots", "inboxEvents", "inboxClear", "inboxAsset",
			"LogInByAccount", "LogOut", "SNSDingTalkTestConnection", "QueryApiJob", "CreateSNSDingTalkEndpoint",
			"QuerySNSDingTalkEndpoint", "QuerySNSDingTalkEndpointByUuid", "UpdateSNSDingTalkEndpoint",
			"DeleteSNSApplicationEndpoint", "AddSNSDingTalkAtPerson", "QuerySNSDingTalkAtPerson",
			"QuerySNSDingTalkAtPersonByUuid", "UpdateAtPersonOfAtDingTalkEndpoint", "RemoveSNSDingTalkAtPerson",
		} {
			found := slices.ContainsFunc(operations(doc), func(o struct {
				Method, Path string
				Op           *openapi3.Operation
			}) bool {
				return o.Op.OperationID == id
			})
			Expect(found).To(BeTrue(), "no operation %s", id)
		}
	})

	It("puts every admin operation but health, and every inbox one, behind the optional admin token", func() {
		guarded := 0
		for _, o := range operations(doc) {
			at := o.Method + " " + o.Path
			tags := o.Op.Tags
			if !slices.Contains(tags, "mock-admin") && !slices.Contains(tags, "inbox") {
				Expect(o.Op.Responses.Value("401")).To(BeNil(), "%s is not behind the admin token", at)
				continue
			}
			if o.Op.OperationID == "mockHealth" {
				Expect(o.Op.Security).To(BeNil(), at)
				Expect(o.Op.Responses.Value("401")).To(BeNil(), at)
				continue
			}
			guarded++
			Expect(o.Op.Security).NotTo(BeNil(), at)
			var schemes []string
			for _, req := range *o.Op.Security {
				if len(req) == 0 {
					schemes = append(schemes, "{}")
				}
				for name := range req {
					schemes = append(schemes, name)
				}
			}
			Expect(schemes).To(ConsistOf("{}", contracts.AdminBearerScheme, contracts.AdminHeaderScheme, contracts.AdminBasicScheme), at)
			Expect(o.Op.Responses.Value("401")).NotTo(BeNil(), "%s does not document the 401 answer", at)
			Expect(o.Op.Responses.Value("401").Ref).To(Equal("#/components/responses/AdminUnauthorized"), at)
		}
		Expect(guarded).To(Equal(37))
	})

	It("has examples, and every one of them matches its schema", func() {
		examples := allExamples(doc)
		Expect(len(examples)).To(BeNumerically(">", 80))
		var bad []string
		for _, ex := range examples {
			opts := []openapi3.SchemaValidationOption{openapi3.MultiErrors(), openapi3.VisitAsRequest()}
			if ex.response {
				opts[1] = openapi3.VisitAsResponse()
			}
			if err := ex.schema.Value.VisitJSON(ex.value, opts...); err != nil {
				bad = append(bad, ex.where+": "+err.Error())
			}
		}
		Expect(bad).To(BeEmpty())
	})

	It("is refused, naming the example, when an example does not match its schema", func() {
		yaml := strings.Replace(string(root.OpenAPI()), "value: {errcode: 0, errmsg: ok}", "value: {errcode: zero, errmsg: ok}", 1)
		Expect(yaml).NotTo(Equal(string(root.OpenAPI())))
		_, err := contracts.New([]byte(yaml))
		Expect(err).To(MatchError(ContainSubstring("errcode")))
		Expect(err).To(MatchError(ContainSubstring("invalid OpenAPI document")))
	})

	It("is refused when a server is absolute, since path-only requests would not match", func() {
		yaml := strings.Replace(string(root.OpenAPI()), "  - url: /\n", "  - url: http://192.168.0.30:3000/\n", 1)
		_, err := contracts.New([]byte(yaml))
		Expect(err).To(MatchError(ContainSubstring("relative server URL")))
	})

	It("loads from a file path too, with a clear error for a missing one", func() {
		_, err := contracts.Load("testdata/no-such-file.yaml")
		Expect(err).To(MatchError(ContainSubstring("no-such-file.yaml")))
		v, err := contracts.Load("../openapi.yaml")
		Expect(err).NotTo(HaveOccurred())
		Expect(v.Doc().Paths.Len()).To(Equal(doc.Paths.Len()))
	})
})
