// Ginkgo suite for the mockdingtalk-conform command, run in-process through
// conform.

package main

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestConform(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "cmd/mockdingtalk-conform")
}
