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

// NewTestServer starts a Server for cfg on a free port of 127.0.0.1, as
// Start does, and closes it when the test ends. It fails the test if cfg
// is invalid. Pass Config{} for the defaults.
func NewTestServer(tb TB, cfg Config) *Server {
	tb.Helper()
	s, err := Start(cfg)
	if err != nil {
		tb.Fatalf("mockdingtalk.NewTestServer: %v", err)
		return nil
	}
	tb.Cleanup(s.Close)
	return s
}
