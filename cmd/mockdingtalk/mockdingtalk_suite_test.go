// Ginkgo suite for the mockdingtalk binary, run in-process through run.
package main

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestMockdingtalk(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "cmd/mockdingtalk")
}
