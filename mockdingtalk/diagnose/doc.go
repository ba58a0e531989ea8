// Package diagnose explains, in plain language, why the fake robot rejected
// a request: it names the client mistake that most likely caused it. The
// explanation is found, not guessed: for signing failures the request is
// re-checked with package dingtalk under each common mistake (a sign that
// was not URL-encoded or was encoded twice, a timestamp in seconds, the
// wrong key, a reused signature, a skewed clock, …) and only a variant that
// actually verifies is reported. The DingTalk answer itself stays
// byte-faithful; the hint is extra (journal, log, X-Mock-Hint header).
package diagnose
