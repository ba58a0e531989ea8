// Package cmdmain is the body of the repository's programs' main functions:
// run a command with the process's arguments, environment and standard
// streams under a context that ends on SIGINT or SIGTERM, and exit with its
// code.
package cmdmain

import (
	"context"
	"io"
	"os"
	"os/signal"
	"syscall"
)

// Command is a program's command: it gets the arguments after the
// program's name and returns the process's exit code.
type Command func(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) int

// Run runs cmd and exits with its code.
func Run(cmd Command) {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cmd(ctx, os.Args[1:], os.LookupEnv, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
