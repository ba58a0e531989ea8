// Ginkgo entry point for the outbound webhook sender's specs.

package webhook_test

import (
	"testing"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"go.uber.org/goleak"
)

func TestWebhook(t *testing.T) {
	RegisterFailHandler(Fail)
	// Every server, job and connection a spec starts must be gone by the end.
	defer goleak.VerifyNone(t, goleak.IgnoreTopFunction("github.com/onsi/ginkgo/v2/internal/interrupt_handler.(*InterruptHandler).registerForInterrupts.func2"))
	RunSpecs(t, "sns/webhook")
}
