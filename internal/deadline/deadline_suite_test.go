// Ginkgo entry point for the deadline listener's specs.

package deadline_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestDeadline(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "deadline")
}
