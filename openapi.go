// Package mockdingtalk is the module's root. It holds one thing: openapi.yaml,
// the contract of every HTTP API in this module (DingTalk's robot webhook as
// the fake answers it, the fake's admin API, ZStack's SNS DingTalk API),
// embedded so that tests and binaries use the very file at the root without
// looking for it at run time.
//
// The fake robot itself is package
// github.com/dingtalk-mock/mockdingtalk/mockdingtalk, and the validator built
// from this document is package github.com/dingtalk-mock/mockdingtalk/contracts.
package mockdingtalk

import _ "embed" // for go:embed

//go:embed openapi.yaml
var openAPI string

// OpenAPI returns a copy of openapi.yaml, the OpenAPI 3.0 document every
// request and response in this module is validated against. Package
// contracts loads it; use contracts.Default rather than parsing it yourself.
func OpenAPI() []byte { return []byte(openAPI) }
