// Ginkgo entry point for the load benchmark's specs: what it sends must be
// what a correct client sends, so that its figures measure the fake's
// success path (timing itself is never asserted).

package main

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestLoadbench(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "loadbench")
}
