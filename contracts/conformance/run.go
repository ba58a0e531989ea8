// Running rules: Check runs one rule and returns its Result (pass, fail,
// warn or skip, with the evidence); Selected picks rules with a label
// filter. The Ginkgo suite and the conform command both go through Check.

package conformance

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/onsi/ginkgo/v2/types"

	"github.com/dingtalk-mock/mockdingtalk/contracts"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// Outcome is how a rule ended.
type Outcome string

// Outcomes. A should rule that fails is a warning unless the run is
// strict.
const (
	Pass Outcome = "pass"
	Fail Outcome = "fail"
	Warn Outcome = "warn"
	Skip Outcome = "skip"
)

// Result is one rule's outcome against the target.
type Result struct {
	Rule    Rule
	Outcome Outcome
	// Message says what broke (or why the rule was skipped); "" on a pass.
	Message string
	// Evidence lists, in order, what the harness sent (→), what the target
	// answered (←) and what the fake robot received (⇢).
	Evidence []string
	Duration time.Duration
}

// Err is the result as an error naming the rule, nil unless it failed or
// warned.
func (r Result) Err() error {
	if r.Outcome != Fail && r.Outcome != Warn {
		return nil
	}
	return errors.New(r.Message)
}

// SkipError is returned by a rule that cannot be checked against this
// target (for example the async job rule against a synchronous target).
type SkipError struct{ Reason string }

func (e *SkipError) Error() string { return "skipped: " + e.Reason }

// skipf skips the running rule.
func skipf(format string, args ...any) error {
	return &SkipError{Reason: fmt.Sprintf(format, args...)}
}

// RuleSchema is the rule every answer is held to, whatever the rule
// running: a mismatch with openapi.yaml fails the running rule with a
// message naming this one.
const RuleSchema = "schema.response-conforms"

// maxEvidence bounds the evidence lines kept per rule.
const maxEvidence = 60

// evidence collects what one rule did.
type evidence struct {
	mu     sync.Mutex
	lines  []string
	tokens []string
	extra  int
}

func (e *evidence) add(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.lines) >= maxEvidence {
		e.extra++
		return
	}
	e.lines = append(e.lines, fmt.Sprintf(format, args...))
}

func (e *evidence) sent(method, target string, body []byte, auth string) {
	shown := target
	if base, query, ok := strings.Cut(target, "?"); ok {
		shown = base + "?" + redactQuery(query)
	}
	line := fmt.Sprintf("→ %s %s", method, shown)
	if auth == "" {
		line += " (no Authorization)"
	} else if !strings.HasPrefix(auth, "OAuth ") {
		line += " (Authorization: " + auth + ")"
	}
	if len(body) > 0 {
		line += " " + snippet(body)
	}
	e.add("%s", line)
}

func (e *evidence) robot(token string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tokens = append(e.tokens, token)
}

func (e *evidence) replay(lines []string, tokens []string) {
	for _, l := range lines {
		e.add("%s", l)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	e.tokens = append(e.tokens, tokens...)
}

func (e *evidence) snapshot() ([]string, []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.lines), slices.Clone(e.tokens)
}

// scenario is an exchange several rules look at (a webhook that hangs is
// waited for once, not once per rule), with the evidence it made.
type scenario struct {
	x      *exchange
	err    error
	lines  []string
	tokens []string
}

// shared runs make once per harness under key and gives every caller the
// same exchange; the evidence of the first run is replayed into the rule
// running now.
func (h *Harness) shared(key string, make func() (*exchange, error)) (*exchange, error) {
	h.mu.Lock()
	sc, ok := h.scenarios[key]
	h.mu.Unlock()
	if ok {
		h.evidence().add("(the exchange %q below was made once and is shared by the rules that look at it)", key)
		h.evidence().replay(sc.lines, sc.tokens)
		return sc.x, sc.err
	}
	before, _ := h.evidence().snapshot()
	x, err := make()
	after, tokens := h.evidence().snapshot()
	sc = &scenario{x: x, err: err, lines: after[len(before):], tokens: tokens}
	h.mu.Lock()
	h.scenarios[key] = sc
	h.mu.Unlock()
	return x, err
}

// Check runs one rule against the target. A should rule that fails is a
// Warn unless the harness is strict; answers that break openapi.yaml while
// the rule runs fail it too, naming RuleSchema.
func (h *Harness) Check(ctx context.Context, r Rule) Result {
	rec, ev := &contracts.Recorder{}, &evidence{}
	h.mu.Lock()
	h.rec, h.ev = rec, ev
	h.mu.Unlock()
	start := time.Now()
	err := r.Check(ctx, h)
	res := Result{Rule: r, Duration: time.Since(start)}

	var skip *SkipError
	var msgs []string
	switch {
	case errors.As(err, &skip):
		res.Outcome, res.Message = Skip, skip.Reason
	case err != nil:
		msgs = append(msgs, fmt.Sprintf("rule %s broken (%s, %s):\n  %s", r.ID, r.Level, r.Text, indent(err.Error())))
	}
	for _, m := range rec.Errors() {
		msgs = append(msgs, fmt.Sprintf("rule %s broken (%s, %s):\n  %s", RuleSchema, Must, "every answer matches openapi.yaml", indent(m.Error())))
	}
	lines, tokens := ev.snapshot()
	for _, t := range tokens {
		for _, e := range h.fake.Entries(journal.Filter{AccessToken: t}) {
			lines = append(lines, "⇢ the fake robot received "+entrySummary(e))
		}
	}
	if ev.extra > 0 {
		lines = append(lines, fmt.Sprintf("… and %d more lines", ev.extra))
	}
	res.Evidence = lines
	if len(msgs) > 0 {
		res.Message = strings.Join(msgs, "\n")
		res.Outcome = Fail
		if r.Level == Should && len(rec.Errors()) == 0 && !h.cfg.Strict {
			res.Outcome = Warn
		}
	} else if res.Outcome == "" {
		res.Outcome = Pass
	}
	return res
}

func indent(s string) string { return strings.ReplaceAll(s, "\n", "\n  ") }

// Selected returns the rules a label filter picks (all for "").
func Selected(filter string) ([]Rule, error) { return SelectFrom(Rules(), filter) }

// SelectFrom returns the rules of all a label filter picks (all for "").
func SelectFrom(all []Rule, filter string) ([]Rule, error) {
	if filter == "" {
		return all, nil
	}
	match, err := types.ParseLabelFilter(filter)
	if err != nil {
		return nil, fmt.Errorf("conformance: label filter %q: %w", filter, err)
	}
	var out []Rule
	for _, r := range all {
		if match(r.AllLabels()) {
			out = append(out, r)
		}
	}
	return out, nil
}

// Summary counts results by outcome.
type Summary struct {
	Pass, Fail, Warn, Skip int
}

// Summarize counts results.
func Summarize(results []Result) Summary {
	var s Summary
	for _, r := range results {
		switch r.Outcome {
		case Pass:
			s.Pass++
		case Fail:
			s.Fail++
		case Warn:
			s.Warn++
		case Skip:
			s.Skip++
		}
	}
	return s
}
