// Package contracts checks HTTP traffic against openapi.yaml, the contract of
// every API in this module: DingTalk's robot webhook as the fake answers it,
// the fake's admin API under /_mock/, and ZStack's SNS DingTalk API under
// /zstack/v1/.
//
// A Validator is built once from the document (kin-openapi's openapi3filter
// with the gorillamux router, every error collected, undocumented status codes
// rejected). It checks single requests and responses, wraps an
// http.RoundTripper so every exchange a client makes is checked
// (RoundTripper, NewHTTPClient), and wraps an http.Handler so every answer a
// server gives is checked (Middleware). A mismatch is a *Mismatch whose
// message names the operation, the method and path, and for each problem the
// JSON pointer, what the contract expects and what was sent.
//
// Requests a spec sends on purpose to break the contract (negative tests)
// are marked with Negative: their request is not checked, their response is.
package contracts
