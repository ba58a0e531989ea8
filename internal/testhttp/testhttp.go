// Requests sent through a client, and answers read back.

package testhttp

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
)

// Request is one request a spec sends.
type Request struct {
	// Method defaults to GET.
	Method string
	URL    string
	// Body is sent as it is when a string or []byte, else encoded as JSON;
	// nil sends no body.
	Body any
	// ContentType defaults to application/json when there is a body.
	ContentType string
	// Header holds more request header fields.
	Header http.Header
	// Negative marks a request that breaks openapi.yaml on purpose.
	Negative bool
	// Context defaults to context.Background().
	Context context.Context
}

// Answer is what came back.
type Answer struct {
	Status int
	Header http.Header
	// Raw is the whole body.
	Raw string
	// JSON is the body decoded, when it is a JSON object (one that says it
	// is JSON and is not fails the spec).
	JSON map[string]any
}

// NewRequest builds r as a client sends it.
func NewRequest(r Request) *http.Request {
	ginkgo.GinkgoHelper()
	ctx, method, body := r.parts()
	req, err := http.NewRequestWithContext(ctx, method, r.URL, body)
	gomega.Expect(err).NotTo(gomega.HaveOccurred())
	r.setHeader(req)
	return req
}

// Do sends r with client and reads the answer. Its error is the client's
// (a refused or dropped connection, a timeout); a spec that expects none
// uses Must.
func Do(client *http.Client, r Request) (Answer, error) {
	ginkgo.GinkgoHelper()
	res, err := client.Do(NewRequest(r))
	if err != nil {
		return Answer{}, err
	}
	return Read(res)
}

// Must is Do for a request that must get an answer.
func Must(client *http.Client, r Request) Answer {
	ginkgo.GinkgoHelper()
	a, err := Do(client, r)
	gomega.Expect(err).NotTo(gomega.HaveOccurred())
	return a
}

// Read reads and closes res's body. A body that says it is JSON and
// starts with { must decode.
func Read(res *http.Response) (Answer, error) {
	ginkgo.GinkgoHelper()
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		return Answer{}, err
	}
	a := Answer{Status: res.StatusCode, Header: res.Header, Raw: string(raw)}
	if strings.HasPrefix(strings.TrimSpace(a.Raw), "{") {
		err := json.Unmarshal(raw, &a.JSON)
		if strings.Contains(res.Header.Get("Content-Type"), "json") {
			gomega.Expect(err).NotTo(gomega.HaveOccurred(), "the answer says it is JSON: %s", raw)
		}
	}
	return a, nil
}

// parts are r's context (marked negative when r is), method and body.
func (r Request) parts() (context.Context, string, io.Reader) {
	ginkgo.GinkgoHelper()
	ctx := r.Context
	if ctx == nil {
		ctx = context.Background()
	}
	if r.Negative {
		ctx = contracts.Negative(ctx)
	}
	method := r.Method
	if method == "" {
		method = http.MethodGet
	}
	var body io.Reader
	switch b := r.Body.(type) {
	case nil:
	case string:
		body = strings.NewReader(b)
	case []byte:
		body = strings.NewReader(string(b))
	default:
		data, err := json.Marshal(b)
		gomega.Expect(err).NotTo(gomega.HaveOccurred())
		body = strings.NewReader(string(data))
	}
	return ctx, method, body
}

// setHeader sets r's header fields and content type on req.
func (r Request) setHeader(req *http.Request) {
	for k, vs := range r.Header {
		req.Header[k] = vs
	}
	if r.ContentType != "" {
		req.Header.Set("Content-Type", r.ContentType)
	} else if r.Body != nil && req.Header.Get("Content-Type") == "" {
		req.Header.Set("Content-Type", "application/json")
	}
}
