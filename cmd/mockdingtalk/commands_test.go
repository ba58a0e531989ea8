// Specs for the subcommands: the dispatch (serving stays the default),
// `version` from the build information, and `health`, the container's
// healthcheck, with its exit codes.

package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
)

// invoke runs the binary's dispatch in-process and returns its exit code,
// stdout and stderr.
func invoke(args []string, vars map[string]string) (int, string, string) {
	var stdout, stderr strings.Builder
	code := dispatch(context.Background(), args, env(vars), &stdout, &stderr)
	return code, stdout.String(), stderr.String()
}

var _ = Describe("commands", func() {
	It("serves with no command, with flags first, and with `serve`", func() {
		for _, args := range [][]string{{"-listen", "127.0.0.1:0"}, {"serve", "-listen", "127.0.0.1:0"}} {
			ctx, cancel := context.WithCancel(context.Background())
			stdout := gbytes.NewBuffer()
			code := make(chan int, 1)
			go func() { code <- dispatch(ctx, args, env(nil), stdout, gbytes.NewBuffer()) }()
			Eventually(stdout, 10*time.Second).Should(gbytes.Say(`listening on http://127\.0\.0\.1:\d+`), "%q", args)
			cancel()
			Eventually(code, 15*time.Second).Should(Receive(Equal(0)), "%q", args)
		}
	})

	It("lists the commands for `help`, and refuses an unknown one with exit code 1 and the list", func() {
		code, stdout, _ := invoke([]string{"help"}, nil)
		Expect(code).To(Equal(0))
		Expect(stdout).To(And(ContainSubstring("serve"), ContainSubstring("health"), ContainSubstring("version")))

		code, _, stderr := invoke([]string{"sevre"}, nil)
		Expect(code).To(Equal(1))
		Expect(stderr).To(And(ContainSubstring(`unknown command "sevre"`), ContainSubstring("health")))
	})

	It("keeps serve's errors as they were: `mockdingtalk: …`, exit code 1", func() {
		code, _, stderr := invoke([]string{"-journal-cap", "0"}, nil)
		Expect(code).To(Equal(1))
		Expect(stderr).To(HavePrefix("mockdingtalk: "))
		Expect(stderr).To(ContainSubstring("-journal-cap"))
	})
})

var _ = Describe("version", func() {
	It("prints one line for `version` and for `-version`", func() {
		for _, arg := range []string{"version", "-version", "--version"} {
			code, stdout, _ := invoke([]string{arg}, nil)
			Expect(code).To(Equal(0), arg)
			Expect(stdout).To(MatchRegexp(`^mockdingtalk \S+ .*go1\.\d+\S* %s/%s\n$`, runtime.GOOS, runtime.GOARCH), arg)
		}
		code, _, stderr := invoke([]string{"version", "extra"}, nil)
		Expect(code).To(Equal(1))
		Expect(stderr).To(ContainSubstring(`takes no arguments (got "extra")`))
	})

	DescribeTable("reads the module version and the VCS revision from the build information",
		func(info *debug.BuildInfo, want string) {
			Expect(formatVersion(info)).To(Equal(want + " " + runtime.GOOS + "/" + runtime.GOARCH))
		},
		Entry("go install …@v1.2.0: the module version, no VCS",
			&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.0"}},
			"mockdingtalk v1.2.0 go1.26.0"),
		Entry("a build from a clean checkout: revision and commit time",
			&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "v1.2.1-0.20261130184200-239b9c0419d3"},
				Settings: []debug.BuildSetting{
					{Key: "vcs", Value: "git"}, {Key: "vcs.revision", Value: "239b9c0419d3f3ffa8ec27930f83eb2e5f875878"},
					{Key: "vcs.time", Value: "2026-11-30T18:42:00Z"}, {Key: "vcs.modified", Value: "false"}}},
			"mockdingtalk v1.2.1-0.20261130184200-239b9c0419d3 (revision 239b9c0419d3, 2026-11-30T18:42:00Z) go1.26.0"),
		Entry("a build from a tree with uncommitted changes says modified",
			&debug.BuildInfo{GoVersion: "go1.26.0", Main: debug.Module{Version: "(devel)"},
				Settings: []debug.BuildSetting{{Key: "vcs.revision", Value: "239b9c0"}, {Key: "vcs.modified", Value: "true"}}},
			"mockdingtalk (devel) (revision 239b9c0, modified) go1.26.0"),
		Entry("no build information at all",
			nil, "mockdingtalk unknown "+runtime.Version()),
	)
})

