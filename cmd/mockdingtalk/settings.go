// Settings of the binary: command-line flags, their MOCKDINGTALK_* environment
// variables and the YAML config file, merged in that order of precedence
// (flag, then environment, then file, then default), with every error naming
// where the bad value came from (a flag, a variable, or a file line).

package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/approbot"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/guard"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
	"github.com/dingtalk-mock/mockdingtalk/sns"
	"github.com/dingtalk-mock/mockdingtalk/sns/webhook"
)

// Defaults of the binary.
const (
	// DefaultListen is where the binary listens without -listen: loopback
	// only, a fixed port.
	DefaultListen = "127.0.0.1:8090"
	// DefaultAccessToken is the access token of the robot the binary creates
	// when no robot is configured. It is public and fixed, so scripts and
	// docs can use it.
	DefaultAccessToken = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	// DefaultSecret is that robot's signing secret ("SEC" + 64 hex, the
	// shape of DingTalk's). Public and fixed, like the token.
	DefaultSecret = "SECfedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210"
	// DefaultRobotName is that robot's name.
	DefaultRobotName = "default"
	// DefaultShutdownTimeout bounds how long a shutdown waits for requests
	// in flight before closing their connections.
	DefaultShutdownTimeout = 10 * time.Second
	// envPrefix starts the environment variable of each flag:
	// -rate-limit-code is MOCKDINGTALK_RATE_LIMIT_CODE.
	envPrefix = "MOCKDINGTALK_"
	// maxConfigBytes bounds the config file.
	maxConfigBytes = 4 << 20
)

// settings is everything the binary runs with, after merging.
type settings struct {
	Listen          string
	ConfigPath      string
	Dialect         dingtalk.Dialect
	JournalCap      int
	JournalMaxBytes int64
	LogLevel        slog.Level
	PublicURL       string
	ShutdownTimeout time.Duration
	// AllowRemote permits a listen address beyond loopback.
	AllowRemote bool
	// AdminToken, when set, guards the admin API and the inbox.
	AdminToken string
	// AllowedHosts are extra Host names the admin API and the inbox answer
	// under (see mockdingtalk.Config.AllowedHosts).
	AllowedHosts []string
	// CallbackTimeout and AppRateLimit are the app robot API's settings
	// (mockdingtalk.Config's fields of the same names).
	CallbackTimeout time.Duration
	AppRateLimit    int
	// SNS is the configuration of ZStack's SNS API on the same listener
	// (its Logger and PublicURL are filled in by run).
	SNS sns.Config
	// SNSInProcess delivers SNS sends to this binary's own robot without
	// TCP (webhook.Local; run sets it up).
	SNSInProcess bool

	// From the config file only.
	TrustForwardedFor bool
	FreezeAt          time.Time
	ClockOffset       time.Duration
	Robots            []mockdingtalk.Robot
	Apps              []approbot.App
	Groups            []approbot.Group
	// DefaultRobot is true when no robot was configured and the binary
	// created the documented default one.
	DefaultRobot bool

	file *configFile // the config file read, for line numbers; nil if none
	// sources says where each setting not left at its default came from
	// ("flag -app-rate-limit"), by config key, for New's errors.
	sources map[string]string
}

// option is one setting that has a flag, an environment variable and
// (when key is set) a config-file key.
type option struct {
	flag, key, usage, def string
	apply                 func(s *settings, v string) error
}

