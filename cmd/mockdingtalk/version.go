// `mockdingtalk version`: which release and which commit this binary is,
// read from the build information the Go toolchain embeds (the module
// version for `go install …@vX.Y.Z`, the VCS revision for a build from a
// checkout), so it is right without any -ldflags.

package main

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
	"strings"
)

// runVersion prints one line: the module version, the VCS revision and
// time (with "modified" for a build from a dirty tree), the Go version and
// the platform.
func runVersion(_ context.Context, args []string, _ func(string) (string, bool), stdout, _ io.Writer) error {
	if len(args) > 0 {
		return fmt.Errorf("takes no arguments (got %q)", args[0])
	}
	info, _ := debug.ReadBuildInfo() // nil without build info: formatVersion says "unknown"
	fmt.Fprintln(stdout, formatVersion(info))
	return nil
}

// formatVersion is e.g.
//
//	mockdingtalk v1.2.0 (revision 239b9c0f1e2a, 2026-11-30T18:42:00Z) go1.26.0 linux/amd64
func formatVersion(info *debug.BuildInfo) string {
	version, goVersion := "unknown", runtime.Version()
	var details []string
	if info != nil {
		if info.Main.Version != "" {
			version = info.Main.Version
		}
		goVersion = info.GoVersion
		vcs := map[string]string{}
		for _, s := range info.Settings {
			vcs[s.Key] = s.Value
		}
		if rev := vcs["vcs.revision"]; rev != "" {
			details = append(details, "revision "+rev[:min(len(rev), 12)])
		}
		if t := vcs["vcs.time"]; t != "" {
			details = append(details, t)
		}
		if vcs["vcs.modified"] == "true" {
			details = append(details, "modified")
		}
	}
	line := "mockdingtalk " + version
	if len(details) > 0 {
		line += " (" + strings.Join(details, ", ") + ")"
	}
	return line + " " + goVersion + " " + runtime.GOOS + "/" + runtime.GOARCH
}
