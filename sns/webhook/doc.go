// Package webhook is the SNS API's outbound sender: it signs a DingTalk
// robot message's URL (dingtalk.SignQuery), POSTs it to the webhook (or
// hands it to a handler in this process, see Local) and turns the answer
// (or the failure) into something the API can report, with the safety
// rails a server that dials user-supplied URLs needs: a per-attempt
// timeout, no redirects, a capped response read, http/https only, an
// optional allowlist and denylist of hosts and CIDR ranges checked on the
// resolved address at dial time, and bounded retries.
//
// Nothing it returns or logs contains the secret or the signed URL: URLs are
// reported as scheme://host/path only.
package webhook