var options = []option{
	{"listen", "listen", "address to listen on, host:port (port 0 picks a free one)", DefaultListen,
		func(s *settings, v string) error { s.Listen = v; return nil }},
	{"config", "", "YAML config file of robots and settings", "",
		func(s *settings, v string) error { s.ConfigPath = v; return nil }},
	{"era", "era", "wording era of errmsg texts: description, cn or legacy", string(dingtalk.EraDescription),
		func(s *settings, v string) error {
			e, err := dingtalk.ParseEra(v)
			s.Dialect.Era = e
			return dialectErr(err)
		}},
	{"rate-limit-code", "rateLimitCode", "errcode for a throttled robot: 130101, 410100 or 660026", strconv.Itoa(dingtalk.CodeTooFastLegacy),
		func(s *settings, v string) error {
			if err := setInt(&s.Dialect.RateLimitCode, v); err != nil {
				return err
			}
			return dialectErr(dingtalk.Dialect{RateLimitCode: s.Dialect.RateLimitCode}.Validate())
		}},
	{"unknown-token-code", "unknownTokenCode", "errcode for an unknown access_token: 300005 or 300001 (0: 300005, or 300001 in the legacy era)", "0",
		func(s *settings, v string) error {
			if err := setInt(&s.Dialect.UnknownTokenCode, v); err != nil {
				return err
			}
			return dialectErr(dingtalk.Dialect{UnknownTokenCode: s.Dialect.UnknownTokenCode}.Validate())
		}},
	{"journal-cap", "journalCap", "how many requests the journal keeps (oldest dropped first)", "10000",
		func(s *settings, v string) error {
			if err := setInt(&s.JournalCap, v); err != nil {
				return err
			}
			if s.JournalCap < 1 {
				return fmt.Errorf("must be at least 1 (got %d)", s.JournalCap)
			}
			return nil
		}},
	{"journal-max-bytes", "journalMaxBytes", "how many bytes of requests the journal keeps (oldest dropped first); bounds its memory whatever senders send", strconv.Itoa(journal.DefaultMaxBytes),
		func(s *settings, v string) error {
			n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
			if err != nil {
				return fmt.Errorf("%q is not a whole number of bytes", v)
			}
			if n < 1<<20 {
				return fmt.Errorf("must be at least 1048576 (1 MiB; got %d)", n)
			}
			s.JournalMaxBytes = n
			return nil
		}},
	{"log-level", "logLevel", "log level: debug, info, warn or error", "info",
		func(s *settings, v string) error {
			if err := s.LogLevel.UnmarshalText([]byte(v)); err != nil {
				return fmt.Errorf("%q is not a log level (want debug, info, warn or error)", v)
			}
			return nil
		}},
	{"public-url", "publicURL", "base URL clients reach the server at, used in printed and returned webhook URLs (default: http://<listen address>)", "",
		func(s *settings, v string) error { s.PublicURL = strings.TrimRight(v, "/"); return nil }},
	{"sns-async", "snsAsync", "answer SNS test-connection as ZStack does: 202 with a location to poll at /zstack/v1/api-jobs/{id}", "false",
		func(s *settings, v string) error { return setBool(&s.SNS.Async, v) }},
	{"data-dir", "dataDir", "directory where the SNS API keeps its endpoints across restarts (empty: in memory)", "",
		func(s *settings, v string) error { s.SNS.DataDir = v; return nil }},
	{"sns-session-ttl", "snsSessionTTL", "how long an SNS login session lives", sns.DefaultSessionTTL.String(),
		func(s *settings, v string) error { return setDuration(&s.SNS.SessionTTL, v) }},
	{"sns-webhook-timeout", "snsWebhookTimeout", "per-attempt timeout of the SNS API's webhook calls", webhook.DefaultTimeout.String(),
		func(s *settings, v string) error { return setDuration(&s.SNS.Outbound.Timeout, v) }},
	{"sns-webhook-retries", "snsWebhookRetries", "how many more attempts follow a failed webhook call (transport errors and 5xx only)", "0",
		func(s *settings, v string) error {
			if err := setInt(&s.SNS.Outbound.Retries, v); err != nil {
				return err
			}
			if s.SNS.Outbound.Retries < 0 || s.SNS.Outbound.Retries > 10 {
				return fmt.Errorf("must be between 0 and 10 (got %d)", s.SNS.Outbound.Retries)
			}
			return nil
		}},
	{"sns-webhook-allow", "snsWebhookAllow", "comma-separated hosts (*.example.com), IPs and CIDRs the SNS API may send to (empty: any)", "",
		func(s *settings, v string) error { s.SNS.Outbound.AllowHosts = splitList(v); return nil }},
	{"sns-webhook-deny", "snsWebhookDeny", "comma-separated hosts, IPs and CIDRs the SNS API must never send to", "",
		func(s *settings, v string) error { s.SNS.Outbound.DenyHosts = splitList(v); return nil }},
	{"allow-remote", "allowRemote", "allow a -listen address beyond loopback (e.g. 0.0.0.0:8090); without it one is refused, since anyone who reaches the port can use the admin API and make the SNS API send HTTP requests. Set -admin-token too", "false",
		func(s *settings, v string) error { return setBool(&s.AllowRemote, v) }},
	{"admin-token", "adminToken", "token the admin API and the inbox require (Authorization: Bearer, X-Mock-Admin-Token, or a browser's Basic password); prefer the environment variable, which ps does not show (empty: none)", "",
		func(s *settings, v string) error { s.AdminToken = strings.TrimSpace(v); return nil }},
	{"allowed-hosts", "allowedHosts", "comma-separated Host names (name, *.suffix, or * for any) the admin API and the inbox also answer under, besides IP addresses, localhost, names without a dot and -public-url's host; others get 403 (DNS rebinding)", "",
		func(s *settings, v string) error {
			s.AllowedHosts = splitList(v)
			_, err := guard.New(s.AllowedHosts...)
			return err
		}},
	{"sns-webhook-deny-private", "snsWebhookDenyPrivate", "refuse SNS webhook URLs that reach loopback, private, link-local or unique-local addresses (through names and redirects too)", "false",
		func(s *settings, v string) error { return setBool(&s.SNS.Outbound.DenyPrivate, v) }},
	{"callback-timeout", "callbackTimeout", "how long the fake waits for a bot's answer to a callback (app robots' conversations) before it records no answer", approbot.DefaultCallbackTimeout.String(),
		func(s *settings, v string) error {
			return setDuration(&s.CallbackTimeout, v) // mockdingtalk.New checks the bound
		}},
	{"app-rate-limit", "appRateLimit", "calls per second each app may make to each robot message API before DingTalk's 403 QpsLimitForAppkeyAndApi (0: no limit)", strconv.Itoa(approbot.DefaultRateLimit),
		func(s *settings, v string) error {
			return setInt(&s.AppRateLimit, v) // mockdingtalk.New checks the range
		}},
	{"sns-webhook-in-process", "snsWebhookInProcess", "deliver the SNS API's sends to this binary's own robot (a webhook URL naming its listener's IP and port, and /robot/send) in-process instead of over loopback TCP; the robot records the same request, from port 0", "true",
		func(s *settings, v string) error { return setBool(&s.SNSInProcess, v) }},
	{"shutdown-timeout", "shutdownTimeout", "how long a shutdown waits for requests in flight", DefaultShutdownTimeout.String(),
		func(s *settings, v string) error { return setDuration(&s.ShutdownTimeout, v) }},
}

