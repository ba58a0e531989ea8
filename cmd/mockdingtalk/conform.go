// The conform subcommand: `mockdingtalk conform …` runs the program
// mockdingtalk-conform (cmd/mockdingtalk-conform) with the same arguments,
// standard streams and environment, and exits with its code. The rules live
// in that program so that this one does not link kin-openapi and its JSON
// Schema compiler, whose package initialisation would add about 10 ms to
// every start of the server.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// ConformProgram is the program `mockdingtalk conform` runs.
const ConformProgram = "mockdingtalk-conform"

// runConform runs ConformProgram with args. It is looked for next to this
// executable first (make build, the container image and a release put both
// there), then on PATH. Its exit code becomes ours; when it cannot be found
// or started the code is 2, bad usage, as conform's own set-up failures are.
func runConform(ctx context.Context, args []string, _ func(string) (string, bool), stdout, stderr io.Writer) error {
	path, err := findConform()
	if err != nil {
		return &exitCode{code: 2, err: err}
	}
	cmd := exec.CommandContext(ctx, path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
	// On SIGINT/SIGTERM the program stops the run and writes its reports
	// itself; it is killed only if it has not finished 10 s later.
	cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
	cmd.WaitDelay = 10 * time.Second
	err = cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &exit) && exit.ExitCode() >= 0:
		return &exitCode{code: exit.ExitCode()}
	default:
		return &exitCode{code: 2, err: fmt.Errorf("run %s: %w", path, err)}
	}
}

// findConform returns the path of ConformProgram next to this executable,
// or else on PATH.
func findConform() (string, error) {
	if self, err := os.Executable(); err == nil {
		if resolved, err := filepath.EvalSymlinks(self); err == nil {
			self = resolved
		}
		sibling := filepath.Join(filepath.Dir(self), ConformProgram)
		if fi, err := os.Stat(sibling); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return sibling, nil
		}
	}
	if path, err := exec.LookPath(ConformProgram); err == nil {
		return path, nil
	}
	return "", fmt.Errorf("the conformance rules are in the program %s, which is neither next to this binary nor on PATH: "+
		"`make build` puts both in bin/, the container image has both, and "+
		"`go install github.com/dingtalk-mock/mockdingtalk/cmd/%s@<version>` installs it beside mockdingtalk", ConformProgram, ConformProgram)
}
