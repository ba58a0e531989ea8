// The signing family: with a secret, every webhook request carries a fresh
// millisecond timestamp and a valid, once-URL-encoded HMAC-SHA256 sign, and
// no signature is ever reused across calls.

package conformance

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/dingtalk-mock/mockdingtalk/dingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk"
	"github.com/dingtalk-mock/mockdingtalk/mockdingtalk/journal"
)

// ClockCloseness is how close a timestamp should be to the fake robot's
// clock (a should rule; DingTalk itself allows an hour, which lets a
// signature cached for most of an hour pass).
const ClockCloseness = 30 * time.Second

// freshnessGap is how far apart the two calls of the freshness rule are.
const freshnessGap = 1100 * time.Millisecond

// freshnessSlack is how far the timestamps' difference may stray from the
// time that passed between the calls (scheduling, async queues).
const freshnessSlack = time.Second

func signingRules() []Rule {
	return []Rule{
		signedRule("signing.signed-when-secret", Must, "with a secret, the webhook URL carries timestamp and sign",
			func(e journal.Entry, _ Robot) error {
				q, _ := url.ParseQuery(e.RawQuery)
				if q.Get("timestamp") == "" || q.Get("sign") == "" {
					return fmt.Errorf("the webhook request was not signed (query %q); DingTalk answers 310000: %s", redactQuery(e.RawQuery), entrySummary(e))
				}
				return nil
			}),
		signedRule("signing.timestamp-milliseconds", Must, "timestamp is the current time in milliseconds (13 digits, within DingTalk's hour of the robot's clock)",
			func(e journal.Entry, _ Robot) error {
				ms, err := timestampOf(e)
				if err != nil {
					return err
				}
				if d := e.Time.Sub(time.UnixMilli(ms)).Abs(); d > dingtalk.MaxClockSkew {
					return fmt.Errorf("timestamp=%d is %s away from the robot's clock (at most %s): %s", ms, d.Round(time.Second), dingtalk.MaxClockSkew, entrySummary(e))
				}
				return nil
			}),
		{
			ID: "signing.timestamp-close", Family: FamilySigning, Level: Should, Source: SrcDTSign + " (tighter than DingTalk: a target's clock may drift)",
			Text: fmt.Sprintf("timestamp is within %s of the robot's clock when the request arrives", ClockCloseness),
			Check: signedCheck(func(e journal.Entry, _ Robot) error {
				ms, err := timestampOf(e)
				if err != nil {
					return err
				}
				if d := e.Time.Sub(time.UnixMilli(ms)); d.Abs() > ClockCloseness {
					dir := "behind"
					if d < 0 {
						dir = "ahead of"
					}
					return fmt.Errorf("timestamp=%d is %s %s the robot's clock (expected within %s: a cached signature, or a drifting clock): %s",
						ms, d.Abs().Round(time.Millisecond), dir, ClockCloseness, entrySummary(e))
				}
				return nil
			}),
		},
		signedRule("signing.sign-url-encoded-once", Must, "sign is standard base64 URL-encoded exactly once (+ / = as %2B %2F %3D)",
			func(e journal.Entry, _ Robot) error {
				raw, ok := rawParam(e.RawQuery, "sign")
				if !ok {
					return fmt.Errorf("no sign parameter: %s", entrySummary(e))
				}
				if strings.ContainsAny(raw, "+/=") {
					return fmt.Errorf("sign=%s holds raw + / or = (not URL-encoded; a + arrives as a space): %s", raw, entrySummary(e))
				}
				once, err := url.QueryUnescape(raw)
				if err != nil || !base64Sig.MatchString(once) {
					return fmt.Errorf("sign=%s is not base64 of an HMAC-SHA256 after one URL-decoding (encoded twice?): %s", raw, entrySummary(e))
				}
				return nil
			}),
		signedRule("signing.signature-valid", Must, "sign is HMAC-SHA256(secret, timestamp+\"\\n\"+secret) as DingTalk verifies it",
			func(e journal.Entry, r Robot) error {
				q, _ := url.ParseQuery(e.RawQuery)
				if err := dingtalk.Verify(r.Secret, q.Get("timestamp"), q.Get("sign"), e.Time); err != nil {
					return fmt.Errorf("the signature does not verify (%v): %s", err, entrySummary(e))
				}
				return nil
			}),
		{
			ID: "signing.fresh-across-calls", Family: FamilySigning, Level: Must, Source: SrcDTCache,
			Text:  "two calls a second or more apart (the first refused by DingTalk, the second accepted) carry different signatures whose timestamps advance with the real time between them",
			Check: checkFreshness,
		},
	}
}