// dialectErr drops package dingtalk's prefix: the source already says where.
func dialectErr(err error) error {
	if err == nil {
		return nil
	}
	return errors.New(strings.TrimPrefix(err.Error(), "dingtalk: "))
}

func setBool(dst *bool, v string) error {
	b, err := strconv.ParseBool(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("%q is not true or false", v)
	}
	*dst = b
	return nil
}

func setDuration(dst *time.Duration, v string) error {
	d, err := time.ParseDuration(strings.TrimSpace(v))
	if err != nil || d <= 0 {
		return fmt.Errorf("%q is not a positive Go duration like 10s", v)
	}
	*dst = d
	return nil
}

// splitList splits a comma-separated list, dropping empty items.
func splitList(v string) []string {
	var out []string
	for _, item := range strings.Split(v, ",") {
		if item = strings.TrimSpace(item); item != "" {
			out = append(out, item)
		}
	}
	return out
}

func setInt(dst *int, v string) error {
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return fmt.Errorf("%q is not a whole number", v)
	}
	*dst = n
	return nil
}

// switchValue is a flag that may be given alone (-sns-async) or with a
// value (-sns-async=false); the value is checked when it is applied.
type switchValue struct{ s string }

func (v *switchValue) String() string {
	if v.s == "" {
		return "false" // the zero value, so -h prints no "(default false)"
	}
	return v.s
}
func (v *switchValue) Set(s string) error { v.s = s; return nil }
func (v *switchValue) IsBoolFlag() bool   { return true }

