// What `mockdingtalk -h` prints: every part the binary serves and where, the
// built-in robot, where settings come from (flags, variables, the config
// file, and the keys only the file has), then each flag with its type.

package main

import (
	"flag"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
)

// optionKind is how a flag is typed on the command line, from its default:
// "switch" (a boolean that may stand alone), "int", "duration" or "string".
func optionKind(o option) string {
	if o.def == "false" || o.def == "true" {
		return "switch"
	}
	if _, err := strconv.Atoi(o.def); err == nil {
		return "int"
	}
	if _, err := time.ParseDuration(o.def); err == nil {
		return "duration"
	}
	return "string"
}

// flagParseError is the flag package's error for a value its type refuses.
var flagParseError = regexp.MustCompile(`^invalid value "(.*)" for flag -([\w-]+): `)

// flagError words a typed flag's refusal as the environment and the config
// file word it ("flag -journal-cap: "lots" is not a whole number").
func flagError(err error) error {
	m := flagParseError.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	value, err2 := strconv.Unquote(`"` + m[1] + `"`)
	if err2 != nil {
		value = m[1]
	}
	i := slices.IndexFunc(options, func(o option) bool { return o.flag == m[2] })
	if i < 0 {
		return err
	}
	if aerr := options[i].apply(&settings{}, value); aerr != nil {
		return fmt.Errorf("flag -%s: %w", m[2], aerr)
	}
	return fmt.Errorf("flag -%s: %q is out of range", m[2], value)
}

// fileOnlyAbout says what each config-file-only key holds.
var fileOnlyAbout = map[string]string{
	"robots":            "robots (name, accessToken, secret, keywords, ipAllowlist, rateLimitPerMinute, disabled)",
	"accounts":          "accounts (SNS logins)",
	"apps":              "apps (app robots: appKey, appSecret, robotCode, name, callbackURL)",
	"groups":            "groups (openConversationId, title, members: staffId, name, mobile; robotCodes)",
	"clock":             "clock (frozenAt, offset)",
	"trustForwardedFor": "trustForwardedFor (IP allowlist reads X-Forwarded-For)",
}

// fileOnlyKeys describes the config file's top-level keys that have no flag.
func fileOnlyKeys() []string {
	var out []string
	for _, k := range strings.Split(knownKeys["fileConfig"], ", ") {
		if slices.ContainsFunc(options, func(o option) bool { return o.key == k }) {
			continue
		}
		if about, ok := fileOnlyAbout[k]; ok {
			k = about
		}
		out = append(out, "  "+k)
	}
	slices.Sort(out)
	return out
}

// printServeUsage writes the usage of `mockdingtalk [serve]`.
func printServeUsage(w io.Writer, fs *flag.FlagSet) {
	fmt.Fprintf(w, `Usage: mockdingtalk [serve] [flags]

An offline stand-in for DingTalk's group-robot webhook and ZStack's SNS DingTalk API.
It serves on one listener, http://%[1]s unless -listen says otherwise:

  /robot/send   the fake robot webhook: POST as to https://oapi.dingtalk.com/robot/send;
                DingTalk's checks and errcode/errmsg answers, plus an X-Mock-Hint header
  /             the inbox: each message as a DingTalk group chat shows it, live
  /v1.0/, /gettoken
                the app robot API (api.dingtalk.com): access tokens, group and one-to-one
                robot messages, with DingTalk's HTTP statuses and {code, requestid, message}
  %[2]s/       the admin API: robots, apps, groups, the request journal, faults, the clock, reset
  /zstack/v1/   ZStack's SNS DingTalk API (log in as admin / password)

With no robots configured it has one built-in robot, the same on every start:
  access token  %[3]s
  secret        %[4]s
and prints a signed curl for it at start-up.

Each flag can also be set with the environment variable shown, or with the config
file key shown (-config FILE); a flag wins over a variable, a variable over the file.
Only the config file (examples/mockdingtalk.yaml, docs/configuration.md) has:
%[5]s

`+"`mockdingtalk help`"+` lists the other commands.

Flags:
`, DefaultListen, mockdingtalk.AdminPrefix, DefaultAccessToken, DefaultSecret, strings.Join(fileOnlyKeys(), "\n"))
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// errHelp is returned for -h: usage was printed, nothing else to do.
var errHelp = flag.ErrHelp
