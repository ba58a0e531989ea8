// The test helper: NewTestServer starts a fake robot for one test (or one
// Ginkgo spec through GinkgoT()) and stops it when the test ends.

package mockdingtalk

// TB is the part of testing.TB that NewTestServer needs. *testing.T,
// *testing.B and Ginkgo's GinkgoT() all satisfy it.
type TB interface {
	Helper()
	Cleanup(func())
	Fatalf(format string, args ...any)
}

// NewTestServer starts a Server on a free port of 127.0.0.1 with the
// options applied to a zero Config, and closes it when the test ends. It
// fails the test if the options are invalid.
func NewTestServer(tb TB, opts ...Option) *Server {
	tb.Helper()
	var cfg Config
	for _, o := range opts {
		o(&cfg)
	}
	s, err := Start(cfg)
	if err != nil {
		tb.Fatalf("mockdingtalk.NewTestServer: %v", err)
		return nil
	}
	tb.Cleanup(s.Close)
	return s
}