// envName is the environment variable of a flag.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// loadSettings merges args, the environment (through lookupEnv) and the
// config file into settings. For -h or --help it writes the usage to output
// and returns errHelp; flag errors are returned.
func loadSettings(args []string, lookupEnv func(string) (string, bool), output io.Writer) (*settings, error) {
	fs := flag.NewFlagSet("mockdingtalk", flag.ContinueOnError)
	fs.SetOutput(io.Discard) // usage goes to output only when asked for
	fs.Usage = func() {}
	values := make(map[string]func() string, len(options))
	for _, o := range options {
		usage := o.usage + " [$" + envName(o.flag)
		if o.key != "" {
			usage += "; config: " + o.key
		}
		usage += "]"
		switch kind := optionKind(o); kind {
		case "switch": // -sns-async alone means true
			v := &switchValue{s: o.def}
			fs.Var(v, o.flag, usage)
			values[o.flag] = v.String
		case "int":
			n, _ := strconv.Atoi(o.def)
			v := fs.Int(o.flag, n, usage)
			values[o.flag] = func() string { return strconv.Itoa(*v) }
		case "duration":
			d, _ := time.ParseDuration(o.def)
			v := fs.Duration(o.flag, d, usage)
			values[o.flag] = func() string { return v.String() }
		default:
			v := fs.String(o.flag, o.def, usage)
			values[o.flag] = func() string { return *v }
		}
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printServeUsage(output, fs)
			return nil, errHelp
		}
		return nil, fmt.Errorf("%w (mockdingtalk -h lists the flags)", flagError(err))
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (all settings are flags, e.g. -listen 127.0.0.1:8090)", fs.Arg(0))
	}
	fromFlag := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { fromFlag[f.Name] = true })

	// Where each value comes from, for error messages.
	type sourced struct{ value, source string }
	chosen := map[string]sourced{}
	for _, o := range options {
		switch v, ok := lookupEnv(envName(o.flag)); {
		case fromFlag[o.flag]:
			chosen[o.flag] = sourced{values[o.flag](), "flag -" + o.flag}
		case ok:
			chosen[o.flag] = sourced{v, "$" + envName(o.flag)}
		}
	}

	s := &settings{}
	if c, ok := chosen["config"]; ok {
		s.ConfigPath = c.value
	}
	var file *configFile
	if s.ConfigPath != "" {
		var err error
		if file, err = readConfigFile(s.ConfigPath); err != nil {
			return nil, err
		}
		for _, o := range options {
			if _, done := chosen[o.flag]; done || o.key == "" {
				continue
			}
			if n, ok := file.settings[o.key]; ok {
				chosen[o.flag] = sourced{n.Value, fmt.Sprintf("%s:%d (%s)", s.ConfigPath, n.Line, o.key)}
			}
		}
	}
	s.sources = map[string]string{}
	for _, o := range options {
		c, ok := chosen[o.flag]
		if !ok {
			c = sourced{o.def, "default"}
		} else if o.key != "" {
			s.sources[o.key] = c.source
		}
		if err := o.apply(s, c.value); err != nil {
			return nil, fmt.Errorf("%s: %w", c.source, err)
		}
	}
	if file != nil {
		if err := file.apply(s); err != nil {
			return nil, err
		}
		s.file = file
	}
	if len(s.Robots) == 0 {
		s.DefaultRobot = true
		s.Robots = []mockdingtalk.Robot{{Name: DefaultRobotName, AccessToken: DefaultAccessToken, Secret: DefaultSecret}}
	}
	return s, nil
}

// fileConfig is the config file's shape; unknown keys are errors.
type fileConfig struct {
	Listen                string               `yaml:"listen"`
	PublicURL             string               `yaml:"publicURL"`
	Era                   string               `yaml:"era"`
	RateLimitCode         int                  `yaml:"rateLimitCode"`
	UnknownTokenCode      int                  `yaml:"unknownTokenCode"`
	JournalCap            int                  `yaml:"journalCap"`
	JournalMaxBytes       int64                `yaml:"journalMaxBytes"`
	LogLevel              string               `yaml:"logLevel"`
	ShutdownTimeout       string               `yaml:"shutdownTimeout"`
	SNSAsync              bool                 `yaml:"snsAsync"`
	DataDir               string               `yaml:"dataDir"`
	SNSSessionTTL         string               `yaml:"snsSessionTTL"`
	SNSWebhookTimeout     string               `yaml:"snsWebhookTimeout"`
	SNSWebhookRetries     int                  `yaml:"snsWebhookRetries"`
	SNSWebhookAllow       string               `yaml:"snsWebhookAllow"`
	SNSWebhookDeny        string               `yaml:"snsWebhookDeny"`
	SNSWebhookDenyPrivate bool                 `yaml:"snsWebhookDenyPrivate"`
	CallbackTimeout       string               `yaml:"callbackTimeout"`
	AppRateLimit          int                  `yaml:"appRateLimit"`
	SNSWebhookInProcess   bool                 `yaml:"snsWebhookInProcess"`
	AllowRemote           bool                 `yaml:"allowRemote"`
	AdminToken            string               `yaml:"adminToken"`
	AllowedHosts          string               `yaml:"allowedHosts"`
	Accounts              []fileAccount        `yaml:"accounts"`
	TrustForwardedFor     bool                 `yaml:"trustForwardedFor"`
	Clock                 *fileClock           `yaml:"clock"`
	Robots                []mockdingtalk.Robot `yaml:"robots"`
	Apps                  []approbot.App       `yaml:"apps"`
	Groups                []approbot.Group     `yaml:"groups"`
}

