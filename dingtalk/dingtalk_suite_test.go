// Ginkgo entry point for the dingtalk protocol package's specs.

package dingtalk_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

func TestDingtalk(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "dingtalk protocol")
}