// signedRule is a must rule on the one request of a successful signed
// test-connection.
func signedRule(id string, level Level, text string, check func(e journal.Entry, r Robot) error) Rule {
	return Rule{ID: id, Family: FamilySigning, Level: level, Source: SrcDTSign, Text: text, Check: signedCheck(check)}
}

// signedCheck hands the request of the successful signed path to check.
func signedCheck(check func(e journal.Entry, r Robot) error) func(context.Context, *Harness) error {
	return func(ctx context.Context, h *Harness) error {
		x, err := h.through(ctx, pathSuccess)
		if err != nil {
			return err
		}
		if len(x.entries) == 0 {
			return fmt.Errorf("the webhook received nothing: %s", x.answer.Describe())
		}
		return check(x.entries[0], x.robot)
	}
}

// timestampOf reads a request's timestamp as 13 digits of milliseconds.
func timestampOf(e journal.Entry) (int64, error) {
	q, _ := url.ParseQuery(e.RawQuery)
	ts := q.Get("timestamp")
	if !millis.MatchString(ts) {
		return 0, fmt.Errorf("timestamp=%q is not 13 digits of milliseconds (seconds would be 10): %s", ts, entrySummary(e))
	}
	ms, _ := strconv.ParseInt(ts, 10, 64)
	return ms, nil
}

// checkFreshness makes two signed calls to one robot at least freshnessGap
// apart, the first refused by DingTalk (errcode 310000), and compares what
// they carried.
func checkFreshness(ctx context.Context, h *Harness) error {
	robot, err := h.NewRobot(true)
	if err != nil {
		return err
	}
	if err := h.AddFault(mockdingtalk.Fault{AccessToken: robot.Token, Kind: mockdingtalk.FaultErrcode, ErrCode: refusalCode, ErrMsg: refusalMsg, Times: 1}); err != nil {
		return err
	}
	start1 := time.Now()
	if _, err := testConnectionTo(ctx, h, robot, "fresh-1", nil); err != nil {
		return err
	}
	end1 := time.Now()
	if err := pause(ctx, freshnessGap); err != nil {
		return err
	}
	start2 := time.Now()
	x, err := testConnectionTo(ctx, h, robot, "fresh-2", nil)
	if err != nil {
		return err
	}
	end2 := time.Now()
	if len(x.entries) != 2 {
		return fmt.Errorf("the webhook received %d requests for two calls; expected 2", len(x.entries))
	}
	first, second := x.entries[0], x.entries[1]
	ts1, err := timestampOf(first)
	if err != nil {
		return err
	}
	ts2, err := timestampOf(second)
	if err != nil {
		return err
	}
	s1, _ := rawParam(first.RawQuery, "sign")
	s2, _ := rawParam(second.RawQuery, "sign")
	switch {
	case ts1 == ts2 || s1 == s2:
		return fmt.Errorf("the second call, %s later, reused the first call's signature (timestamp=%d, sign=%s): a signature computed once (or cached with the URL) fails after DingTalk's hour",
			start2.Sub(end1).Round(time.Millisecond), ts2, s2)
	}
	got := time.Duration(ts2-ts1) * time.Millisecond
	lo, hi := start2.Sub(end1)-freshnessSlack, end2.Sub(start1)+freshnessSlack
	if got < lo || got > hi {
		return fmt.Errorf("the timestamps advanced by %s between two calls %s to %s apart: they do not follow the real time (a cached or stale signing time?)",
			got, start2.Sub(end1).Round(time.Millisecond), end2.Sub(start1).Round(time.Millisecond))
	}
	return nil
}

// pause waits d, or less if ctx ends.
func pause(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
