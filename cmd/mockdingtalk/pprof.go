//go:build pprof

// A profiling hook for load benchmarks, only in binaries built with
// `-tags pprof` (docs/benchmarks.md): when MOCKDINGTALK_PPROF names a
// loopback address, net/http/pprof serves there, on a listener of its own,
// so profiles of the binary under wrk come from the binary itself. The
// product binary has no profiling endpoint.

package main

import (
	"net/http"
	_ "net/http/pprof" // registers /debug/pprof/ on http.DefaultServeMux
	"os"
)

func init() {
	if addr := os.Getenv("MOCKDINGTALK_PPROF"); addr != "" {
		go func() { _ = http.ListenAndServe(addr, nil) }()
	}
}
