// The conform command: `mockdingtalk-conform --target URL` (which
// `mockdingtalk conform` runs) checks the conformance rules (package
// contracts/conformance, the same code the Ginkgo suite runs) against an
// implementation of the SNS DingTalk API, prints a readable report and
// writes JUnit and JSON reports on request. It exits 0 when every must rule
// holds, 1 when one breaks (with --strict, also a should rule), 2 on bad
// usage or when the target cannot be set up.

package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/contracts/conformance"
)

// Exit codes of conform.
const (
	conformOK     = 0
	conformFailed = 1
	conformUsage  = 2
)

const conformUsageText = `Usage: mockdingtalk conform [flags]

Runs the conformance rules of ZStack's SNS DingTalk API against --target,
with a fake DingTalk robot (started here) as the target's webhook. Without
--target it checks the in-repo implementation, started in-process.

With --bot-url (and --bot-secret) it runs the bot rules instead: the fake
DingTalk sends signed and forged callbacks to a bot's callback endpoint and
judges its answers; --bot alone checks the reference bot, in-process.

Every flag also reads an environment variable (in brackets), the ones the
Ginkgo suite (go test ./contracts/conformance/) reads.

Flags:
`

// conformOptions are conform's flags: the harness's Config and how to
// report.
type conformOptions struct {
	cfg                         conformance.Config
	junit, json                 string
	verbose, list, listMarkdown bool
	// bot runs the bot rules (set by --bot, implied by --bot-url).
	bot bool
}

// conform runs the subcommand and returns the process's exit code; it
// reports every error itself.
func conform(ctx context.Context, args []string, lookupEnv func(string) (string, bool), stdout, stderr io.Writer) int {
	o, code := parseConform(args, lookupEnv, stderr)
	if code >= 0 {
		return code
	}
	all := conformance.Rules()
	if o.bot {
		all = conformance.BotRules()
	}
	rules, err := conformance.SelectFrom(all, o.cfg.LabelFilter)
	if err == nil {
		err = o.cfg.Validate()
	}
	if err != nil {
		fmt.Fprintln(stderr, "mockdingtalk conform:", err)
		return conformUsage
	}
	switch {
	case o.listMarkdown:
		fmt.Fprint(stdout, conformance.MarkdownTable(all))
		return conformOK
	case o.list:
		for _, r := range rules {
			fmt.Fprintf(stdout, "%-6s  %-9s  %s — %s\n          source: %s\n", r.Level, r.Family, r.ID, r.Text, r.Source)
		}
		return conformOK
	}
	if len(rules) == 0 {
		fmt.Fprintf(stderr, "mockdingtalk conform: the label filter %q picks no rule (see --list)\n", o.cfg.LabelFilter)
		return conformUsage
	}
	return runRules(ctx, o, rules, stdout, stderr)
}

