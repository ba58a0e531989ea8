// Package testhttp is the specs' one HTTP helper: it sends a request
// through a client, reads the whole answer and decodes it when it is a
// JSON object. The suites hand it the client of contracts.NewHTTPClient,
// so every exchange is still checked against openapi.yaml; Negative marks
// a request that breaks the contract on purpose (only its answer is
// checked). Only _test.go files import it.
package testhttp