// fileClock starts the fake's clock somewhere other than now.
type fileClock struct {
	// FrozenAt freezes the clock at an RFC 3339 time.
	FrozenAt *time.Time `yaml:"frozenAt"`
	// Offset runs the clock this far from real time (a Go duration).
	Offset string `yaml:"offset"`
}

// fileAccount is an SNS account that may log in. Give the password in
// plain text or as its SHA-512 hex, the form ZStack clients send.
type fileAccount struct {
	Name           string `yaml:"name"`
	Password       string `yaml:"password"`
	PasswordSHA512 string `yaml:"passwordSHA512"`
}

// yamlKeys lists the YAML keys of a struct type, for error messages.
func yamlKeys(t reflect.Type) string {
	keys := make([]string, 0, t.NumField())
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	return strings.Join(keys, ", ")
}

// knownKeys lists the YAML keys of each struct a config file decodes into,
// by the name yaml's errors give the type.
var knownKeys = map[string]string{
	"fileConfig":  yamlKeys(reflect.TypeFor[fileConfig]()),
	"fileAccount": yamlKeys(reflect.TypeFor[fileAccount]()),
	"fileClock":   yamlKeys(reflect.TypeFor[fileClock]()),
	"Robot":       yamlKeys(reflect.TypeFor[mockdingtalk.Robot]()),
	"App":         yamlKeys(reflect.TypeFor[approbot.App]()),
	"Group":       yamlKeys(reflect.TypeFor[approbot.Group]()),
	"Member":      yamlKeys(reflect.TypeFor[approbot.Member]()),
}

// configFile is a parsed config file with the nodes needed for line numbers.
type configFile struct {
	path     string
	cfg      fileConfig
	root     *yaml.Node            // the top-level mapping (nil for an empty file)
	settings map[string]*yaml.Node // scalar values of the top-level settings
}

var unknownField = regexp.MustCompile(`^line (\d+): field (\S+) not found in type \w+\.(\w+)$`)

// typeQualifier is the package in yaml's names of the config's types.
var typeQualifier = regexp.MustCompile(`\b(main|mockdingtalk|approbot)\.`)

func readConfigFile(path string) (*configFile, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("config file: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxConfigBytes+1))
	if err != nil {
		return nil, fmt.Errorf("config file %s: %w", path, err)
	}
	if len(data) > maxConfigBytes {
		return nil, fmt.Errorf("config file %s: larger than %d bytes", path, maxConfigBytes)
	}
	cf := &configFile{path: path, settings: map[string]*yaml.Node{}}

	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cf.cfg); err != nil && !errors.Is(err, io.EOF) {
		return nil, cf.yamlError(err)
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		return nil, fmt.Errorf("%s:%d: more than one YAML document; put everything in one", path, extra.Line)
	}

	var doc yaml.Node
	if err := yaml.Unmarshal(data, &doc); err != nil {
		return nil, cf.yamlError(err)
	}
	if len(doc.Content) == 0 {
		return cf, nil // empty file
	}
	cf.root = doc.Content[0]
	if cf.root.Kind != yaml.MappingNode {
		return nil, fmt.Errorf("%s:%d: the config must be a mapping of settings (listen: ..., robots: [...])", path, cf.root.Line)
	}
	for i := 0; i+1 < len(cf.root.Content); i += 2 {
		k, v := cf.root.Content[i], cf.root.Content[i+1]
		if v.Kind == yaml.ScalarNode && slices.ContainsFunc(options, func(o option) bool { return o.key == k.Value }) {
			cf.settings[k.Value] = v
		}
	}
	return cf, nil
}

