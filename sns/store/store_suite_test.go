// Ginkgo entry point for the endpoint store's specs. The test binary also
// doubles as the child process of the kill -9 spec (see crashChild).

package store_test

import (
	"os"
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestStore(t *testing.T) {
	if dir := os.Getenv(crashChildEnv); dir != "" {
		crashChild(dir)
		return
	}
	RegisterFailHandler(Fail)
	RunSpecs(t, "sns/store")
}
