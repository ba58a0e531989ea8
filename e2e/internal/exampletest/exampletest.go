// Package exampletest runs the client projects under examples/ (Node,
// Python, shell) against a running mockdingtalk, each with its own test
// command, as a user of that language would run it. The specs in
// e2e/examples run them against the binary, e2e/container against the
// image.
package exampletest

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// An Example is one folder under examples/ and how to test it.
type Example struct {
	// Dir is the folder under examples/.
	Dir string
	// Tools are the programs it needs on PATH.
	Tools []string
	// Setup runs once before Test (e.g. npm ci); nil when there is none.
	Setup []string
	// Test is the example's own test command, run in Dir with
	// MOCKDINGTALK_URL set to the fake.
	Test []string
}

// All are the examples, as their READMEs tell users to run them.
var All = []Example{
	{Dir: "node", Tools: []string{"node", "npm"}, Setup: []string{"npm", "ci", "--no-audit", "--no-fund"}, Test: []string{"npm", "test"}},
	{Dir: "node-approbot", Tools: []string{"node", "npm"}, Setup: []string{"npm", "ci", "--no-audit", "--no-fund"}, Test: []string{"npm", "test"}},
	{Dir: "node-chatbot-express", Tools: []string{"node", "npm"}, Setup: []string{"npm", "ci", "--no-audit", "--no-fund"}, Test: []string{"npm", "test"}},
	{Dir: "python", Tools: []string{"python3"}, Test: []string{"python3", "-m", "unittest", "-v"}},
	{Dir: "shell", Tools: []string{"bash", "curl", "openssl"}, Test: []string{"./test.sh"}},
}

// Named is the example in examples/dir.
func Named(dir string) (Example, bool) {
	for _, e := range All {
		if e.Dir == dir {
			return e, true
		}
	}
	return Example{}, false
}

// Missing names the first tool the example needs that is not on PATH,
// or is empty when all are there.
func (e Example) Missing() string {
	for _, t := range e.Tools {
		if _, err := exec.LookPath(t); err != nil {
			return t
		}
	}
	return ""
}

// Run runs the example's setup and test commands in root/examples/Dir
// against the fake at baseURL, with env (NAME=value) added to the
// environment, writing their output to out; it fails with the command and
// its exit status. Each command gets at most timeout.
func (e Example) Run(root, baseURL string, timeout time.Duration, out io.Writer, env ...string) error {
	dir := filepath.Join(root, "examples", e.Dir)
	for _, argv := range [][]string{e.Setup, e.Test} {
		if argv == nil {
			continue
		}
		ctx, cancel := context.WithTimeout(context.Background(), timeout)
		cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
		cmd.Dir = dir
		cmd.Env = append(append(os.Environ(), "MOCKDINGTALK_URL="+baseURL), env...)
		cmd.Stdout, cmd.Stderr = out, out
		cmd.WaitDelay = 5 * time.Second
		fmt.Fprintf(out, "examples/%s$ MOCKDINGTALK_URL=%s %s\n", e.Dir, baseURL, strings.Join(argv, " "))
		err := cmd.Run()
		cancel()
		if err != nil {
			return fmt.Errorf("examples/%s: %s: %w", e.Dir, strings.Join(argv, " "), err)
		}
	}
	return nil
}

// Root is the repository's top folder: the nearest parent of the working
// directory (a spec's package folder) that holds go.mod.
func Root() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("no go.mod above the working directory")
		}
		dir = parent
	}
}
