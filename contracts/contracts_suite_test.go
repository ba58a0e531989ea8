// The Ginkgo suite of package contracts: the document, the validator, the
// transport and middleware, and the contract checked against the in-repo
// fake robot and SNS API.

package contracts_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestContracts(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Contracts Suite")
}