var _ = Describe("health", func() {
	It("exits 0 for a running instance, found by -url or by $MOCKDINGTALK_LISTEN", func() {
		in := start([]string{"-listen", "127.0.0.1:0"}, nil)
		for _, u := range []string{in.base, in.base + "/", in.base + "/_mock/health"} {
			code, stdout, stderr := invoke([]string{"health", "-url", u}, nil)
			Expect(code).To(Equal(0), stderr)
			Expect(stdout).To(Equal("ok " + in.base + "/_mock/health\n"))
		}
		listen := "0.0.0.0:" + in.base[strings.LastIndex(in.base, ":")+1:]
		code, stdout, stderr := invoke([]string{"health"}, map[string]string{"MOCKDINGTALK_LISTEN": listen})
		Expect(code).To(Equal(0), stderr)
		Expect(stdout).To(Equal("ok "+in.base+"/_mock/health\n"), "an unspecified host is checked on loopback")
	})

	It("exits 1 and says why when nothing listens", func() {
		srv := httptest.NewServer(http.NotFoundHandler())
		srv.Close() // a port that just stopped listening
		code, _, stderr := invoke([]string{"health", "-url", srv.URL}, nil)
		Expect(code).To(Equal(1))
		Expect(stderr).To(And(HavePrefix("mockdingtalk health: "+srv.URL+"/_mock/health: "), ContainSubstring("connection refused")))
	})

	DescribeTable("exits 1 for an answer that is not a healthy mockdingtalk",
		func(status int, body, want string) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(status)
				_, _ = w.Write([]byte(body))
			}))
			DeferCleanup(srv.Close)
			code, _, stderr := invoke([]string{"health", "-url", srv.URL}, nil)
			Expect(code).To(Equal(1))
			Expect(stderr).To(ContainSubstring(want))
		},
		Entry("a 503", http.StatusServiceUnavailable, `{"status":"starting"}`, `answered 503 Service Unavailable: {"status":"starting"}`),
		Entry("another server's 404 page", http.StatusNotFound, "404 page not found", "answered 404 Not Found: 404 page not found"),
		Entry("200 but another status", http.StatusOK, `{"status":"degraded"}`, `answered 200 OK: {"status":"degraded"}`),
		Entry("200 but not JSON", http.StatusOK, `<html>`, `answered 200 OK: <html>`),
	)

	It("exits 1 when the answer does not come within -timeout", func() {
		release := make(chan struct{})
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-release:
			}
		}))
		DeferCleanup(srv.Close)
		DeferCleanup(func() { close(release) })
		code, _, stderr := invoke([]string{"health", "-url", srv.URL, "-timeout", "50ms"}, nil)
		Expect(code).To(Equal(1))
		Expect(stderr).To(ContainSubstring("no answer in time"))
	})

	DescribeTable("exits 1 with a clear message for bad arguments",
		func(args []string, vars map[string]string, want string) {
			code, _, stderr := invoke(append([]string{"health"}, args...), vars)
			Expect(code).To(Equal(1))
			Expect(stderr).To(ContainSubstring(want))
		},
		Entry("not an http URL", []string{"-url", "ftp://example.test"}, nil, `-url "ftp://example.test" is not an http:// or https:// URL`),
		Entry("a bare host", []string{"-url", "127.0.0.1:8090"}, nil, `is not an http:// or https:// URL`),
		Entry("a positional argument", []string{"http://127.0.0.1:8090"}, nil, `unexpected argument "http://127.0.0.1:8090" (give the address with -url)`),
		Entry("an unknown flag", []string{"-port", "1"}, nil, "flag provided but not defined: -port"),
		Entry("a listen variable that is not host:port", nil, map[string]string{"MOCKDINGTALK_LISTEN": "8090"}, `$MOCKDINGTALK_LISTEN="8090" is not host:port`),
	)
})

var _ = Describe("the conform command", func() {
	// conformProgram writes a stand-in for mockdingtalk-conform on PATH that
	// prints its arguments and an environment variable, and exits with 3.
	conformProgram := func() {
		dir := GinkgoT().TempDir()
		script := "#!/bin/sh\necho \"args: $*\"\necho \"env: $SNS_TARGET_URL\" >&2\nexit 3\n"
		Expect(os.WriteFile(filepath.Join(dir, ConformProgram), []byte(script), 0o755)).To(Succeed())
		GinkgoT().Setenv("PATH", dir)
	}

	It("runs mockdingtalk-conform with the same arguments, environment and streams, and exits with its code", func() {
		conformProgram()
		GinkgoT().Setenv("SNS_TARGET_URL", "http://10.0.0.5:8080")
		code, out, errOut := invoke([]string{"conform", "-label-filter", "auth && must", "-strict"}, nil)
		Expect(code).To(Equal(3))
		Expect(out).To(Equal("args: -label-filter auth && must -strict\n"))
		Expect(errOut).To(Equal("env: http://10.0.0.5:8080\n"))
	})

	It("says how to get mockdingtalk-conform when it is nowhere to be found, and exits 2", func() {
		GinkgoT().Setenv("PATH", GinkgoT().TempDir())
		code, out, errOut := invoke([]string{"conform", "-list"}, nil)
		Expect(code).To(Equal(2))
		Expect(out).To(BeEmpty())
		Expect(errOut).To(ContainSubstring("mockdingtalk conform: the conformance rules are in the program mockdingtalk-conform, which is neither next to this binary nor on PATH"))
		Expect(errOut).To(ContainSubstring("go install github.com/dingtalk-mock/mockdingtalk/cmd/mockdingtalk-conform@"))
	})
})
