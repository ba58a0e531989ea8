// Ginkgo entry point for the JSON body reader's specs.

package jsonbody_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestJSONBody(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "jsonbody")
}
