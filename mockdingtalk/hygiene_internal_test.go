// Spec (inside the package) that the listener Start runs has every limit a
// server reachable by untrusted clients needs: read-header, read, write
// and idle timeouts and a header size cap, so a slow or stalled client is
// cut off instead of holding a connection forever.

package mockdingtalk

import (
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("Start's HTTP server", Label("hygiene"), func() {
	It("has every timeout and a header cap, and room for the longest wait", func() {
		s, err := Start(Config{})
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(s.Close)
		srv := s.httpSrv
		Expect(srv.ReadHeaderTimeout).To(Equal(readHeaderTimeout))
		Expect(srv.ReadTimeout).To(Equal(readTimeout))
		Expect(srv.WriteTimeout).To(Equal(writeTimeout))
		Expect(srv.IdleTimeout).To(Equal(idleTimeout))
		Expect(srv.MaxHeaderBytes).To(Equal(maxHeaderBytes))
		for _, d := range []time.Duration{srv.ReadHeaderTimeout, srv.ReadTimeout, srv.WriteTimeout, srv.IdleTimeout} {
			Expect(d).To(BeNumerically(">", 0))
		}
		Expect(srv.WriteTimeout).To(BeNumerically(">", maxWaitTimeout), "a 10-minute wait can still be answered")
		Expect(srv.WriteTimeout).To(BeNumerically(">", maxFaultDelay))
	})
})
