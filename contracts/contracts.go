// The Validator: loading openapi.yaml (the embedded default or another
// file), and the security check kin-openapi runs for the document's session
// scheme (ZStack's OAuth header).

package contracts

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"sync"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"

	root "github.com/dingtalk-mock/mockdingtalk"
)

// SessionScheme is the name of the security scheme in openapi.yaml for
// ZStack's `Authorization: OAuth <session>` header.
const SessionScheme = "zstackSession"

// Security schemes in openapi.yaml for the fake's optional admin token
// (mockdingtalk's Config.AdminToken). The admin and inbox operations list
// each of them next to an empty requirement, so a request without any is
// fine; these names matter to documents that require one.
const (
	// AdminBearerScheme is `Authorization: Bearer <token>`.
	AdminBearerScheme = "mockAdminBearer"
	// AdminHeaderScheme is the token in its own header (X-Mock-Admin-Token).
	AdminHeaderScheme = "mockAdminToken"
	// AdminBasicScheme is HTTP Basic with the token as password.
	AdminBasicScheme = "mockAdminBasic"
)

// sessionHeader is the form ZStack's session header takes.
var sessionHeader = regexp.MustCompile(`^OAuth [0-9a-f]{32}$`)

// bearerHeader is the form of a bearer credential: the scheme in any case,
// then a token without spaces (an admin token cannot hold any).
var bearerHeader = regexp.MustCompile(`^(?i:bearer) [!-~]+$`)

// Validator checks requests and responses against one OpenAPI document. It
// is safe for concurrent use and immutable once built.
type Validator struct {
	doc     *openapi3.T
	router  routers.Router
	options *openapi3filter.Options
}

// New builds a Validator from an OpenAPI 3.0 document (YAML or JSON). The
// document must validate, and its examples must match their schemas.
func New(data []byte) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		return nil, fmt.Errorf("contracts: parse OpenAPI document: %w", err)
	}
	return fromDoc(doc)
}

// Load builds a Validator from the OpenAPI document at path. Most callers
// want Default, which uses the openapi.yaml embedded in this module.
func Load(path string) (*Validator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromFile(path)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("contracts: %w", err)
		}
		return nil, fmt.Errorf("contracts: parse %s: %w", path, err)
	}
	return fromDoc(doc)
}

func fromDoc(doc *openapi3.T) (*Validator, error) {
	if err := doc.Validate(context.Background()); err != nil {
		return nil, fmt.Errorf("contracts: invalid OpenAPI document: %w", err)
	}
	for _, s := range doc.Servers {
		if u, err := url.Parse(s.URL); err == nil && u.Host != "" {
			return nil, fmt.Errorf("contracts: server %q is absolute; use a relative server URL so requests to any host match", s.URL)
		}
	}
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		return nil, fmt.Errorf("contracts: build router: %w", err)
	}
	return &Validator{
		doc:    doc,
		router: router,
		options: &openapi3filter.Options{
			MultiError:            true,
			IncludeResponseStatus: true,
			SkipSettingDefaults:   true,
			AuthenticationFunc:    authenticate,
		},
	}, nil
}

var (
	defaultOnce      sync.Once
	defaultValidator *Validator
	defaultErr       error
)

// Default returns the Validator for the module's openapi.yaml, built on the
// first call and shared afterwards. It panics if the embedded document is
// invalid, which the package's own specs rule out.
func Default() *Validator {
	defaultOnce.Do(func() {
		defaultValidator, defaultErr = New(root.OpenAPI())
	})
	if defaultErr != nil {
		panic(defaultErr)
	}
	return defaultValidator
}

// Doc returns the parsed document. Treat it as read-only.
func (v *Validator) Doc() *openapi3.T { return v.doc }

// authenticate checks the form of the credentials a security scheme asks
// for; whether a session or an admin token is right is the server's
// business.
func authenticate(_ context.Context, in *openapi3filter.AuthenticationInput) error {
	req := in.RequestValidationInput.Request
	switch in.SecuritySchemeName {
	case SessionScheme:
		return checkAuthorization(req, sessionHeader, "'OAuth <32-hex session uuid>'")
	case AdminBearerScheme:
		return checkAuthorization(req, bearerHeader, "'Bearer <admin token>'")
	case AdminHeaderScheme:
		name := in.SecurityScheme.Name
		got := req.Header.Values(name)
		switch {
		case len(got) == 0:
			return fmt.Errorf("header %s is missing; expected the admin token", name)
		case len(got) > 1:
			return fmt.Errorf("header %s is sent %d times; expected it once", name, len(got))
		case got[0] == "":
			return fmt.Errorf("header %s is empty; expected the admin token", name)
		}
		return nil
	case AdminBasicScheme:
		got := req.Header.Values("Authorization")
		if len(got) != 1 {
			return checkAuthorization(req, nil, "'Basic <base64 of user:admin token>'")
		}
		if _, password, ok := req.BasicAuth(); !ok || password == "" {
			return fmt.Errorf("header Authorization is %s; expected 'Basic <base64 of user:admin token>' with a non-empty password", describeCredential(got[0]))
		}
		return nil
	}
	return fmt.Errorf("security scheme %q has no checker in package contracts", in.SecuritySchemeName)
}

// checkAuthorization checks that req has one Authorization header of the
// given form (any form when form is nil), described as want.
func checkAuthorization(req *http.Request, form *regexp.Regexp, want string) error {
	got := req.Header.Values("Authorization")
	switch {
	case len(got) == 0:
		return errors.New("header Authorization is missing; expected " + want)
	case len(got) > 1:
		return fmt.Errorf("header Authorization is sent %d times; expected it once", len(got))
	case form != nil && !form.MatchString(got[0]):
		return fmt.Errorf("header Authorization is %s; expected %s", describeCredential(got[0]), want)
	}
	return nil
}

// describeCredential says what a credential looks like without revealing it.
func describeCredential(s string) string {
	scheme, rest, found := cutSpace(s)
	if !found {
		return fmt.Sprintf("a single word of %d characters", len(s))
	}
	return fmt.Sprintf("scheme %q with a %d-character credential", scheme, len(rest))
}

func cutSpace(s string) (before, after string, found bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}