// parseConform reads conform's flags over the environment's settings. Its
// code is -1 to go on, else the exit code (help, or bad usage reported).
func parseConform(args []string, lookupEnv func(string) (string, bool), stderr io.Writer) (conformOptions, int) {
	var o conformOptions
	cfg, err := conformance.ConfigFromLookup(lookupEnv)
	if err != nil {
		fmt.Fprintln(stderr, "mockdingtalk conform:", err)
		return o, conformUsage
	}
	fs := flag.NewFlagSet("conform", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, conformUsageText)
		fs.PrintDefaults()
	}
	env := func(name, text string) string { return text + " [" + name + "]" }
	fs.StringVar(&cfg.TargetURL, "target", cfg.TargetURL, env(conformance.EnvTargetURL, "the target's base URL, the part before /zstack/v1 (e.g. http://10.0.0.5:8080); empty: the in-repo implementation, in-process"))
	fs.StringVar(&cfg.Account, "account", cfg.Account, env(conformance.EnvAccount, "account to log in with (default admin)"))
	fs.StringVar(&cfg.Password, "password", cfg.Password, env(conformance.EnvPassword, "its plain password; the SHA-512 hex is sent, as ZStack expects (default password)"))
	fs.StringVar(&cfg.Session, "session", cfg.Session, env(conformance.EnvSession, "an existing session uuid instead of logging in"))
	fs.StringVar(&cfg.MockListen, "mock-listen", cfg.MockListen, env(conformance.EnvMockListen, "where the fake robot listens (default 127.0.0.1:0)"))
	fs.StringVar(&cfg.MockPublicURL, "mock-public-url", cfg.MockPublicURL, env(conformance.EnvMockPublicURL, "the fake robot's base URL as the target reaches it (e.g. http://192.168.1.20:8091)"))
	fs.StringVar(&cfg.LabelFilter, "label-filter", cfg.LabelFilter, env(conformance.EnvLabelFilter, "rules to run, in Ginkgo's label syntax: families, levels, slow (e.g. 'signing || auth', 'must && !slow')"))
	fs.DurationVar(&cfg.CallTimeout, "call-timeout", cfg.CallTimeout, env(conformance.EnvCallTimeout, "bound on each call, job polling included (default 60s)"))
	fs.DurationVar(&cfg.SessionTTL, "session-ttl", cfg.SessionTTL, env(conformance.EnvSessionTTL, "the target's session timeout; auth.expired-session waits that long (skipped when unset)"))
	fs.BoolVar(&cfg.Strict, "strict", cfg.Strict, env(conformance.EnvStrict, "a should rule that breaks fails the run (it is a warning otherwise)"))
	fs.StringVar(&cfg.BotURL, "bot-url", cfg.BotURL, env(conformance.EnvBotURL, "check this bot callback endpoint (an app robot in HTTP mode) with the bot rules, instead of an SNS API"))
	fs.StringVar(&cfg.BotSecret, "bot-secret", cfg.BotSecret, env(conformance.EnvBotSecret, "the app secret the bot verifies callbacks with"))
	fs.DurationVar(&cfg.BotCallbackTimeout, "callback-timeout", cfg.BotCallbackTimeout, env(conformance.EnvBotCallbackTimeout, "how long the bot may take to answer a callback (default 10s)"))
	fs.BoolVar(&o.bot, "bot", false, "run the bot rules (implied by --bot-url); alone, against the reference bot in-process")
	fs.StringVar(&o.junit, "junit", "", "write a JUnit XML report to this file")
	fs.StringVar(&o.json, "json", "", "write a JSON report to this file")
	fs.BoolVar(&o.verbose, "v", false, "show the evidence of passing rules too")
	fs.BoolVar(&o.list, "list", false, "list the rules (ID, family, level, source) and exit")
	fs.BoolVar(&o.listMarkdown, "list-markdown", false, "print the rule table of docs/conformance.md and exit")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return o, conformOK
		}
		return o, conformUsage
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "mockdingtalk conform: unexpected argument %q (flags only; see -h)\n", fs.Arg(0))
		return o, conformUsage
	}
	cfg.TargetURL = strings.TrimRight(cfg.TargetURL, "/")
	cfg.MockPublicURL = strings.TrimRight(cfg.MockPublicURL, "/")
	o.cfg = cfg
	o.bot = o.bot || cfg.BotURL != ""
	return o, -1
}

// runRules starts the harness, checks each rule against the target,
// prints the report and writes the files asked for; it returns the exit
// code.
func runRules(ctx context.Context, o conformOptions, rules []conformance.Rule, stdout, stderr io.Writer) int {
	cfg := o.cfg
	newHarness, target, fakeRole := conformance.New, cfg.TargetURL, "fake robot (the target's webhook)"
	if o.bot {
		newHarness, target, fakeRole = conformance.NewBot, "bot "+cfg.BotURL, "fake DingTalk (the bot's sessionWebhook)"
	}
	h, err := newHarness(ctx, cfg)
	if err != nil {
		fmt.Fprintln(stderr, "mockdingtalk conform:", err)
		return conformUsage
	}
	defer h.Close()
	switch {
	case o.bot && cfg.BotURL == "":
		target = "bot " + h.Target() + " (the reference bot, in-process)"
	case target == "":
		target = h.Target() + " (the in-repo implementation, in-process)"
	}
	fmt.Fprintf(stdout, "conformance of %s\n%s at %s; %d rules\n\n", target, fakeRole, h.FakeURL(), len(rules))
	start := time.Now()
	report := conformance.Report{Target: target, FakeURL: h.FakeURL(), Strict: cfg.Strict, Bot: o.bot}
	for _, r := range rules {
		if ctx.Err() != nil {
			fmt.Fprintln(stderr, "mockdingtalk conform: interrupted")
			break
		}
		res := h.Check(ctx, r)
		report.Results = append(report.Results, res)
		conformance.WriteLine(stdout, res, o.verbose)
	}
	conformance.WriteSummary(stdout, report.Results, cfg.Strict)
	fmt.Fprintf(stdout, "took %s\n", time.Since(start).Round(time.Millisecond))
	for _, out := range []struct {
		path  string
		write func(io.Writer) error
	}{{o.junit, report.WriteJUnit}, {o.json, report.WriteJSON}} {
		if out.path == "" {
			continue
		}
		if err := writeFile(out.path, out.write); err != nil {
			fmt.Fprintln(stderr, "mockdingtalk conform:", err)
			return conformUsage
		}
	}
	switch {
	case ctx.Err() != nil:
		return conformUsage
	case report.Failed():
		return conformFailed
	}
	return conformOK
}

// writeFile writes a report through write, atomically enough for CI: to a
// temporary file renamed over path.
func writeFile(path string, write func(io.Writer) error) error {
	tmp := path + ".tmp" + strconv.Itoa(os.Getpid())
	f, err := os.Create(tmp)
	if err != nil {
		return fmt.Errorf("write the report: %w", err)
	}
	if err := write(f); err != nil {
		f.Close()
		os.Remove(tmp)
		return fmt.Errorf("write the report %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write the report %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}
