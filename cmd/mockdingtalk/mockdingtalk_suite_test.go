// Ginkgo suite for the mockdingtalk binary, run in-process through run.
// The specs talk to it with checked, so every exchange on the binary's
// listener is checked against openapi.yaml too.

package main

import (
	"context"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
)

func TestMockdingtalk(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "cmd/mockdingtalk")
}

// checked is the specs' HTTP client: every exchange it makes is checked
// against openapi.yaml, and a mismatch fails the spec.
var checked = contracts.NewHTTPClient(Fail)

var _ = AfterSuite(func() { checked.CloseIdleConnections() })

// negativeCtx marks a request that breaks the contract on purpose: only its
// answer is checked.
var negativeCtx = contracts.Negative(context.Background())
