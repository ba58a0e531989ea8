// The rule list: every rule the harness checks, with its ID, family, level
// and source, in one place. Rules() is the single source: the Ginkgo suite
// makes one spec per rule, the conform command runs them, and
// docs/conformance.md's table is rendered from it (RulesMarkdown; a spec
// fails when the page is out of date).

package conformance

import (
	"context"
	"fmt"
	"strings"
)

// Level says how binding a rule is.
type Level string

// Levels.
const (
	// Must: the documented contract (the API page, openapi.yaml, DingTalk's
	// documented checks) and ZStack's own behaviour. A failure fails the run.
	Must Level = "must"
	// Should: safer behaviour ZStack itself may lack, or behaviour that
	// rests on a DingTalk fact no public source confirms
	// (docs/dingtalk-behaviour.md). A failure is a warning unless the run
	// is strict.
	Should Level = "should"
)

// Rule families; each is also a label.
const (
	FamilySchema    = "schema"
	FamilyDelivery  = "delivery"
	FamilySigning   = "signing"
	FamilyMentions  = "mentions"
	FamilyErrors    = "errors"
	FamilySecrets   = "secrets"
	FamilyAuth      = "auth"
	FamilyEndpoints = "endpoints"
	FamilyAsync     = "async"
	FamilyNegative  = "negative"
)

// LabelSlow marks rules that wait for the target's own webhook timeout or
// session expiry.
const LabelSlow = "slow"

// Sources the rules cite: ZStack's code (ZSvirt's premium/sns, the public copy
// of ZStack's SNS module) and DingTalk's documented and observed behaviour,
// each described with its public source in docs/zstack-behaviour.md and
// docs/dingtalk-behaviour.md.
const (
	SrcAPIPage      = "the SNSDingTalkTestConnection API page"
	SrcOpenAPI      = "openapi.yaml"
	SrcZStackSend   = "ZStack SNSDingTalkEndpoint.handle(APISNSDingTalkTestConnectionMsg): one send, errcode not an error, connected = 2xx"
	SrcZStackMsg    = "ZStack DingTalkMessage: markdown, title \"test connected\""
	SrcZStackPick   = "ZStack SNSDingTalkEndpoint.handle: a stored endpoint's url, secret and at-settings win"
	SrcZStackRetry  = "ZStack's RestTemplate Retry (times=5) retries HTTP 4xx/5xx; connection errors and timeouts are not retried"
	SrcZStackValid  = "ZStack ApiMessageParamValidator / PortApiValidator (SYS.1007, SYS.1003)"
	SrcZStackAuth   = "ZStack RestServer (400 on a missing or non-OAuth header) and SessionAPIRequestChecker (ID.1001)"
	SrcZStackLogout = "ZStack APILogOutMsg: the session is deleted"
	SrcZStackExpiry = "ZStack Session.checkSessionExpired: ID.1001 once the session timeout has passed"
	SrcZStackCRUD   = "ZStack Create/Update/Query SNSDingTalkEndpoint, Add/Update/Remove at-person APIs"
	SrcZStackQuery  = "ZStack query API: q=<field><op><value>, limit, replyWithCount"
	SrcZStackJobs   = "ZStack RestServer async API: 202 + location, GET api-jobs polls (202 running, result, 405 other methods)"
	SrcZStackError  = "ZStack MessageSafe turns exceptions into SYS.1000 whose details may carry the signed URL"
	SrcDTSign       = "DingTalk 加签: timestamp (ms) + HMAC-SHA256 sign, URL-encoded, within 1 h of DingTalk's clock"
	SrcDTAt         = "DingTalk at.isAtAll / at.atMobiles + @mobile in the text (dropping +86- is unconfirmed)"
	SrcDTCache      = "DingTalk client bug: a signature computed once fails after an hour (CatchZeng/dingtalk#2, crocodile#37)"
	SrcSafety       = "safer than ZStack: a webhook redirect is not followed (SSRF)"
)

// Rule is one rule of the contract, checked by a plain function.
type Rule struct {
	// ID names the rule, e.g. "signing.timestamp-milliseconds"; it starts
	// with the family.
	ID     string
	Family string
	Level  Level
	// Source is where the rule comes from.
	Source string
	// Text says the rule in words.
	Text string
	// Labels are extra labels (LabelSlow); the family and the level are
	// labels too (see AllLabels).
	Labels []string
	// Check returns nil when the target keeps the rule, a *SkipError when
	// it cannot be checked against this target, else what broke.
	Check func(ctx context.Context, h *Harness) error
}

// AllLabels are the rule's family, level and extra labels.
func (r Rule) AllLabels() []string {
	return append([]string{r.Family, string(r.Level)}, r.Labels...)
}

// Families lists the rule families in report order.
var Families = []string{FamilySchema, FamilyDelivery, FamilySigning, FamilyMentions, FamilyErrors,
	FamilySecrets, FamilyAuth, FamilyEndpoints, FamilyAsync, FamilyNegative, FamilyBot}

// Rules returns every rule, family by family: the semantic rules, then the
// negative cases generated from openapi.yaml.
func Rules() []Rule {
	var out []Rule
	for _, family := range [][]Rule{
		schemaRules(), deliveryRules(), signingRules(), mentionRules(), errorRules(),
		secretRules(), authRules(), endpointRules(), asyncRules(), NegativeRules(),
	} {
		out = append(out, family...)
	}
	return out
}

// RuleByID finds a rule.
func RuleByID(id string) (Rule, bool) {
	for _, r := range Rules() {
		if r.ID == id {
			return r, true
		}
	}
	return Rule{}, false
}

// RulesMarkdown renders the rule list as the Markdown table
// docs/conformance.md carries; the generated negative cases are one row per
// field.
func RulesMarkdown() string { return MarkdownTable(Rules()) }

// MarkdownTable renders rules as a Markdown table (docs/conformance.md
// carries the one of BotRules too).
func MarkdownTable(rules []Rule) string {
	var b strings.Builder
	b.WriteString("| rule | family | level | what it asks | source |\n|---|---|---|---|---|\n")
	for _, r := range rules {
		id := "`" + r.ID + "`"
		for _, l := range r.Labels {
			id += " (" + l + ")"
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s |\n", id, r.Family, r.Level, mdEscape(r.Text), mdEscape(r.Source))
	}
	return b.String()
}

func mdEscape(s string) string { return strings.ReplaceAll(s, "|", `\|`) }