// yamlError rewrites yaml's errors as path:line: problem, naming the
// known keys for an unknown one.
func (cf *configFile) yamlError(err error) error {
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("%s: %s", cf.path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		if m := unknownField.FindStringSubmatch(e); m != nil {
			msgs = append(msgs, fmt.Sprintf("%s:%s: unknown key %q (known keys here: %s)", cf.path, m[1], m[2], knownKeys[m[3]]))
			continue
		}
		if line, rest, ok := strings.Cut(strings.TrimPrefix(e, "line "), ": "); ok {
			msgs = append(msgs, fmt.Sprintf("%s:%s: %s", cf.path, line, typeQualifier.ReplaceAllString(rest, "")))
			continue
		}
		msgs = append(msgs, cf.path+": "+e)
	}
	return errors.New(strings.Join(msgs, "\n"))
}

// apply copies the file-only settings (robots, clock, proxy trust) into s.
func (cf *configFile) apply(s *settings) error {
	c := cf.cfg
	s.TrustForwardedFor = c.TrustForwardedFor
	if c.Clock != nil {
		if c.Clock.FrozenAt != nil {
			s.FreezeAt = *c.Clock.FrozenAt
		}
		if c.Clock.Offset != "" {
			d, err := time.ParseDuration(c.Clock.Offset)
			if err != nil {
				return fmt.Errorf("%s:%d: clock.offset %q is not a Go duration like -90m", cf.path, cf.line("clock.offset"), c.Clock.Offset)
			}
			s.ClockOffset = d
		}
	}
	for i, a := range c.Accounts {
		hash := strings.ToLower(a.PasswordSHA512)
		switch {
		case a.Name == "":
			return fmt.Errorf("%s:%d: accounts[%d]: name is empty", cf.path, cf.line(fmt.Sprintf("accounts[%d]", i)), i)
		case (a.Password == "") == (hash == ""):
			return fmt.Errorf("%s:%d: accounts[%d]: give exactly one of password and passwordSHA512", cf.path, cf.line(fmt.Sprintf("accounts[%d]", i)), i)
		case hash == "":
			hash = sns.SHA512Hex(a.Password)
		case !sha512Hex.MatchString(hash):
			return fmt.Errorf("%s:%d: accounts[%d].passwordSHA512: want 128 hex characters", cf.path, cf.line(fmt.Sprintf("accounts[%d].passwordSHA512", i)), i)
		}
		s.SNS.Accounts = append(s.SNS.Accounts, sns.Account{Name: a.Name, PasswordSHA512: hash})
	}
	s.Robots = append(s.Robots, c.Robots...)
	s.Apps = append(s.Apps, c.Apps...)
	s.Groups = append(s.Groups, c.Groups...)
	return nil
}

var sha512Hex = regexp.MustCompile(`^[0-9a-f]{128}$`)

var fieldPart = regexp.MustCompile(`([^.\[\]]+)|\[(\d+)\]`)

// line finds the line of a setting named like mockdingtalk's
// ValidationError fields ("robots[1].keywords[3]"): the deepest node of the
// path that exists, or 0.
func (cf *configFile) line(field string) int {
	n, line := cf.root, 0
	for _, m := range fieldPart.FindAllStringSubmatch(field, -1) {
		if n == nil {
			break
		}
		line = n.Line
		switch {
		case m[1] != "" && n.Kind == yaml.MappingNode:
			var next *yaml.Node
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == m[1] {
					next = n.Content[i+1]
					line = n.Content[i].Line
				}
			}
			n = next
		case m[2] != "" && n.Kind == yaml.SequenceNode:
			i, _ := strconv.Atoi(m[2])
			if i >= len(n.Content) {
				return line
			}
			n = n.Content[i]
		default:
			return line
		}
	}
	if n != nil {
		line = n.Line
	}
	return line
}

// explain says where the setting a mockdingtalk.ValidationError is about
// came from: its flag, variable or file line, as loadSettings' own errors
// do, or the config file line of a robot, app or group.
func (s *settings) explain(err error) error {
	var ve *mockdingtalk.ValidationError
	if !errors.As(err, &ve) || ve.Field == "" {
		return err
	}
	if src, ok := s.sources[ve.Field]; ok {
		return fmt.Errorf("%s: %s", src, ve.Problem)
	}
	cf := s.file
	if cf == nil || cf.root == nil {
		return err
	}
	if s.DefaultRobot && strings.HasPrefix(ve.Field, "robots") {
		return err
	}
	if l := cf.line(ve.Field); l > 0 {
		return fmt.Errorf("%s:%d: %s: %s", cf.path, l, ve.Field, ve.Problem)
	}
	return err
}
