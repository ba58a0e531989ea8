// The binary's subcommands: `mockdingtalk` alone (or with flags) serves;
// `mockdingtalk version` prints what was built; `mockdingtalk health` checks a
// running instance, for container healthchecks where there is no curl;
// `mockdingtalk conform` checks an SNS DingTalk API against the contract. To
// add one, add a line to commands.

package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
)

// A command is one subcommand of the binary. run gets the arguments after
// the command's name.
type command struct {
	name, args, summary string
	run                 func(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) error
}

// commands are the subcommands, in the order usage lists them.
var commands = []command{
	{"serve", "[flags]", "run the fake robot, the SNS API and the inbox (the default: `mockdingtalk -listen …` is `mockdingtalk serve -listen …`)", run},
	{"health", "[-url URL] [-timeout 5s]", "check a running instance's /_mock/health; exit 0 when it answers ok, 1 otherwise", runHealth},
	{"version", "", "print the module version, VCS revision and Go version it was built with (also: -version)", runVersion},
	{"conform", "[-target URL] [flags]", "check an SNS DingTalk API implementation against the contract's rules (docs/conformance.md); exit 1 when a must rule breaks, 2 on bad usage. Runs the program mockdingtalk-conform, next to this one or on PATH", runConform},
}

// exitCode is an error that sets the process's exit code; err, when not
// nil, is printed first (a command that reported already leaves it nil).
type exitCode struct {
	code int
	err  error
}

func (e *exitCode) Error() string {
	if e.err == nil {
		return fmt.Sprintf("exit status %d", e.code)
	}
	return e.err.Error()
}

// dispatch runs the command args name and returns the process's exit code:
// 0 on success (and for -h), the code an exitCode error carries, 1 on any
// other error, which goes to stderr.
func dispatch(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) int {
	name, rest := "serve", args
	switch {
	case len(args) == 0:
	case args[0] == "-version" || args[0] == "--version":
		name, rest = "version", args[1:]
	case args[0] == "help":
		printUsage(stdout)
		return 0
	case !strings.HasPrefix(args[0], "-"):
		name, rest = args[0], args[1:]
	}
	for _, c := range commands {
		if c.name != name {
			continue
		}
		err := c.run(ctx, rest, lookupEnv, stdout, stderr)
		if err == nil || errors.Is(err, errHelp) {
			return 0
		}
		var ec *exitCode
		if errors.As(err, &ec) {
			if ec.err != nil {
				fmt.Fprintf(stderr, "mockdingtalk %s: %v\n", name, ec.err)
			}
			return ec.code
		}
		prefix := "mockdingtalk " + name
		if name == "serve" {
			prefix = "mockdingtalk" // as before commands existed
		}
		fmt.Fprintf(stderr, "%s: %v\n", prefix, err)
		return 1
	}
	fmt.Fprintf(stderr, "mockdingtalk: unknown command %q\n\n", name)
	printUsage(stderr)
	return 1
}

// printUsage lists the commands.
func printUsage(w io.Writer) {
	fmt.Fprint(w, "Usage: mockdingtalk [command] [arguments]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-8s %s\n           %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprint(w, "\n`mockdingtalk <command> -h` shows a command's flags.\n")
}
